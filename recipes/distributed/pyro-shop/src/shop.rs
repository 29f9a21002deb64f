//! The book's `shop.py`: the `Shop` class the server exposes, as a tarpc service. Amounts are
//! integer cents, so 100 − 37 is exactly 63.00.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tarpc::context::Context;
use tokio::sync::Mutex;

// ANCHOR: shop
/// The remote shop's interface.
#[tarpc::service]
pub trait Shop {
    async fn name() -> String;
    /// Opens a fresh account for `customer`.
    async fn log_on(customer: String);
    async fn log_out(customer: String);
    async fn deposit(customer: String, cents: i64) -> Result<(), UnknownAccount>;
    async fn balance(customer: String) -> Result<i64, UnknownAccount>;
    async fn buy(customer: String, cents: i64) -> Result<(), UnknownAccount>;
    /// Every account and its balance, sorted by name.
    async fn all_accounts() -> Vec<(String, i64)>;
}

/// The book's `KeyError("unknown account")`, sent to the client as a value.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct UnknownAccount(String);

impl std::fmt::Display for UnknownAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown account: {}", self.0)
    }
}

impl std::error::Error for UnknownAccount {}

/// The shop's state: balances in cents, behind a lock because every request runs in a task
/// of its own (Pyro's thread pool server needs one too; the book omits it).
#[derive(Clone, Default)]
pub struct BuyAnythingOnline(Arc<Mutex<BTreeMap<String, i64>>>);

impl BuyAnythingOnline {
    async fn change(self, customer: String, cents: i64) -> Result<(), UnknownAccount> {
        let mut accounts = self.0.lock().await;
        let balance = accounts.get_mut(&customer);
        *balance.ok_or(UnknownAccount(customer))? += cents;
        Ok(())
    }
}

type Done = Result<(), UnknownAccount>;

impl Shop for BuyAnythingOnline {
    async fn name(self, _: Context) -> String {
        "BuyAnythingOnline".to_owned()
    }

    async fn log_on(self, _: Context, customer: String) {
        self.0.lock().await.insert(customer, 0);
    }

    async fn log_out(self, _: Context, customer: String) {
        println!("logout {customer}");
    }

    async fn deposit(self, _: Context, customer: String, cents: i64) -> Done {
        self.change(customer, cents).await
    }

    async fn balance(self, _: Context, customer: String) -> Result<i64, UnknownAccount> {
        let accounts = self.0.lock().await;
        accounts
            .get(&customer)
            .copied()
            .ok_or(UnknownAccount(customer))
    }

    /// As in the book, buying never checks the balance.
    async fn buy(self, _: Context, customer: String, cents: i64) -> Done {
        self.change(customer, -cents).await
    }

    async fn all_accounts(self, _: Context) -> Vec<(String, i64)> {
        let accounts = self.0.lock().await;
        accounts
            .iter()
            .map(|(name, &cents)| (name.clone(), cents))
            .collect()
    }
}

// ANCHOR_END: shop

/// Cents the way the book's `%.2f` shows dollars: `63.00`, `-20.00`.
pub fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_book_flow_leaves_the_book_balances() {
        let shop = BuyAnythingOnline::default();
        let ctx = tarpc::context::current;
        for customer in ["Rashmi", "Meeta"] {
            shop.clone().log_on(ctx(), customer.into()).await;
        }
        let rashmi = || "Rashmi".to_owned();
        shop.clone().deposit(ctx(), rashmi(), 10_000).await.unwrap();
        shop.clone().buy(ctx(), rashmi(), 3_700).await.unwrap();
        for _ in 0..2 {
            shop.clone()
                .deposit(ctx(), "Meeta".into(), 5_000)
                .await
                .unwrap();
        }
        let accounts = shop.all_accounts(ctx()).await;
        let expected = [("Meeta".to_owned(), 10_000), ("Rashmi".to_owned(), 6_300)];
        assert_eq!(accounts, expected);
    }

    #[tokio::test]
    async fn an_unknown_account_is_a_typed_error() {
        let shop = BuyAnythingOnline::default();
        let ctx = tarpc::context::current;
        let error = shop.clone().deposit(ctx(), "Ken".into(), 1).await;
        assert_eq!(error, Err(UnknownAccount("Ken".into())));
        let error = shop.balance(ctx(), "Ken".into()).await.unwrap_err();
        assert_eq!(error.to_string(), "unknown account: Ken");
    }

    #[tokio::test]
    async fn logging_on_again_opens_a_fresh_account() {
        let shop = BuyAnythingOnline::default();
        let ctx = tarpc::context::current;
        shop.clone().log_on(ctx(), "John".into()).await;
        shop.clone()
            .deposit(ctx(), "John".into(), 500)
            .await
            .unwrap();
        shop.clone().log_on(ctx(), "John".into()).await;
        assert_eq!(shop.balance(ctx(), "John".into()).await, Ok(0));
    }

    #[test]
    fn dollars_print_like_percent_point_two_f() {
        assert_eq!(dollars(6_300), "63.00");
        assert_eq!(dollars(5), "0.05");
        assert_eq!(dollars(-2_050), "-20.50");
    }
}

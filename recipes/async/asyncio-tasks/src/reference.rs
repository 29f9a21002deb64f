//! The answers of `asyncio-tasks`'s three tasks computed another way, for its self-check.

/// F(n) by fast doubling: F(2m) = F(m)(2F(m+1) - F(m)), F(2m+1) = F(m)² + F(m+1)², a route
/// to the answer that shares nothing with the task's loop.
pub fn fibonacci_doubling(n: u32) -> u128 {
    fn pair(n: u32) -> (u128, u128) {
        if n == 0 {
            return (0, 1);
        }
        let (f, g) = pair(n / 2);
        // F(n+1) for the largest n (186) passes u128; it is never part of the answer then.
        let even = f * (2 * g - f);
        let odd = f.saturating_mul(f).saturating_add(g.saturating_mul(g));
        if n.is_multiple_of(2) {
            (even, odd)
        } else {
            (odd, even.saturating_add(odd))
        }
    }
    pair(n).0
}

/// C(n, k) from the rows of Pascal's triangle.
pub fn pascal(n: u32, k: u32) -> u64 {
    let mut row = vec![1u64];
    for _ in 0..n {
        let mut next = vec![1u64; row.len() + 1];
        for j in 1..row.len() {
            next[j] = row[j - 1] + row[j];
        }
        row = next;
    }
    row.get(k as usize).copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_independent_computations_know_the_book_values() {
        assert_eq!(fibonacci_doubling(10), 55);
        assert_eq!(fibonacci_doubling(1), 1);
        assert_eq!(fibonacci_doubling(0), 0);
        assert_eq!(fibonacci_doubling(93), 12_200_160_415_121_876_738);
        assert_eq!(
            fibonacci_doubling(186),
            332_825_110_087_067_562_321_196_029_789_634_457_848
        );
        assert_eq!(pascal(20, 10), 184_756);
        assert_eq!(pascal(50, 25), 126_410_606_437_752);
        assert_eq!(pascal(4, 0), 1);
    }
}

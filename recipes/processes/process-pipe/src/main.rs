//! # Exchanging objects between processes with a pipe
//!
//! Book: 1st edition §3.7 "How to exchange objects between processes" (the pipe half); 2nd
//! edition chapter 3, "Using pipes to exchange objects", `communicating_with_pipe.py`.
//!
//! A pipeline of two child processes. The first, `create_items`, sends the numbers 0 to 9 down a
//! pipe; the second, `multiply_items`, reads them, squares them and sends the squares down a
//! second pipe to the parent, which prints each one and then `End` when the stream ends.
//!
//! ## Run
//!
//! ```text
//! cargo run -p process-pipe                      # 0..9, as in the book
//! cargo run -p process-pipe -- --items 100
//! ```
//!
//! ## Python → Rust
//!
//! - `multiprocessing.Process(target=create_items)` → this same binary started again with the
//!   hidden subcommand `create-items` (`common::child::self_command`); the child asks the kernel
//!   to kill it if the parent dies (`common::child::die_with_parent`).
//! - `multiprocessing.Pipe()` and its two connection objects → OS pipes made by
//!   `Stdio::piped()`. The first child's stdout becomes the second child's stdin, as in the
//!   shell's `create_items | multiply_items`; the second child's stdout is read by the parent.
//! - `send(obj)` / `recv()`, which pickle objects → one `serde_json` value per line.
//! - `except EOFError` → the end of the iterator over the pipe's lines: a pipe reports its end
//!   once every write end is closed. The book closes the unused ends by hand
//!   (`close.close()`, `pipe_1[0].close()`); here the parent hands each write end to exactly one
//!   child and keeps none, so the only writer of each pipe is the child that owns it, and its
//!   exit is the end of the stream.
//!
//! ## Differences from the book
//!
//! - The run checks itself: the parent must receive the squares of 0..n, in order, and both
//!   children must exit with status 0; otherwise it exits 1 with one line naming what went
//!   wrong. A last line after `End` says the check held: `Checked: the squares of 0..9 arrived
//!   in order through two processes`.
//! - The count is a flag, `--items` (10, as in the book; at most 1,000,000).
//! - The book's `Pipe(True)` connections are two-way, though only one way is used; OS pipes are
//!   one-way, which is all the pipeline needs.

use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::process::{ChildStdout, Stdio};

use anyhow::{Context, ensure};
use clap::{Parser, Subcommand};
use common::child::Children;

#[derive(Parser)]
#[command(
    about = "Numbers → squares → parent: a pipeline of two child processes",
    args_conflicts_with_subcommands = true
)]
struct Args {
    /// How many numbers the first process sends: 0, 1, ..., n-1 (the book sends 10), at most
    /// 1000000.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    items: u32,
    #[command(subcommand)]
    role: Option<Role>,
}

/// What a child process runs. Hidden: the parent starts them, not the reader.
#[derive(Subcommand)]
enum Role {
    /// Writes 0..items to stdout, one JSON value per line.
    #[command(hide = true)]
    CreateItems {
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        items: u32,
    },
    /// Reads numbers from stdin and writes their squares to stdout.
    #[command(hide = true)]
    MultiplyItems,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let Some(role) = args.role else {
        return parent(args.items);
    };
    common::child::die_with_parent()?;
    match role {
        Role::CreateItems { items } => create_items(items, io::stdout().lock()),
        Role::MultiplyItems => multiply_items(io::stdin().lock(), io::stdout().lock()),
    }
}

// ANCHOR: children
/// The first child: sends 0..items, one JSON value per line. Returning closes its stdout,
/// which the next process reads as the end of the stream.
fn create_items(items: u32, out: impl Write) -> anyhow::Result<()> {
    let mut out = BufWriter::new(out);
    for item in 0..u64::from(items) {
        writeln!(out, "{}", serde_json::to_string(&item)?)?;
    }
    out.flush().context("cannot write to the pipe")
}

/// The second child: squares every number it reads until its input ends.
fn multiply_items(input: impl BufRead, out: impl Write) -> anyhow::Result<()> {
    let mut out = BufWriter::new(out);
    for line in input.lines() {
        let line = line.context("cannot read from the pipe")?;
        let item: u64 = serde_json::from_str(&line)
            .with_context(|| format!("received {line:?}, not a number"))?;
        let square = item
            .checked_mul(item)
            .with_context(|| format!("{item} squared does not fit in 64 bits"))?;
        writeln!(out, "{}", serde_json::to_string(&square)?)?;
    }
    out.flush().context("cannot write to the pipe")
}
// ANCHOR_END: children

// ANCHOR: parent
/// Starts the two children, chained by a pipe, prints what comes out of the second, then
/// checks it.
fn parent(items: u32) -> anyhow::Result<()> {
    let mut children = Children::new();
    let create = ["create-items", "--items", &items.to_string()];
    let creator = spawn_piped(&mut children, "create_items", &create, Stdio::null())?;
    // Moved into the second child: the parent keeps no copy of the first pipe.
    let numbers = Stdio::from(creator);
    let multiply = ["multiply-items"];
    let multiplier = spawn_piped(&mut children, "multiply_items", &multiply, numbers)?;

    let mut squares = Vec::new();
    for line in BufReader::new(multiplier).lines() {
        let line = line.context("cannot read from multiply_items")?;
        let square: u64 = serde_json::from_str(&line)
            .with_context(|| format!("multiply_items sent {line:?}, not a number"))?;
        println!("{square}");
        squares.push(square);
    }
    println!("End");

    children.wait_all()?;
    check(items, &squares)
}
// ANCHOR_END: parent

fn check(items: u32, squares: &[u64]) -> anyhow::Result<()> {
    let expected: Vec<u64> = (0..u64::from(items)).map(|n| n * n).collect();
    ensure!(
        squares == expected,
        "the pipeline returned {squares:?}, expected the squares of 0..{items} in order"
    );
    println!(
        "Checked: the squares of 0..{} arrived in order through two processes",
        items - 1
    );
    Ok(())
}

/// Starts this binary with `args` as the child called `name`, reading `stdin`; returns the
/// read end of its stdout. The command is dropped on return, so the parent keeps no copy of
/// `stdin`.
fn spawn_piped(
    children: &mut Children,
    name: &str,
    args: &[&str],
    stdin: Stdio,
) -> anyhow::Result<ChildStdout> {
    let mut command = common::child::self_command(args)?;
    let child = children.spawn(name, command.stdin(stdin).stdout(Stdio::piped()))?;
    Ok(child.stdout.take().expect("stdout was piped"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_items_writes_one_json_number_per_line() {
        let mut out = Vec::new();
        create_items(4, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "0\n1\n2\n3\n");
    }

    #[test]
    fn multiply_items_squares_until_the_input_ends() {
        let mut out = Vec::new();
        multiply_items(&b"0\n3\n12\n"[..], &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "0\n9\n144\n");
    }

    #[test]
    fn multiply_items_rejects_what_is_not_a_number() {
        let error = multiply_items(&b"3\nthree\n"[..], Vec::new()).unwrap_err();
        assert!(error.to_string().contains("\"three\""), "{error}");
    }

    #[test]
    fn multiply_items_refuses_to_overflow() {
        let error = multiply_items(&b"4294967296\n"[..], Vec::new()).unwrap_err();
        assert!(error.to_string().contains("64 bits"), "{error}");
    }

    #[test]
    fn check_wants_every_square_in_order() {
        assert!(check(3, &[0, 1, 4]).is_ok());
        assert!(check(3, &[0, 4, 1]).is_err());
        assert!(check(3, &[0, 1]).is_err());
    }
}

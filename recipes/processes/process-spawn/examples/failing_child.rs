//! Port addition to `process-spawn`: a child that fails. The recipe's loop (start child `i`,
//! join it, relay its output) with child N failing on purpose: the parent reports the child's
//! PID, exit code and own error message, starts no further child, and exits 1.
//!
//! ```text
//! cargo run -p process-spawn --example failing_child -- --fail-child 3
//! ```

#[path = "../src/my_func.rs"]
mod my_func;

use std::process::Stdio;

use anyhow::{Context, bail, ensure};
use clap::{Parser, Subcommand};
use common::child::{exit_code, self_command};

#[derive(Parser)]
#[command(about = "Children started and joined in turn; one of them fails on purpose")]
struct Args {
    #[command(subcommand)]
    role: Option<Role>,
    /// Children to start and join in turn, 1 to 1000 (the 2nd edition's six).
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=1000))]
    processes: u32,
    /// The child that fails, counting from 0.
    #[arg(long, value_name = "N", default_value_t = 3)]
    fail_child: u32,
}

#[derive(Subcommand)]
enum Role {
    /// Child side: myFunc(index), or an error with --fail.
    #[command(hide = true)]
    Child {
        #[arg(long)]
        index: u32,
        #[arg(long)]
        fail: bool,
    },
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    if let Some(Role::Child { index, fail }) = args.role {
        common::child::die_with_parent()?;
        ensure!(
            !fail,
            "child process {index} fails on purpose (--fail-child {index})"
        );
        my_func::my_func(index);
        return Ok(());
    }
    let (count, fail) = (args.processes, args.fail_child);
    ensure!(
        fail < count,
        "--fail-child {fail}: there is no such child (they are numbered 0 to {})",
        count - 1
    );
    for i in 0..count {
        let mut command = self_command(["child", "--index", &i.to_string()])?;
        if i == fail {
            command.arg("--fail");
        }
        let process = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start child process {i}"))?;
        let pid = process.id();
        let output = process
            .wait_with_output()
            .with_context(|| format!("lost child process {i} (PID {pid})"))?;
        print!("{}", String::from_utf8_lossy(&output.stdout));
        if !output.status.success() {
            // The child's own error line, without its "error: " prefix.
            let stderr = String::from_utf8_lossy(&output.stderr);
            let reason = stderr.lines().next().unwrap_or("no message");
            let not_started = match count - 1 - i {
                0 => String::new(),
                1 => format!("; child {} was not started", i + 1),
                _ => format!("; children {} to {} were not started", i + 1, count - 1),
            };
            bail!(
                "child process {i} (PID {pid}) failed with exit code {}: {}{not_started}",
                exit_code(output.status),
                reason.strip_prefix("error: ").unwrap_or(reason),
            );
        }
    }
    Ok(())
}

//! Helpers shared by the cookbook's recipes. Kept thin on purpose: a recipe must read on its
//! own, so only what several recipes repeat word for word lives here.
//!
//! - [`timing`]: a stopwatch and the "`label` in X.XXXXXX seconds" and speedup lines.
//! - [`output`]: `time.ctime()`-style timestamps, thread names, the edition switch, and the
//!   `--book`/`--tick-ms` pace of the book's sleeps.
//! - [`child`]: re-execute the running binary as a real child process (processes chapter).
//! - [`mpi_launch`]: relaunch an MPI recipe under `mpiexec -n N` when started without it.
//! - [`testing`] (feature `testing`): run a recipe's binary in tests, always with a timeout.

pub mod child;
pub mod mpi_launch;
pub mod output;
pub mod timing;

pub use output::{Edition, Pace};

#[cfg(feature = "testing")]
pub mod testing;

use std::process::ExitCode;
use std::thread::JoinHandle;

/// Turns a recipe's result into its exit status: errors print as one line
/// (`error: outer: cause: root cause`) on stderr and exit 1, never as a backtrace.
pub fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Joins a thread and turns its panic into an error naming the thread, so a failed worker
/// ends the recipe with a clear message instead of a second panic in `main`.
pub fn join<T>(handle: JoinHandle<T>) -> anyhow::Result<T> {
    let name = handle
        .thread()
        .name()
        .unwrap_or("unnamed thread")
        .to_owned();
    handle
        .join()
        .map_err(|_| anyhow::anyhow!("thread {name} panicked"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_returns_the_threads_value() {
        let handle = std::thread::spawn(|| 6 * 7);
        assert_eq!(join(handle).unwrap(), 42);
    }

    #[test]
    fn join_names_a_panicked_thread() {
        let handle = std::thread::Builder::new()
            .name("doomed".into())
            .spawn(|| panic!("deliberate panic in a test"))
            .unwrap();
        let error = join(handle).unwrap_err();
        assert_eq!(error.to_string(), "thread doomed panicked");
    }

    #[test]
    fn report_maps_results_to_exit_codes() {
        assert_eq!(report(Ok(())), ExitCode::SUCCESS);
        assert_eq!(report(Err(anyhow::anyhow!("no"))), ExitCode::FAILURE);
    }
}

//! Helpers shared by the cookbook's recipes. Kept thin on purpose: a recipe must read on its
//! own, so only what several recipes repeat word for word lives here.
//!
//! - [`timing`]: a stopwatch and the "`label` in X.XXXXXX seconds" and speedup lines.
//! - [`output`]: `time.ctime()`-style timestamps, thread names, the edition switch, and the
//!   `--book`/`--tick-ms` pace of the book's sleeps.
//! - [`child`]: re-execute the running binary as a real child process (processes chapter), and
//!   the server processes of a distributed recipe's plain run ([`child::Servers`]).
//! - [`net`]: the socket recipes' client connect, bounded, with a hint when nobody answers.
//! - [`mpi_launch`]: relaunch an MPI recipe under `mpiexec -n N` when started without it.
//! - `opencl` (feature `opencl`): pick the gpu recipes' OpenCL platform and device, or fail
//!   with one clear line when there is none.
//! - `rpc` (feature `rpc`): the tarpc recipes' plumbing: a Pyro-style name service, a
//!   bounded connect, call deadlines, the stop signal and the runtime.
//! - `testing` (feature `testing`): run a recipe's binary in tests, always with a timeout.

pub mod child;
pub mod mpi_launch;
pub mod net;
pub mod output;
pub mod timing;

pub use output::{Edition, Pace};

#[cfg(feature = "opencl")]
pub mod opencl;
#[cfg(feature = "rpc")]
pub mod rpc;
#[cfg(feature = "testing")]
pub mod testing;

use std::process::ExitCode;
use std::thread::JoinHandle;

/// The body of every recipe's `main`: `common::main(|| run(Args::parse()))`.
///
/// Runs `body` and turns its result into the exit status (see [`report`]). A reader piping the
/// output into `head` closes the pipe early; `println!` then panics in whichever thread prints
/// next. Here that ends the process quietly with the shell's SIGPIPE status (141), as a C or
/// Python program would, instead of a panic message and a poisoned lock.
pub fn main(body: impl FnOnce() -> anyhow::Result<()>) -> ExitCode {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if is_broken_pipe(info.payload()) {
            std::process::exit(141);
        }
        default_hook(info);
    }));
    report(body())
}

fn is_broken_pipe(payload: &(dyn std::any::Any + Send)) -> bool {
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or_default();
    message.starts_with("failed printing to std") && message.contains("Broken pipe")
}

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

/// The random generator behind a recipe's `--seed` flag: seeded, so a run can be repeated,
/// or from the OS's entropy when no seed is given, as the book's unseeded `random` is.
pub fn seeded_rng(seed: Option<u64>) -> rand::rngs::SmallRng {
    match seed {
        Some(seed) => rand::SeedableRng::seed_from_u64(seed),
        None => rand::make_rng(),
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
    fn a_seed_repeats_the_numbers() {
        use rand::RngExt;
        let draw = |seed| seeded_rng(seed).random_range(0..u64::MAX);
        assert_eq!(draw(Some(7)), draw(Some(7)));
        assert_ne!(draw(Some(7)), draw(Some(8)));
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
    fn only_print_failures_on_a_closed_pipe_count_as_broken_pipe() {
        let broken = String::from("failed printing to stdout: Broken pipe (os error 32)");
        assert!(is_broken_pipe(&broken));
        assert!(!is_broken_pipe(&"index out of bounds"));
        assert!(!is_broken_pipe(&42));
    }

    #[test]
    fn report_maps_results_to_exit_codes() {
        assert_eq!(report(Ok(())), ExitCode::SUCCESS);
        assert_eq!(report(Err(anyhow::anyhow!("no"))), ExitCode::FAILURE);
    }
}

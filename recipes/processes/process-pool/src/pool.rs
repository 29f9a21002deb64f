//! A pool of worker processes: what Python's `multiprocessing.Pool` does and Rust's standard
//! library has no counterpart for. The recipe and its examples use it the way the book uses
//! `Pool`: start it, `map` a function over a list, close it.
//!
//! A worker is the running binary started again with a hidden subcommand that calls
//! [`worker`]. Parent and worker talk over the worker's stdin and stdout, one JSON line per
//! message: the parent writes a chunk of inputs, the worker answers with their results.

use std::io::{self, BufRead, BufReader, Write};
use std::ops::Range;
use std::process::{Child, ChildStdout, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, anyhow, ensure};
use common::child::{exit_code, self_command};

/// A pool of worker processes. Dropping it terminates and reaps every worker still running.
pub struct Pool {
    workers: Vec<Worker>,
}

/// One worker process, and the read end of its answers.
struct Worker {
    number: usize,
    child: Child,
    answers: BufReader<ChildStdout>,
}

// ANCHOR: pool
impl Pool {
    /// `multiprocessing.Pool(processes)`: starts `processes` copies of this binary with the
    /// arguments `role` (a subcommand that calls [`worker`]) and waits until each is ready.
    pub fn start(processes: usize, role: &[&str]) -> anyhow::Result<Self> {
        let mut pool = Pool {
            workers: Vec::new(),
        };
        for number in 1..=processes {
            // Spawned from this thread, which the workers' PR_SET_PDEATHSIG watches.
            let mut child = self_command(role)?
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .with_context(|| format!("cannot start worker {number}"))?;
            let answers = BufReader::new(child.stdout.take().expect("stdout was piped"));
            pool.workers.push(Worker {
                number,
                child,
                answers,
            });
        }
        for worker in &mut pool.workers {
            worker.answer("before it was ready")?;
        }
        Ok(pool)
    }

    /// `pool.map(function, inputs)`: the results, in input order. The inputs go out in
    /// chunks of `chunk` items (by default about four chunks per worker, as Python sizes
    /// them); a thread per worker hands it the next chunk as soon as it has answered the last.
    pub fn map(&mut self, inputs: &[u64], chunk: Option<usize>) -> anyhow::Result<Vec<u64>> {
        let default = inputs.len().div_ceil(4 * self.workers.len());
        let chunk = chunk.unwrap_or(default).max(1);
        // The first item of the next chunk to hand out, shared by the feeder threads.
        let next = &AtomicUsize::new(0);
        let mut results = vec![0; inputs.len()];
        std::thread::scope(|scope| {
            let feeders: Vec<_> = (self.workers.iter_mut())
                .map(|worker| scope.spawn(move || worker.feed(inputs, chunk, next)))
                .collect();
            for feeder in feeders {
                let answered = feeder.join().map_err(|_| anyhow!("a feeder panicked"))??;
                for (start, values) in answered {
                    results[start..start + values.len()].copy_from_slice(&values);
                }
            }
            Ok(results)
        })
    }

    /// `pool.close(); pool.join()`: closes every worker's stdin, its cue to exit, then waits
    /// for each one and checks that it exited with status 0.
    pub fn close(mut self) -> anyhow::Result<()> {
        for worker in &mut self.workers {
            drop(worker.child.stdin.take());
        }
        for worker in &mut self.workers {
            let code = exit_code(worker.child.wait()?);
            let (number, pid) = (worker.number, worker.child.id());
            ensure!(
                code == 0,
                "worker {number} (pid {pid}) exited with status {code}"
            );
        }
        Ok(())
    }
    // ANCHOR_END: pool

    /// The workers' PIDs, in start order.
    pub fn pids(&self) -> Vec<u32> {
        self.workers
            .iter()
            .map(|worker| worker.child.id())
            .collect()
    }
}

// ANCHOR: feed
impl Worker {
    /// Sends this worker chunks until none is left; returns each chunk's start and results.
    fn feed(
        &mut self,
        inputs: &[u64],
        chunk: usize,
        next: &AtomicUsize,
    ) -> anyhow::Result<Vec<(usize, Vec<u64>)>> {
        let mut answered = Vec::new();
        loop {
            let start = next.fetch_add(chunk, Ordering::Relaxed);
            if start >= inputs.len() {
                return Ok(answered);
            }
            let items = start..inputs.len().min(start + chunk);
            let task = serde_json::to_string(&inputs[items.clone()])?;
            let tasks = self.child.stdin.as_mut().context("the pool is closed")?;
            // A failed write means the worker has died; reading its answer says how.
            let _ = writeln!(tasks, "{task}");
            let line = self.answer(&format!("while computing {}", describe(&items)))?;
            let values: Vec<u64> = serde_json::from_str(&line)
                .with_context(|| format!("worker {} answered {line:?}", self.number))?;
            ensure!(
                values.len() == items.len(),
                "worker {} lost items",
                self.number
            );
            answered.push((start, values));
        }
    }

    /// The next line the worker wrote, or, when its stdout has ended, an error naming the
    /// worker, its exit status and what it was `doing`.
    fn answer(&mut self, doing: &str) -> anyhow::Result<String> {
        let mut line = String::new();
        if self.answers.read_line(&mut line)? > 0 {
            return Ok(line);
        }
        let code = exit_code(self.child.wait()?);
        let (number, pid) = (self.number, self.child.id());
        Err(anyhow!(
            "worker {number} (pid {pid}) exited with status {code} {doing}"
        ))
    }
}
// ANCHOR_END: feed

/// `item 42`, or `items 42 to 48`.
fn describe(items: &Range<usize>) -> String {
    match items.len() {
        1 => format!("item {}", items.start),
        _ => format!("items {} to {}", items.start, items.end - 1),
    }
}

// Not `common::child::Children`, which kills with SIGKILL: `pool.terminate()` sends SIGTERM.
impl Drop for Pool {
    /// `pool.terminate()` for every worker still running, then reap them all.
    fn drop(&mut self) {
        for worker in &mut self.workers {
            drop(worker.child.stdin.take());
            if let Ok(None) = worker.child.try_wait() {
                // A worker that exited since try_wait is reaped below all the same.
                let _ = common::child::terminate(&worker.child);
            }
            let _ = worker.child.wait();
        }
    }
}

// ANCHOR: worker
/// The body of a worker process: it says it is ready, then answers every chunk of inputs it
/// reads on stdin with `function` of each, until its stdin closes.
pub fn worker(function: impl Fn(u64) -> u64) -> anyhow::Result<()> {
    common::child::die_with_parent()?;
    serve(io::stdin().lock(), io::stdout().lock(), function)
}

fn serve(
    tasks: impl BufRead,
    mut out: impl Write,
    function: impl Fn(u64) -> u64,
) -> anyhow::Result<()> {
    writeln!(out, "ready")?;
    out.flush()?;
    for line in tasks.lines() {
        let line = line.context("cannot read a task")?;
        let inputs: Vec<u64> =
            serde_json::from_str(&line).with_context(|| format!("bad task {line:?}"))?;
        let results: Vec<u64> = inputs.into_iter().map(&function).collect();
        writeln!(out, "{}", serde_json::to_string(&results)?).context("the parent has gone")?;
        out.flush().context("the parent has gone")?;
    }
    Ok(())
}
// ANCHOR_END: worker

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_says_ready_then_answers_each_chunk_in_one_line() {
        let mut out = Vec::new();
        serve(&b"[5,6]\n[]\n[7]\n"[..], &mut out, |x| x * x).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ready\n[25,36]\n[]\n[49]\n"
        );
    }

    #[test]
    fn a_worker_refuses_a_bad_task() {
        let error = serve(&b"five\n"[..], Vec::new(), |x| x).unwrap_err();
        assert!(error.to_string().contains("bad task"), "{error}");
    }

    #[test]
    fn chunks_are_described_by_their_items() {
        assert_eq!(describe(&(42..43)), "item 42");
        assert_eq!(describe(&(42..49)), "items 42 to 48");
    }
}

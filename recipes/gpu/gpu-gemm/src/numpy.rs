//! The anchor of `--numpy`: NumPy's `A @ B` on float32 matrices of the same side, timed in a
//! Python child of this run, as the book times `np.dot`. NumPy hands the product to its BLAS
//! (OpenBLAS in the wheels), the CPU library a reader's other figures are measured against.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context as _, bail};

use crate::reference::{gflops, rate_line};

/// `--numpy` and the interpreter it runs.
#[derive(clap::Args, Debug, Clone)]
pub struct NumpyArgs {
    /// Also time NumPy's A @ B at the same side, the anchor of the ratios.
    #[arg(long)]
    pub numpy: bool,
    /// The Python interpreter for --numpy.
    #[arg(long, default_value = "python3")]
    pub python: PathBuf,
}

/// How long the child may take: a warm-up and the timed products at the largest `--dim`.
const TIMEOUT: Duration = Duration::from_secs(600);
/// The child's exit code when `import numpy` fails.
const NO_NUMPY: i32 = 3;

/// The child's program: random float32 matrices, one warm-up product, then `runs` timed ones;
/// prints the median time in seconds and NumPy's version.
const PROGRAM: &str = "
import sys, time
try:
    import numpy as np
except ImportError:
    sys.exit(3)
n, runs = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(1)
a = rng.random((n, n), dtype=np.float32)
b = rng.random((n, n), dtype=np.float32)
a @ b
times = []
for _ in range(runs):
    start = time.perf_counter()
    a @ b
    times.append(time.perf_counter() - start)
times.sort()
print(times[len(times) // 2], np.__version__)
";

/// NumPy's median time for an n×n `A @ B`, or why there is none.
#[derive(Debug)]
pub enum Anchor {
    Timed { seconds: f64, version: String },
    Missing(String),
}

/// With `--numpy`: times NumPy's `A @ B` at side `n` and prints its rate and each library's
/// ratio to it (`CLBlast / NumPy: 0.20`), or one line saying why there is no anchor.
pub fn anchor(
    args: &NumpyArgs,
    n: usize,
    runs: usize,
    libraries: &[(&str, Duration)],
) -> anyhow::Result<()> {
    if !args.numpy {
        return Ok(());
    }
    match time_matmul(&args.python, n, runs)? {
        Anchor::Timed { seconds, version } => {
            let took = Duration::from_secs_f64(seconds);
            println!("{}", rate_line(&format!("NumPy {version} A @ B"), n, took));
            for (name, time) in libraries {
                let ratio = gflops(n, *time) / gflops(n, took);
                println!("{name} / NumPy: {ratio:.2}");
            }
        }
        Anchor::Missing(why) => println!("NumPy anchor skipped: {why}"),
    }
    Ok(())
}

/// Runs `python` (a name on PATH or a path) with NumPy: `runs` timed products of side `n`.
pub fn time_matmul(python: &Path, n: usize, runs: usize) -> anyhow::Result<Anchor> {
    let hint = "pip install numpy, or scripts/setup.sh --python-originals and \
                --python .venv/bin/python3";
    let mut child = match Command::new(python)
        .args(["-c", PROGRAM, &n.to_string(), &runs.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(error) => {
            return Ok(Anchor::Missing(format!(
                "cannot run {} ({error}); {hint}",
                python.display()
            )));
        }
    };
    // Each pipe is drained by its own thread, so neither can fill up and stall the child.
    let drain = |mut pipe: Box<dyn std::io::Read + Send>| {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = tx.send(pipe.read_to_string(&mut text).map(|_| text));
        });
        rx
    };
    let stdout = drain(Box::new(child.stdout.take().context("the child's stdout")?));
    let stderr = drain(Box::new(child.stderr.take().context("the child's stderr")?));
    let Ok(out) = stdout.recv_timeout(TIMEOUT) else {
        let _ = child.kill();
        let _ = child.wait();
        bail!(
            "{} did not finish NumPy's products within {TIMEOUT:?}",
            python.display()
        );
    };
    let read = out.and_then(|out| Ok((out, stderr.recv().unwrap_or(Ok(String::new()))?)));
    let (out, err) = read.context("cannot read the Python child's output")?;
    let status = child.wait().context("cannot wait for the Python child")?;
    if status.code() == Some(NO_NUMPY) {
        return Ok(Anchor::Missing(format!(
            "numpy is missing for {}; {hint}",
            python.display()
        )));
    }
    if !status.success() {
        let last = err.lines().last().unwrap_or("no message");
        bail!(
            "{} failed timing NumPy ({status}): {last}",
            python.display()
        );
    }
    parse(&out).with_context(|| format!("unexpected output from {}: {out:?}", python.display()))
}

/// `"0.0123 2.1.0"` → the seconds and NumPy's version.
fn parse(out: &str) -> Option<Anchor> {
    let mut words = out.split_whitespace();
    let seconds: f64 = words.next()?.parse().ok()?;
    let version = words.next()?.to_owned();
    (seconds.is_finite() && seconds > 0.0).then_some(Anchor::Timed { seconds, version })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_childs_line_parses() {
        let Some(Anchor::Timed { seconds, version }) = parse("0.25 2.4.6\n") else {
            panic!("not parsed");
        };
        assert_eq!((seconds, version.as_str()), (0.25, "2.4.6"));
        assert!(parse("nan 2.0").is_none());
        assert!(parse("").is_none());
    }

    #[test]
    fn a_missing_interpreter_is_a_note_with_the_hint() {
        let anchor = time_matmul(Path::new("/nonexistent/python3"), 4, 1).expect("a note");
        let Anchor::Missing(note) = anchor else {
            panic!("{anchor:?}");
        };
        assert!(
            note.starts_with("cannot run /nonexistent/python3 ("),
            "{note}"
        );
        assert!(note.contains("pip install numpy"), "{note}");
    }
}

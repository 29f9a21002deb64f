//! What a job hands back instead of the book's list of numbers, and the one line a child process
//! sends it on. The book's jobs return nothing; the recipe returns a checksum from every job so
//! that it can check that the three modes computed the same thing.

use std::fmt;
use std::io::Read;
use std::process::Child;

use anyhow::{Context, ensure};

/// Numbers a job appends to its list before folding them into the checksum and reusing the
/// list: 64 Ki numbers, 512 KiB, whatever the job's size.
pub const CHUNK: usize = 64 * 1024;

/// A job's result: how many numbers, their sum in drawing order, and their range. Two runs of
/// the same job give identical checksums, bit for bit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Checksum {
    pub count: u64,
    pub sum: f64,
    pub min: f64,
    pub max: f64,
}

impl Checksum {
    pub const EMPTY: Self = Self {
        count: 0,
        sum: 0.0,
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
    };

    /// Plain comparisons rather than `f64::min`/`max`, whose NaN handling costs over a third of
    /// the job's time: the values are draws in [0, 1), never NaN. The running values live in
    /// locals, so the loop keeps them in registers.
    pub fn add_all(&mut self, values: &[f64]) {
        let (mut sum, mut min, mut max) = (self.sum, self.min, self.max);
        for &value in values {
            sum += value;
            if value < min {
                min = value;
            }
            if value > max {
                max = value;
            }
        }
        self.count += values.len() as u64;
        (self.sum, self.min, self.max) = (sum, min, max);
    }

    /// Fails unless the job drew `size` numbers, all in [0, 1).
    pub fn drew(&self, size: u64) -> anyhow::Result<()> {
        ensure!(
            self.count == size && self.min >= 0.0 && self.max < 1.0,
            "drew {} numbers in [{}, {}], not {size} in [0, 1)",
            self.count,
            self.min,
            self.max
        );
        Ok(())
    }

    /// Waits for the child process of job `index` and returns the checksum it printed, or an
    /// error naming the job and how its process ended.
    pub fn read_from(index: u32, child: &mut Child) -> anyhow::Result<Self> {
        let (mut stdout, mut stderr, pid) = (String::new(), String::new(), child.id());
        // One short line each way: neither pipe can fill up while the other is read.
        let pipes = (child.stdout.take(), child.stderr.take());
        let (Some(mut out), Some(mut err)) = pipes else {
            anyhow::bail!("job {index}: child {pid} has no stdout or stderr pipe");
        };
        out.read_to_string(&mut stdout)?;
        err.read_to_string(&mut stderr)?;
        let status = child
            .wait()
            .with_context(|| format!("job {index}: lost child {pid}"))?;
        let reason = stderr.lines().next().unwrap_or("no message");
        let reason = reason.strip_prefix("error: ").unwrap_or(reason);
        ensure!(
            status.success(),
            "job {index}: child process {pid} failed ({status}): {reason}"
        );
        Self::from_wire(stdout.trim_end())
            .with_context(|| format!("job {index}: child process {pid} printed {stdout:?}"))
    }

    /// The exact form a child prints and the parent parses back: Rust prints an `f64` with
    /// the fewest digits that read back as the same number.
    pub fn to_wire(self) -> String {
        format!(
            "checksum {} {} {} {}",
            self.count, self.sum, self.min, self.max
        )
    }

    pub fn from_wire(line: &str) -> Option<Self> {
        let mut fields = line.strip_prefix("checksum ")?.split(' ');
        let checksum = Self {
            count: fields.next()?.parse().ok()?,
            sum: fields.next()?.parse().ok()?,
            min: fields.next()?.parse().ok()?,
            max: fields.next()?.parse().ok()?,
        };
        fields.next().is_none().then_some(checksum)
    }
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} values, sum {:.6}", self.count, self.sum)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_format_round_trips_exactly() {
        let mut checksum = Checksum::EMPTY;
        checksum.add_all(&[0.1, 0.7, 1.0 / 3.0]);
        assert_eq!(Checksum::from_wire(&checksum.to_wire()), Some(checksum));
        assert_eq!(Checksum::from_wire("checksum 1 2 3"), None);
        assert_eq!(Checksum::from_wire("checksum 1 2 3 4 5"), None);
        assert_eq!(Checksum::from_wire("sum 1 2 3 4"), None);
    }
}

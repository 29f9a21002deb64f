//! Wall-clock timing and the lines the timing recipes print.

use std::time::{Duration, Instant};

/// A started clock. `Instant` is monotonic, so a measurement never goes negative when the
/// system clock is adjusted (Python's `time.time()` can).
#[derive(Debug, Clone, Copy)]
pub struct Stopwatch(Instant);

impl Stopwatch {
    pub fn start() -> Self {
        Self(Instant::now())
    }

    pub fn elapsed(&self) -> Duration {
        self.0.elapsed()
    }
}

/// Runs `work` once and returns its result with the wall time it took.
pub fn timed<T>(work: impl FnOnce() -> T) -> (T, Duration) {
    let clock = Stopwatch::start();
    let value = work();
    (value, clock.elapsed())
}

/// Runs `work` `runs` times (at least once) and returns the last result with the shortest time,
/// the usual way to take the noise of a shared machine out of a micro-benchmark.
pub fn best_of<T>(runs: usize, mut work: impl FnMut() -> T) -> (T, Duration) {
    let (mut value, mut best) = timed(&mut work);
    for _ in 1..runs {
        let (next, took) = timed(&mut work);
        value = next;
        best = best.min(took);
    }
    (value, best)
}

/// [`best_of`] for work that can fail: every run's result is checked, the first error ends
/// the loop, and the last value comes back with the shortest time.
pub fn try_best_of<T, E>(
    runs: usize,
    mut work: impl FnMut() -> Result<T, E>,
) -> Result<(T, Duration), E> {
    let (value, mut best) = timed(&mut work);
    let mut value = value?;
    for _ in 1..runs {
        let (next, took) = timed(&mut work);
        value = next?;
        best = best.min(took);
    }
    Ok((value, best))
}

/// `"<label> in 0.123456 seconds"`.
pub fn seconds_line(label: &str, took: Duration) -> String {
    format!("{label} in {:.6} seconds", took.as_secs_f64())
}

/// How many times faster `parallel` ran than `serial`.
pub fn speedup(serial: Duration, parallel: Duration) -> f64 {
    serial.as_secs_f64() / parallel.as_secs_f64().max(f64::MIN_POSITIVE)
}

/// `"<label> speedup: 1.93x"`.
pub fn speedup_line(label: &str, serial: Duration, parallel: Duration) -> String {
    format!("{label} speedup: {:.2}x", speedup(serial, parallel))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_line_has_six_decimals() {
        let line = seconds_line("serial", Duration::from_micros(1_500_250));
        assert_eq!(line, "serial in 1.500250 seconds");
    }

    #[test]
    fn speedup_is_serial_over_parallel() {
        let line = speedup_line("threads", Duration::from_secs(3), Duration::from_secs(2));
        assert_eq!(line, "threads speedup: 1.50x");
    }

    #[test]
    fn speedup_of_a_zero_parallel_time_is_finite() {
        assert!(speedup(Duration::from_secs(1), Duration::ZERO).is_finite());
    }

    #[test]
    fn timed_returns_the_value() {
        let (value, took) = timed(|| 2 + 2);
        assert_eq!(value, 4);
        assert!(took < Duration::from_secs(60));
    }

    #[test]
    fn best_of_runs_the_work_each_time() {
        let mut calls = 0;
        let (last, _) = best_of(5, || {
            calls += 1;
            calls
        });
        assert_eq!((calls, last), (5, 5));
    }

    #[test]
    fn try_best_of_stops_at_the_first_error() {
        let mut calls = 0;
        let result: Result<(u32, Duration), String> = try_best_of(5, || {
            calls += 1;
            if calls == 3 {
                Err(format!("run {calls}"))
            } else {
                Ok(calls)
            }
        });
        assert_eq!(result.unwrap_err(), "run 3");
        assert_eq!(calls, 3);
        let (last, _) = try_best_of::<_, String>(4, || Ok(7)).unwrap();
        assert_eq!(last, 7);
    }

    #[test]
    fn best_of_zero_still_runs_once() {
        let mut calls = 0;
        best_of(0, || calls += 1);
        assert_eq!(calls, 1);
    }
}

//! Output and pacing shared by many recipes.

use std::fmt::Display;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Local};

/// A timestamp in the form of Python's `time.ctime()`: `Sun Nov 22 00:40:03 2026`.
pub fn ctime(at: SystemTime) -> String {
    DateTime::<Local>::from(at)
        .format("%a %b %e %H:%M:%S %Y")
        .to_string()
}

/// Prints `message` the way the 2nd edition's `logging.basicConfig` format shows it:
/// `2026-11-22 00:46:20,765 Producer          INFO     total items 1` (time, thread name
/// padded to 17, level padded to 8). Printed to stdout, where the rest of the output goes.
pub fn log_info(message: &str) {
    println!("{}", log_line(&thread_name("Thread"), message));
}

fn log_line(thread: &str, message: &str) -> String {
    let now = Local::now().format("%Y-%m-%d %H:%M:%S,%3f");
    format!("{now} {thread:<17} {:<8} {message}", "INFO")
}

/// The running thread's name. Rust threads have a name only when one was given
/// (`std::thread::Builder::name`); `fallback` stands in for Python's automatic `Thread-N`.
pub fn thread_name(fallback: &str) -> String {
    std::thread::current().name().unwrap_or(fallback).to_owned()
}

/// Python's `str()` of a list: `[0, 1, 4]`. Quote strings first with [`py_str`] to get
/// `['a', 'b']`.
pub fn py_list<T: Display>(items: impl IntoIterator<Item = T>) -> String {
    let items: Vec<String> = items.into_iter().map(|item| item.to_string()).collect();
    format!("[{}]", items.join(", "))
}

/// Python's `repr()` of a short str: `'text'`.
pub fn py_str(text: &str) -> String {
    format!("'{}'", text.escape_debug())
}

/// A socket address as Python prints its `(host, port)` tuple: `('127.0.0.1', 54321)`.
pub fn py_addr(address: std::net::SocketAddr) -> String {
    format!("('{}', {})", address.ip(), address.port())
}

/// Python's `str()` of a dict: `{0: 0, 1: 2}`.
pub fn py_dict<K: Display, V: Display>(entries: impl IntoIterator<Item = (K, V)>) -> String {
    let entries: Vec<String> = entries
        .into_iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    format!("{{{}}}", entries.join(", "))
}

/// Which edition of the book a run follows, where the two differ (names, counts, wording).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Edition {
    /// 1st edition (2015)
    Ed1,
    /// 2nd edition (2019)
    Ed2,
}

impl Edition {
    /// The flag value that selects this edition, to pass on to a child process.
    pub fn as_arg(self) -> &'static str {
        match self {
            Edition::Ed1 => "ed1",
            Edition::Ed2 => "ed2",
        }
    }
}

/// The longest book second a run may ask for: ten real seconds, so no run sleeps for ever.
pub const MAX_TICK_MS: u64 = 10_000;

/// The book sleeps in whole seconds; the recipes sleep in ticks so a default run takes a
/// moment. `--book` restores the book's pace (and, per recipe, its sizes).
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct Pace {
    /// Use the book's parameters: one tick is a full second, and the book's sizes.
    #[arg(long)]
    pub book: bool,
    /// Length of one book second in milliseconds, at most 10000 [default: 50, or 1000 with
    /// --book].
    #[arg(long = "tick-ms", value_name = "MS", value_parser = clap::value_parser!(u64).range(..=MAX_TICK_MS))]
    pub tick_ms: Option<u64>,
}

impl Pace {
    /// One book second.
    pub fn tick(&self) -> Duration {
        let default = if self.book { 1000 } else { 50 };
        Duration::from_millis(self.tick_ms.unwrap_or(default))
    }

    /// The duration of `book_seconds` of the book's time (fractions allowed: 0.5 s).
    pub fn of(&self, book_seconds: f64) -> Duration {
        self.tick().mul_f64(book_seconds)
    }

    /// The flags that give a child process the same pace: `--tick-ms <this run's tick>`.
    pub fn child_args(&self) -> [String; 2] {
        ["--tick-ms".to_owned(), self.tick().as_millis().to_string()]
    }

    /// Sleeps for `book_seconds` of the book's time. Models work, as the book's sleeps do;
    /// never used to wait for another thread.
    pub fn sleep(&self, book_seconds: f64) {
        std::thread::sleep(self.of(book_seconds));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctime_has_the_python_shape() {
        let text = ctime(SystemTime::now());
        let fields: Vec<&str> = text.split_whitespace().collect();
        assert_eq!(fields.len(), 5, "{text}");
        assert_eq!(fields[3].len(), "00:40:03".len(), "{text}");
        assert_eq!(fields[4].len(), 4, "{text}");
    }

    #[test]
    fn log_lines_pad_thread_and_level_like_python_logging() {
        let line = log_line("Producer", "total items 1");
        let (stamp, rest) = line.split_at("2026-11-22 00:46:20,765".len());
        assert_eq!(stamp.len(), 23, "{line}");
        assert_eq!(&stamp[19..20], ",", "{line}");
        assert_eq!(rest, " Producer          INFO     total items 1");
    }

    #[test]
    fn thread_name_reads_the_builder_name() {
        let name = std::thread::Builder::new()
            .name("worker-7".into())
            .spawn(|| thread_name("Thread-?"))
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(name, "worker-7");
    }

    #[test]
    fn thread_name_falls_back_for_unnamed_threads() {
        let name = std::thread::spawn(|| thread_name("Thread-9"))
            .join()
            .unwrap();
        assert_eq!(name, "Thread-9");
    }

    #[test]
    fn python_reprs_of_lists_strings_and_dicts() {
        assert_eq!(py_list([0, 1, 4]), "[0, 1, 4]");
        assert_eq!(py_list(["a", "b"].map(py_str)), "['a', 'b']");
        assert_eq!(py_list(Vec::<u8>::new()), "[]");
        assert_eq!(py_str("it's"), "'it\\'s'");
        assert_eq!(py_dict([(0, 0), (1, 2)]), "{0: 0, 1: 2}");
        let peer: std::net::SocketAddr = "127.0.0.1:54321".parse().unwrap();
        assert_eq!(py_addr(peer), "('127.0.0.1', 54321)");
    }

    #[test]
    fn pace_defaults_to_fast_ticks() {
        let pace = Pace::default();
        assert_eq!(pace.of(2.0), Duration::from_millis(100));
        assert_eq!(pace.of(0.5), Duration::from_millis(25));
    }

    #[test]
    fn children_get_the_resolved_tick_and_edition() {
        let book = Pace {
            book: true,
            tick_ms: None,
        };
        assert_eq!(book.child_args(), ["--tick-ms", "1000"]);
        assert_eq!(Pace::default().child_args(), ["--tick-ms", "50"]);
        assert_eq!(Edition::Ed1.as_arg(), "ed1");
        assert_eq!(Edition::Ed2.as_arg(), "ed2");
    }

    #[test]
    fn book_pace_is_real_seconds_unless_overridden() {
        let book = Pace {
            book: true,
            tick_ms: None,
        };
        assert_eq!(book.of(1.0), Duration::from_secs(1));
        let custom = Pace {
            book: true,
            tick_ms: Some(10),
        };
        assert_eq!(custom.of(3.0), Duration::from_millis(30));
    }
}

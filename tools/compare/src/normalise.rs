//! Normalisation: what differs between two runs of the same program for reasons that are not
//! the program's (the clock, process IDs, addresses, ports, thread numbering, timing noise)
//! is masked, so that only real differences remain.

use regex::{Captures, Regex};

/// The built-in rules, in the order they apply: (pattern, replacement).
const RULES: &[(&str, &str)] = &[
    // time.ctime(): "Mon Jan  1 12:00:00 2024".
    (
        r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d\d:\d\d:\d\d \d{4}\b",
        "<time>",
    ),
    // ISO dates with a time, as logging's asctime and datetime print them.
    (
        r"\b\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?",
        "<time>",
    ),
    (r"\b\d\d:\d\d:\d\d(?:[.,]\d+)?\b", "<time>"),
    // Durations: "0.25 seconds", "1.5s", "12 ms", "time= 3.2".
    (
        r"(?i)\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\s*(?:seconds|secs|sec|ms|µs|us|ns|s)\b",
        "<secs>",
    ),
    (
        r"(?i)\btime\s*=\s*\d+(?:\.\d+)?(?:e[+-]?\d+)?",
        "time= <secs>",
    ),
    // Process IDs: "pid 42", "PID: 42", "process ID 42", "pid=42 parent=41".
    (
        r"(?i)\b(pid|ppid|process id|parent)(\s*[:=]?\s*)\d+",
        "$1$2<pid>",
    ),
    // Object and memory addresses.
    (r"\b0x[0-9a-fA-F]+\b", "<addr>"),
    // IPv4 addresses with an optional port, and Python's ('127.0.0.1', 5000) tuples.
    (r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b", "<ip>"),
    (r"\(\s*'?<ip>'?\s*,\s*\d+\s*\)", "<ip>"),
    (r"\blocalhost:\d+\b", "<ip>"),
    // "localhost:9090 (127.0.0.1)": an address and what it resolves to.
    (r"<ip> \(<ip>\)", "<ip>"),
    // Thread names: Python 3.10+ adds the target ("Thread-1 (worker)"); pools number theirs.
    (r"\bThread-\d+(?: \([^)]*\))?", "Thread-N"),
    (r"\bThreadPoolExecutor-\d+_\d+\b", "<pool-thread>"),
    (
        r"\b(?:ForkPoolWorker|SpawnPoolWorker|ForkProcess|SpawnProcess|ForkServerProcess)-\d+\b",
        "<pool-worker>",
    ),
    // numpy pads inside brackets: "[ 1  2]" and "[1 2]" are the same array.
    (r"\[\s+", "["),
    (r"\s+\]", "]"),
];

/// A recipe's own patterns (regular expressions), from its metadata.
#[derive(Debug, Clone, Default)]
pub struct Patterns {
    /// Replaced by `*` after the built-in rules: values that are random in the book.
    pub mask: Vec<String>,
    /// Deleted after the built-in rules: a prefix or suffix one side adds.
    pub strip: Vec<String>,
    /// Lines (as printed) the port adds and its header documents: dropped from the port's
    /// output only, and counted in the report.
    pub ignore: Vec<String>,
    /// Lines (as printed) of the original's own machinery (a library's banner): dropped from
    /// the original's output only.
    pub ignore_original: Vec<String>,
    /// When given, only lines (as printed) matching one of these are compared.
    pub keep: Vec<String>,
    /// The arrays' values are random in the book (`compare-arrays = "shape"`): each number
    /// inside an array becomes `*`, so only the arrays' shapes are compared.
    pub array_shapes_only: bool,
}

fn compile(patterns: &[String], key: &str) -> anyhow::Result<Vec<Regex>> {
    patterns
        .iter()
        .map(|pattern| {
            Regex::new(pattern).map_err(|error| anyhow::anyhow!("bad {key} {pattern:?}: {error}"))
        })
        .collect()
}

/// Masks a line's noise; built once per recipe from the built-in rules and its own masks.
#[derive(Debug)]
pub struct Normaliser {
    rules: Vec<(Regex, String)>,
    ignore: Vec<Regex>,
    ignore_original: Vec<Regex>,
    keep: Vec<Regex>,
    float: Regex,
    array_number: Option<Regex>,
    precision: usize,
}

impl Normaliser {
    /// A recipe's own rules on top of the built-in ones: see [`Patterns`].
    pub fn new(patterns: &Patterns, precision: usize) -> anyhow::Result<Self> {
        let mut rules = Vec::new();
        for (pattern, replacement) in RULES {
            rules.push((Regex::new(pattern)?, (*replacement).to_owned()));
        }
        for regex in compile(&patterns.mask, "compare-mask")? {
            rules.push((regex, "*".to_owned()));
        }
        for regex in compile(&patterns.strip, "compare-strip")? {
            rules.push((regex, String::new()));
        }
        Ok(Self {
            rules,
            ignore: compile(&patterns.ignore, "compare-ignore")?,
            ignore_original: compile(&patterns.ignore_original, "compare-ignore-original")?,
            keep: compile(&patterns.keep, "compare-keep")?,
            float: Regex::new(r"-?\b\d+\.\d+\b")?,
            array_number: patterns
                .array_shapes_only
                .then(|| Regex::new(r"-?\b\d+(?:\.\d*)?(?:e[+-]?\d+)?\b"))
                .transpose()?,
            precision,
        })
    }

    /// The original's lines, normalised as the port's are, its library banners
    /// (`compare-ignore-original`) left out.
    pub fn original_lines(&self, text: &str) -> Vec<String> {
        self.lines(text, &self.ignore_original).0
    }

    /// The port's lines, normalised, and apart from them the lines it adds that its header
    /// documents (`compare-ignore`), as printed.
    pub fn port_lines(&self, text: &str) -> (Vec<String>, Vec<String>) {
        self.lines(text, &self.ignore)
    }

    /// The text's lines, normalised: noise masked, whitespace runs collapsed, trailing spaces
    /// and blank lines (Python's `print("...\n")` adds them) dropped, and an array printed over
    /// several lines joined into one, so arrays compare value by value whatever their wrapping.
    /// Lines that match `ignore` come back apart, untouched.
    fn lines(&self, text: &str, ignore: &[Regex]) -> (Vec<String>, Vec<String>) {
        let (ignored, kept): (Vec<&str>, Vec<&str>) = text
            .lines()
            .filter(|line| self.keep.is_empty() || self.keep.iter().any(|r| r.is_match(line)))
            .partition(|line| ignore.iter().any(|regex| regex.is_match(line)));
        let ignored = ignored.into_iter().map(str::to_owned).collect();
        let kept = join_arrays(kept.into_iter())
            .iter()
            .map(|line| self.line(line))
            .filter(|line| !line.is_empty())
            .collect();
        (kept, ignored)
    }

    /// One line, normalised.
    pub fn line(&self, line: &str) -> String {
        let mut text = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some(number) = &self.array_number
            && text.starts_with('[')
        {
            text = number.replace_all(&text, "*").into_owned();
        }
        for (regex, replacement) in &self.rules {
            text = regex.replace_all(&text, replacement.as_str()).into_owned();
        }
        let text = self.float.replace_all(&text, |caps: &Captures| {
            let digits = &caps[0];
            let decimals = digits.split_once('.').map_or(0, |(_, d)| d.len());
            match digits.parse::<f64>() {
                Ok(value) if decimals > self.precision => {
                    format!("{value:.precision$}", precision = self.precision)
                }
                _ => digits.to_owned(),
            }
        });
        text.trim().to_owned()
    }
}

/// Lines with each NumPy-style array that spans several lines (it opens with `[` and its
/// brackets close on a later line) joined into one line.
fn join_arrays<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut joined: Vec<String> = Vec::new();
    let mut open = 0i64;
    for line in lines {
        let depth = line.matches('[').count() as i64 - line.matches(']').count() as i64;
        if open > 0 {
            let last = joined.last_mut().expect("an open array has a first line");
            last.push(' ');
            last.push_str(line.trim());
            open += depth;
        } else {
            joined.push(line.to_owned());
            open = if line.trim_start().starts_with('[') {
                depth.max(0)
            } else {
                0
            };
        }
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain() -> Normaliser {
        Normaliser::new(&Patterns::default(), 4).unwrap()
    }

    #[test]
    fn clocks_are_masked() {
        let n = plain();
        assert_eq!(
            n.line("Huey reached the barrier at: Mon Jan  1 12:00:00 2024"),
            "Huey reached the barrier at: <time>"
        );
        assert_eq!(
            n.line("2024-05-01 10:11:12,345 Producer          INFO     total items 1"),
            "<time> Producer INFO total items 1"
        );
        assert_eq!(
            n.line("process p1 ----> 2024-05-01 10:11:12.345678"),
            "process p1 ----> <time>"
        );
    }

    #[test]
    fn durations_pids_and_addresses_are_masked() {
        let n = plain();
        assert_eq!(n.line("--- 10.0123 seconds ---"), "--- <secs> ---");
        assert_eq!(n.line("serial time= 12.5"), "serial time= <secs>");
        assert_eq!(
            n.line("Thread#1 running, belonging to process ID 4242"),
            "Thread#1 running, belonging to process ID <pid>"
        );
        assert_eq!(
            n.line("<Process name='Process-1' pid=77 parent=76 started>"),
            "<Process name='Process-1' pid=<pid> parent=<pid> started>"
        );
        assert_eq!(n.line("object at 0x7f3a2b1c"), "object at <addr>");
        assert_eq!(
            n.line("Got connection from ('127.0.0.1', 51234)"),
            "Got connection from <ip>"
        );
        assert_eq!(n.line("NS running on 127.0.0.1:9090"), "NS running on <ip>");
        assert_eq!(
            n.line("NS running on localhost:9090 (127.0.0.1)"),
            "NS running on <ip>"
        );
    }

    #[test]
    fn thread_names_lose_their_numbers_and_targets() {
        let n = plain();
        assert_eq!(n.line("popped by Thread-3 (run)"), "popped by Thread-N");
        assert_eq!(n.line("popped by Thread-12"), "popped by Thread-N");
        assert_eq!(n.line("ThreadPoolExecutor-0_3 done"), "<pool-thread> done");
        assert_eq!(n.line("ForkPoolWorker-2 done"), "<pool-worker> done");
    }

    #[test]
    fn floats_are_rounded_and_whitespace_collapsed() {
        let n = plain();
        assert_eq!(n.line("pi =   3.14159265  "), "pi = 3.1416");
        assert_eq!(n.line("x 0.2"), "x 0.2");
        assert_eq!(n.line("[ 1  2  3]"), "[1 2 3]");
    }

    #[test]
    fn masks_strips_ignores_and_keeps_apply() {
        let patterns = Patterns {
            mask: vec![r"N°\d+".into()],
            strip: vec![r" on <ip>$".into()],
            ignore: vec!["^Started ".into()],
            ignore_original: vec!["^Warning: ".into()],
            ..Patterns::default()
        };
        let n = Normaliser::new(&patterns, 4).unwrap();
        let text = "item N°23 appended\n\nStarted server\n  \nend on 10.0.0.1:80\nWarning: x\n";
        let (port, set_aside) = n.port_lines(text);
        assert_eq!(port, ["item * appended", "end", "Warning: x"]);
        assert_eq!(set_aside, ["Started server"]);
        let original = n.original_lines(text);
        assert_eq!(original, ["item * appended", "Started server", "end"]);
        let keep = Patterns {
            keep: vec!["Task ".into()],
            ..Patterns::default()
        };
        let n = Normaliser::new(&keep, 4).unwrap();
        assert_eq!(
            n.original_lines("banner\n[w] Task add received\n"),
            ["[w] Task add received"]
        );
    }

    #[test]
    fn arrays_over_several_lines_compare_as_one_whatever_the_wrapping() {
        let n = plain();
        let narrow = n.original_lines("A\n[[ 1  2]\n [ 3  4]]\nend\n");
        let wide = n.original_lines("A\n[[1 2] [3 4]]\nend\n");
        assert_eq!(narrow, ["A", "[[1 2] [3 4]]", "end"]);
        assert_eq!(narrow, wide);
        let changed = n.original_lines("A\n[[ 1  2]\n [ 3  5]]\nend\n");
        assert_ne!(narrow, changed);
        assert_eq!(
            n.original_lines("[0.1 0.2\n 0.30000001]"),
            ["[0.1 0.2 0.3000]"]
        );
    }

    #[test]
    fn random_arrays_compare_by_shape() {
        let shapes = Patterns {
            array_shapes_only: true,
            ..Patterns::default()
        };
        let n = Normaliser::new(&shapes, 4).unwrap();
        assert_eq!(
            n.original_lines("LENGTH = 3\n[12  7\n 99]"),
            ["LENGTH = 3", "[* * *]"]
        );
        assert_ne!(n.original_lines("[1 2 3]"), n.original_lines("[1 2]"));
    }

    #[test]
    fn bad_patterns_are_reported() {
        let bad = Patterns {
            strip: vec!["(".into()],
            ..Patterns::default()
        };
        let error = Normaliser::new(&bad, 4).unwrap_err();
        assert!(error.to_string().contains("compare-strip"), "{error}");
    }
}

//! Runs the real `compare` binary on a fixture workspace (tests/fixtures/workspace: recipes
//! that exist only as metadata), a fixture "book" of small Python scripts written for these
//! tests (tests/fixtures/book), and stand-in "ports": shell scripts written into a temporary
//! folder and passed with --bin-dir. Every run is bounded by common::testing's timeout.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::testing::{Run, run};

const BIN: &str = env!("CARGO_BIN_EXE_compare");

/// Stand-in ports: what each demo recipe's "binary" prints, and its exit status.
const PORTS: &[(&str, &str, i32)] = &[
    // Another clock, PID, thread number and address, and pi printed with fewer digits.
    (
        "demo-match",
        "started at Mon Jan  1 00:00:00 2024 by pid 4242\nThread-1 greets <object object at 0xdeadbeef>\npi is 3.14159265\n",
        0,
    ),
    ("demo-mismatch", "The sum is 46\nEnd\n", 0),
    (
        "demo-any-order",
        "worker 3 done\nworker 1 done\nworker 2 done\nall done\nChecked: 3 workers\n",
        0,
    ),
    ("demo-book-order", "End\nThe sum is 45\n", 0),
    ("demo-no-module", "ported without the module\n", 0),
    ("demo-old-python", "The sum is 45\nEnd\n", 0),
    ("demo-forever", "serving\n", 0),
    ("demo-broken-port", "error: something broke\n", 3),
    ("demo-ed1-only", "never run\n", 0),
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A folder of executable stand-ins named after the demo crates, each printing its output.
fn stand_ins() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (name, output, code) in PORTS {
        let path = dir.path().join(name);
        let script = format!("#!/bin/sh\nprintf '%s' '{output}'\nexit {code}\n");
        fs::write(&path, script).expect("write a stand-in");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod a stand-in");
    }
    dir
}

/// Runs `compare <args>` against the fixtures with the stand-ins.
fn compare(args: &[&str]) -> Run {
    let ports = stand_ins();
    let root = fixtures().join("workspace");
    let book = fixtures().join("book");
    let mut all = vec![
        "--root",
        root.to_str().expect("a UTF-8 path"),
        "--book",
        book.to_str().expect("a UTF-8 path"),
        "--bin-dir",
        ports.path().to_str().expect("a UTF-8 path"),
        "--width",
        "100",
    ];
    all.extend_from_slice(args);
    run(BIN, &all)
}

/// The `status:` line of a one-recipe report.
fn status(run: &Run) -> &str {
    run.stdout
        .lines()
        .find_map(|line| line.strip_prefix("status: "))
        .unwrap_or_else(|| panic!("no status line:\n{}", run.stdout))
}

/// The side-by-side rows: (left, mark, right) for each line under the header.
fn rows(run: &Run) -> Vec<(String, char, String)> {
    let lines: Vec<&str> = run.stdout.lines().collect();
    let start = lines
        .iter()
        .position(|line| line.starts_with("Python original (normalised)"))
        .unwrap_or_else(|| panic!("no side-by-side view:\n{}", run.stdout))
        + 2;
    lines[start..]
        .iter()
        .take_while(|line| !line.is_empty())
        .map(|line| {
            let (left, right) = line.split_at(48);
            let mark = right.chars().nth(1).expect("a mark column");
            let right = right.get(3..).unwrap_or("");
            (left.trim().to_owned(), mark, right.trim().to_owned())
        })
        .collect()
}

#[test]
fn a_matching_pair_matches_once_the_noise_is_masked() {
    let run = compare(&["demo-match"]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert_eq!(status(&run), "match");
    let rows = rows(&run);
    assert_eq!(
        rows,
        [
            (
                "started at <time> by pid <pid>".into(),
                '|',
                "started at <time> by pid <pid>".into()
            ),
            (
                "Thread-N greets <object object at <addr>>".into(),
                '|',
                "Thread-N greets <object object at <addr>>".into()
            ),
            ("pi is 3.1416".into(), '|', "pi is 3.1416".into()),
        ]
    );
    assert!(run.stdout.contains("differences: none"));
    // Time and memory of both sides, and their ratio.
    let costs: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| {
            ["python ", "rust ", "rust/python "]
                .iter()
                .any(|p| line.starts_with(p))
        })
        .collect();
    assert_eq!(costs.len(), 3, "{}", run.stdout);
    assert!(
        costs[0].contains(" s ") && costs[0].ends_with("MiB"),
        "{costs:?}"
    );
    assert!(costs[2].trim_end().ends_with('x'), "{costs:?}");
    // The 1st-edition listing is named, not run.
    assert!(
        run.stdout
            .contains("chapterT/01_greeting.rst (a listing inside the text")
    );
}

#[test]
fn a_mismatch_lists_the_lines_that_differ() {
    let run = compare(&["demo-mismatch"]);
    assert_eq!(
        run.code,
        Some(0),
        "differences are not a failure of the tool: {run:#?}"
    );
    assert_eq!(status(&run), "differs (2 lines)");
    assert!(run.stdout.contains("only in the original: The sum is 45"));
    assert!(run.stdout.contains("only in the port:     The sum is 46"));
    let rows = rows(&run);
    assert_eq!(
        rows[0],
        ("The sum is 45".into(), '*', "The sum is 46".into())
    );
    assert_eq!(rows[1], ("End".into(), '|', "End".into()));
}

#[test]
fn a_nondeterministic_order_compares_lines_as_multisets() {
    let any = compare(&["demo-any-order"]);
    assert_eq!(status(&any), "match", "{}", any.stdout);
    assert!(any.stdout.contains("order       any"));
    assert!(any.stdout.contains("rust     ") && any.stdout.contains("demo-any-order --threads 3"));
    // The same lines in another order differ when the order is the book's.
    let book = compare(&["demo-book-order"]);
    assert_eq!(status(&book), "differs (2 lines)", "{}", book.stdout);
}

#[test]
fn a_missing_interpreter_is_a_status_not_a_failure() {
    let run = compare(&["demo-match", "--python", "/nonexistent/python3"]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert_eq!(status(&run), "no Python interpreter: /nonexistent/python3");
    // The port still runs, so its output and cost are shown.
    assert!(run.stdout.contains("port printed (exit 0):"));
    assert!(run.stdout.contains("pi is 3.14159265"));
    assert!(!run.stdout.contains("rust/python"));
}

#[test]
fn originals_that_cannot_run_here_say_why() {
    let module = compare(&["demo-no-module"]);
    assert_eq!(
        status(&module),
        "original cannot run here: no module compare_fixture_module_that_does_not_exist"
    );
    let old = compare(&["demo-old-python"]);
    let line = status(&old);
    assert!(
        line.starts_with("original cannot run here: print is a statement in Python 2 (needs Python <3.0, this is 3."),
        "{line}"
    );
    let ed1 = compare(&["demo-ed1-only"]);
    assert_eq!(status(&ed1), "no 2nd-edition original to run");
    for run in [&module, &old, &ed1] {
        assert_eq!(run.code, Some(0), "{run:#?}");
    }
}

#[test]
fn an_original_that_never_ends_is_stopped_and_compared_so_far() {
    let run = compare(&["demo-forever"]);
    assert_eq!(status(&run), "match", "{}", run.stdout);
    assert!(
        run.stdout
            .contains("still running after 1 s and was stopped")
    );
    assert!(run.stdout.contains("(stopped)"));
}

#[test]
fn a_failing_port_fails_the_run() {
    let run = compare(&["demo-broken-port"]);
    assert_eq!(run.code, Some(1), "{run:#?}");
    assert_eq!(status(&run), "PORT FAILED: exit 3: error: something broke");
}

#[test]
fn all_ends_with_a_summary_naming_every_recipe() {
    let run = compare(&["--all", "--summary-only"]);
    assert_eq!(run.code, Some(1), "demo-broken-port fails: {run:#?}");
    let table: Vec<Vec<String>> = run
        .stdout
        .lines()
        .filter(|line| line.starts_with("| demo-"))
        .map(|line| line.split('|').map(|cell| cell.trim().to_owned()).collect())
        .collect();
    let statuses: Vec<(&str, &str)> = table
        .iter()
        .map(|row| (row[1].as_str(), row[3].as_str()))
        .collect();
    assert_eq!(
        statuses[..8],
        [
            ("demo-any-order", "match"),
            ("demo-book-order", "differs (2 lines)"),
            (
                "demo-broken-port",
                "PORT FAILED: exit 3: error: something broke"
            ),
            ("demo-ed1-only", "no 2nd-edition original to run"),
            ("demo-forever", "match"),
            ("demo-match", "match"),
            ("demo-mismatch", "differs (2 lines)"),
            (
                "demo-no-module",
                "original cannot run here: no module compare_fixture_module_that_does_not_exist"
            ),
        ]
    );
    assert_eq!(statuses.len(), 9, "{}", run.stdout);
    assert_eq!(statuses[8].0, "demo-old-python");
    assert!(
        statuses[8]
            .1
            .starts_with("original cannot run here: print is a statement")
    );
    // A finished pair has both times and a ratio; a stopped original has no ratio.
    let matched = &table[5];
    assert!(
        matched[4].ends_with(" s") && matched[5].ends_with(" s") && matched[6].ends_with('x'),
        "{matched:?}"
    );
    let forever = &table[4];
    assert!(
        forever[4].contains("(stopped)") && forever[6] == "—",
        "{forever:?}"
    );
    // --summary-only prints no per-recipe report.
    assert!(!run.stdout.contains("status: "));
}

#[test]
fn bad_requests_fail_clearly() {
    let unknown = compare(&["no-such-recipe"]);
    assert_eq!(unknown.code, Some(1));
    assert!(
        unknown.stderr.contains("no recipe called no-such-recipe"),
        "{unknown:#?}"
    );
    let no_book = run(BIN, &["demo-match", "--book", "/nonexistent/book"]);
    assert_eq!(no_book.code, Some(1));
    assert!(
        no_book
            .stderr
            .contains("--book /nonexistent/book: no such folder"),
        "{no_book:#?}"
    );
    assert_eq!(
        run(BIN, &["--book", "/tmp"]).code,
        Some(2),
        "no recipe and no --all"
    );
    assert_eq!(run(BIN, &["x", "--book", "/tmp", "--bogus"]).code, Some(2));
    assert_eq!(
        run(BIN, &["x", "--book", "/tmp", "--timeout", "0"]).code,
        Some(2)
    );
}

/// The PIDs of processes whose command line contains `needle`.
fn pids_running(needle: &str) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|cmdline| String::from_utf8_lossy(&cmdline).contains(needle))
        })
        .collect()
}

#[test]
fn an_interrupted_comparison_leaves_no_original_running() {
    let ports = stand_ins();
    fs::copy(
        ports.path().join("demo-forever"),
        ports.path().join("demo-long"),
    )
    .expect("copy");
    let root = fixtures().join("workspace-long");
    let book = fixtures().join("book");
    let mut tool = std::process::Command::new(BIN)
        .args(["demo-long", "--root"])
        .arg(&root)
        .arg("--book")
        .arg(&book)
        .arg("--bin-dir")
        .arg(ports.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start compare");
    let needle = "forever.py\0interrupted-by-the-test";
    let deadline = std::time::Instant::now() + common::testing::TIMEOUT;
    let original = loop {
        if let Some(&pid) = pids_running(needle).first() {
            break pid;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the original never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let tool_pid = nix::unistd::Pid::from_raw(i32::try_from(tool.id()).expect("a PID"));
    nix::sys::signal::kill(tool_pid, nix::sys::signal::Signal::SIGTERM).expect("signal compare");
    common::testing::wait_bounded(&mut tool);
    common::testing::assert_gone(original);
}

/// Stand-in ports of the verdict fixtures (tests/fixtures/workspace-verdicts): each a shell
/// body, for the mutations a comparison must catch.
const VERDICT_PORTS: &[(&str, &str)] = &[
    (
        "demo-array-changed",
        "printf 'MATRIX\\n[[0 1 2 3]\\n [4 5 9 7]]\\nVALUES\\n[0.5 0.25 0.125]\\nEnd\\n'",
    ),
    (
        "demo-array-rewrapped",
        "printf 'MATRIX\\n[[0 1 2 3] [4 5 6 7]]\\nVALUES\\n[0.5\\n 0.25 0.125]\\nEnd\\n'",
    ),
    ("demo-line-missing", "printf 'The sum is 45\\n'"),
    ("demo-line-reordered", "printf 'End\\nThe sum is 45\\n'"),
    (
        "demo-port-hangs",
        "printf 'The sum is 45\\n'; exec sleep 60",
    ),
    ("demo-original-hangs", "printf 'serving\\n'"),
    (
        "demo-server-fails",
        "printf 'client: connection refused\\n'",
    ),
];

/// Runs `compare <crate> --timeout 3` on the verdict fixtures.
fn verdict(name: &str) -> Run {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (port, body) in VERDICT_PORTS {
        let path = dir.path().join(port);
        fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write a stand-in");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod a stand-in");
    }
    let root = fixtures().join("workspace-verdicts");
    let book = fixtures().join("book");
    let args = [
        name,
        "--root",
        root.to_str().expect("a UTF-8 path"),
        "--book",
        book.to_str().expect("a UTF-8 path"),
        "--bin-dir",
        dir.path().to_str().expect("a UTF-8 path"),
        "--timeout",
        "3",
        "--width",
        "100",
    ];
    run(BIN, &args)
}

#[test]
fn one_number_changed_in_an_array_differs() {
    let run = verdict("demo-array-changed");
    assert_eq!(status(&run), "differs (2 lines)", "{}", run.stdout);
    assert!(
        run.stdout.contains("[[0 1 2 3] [4 5 6 7]]"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("[[0 1 2 3] [4 5 9 7]]"),
        "{}",
        run.stdout
    );
}

#[test]
fn arrays_wrapped_otherwise_still_match() {
    let run = verdict("demo-array-rewrapped");
    assert_eq!(status(&run), "match", "{}", run.stdout);
    assert_eq!(run.code, Some(0));
}

#[test]
fn a_missing_or_reordered_line_differs() {
    assert_eq!(status(&verdict("demo-line-missing")), "differs (1 line)");
    let reordered = verdict("demo-line-reordered");
    assert!(
        status(&reordered).starts_with("differs"),
        "{}",
        reordered.stdout
    );
}

#[test]
fn a_hang_is_reported_as_hung_and_fails_the_run() {
    let port = verdict("demo-port-hangs");
    assert_eq!(status(&port), "HUNG: the port did not finish within 3 s");
    assert_eq!(port.code, Some(1), "{port:#?}");
    let original = verdict("demo-original-hangs");
    assert!(
        status(&original).starts_with("HUNG: the original did not finish within 3 s"),
        "{}",
        original.stdout
    );
    assert_eq!(original.code, Some(1), "{original:#?}");
}

#[test]
fn a_failing_server_is_named_not_its_client() {
    let run = verdict("demo-server-fails");
    assert_eq!(
        status(&run),
        "original failed: server server: exit 1: cannot bind the port"
    );
}

//! Runs the real `debug-gdb` binary, alone and under gdb with each of its command files, and
//! checks what they printed.

use std::process::Command;

use common::testing::{Run, run, run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_debug-gdb");
const SOURCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/main.rs");

fn script(name: &str) -> String {
    format!("{}/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The numbers of the `---> j` lines, in the order printed.
fn loop_lines(stdout: &str) -> Vec<u32> {
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix("---> "))
        .map(|j| j.parse().unwrap_or_else(|_| panic!("bad loop line {j:?}")))
        .collect()
}

/// The number of the source line that carries `marker`, counting from 1 as gdb does.
fn line_of(marker: &str) -> usize {
    let source = std::fs::read_to_string(SOURCE).expect("read the recipe's source");
    let lines: Vec<usize> = source
        .lines()
        .enumerate()
        .filter(|(_, line)| line.contains(marker))
        .map(|(index, _)| index + 1)
        .collect();
    assert_eq!(lines.len(), 1, "marker {marker:?} on lines {lines:?}");
    lines[0]
}

/// Runs `gdb -batch -nx -x <script> --args <binary> <args>` (with the test helpers' timeout)
/// and returns gdb's and the program's output together, as a terminal would show them.
fn gdb(script_name: &str, args: &[&str]) -> String {
    let found = Command::new("gdb").arg("--version").output();
    assert!(
        found.is_ok_and(|output| output.status.success()),
        "gdb is missing: run scripts/setup.sh (Debian: apt-get install gdb)"
    );
    let script = script(script_name);
    let mut gdb_args = vec!["-batch", "-nx", "-x", &script, "--args", BIN];
    gdb_args.extend_from_slice(args);
    let Run { stdout, stderr, .. } = run("gdb", &gdb_args);
    format!("{stdout}{stderr}")
}

/// The values of gdb's `print` commands, `$1 = 0` → "0", in order.
fn printed_values(output: &str) -> Vec<&str> {
    output
        .lines()
        .filter(|line| line.starts_with('$'))
        .filter_map(|line| line.split_once(" = ").map(|(_, value)| value))
        .collect()
}

#[test]
fn a_plain_run_prints_the_loop_in_order_and_nothing_else() {
    let run = run_ok(BIN, &[]);
    assert_eq!(loop_lines(&run.stdout), (0..10).collect::<Vec<_>>());
    assert_eq!(run.stdout.lines().count(), 10);
    let run = run_ok(BIN, &["--counter", "3"]);
    assert_eq!(run.stdout, "---> 0\n---> 1\n---> 2\n");
}

#[test]
fn crash_panics_in_the_chosen_iteration_after_the_lines_before_it() {
    let crashed = run(BIN, &["--crash", "3"]);
    assert_eq!(crashed.code, Some(101), "{crashed:#?}");
    assert_eq!(loop_lines(&crashed.stdout), [0, 1, 2]);
    assert!(
        crashed
            .stderr
            .contains("deliberate crash in iteration j = 3")
    );
    let crashed = run(BIN, &["--crash"]);
    assert_eq!(
        loop_lines(&crashed.stdout),
        [0, 1, 2, 3, 4],
        "J defaults to 5"
    );
}

#[test]
fn trap_without_a_debugger_is_refused_before_any_signal() {
    let message = run_fails(BIN, &["--trap"], 1, "none is attached");
    assert!(message.contains("trap.gdb"), "{message}");
}

#[test]
fn break_gdb_stops_in_show_prints_j_and_lets_the_loop_finish() {
    let output = gdb("break.gdb", &[]);
    let line = line_of("// break.gdb stops here");
    let stop = "Breakpoint 1, debug_gdb::show (j=0) at ";
    let hit = output
        .lines()
        .find(|l| l.starts_with(stop))
        .unwrap_or_else(|| panic!("no stop in show:\n{output}"));
    assert!(hit.ends_with(&format!("src/main.rs:{line}")), "{hit}");
    assert!(output.contains("debug_gdb::show (j=1)"), "{output}");
    // `print j` at the first and the second stop.
    assert_eq!(printed_values(&output), ["0", "1"], "{output}");
    // `backtrace 3` after two `next`s: back in the loop.
    assert!(output.contains("#0  debug_gdb::PdbTest::go"), "{output}");
    assert_eq!(loop_lines(&output), (0..10).collect::<Vec<_>>());
    assert!(output.contains("exited normally"), "{output}");
}

#[test]
fn trap_gdb_stops_where_the_code_asks_twice_then_runs_to_the_end() {
    let output = gdb("trap.gdb", &["--trap"]);
    let traps = output.matches("Program received signal SIGTRAP").count();
    assert_eq!(traps, 2, "{output}");
    let line = line_of("// trap.gdb stops here");
    let frames: Vec<&str> = output
        .lines()
        .filter(|l| l.contains(" in debug_gdb::PdbTest::go (trap=true"))
        .collect();
    assert_eq!(frames.len(), 2, "{output}");
    assert!(
        frames
            .iter()
            .all(|f| f.ends_with(&format!("src/main.rs:{line}"))),
        "{frames:#?}"
    );
    assert_eq!(printed_values(&output), ["0", "1"], "{output}");
    assert_eq!(loop_lines(&output), (0..10).collect::<Vec<_>>());
    assert!(output.contains("exited normally"), "{output}");
}

#[test]
fn crash_gdb_catches_the_panic_with_the_crashed_frame_intact() {
    let output = gdb("crash.gdb", &["--crash"]);
    assert!(
        output.contains("Breakpoint 1, std::panicking::rust_panic"),
        "{output}"
    );
    let line = line_of("// crash.gdb: the crash");
    let frame = output
        .lines()
        .find(|l| l.contains(" in debug_gdb::PdbTest::go (trap=false"))
        .unwrap_or_else(|| panic!("no frame of go:\n{output}"));
    assert!(frame.ends_with(&format!("src/main.rs:{line}")), "{frame}");
    // `print j` and `print printed.len`: iteration 5, after five lines.
    assert_eq!(printed_values(&output), ["5", "5"], "{output}");
    assert_eq!(loop_lines(&output), [0, 1, 2, 3, 4]);
    assert!(output.contains("killed"), "{output}");
}

#[test]
fn bad_arguments_are_refused() {
    run_fails(BIN, &["--counter", "0"], 2, "--counter");
    run_fails(BIN, &["--crash", "x"], 2, "--crash");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}

#[test]
fn the_first_value_past_each_bound_is_refused_by_the_parser() {
    let counter = ["--counter", "1000001"];
    run_fails(BIN, &counter, 2, "1000001 is not in 1..=1000000");
    run_fails(
        BIN,
        &["--crash", "1000000"],
        2,
        "1000000 is not in 0..=999999",
    );
}

//! Runs the real `debug-gdbserver` binary, alone and under gdbserver with gdb connected over
//! loopback by `remote.gdb`, and checks what they printed.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::mpsc;

use common::child::Children;
use common::testing::{TIMEOUT, run, run_fails, run_ok, run_with_env, wait_bounded};

const BIN: &str = env!("CARGO_BIN_EXE_debug-gdbserver");
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/remote.gdb");
const SOURCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/main.rs");

/// The thread numbers of the `my_func called by thread N°i` lines, in the order printed.
fn calls(stdout: &str) -> Vec<u32> {
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix("my_func called by thread N°"))
        .map(|i| {
            i.parse()
                .unwrap_or_else(|_| panic!("bad line ending {i:?}"))
        })
        .collect()
}

/// A loopback port nobody listens on right now: bound with port 0, then released.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("the bound address").port()
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

fn assert_installed(tool: &str) {
    let found = Command::new(tool).arg("--version").output();
    assert!(
        found.is_ok_and(|output| output.status.success()),
        "{tool} is missing: run scripts/setup.sh (Debian: apt-get install gdb gdbserver)"
    );
}

#[test]
fn a_plain_run_calls_my_func_from_each_thread_in_order() {
    let run = run_ok(BIN, &[]);
    assert_eq!(calls(&run.stdout), (0..10).collect::<Vec<_>>());
    assert_eq!(run.stdout.lines().count(), 10);
    assert_eq!(calls(&run_ok(BIN, &["--threads", "3"]).stdout), [0, 1, 2]);
}

#[test]
fn gdb_connects_over_loopback_and_stops_in_my_func() {
    assert_installed("gdb");
    assert_installed("gdbserver");
    let port = free_port().to_string();
    let mut children = Children::new();
    let mut command = Command::new(BIN);
    command
        .args(["--remote", "--port", &port, "--wait-secs", "60"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let recipe = children.spawn("recipe", &mut command).expect("start it");

    // Read the recipe's stderr (gdbserver's lines) in a thread, so the wait is bounded.
    let stderr = recipe.stderr.take().expect("piped");
    let (sender, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    let mut log = Vec::new();
    while !log
        .iter()
        .any(|l: &String| l.starts_with("Listening on port"))
    {
        let line = lines
            .recv_timeout(TIMEOUT)
            .unwrap_or_else(|error| panic!("gdbserver never listened ({error}): {log:#?}"));
        log.push(line);
    }
    assert_eq!(
        log.last().map(String::as_str),
        Some(&*format!("Listening on port {port}"))
    );

    let set_port = format!("set $port = {port}");
    let gdb = run(
        "gdb",
        &["-batch", "-nx", "-ex", &set_port, "-x", SCRIPT, BIN],
    );
    let output = format!("{}{}", gdb.stdout, gdb.stderr);

    let recipe = children.get_mut("recipe").expect("started above");
    let mut stdout = String::new();
    recipe
        .stdout
        .take()
        .expect("piped")
        .read_to_string(&mut stdout)
        .expect("read the recipe's output");
    let status = wait_bounded(recipe);
    assert!(status.success(), "{status:?}\n{stdout}\n{log:#?}");
    log.extend(lines.try_iter());
    assert!(
        log.iter()
            .any(|l| l.starts_with("Remote debugging from host 127.0.0.1")),
        "{log:#?}"
    );

    // gdb stopped in my_func, on the marked line, for threads 0 and 1, by their names.
    let line = line_of("// remote.gdb stops here");
    let hits: Vec<&str> = output
        .lines()
        .filter(|l| l.contains("hit Breakpoint 1, debug_gdbserver::my_func (thread_number="))
        .collect();
    assert_eq!(hits.len(), 2, "{output}");
    assert!(hits[0].contains("\"Thread-1\" hit") && hits[1].contains("\"Thread-2\" hit"));
    for hit in &hits {
        assert!(hit.ends_with(&format!("src/main.rs:{line}")), "{hit}");
    }
    let values: Vec<&str> = output
        .lines()
        .filter_map(|l| l.strip_prefix("$").and_then(|l| l.split_once(" = ")))
        .map(|(_, value)| value)
        .collect();
    assert_eq!(values, ["0", "1"], "{output}");
    assert!(output.contains("exited normally"), "{output}");
    // The program went on to the end, its lines in order, after saying where it waited.
    assert!(
        stdout.starts_with(&format!("Waiting 60 s for a debugger on 127.0.0.1:{port}")),
        "{stdout}"
    );
    assert_eq!(calls(&stdout), (0..10).collect::<Vec<_>>());
}

#[test]
fn remote_gives_up_when_no_debugger_comes() {
    assert_installed("gdbserver");
    let port = free_port();
    let message = run_fails(
        BIN,
        &["--remote", "--port", &port.to_string(), "--wait-secs", "1"],
        1,
        &format!("no debugger connected to 127.0.0.1:{port}"),
    );
    assert_eq!(
        message.lines().last().map(|l| l.starts_with("error: ")),
        Some(true)
    );
    assert!(message.contains("within 1 s"), "{message}");
    // gdbserver was ended: the port is free again.
    TcpListener::bind(("127.0.0.1", port)).expect("the port is released");
}

#[test]
fn remote_reports_a_port_already_taken() {
    assert_installed("gdbserver");
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("address").port().to_string();
    run_fails(
        BIN,
        &["--remote", "--port", &port, "--wait-secs", "30"],
        1,
        "ended early",
    );
}

#[test]
fn remote_without_gdbserver_names_the_missing_tool() {
    let nowhere = std::ffi::OsStr::new("/nonexistent");
    let run = run_with_env(BIN, &["--remote", "--wait-secs", "5"], &[("PATH", nowhere)]);
    assert_eq!(run.code, Some(1), "{run:#?}");
    let message = run.stderr.trim();
    assert!(
        message.starts_with("error: gdbserver is needed"),
        "{message}"
    );
    assert!(message.contains("scripts/setup.sh"), "{message}");
    assert_eq!(message.lines().count(), 1, "{message}");
}

#[test]
fn bad_arguments_are_refused() {
    run_fails(BIN, &["--threads", "0"], 2, "--threads");
    run_fails(BIN, &["--remote", "--port", "0"], 2, "--port");
    run_fails(BIN, &["--wait-secs", "0"], 2, "--wait-secs");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}

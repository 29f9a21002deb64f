//! Runs the real `debug-gdbserver` binary, alone and under gdbserver with gdb connected over
//! loopback by `remote.gdb`, checks what they printed, and signals it mid-run to check that
//! nothing of it survives and that its port is loopback only.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;

use common::child::{Children, bound_address};
use common::testing::{
    TIMEOUT, assert_gone, run, run_fails, run_ok, run_with_env, signal_mid_run, started_pids,
    wait_bounded,
};
use nix::sys::signal::Signal;

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

/// What a `--remote` run's stdout says once gdbserver is ready: gdbserver's PID, the PID of
/// the program it holds (gdbserver's `Process ... created; pid = N` line), and the address the
/// debugger is to connect to.
#[derive(Debug)]
struct Session {
    gdbserver: u32,
    program: u32,
    address: SocketAddr,
}

fn session(lines: &[String]) -> Option<Session> {
    let started = lines.iter().find(|l| l.starts_with("Started gdbserver"))?;
    let program = lines
        .iter()
        .find_map(|l| l.strip_prefix("Process ")?.split_once("created; pid = "))
        .map(|(_, pid)| pid.parse().expect("a numeric PID"))
        .expect("gdbserver names the program's PID before the recipe says it started");
    Some(Session {
        gdbserver: started_pids(started)[0],
        program,
        address: bound_address(started).expect("an address ends the Started line"),
    })
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

/// Asserts, with `ss`, that the only TCP listener on the session's port is on 127.0.0.1, and
/// that gdbserver and the program it holds listen on no port at all.
fn assert_loopback_only(session: &Session) {
    let port = format!(":{}", session.address.port());
    let ss = run("ss", &["-H", "-l", "-t", "-n", "-p"]);
    assert_eq!(ss.code, Some(0), "{ss:#?}");
    let mut on_port = Vec::new();
    for line in ss.stdout.lines() {
        let local = line
            .split_whitespace()
            .nth(3)
            .expect("ss: a local address column");
        for pid in [session.gdbserver, session.program] {
            assert!(
                !line.contains(&format!("pid={pid},")),
                "{pid} listens: {line}"
            );
        }
        if local.ends_with(&port) {
            on_port.push(local);
        }
    }
    assert_eq!(on_port, [session.address.to_string()], "{}", ss.stdout);
    assert!(session.address.ip().is_loopback());
}

#[test]
fn gdb_connects_over_loopback_and_stops_in_my_func() {
    assert_installed("gdb");
    assert_installed("gdbserver");
    let mut children = Children::new();
    let mut command = Command::new(BIN);
    command
        .args(["--remote", "--port", "0", "--wait-secs", "60"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    let recipe = children.spawn("recipe", &mut command).expect("start it");

    // Read the recipe's stdout in a thread, so the wait for each line is bounded.
    let stdout = recipe.stdout.take().expect("piped");
    let (sender, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    let mut log: Vec<String> = Vec::new();
    while !log
        .iter()
        .any(|l| l.starts_with("Waiting 60 s for a debugger on"))
    {
        let line = lines
            .recv_timeout(TIMEOUT)
            .unwrap_or_else(|error| panic!("the recipe never waited ({error}): {log:#?}"));
        log.push(line);
    }
    let session = session(&log).expect("gdbserver started");
    let address = session.address;
    assert_eq!(
        log.last().map(String::as_str),
        Some(&*format!(
            "Waiting 60 s for a debugger on {address}: gdb -ex 'target remote {address}' <binary>"
        ))
    );
    assert!(
        log.iter().any(|l| l == "Remote debugging using stdio"),
        "{log:#?}"
    );

    let set_port = format!("set $port = {}", address.port());
    let gdb = run(
        "gdb",
        &["-batch", "-nx", "-ex", &set_port, "-x", SCRIPT, BIN],
    );
    let output = format!("{}{}", gdb.stdout, gdb.stderr);

    let recipe = children.get_mut("recipe").expect("started above");
    let status = wait_bounded(recipe);
    // Bounded: the reader ends with the recipe's stdout.
    while let Ok(line) = lines.recv_timeout(TIMEOUT) {
        log.push(line);
    }
    let stdout = log.join("\n");
    assert!(status.success(), "{status:?}\n{stdout}\n{output}");
    assert!(
        log.iter()
            .any(|l| l.starts_with("Debugger connected from 127.0.0.1:")),
        "{stdout}"
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
    // The program went on to the end, its lines in order, after the debugger connected.
    let connected = log
        .iter()
        .position(|l| l.starts_with("Debugger connected"))
        .expect("checked above");
    assert_eq!(
        calls(&log[connected..].join("\n")),
        (0..10).collect::<Vec<_>>()
    );
    assert_eq!(calls(&stdout).len(), 10, "{stdout}");
    assert_gone(session.gdbserver);
    assert_gone(session.program);
}

#[test]
fn signals_leave_nothing_behind_and_the_port_is_loopback_only() {
    assert_installed("gdbserver");
    assert_installed("ss");
    let mut port = "0".to_owned();
    for signal in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGKILL] {
        // After the first run, the same port again: the run before left nothing holding it.
        let args = ["--remote", "--port", &port, "--wait-secs", "60"];
        let mut seen = None;
        let (status, lines) = signal_mid_run(BIN, &args, signal, |lines| {
            let session = session(lines)?;
            assert!(common::testing::alive(session.gdbserver), "{lines:#?}");
            assert!(common::testing::alive(session.program), "{lines:#?}");
            assert_loopback_only(&session);
            let pids = vec![session.gdbserver, session.program];
            seen = Some(session);
            Some(pids)
        });
        assert_eq!(status.signal(), Some(signal as i32), "{signal}: {lines:#?}");
        port = seen.expect("seen").address.port().to_string();
    }
    // A whole run on that port after the SIGKILL: it listens, waits, gives up, ends gdbserver.
    let run = run(BIN, &["--remote", "--port", &port, "--wait-secs", "1"]);
    assert_eq!(run.code, Some(1), "{run:#?}");
    let expected = format!("error: no debugger connected to 127.0.0.1:{port} within 1 s");
    assert!(run.stderr.starts_with(&expected), "{run:#?}");
}

#[test]
fn remote_gives_up_when_no_debugger_comes() {
    assert_installed("gdbserver");
    let run = run(BIN, &["--remote", "--port", "0", "--wait-secs", "1"]);
    assert_eq!(run.code, Some(1), "{run:#?}");
    let message = run.stderr.trim();
    assert!(
        message.starts_with("error: no debugger connected to 127.0.0.1:"),
        "{message}"
    );
    assert!(message.contains("within 1 s"), "{message}");
    assert_eq!(message.lines().count(), 1, "{message}");
    // gdbserver and its program were ended, and the port is free again.
    let lines: Vec<String> = run.stdout.lines().map(str::to_owned).collect();
    let session = session(&lines).expect("gdbserver started");
    assert_gone(session.gdbserver);
    assert_gone(session.program);
    TcpListener::bind(session.address).expect("the port is released");
}

#[test]
fn remote_reports_a_port_already_taken() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("address").port().to_string();
    let message = run_fails(
        BIN,
        &["--remote", "--port", &port, "--wait-secs", "30"],
        1,
        &format!("error: cannot listen on 127.0.0.1:{port}: "),
    );
    assert!(message.contains("in use"), "{message}");
}

#[test]
fn remote_without_gdbserver_names_the_missing_tool() {
    let nowhere = std::ffi::OsStr::new("/nonexistent");
    let args = ["--remote", "--port", "0", "--wait-secs", "5"];
    let run = run_with_env(BIN, &args, &[("PATH", nowhere)]);
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
    for threads in ["0", "1001", "4294967295", "-1", "ten"] {
        run_fails(BIN, &[&format!("--threads={threads}")], 2, "--threads");
    }
    for port in ["65536", "-1"] {
        run_fails(BIN, &["--remote", &format!("--port={port}")], 2, "--port");
    }
    for secs in ["0", "3601", "18446744073709551615"] {
        run_fails(
            BIN,
            &["--remote", &format!("--wait-secs={secs}")],
            2,
            "--wait-secs",
        );
    }
    run_fails(BIN, &["--bogus"], 2, "--bogus");
    // The hidden subcommand --remote runs gdbserver through needs a program to become.
    run_fails(BIN, &["gdbserver"], 2, "required");
}

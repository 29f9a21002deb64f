//! A server must survive any single client: connections reset at once, garbage, hundreds of
//! idle connections, a client that never reads; and then still serve a real client.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsFd;
use std::path::Path;
use std::process::Child;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, bail};
use nix::sys::socket::{setsockopt, sockopt};

use crate::run::{self, Outcome};

/// A server recipe: how to start its server on a free loopback port, and a real client.
#[derive(Debug, Clone, Copy)]
pub struct ServerRecipe {
    pub name: &'static str,
    /// The server's arguments; it must print its bound address (`127.0.0.1:PORT`) in a line.
    pub server: &'static [&'static str],
    /// The client's arguments; `{addr}` is replaced by the server's address. Empty: the
    /// server speaks HTTP, and the suite itself asks it for `/`.
    pub client: &'static [&'static str],
}

/// What each abuse did to the server: how many trials it survived, and the real client's end.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub trials: usize,
    pub survived: usize,
    pub client_served: bool,
    pub notes: Vec<String>,
}

/// One way of mistreating a server: connect to it and misbehave.
type Abuse = fn(SocketAddr) -> std::io::Result<()>;

/// How many idle connections are held open at once.
pub const IDLE_CONNECTIONS: usize = 500;

/// Starts the server, runs every abuse against it, then a real client with the idle
/// connections still open, and stops the server.
pub fn trial(bin: &Path, recipe: &ServerRecipe) -> anyhow::Result<Report> {
    let args: Vec<String> = recipe.server.iter().map(|a| (*a).to_owned()).collect();
    let mut server = run::spawn(bin, &args)?;
    let address = match bound_address(&mut server) {
        Ok(address) => address,
        Err(error) => {
            let _ = server.kill();
            let _ = server.wait();
            return Err(error);
        }
    };
    let mut report = Report::default();
    let abuses: [(&str, Abuse); 3] = [
        ("reset", reset),
        ("garbage", garbage),
        ("never reads", never_reads),
    ];
    for (what, abuse) in abuses {
        for _ in 0..5 {
            report.trials += 1;
            let _ = abuse(address);
            if alive(&mut server) {
                report.survived += 1;
            } else {
                report
                    .notes
                    .push(format!("{}: died after a client's {what}", recipe.name));
                break;
            }
        }
    }
    report.trials += 1;
    let idle = idle(address);
    let client: Vec<String> = recipe
        .client
        .iter()
        .map(|arg| arg.replace("{addr}", &address.to_string()))
        .collect();
    let served = if client.is_empty() {
        http_get(address).map_err(|error| error.to_string())
    } else {
        let ran = run::run(bin, &client, Duration::from_secs(30))?;
        match ran.outcome {
            Outcome::Accepted => Ok(()),
            outcome => Err(format!(
                "{outcome:?}: {}",
                ran.stderr.lines().last().unwrap_or_default()
            )),
        }
    };
    report.client_served = served.is_ok();
    if let Err(why) = served {
        report.notes.push(format!(
            "{}: the real client failed with {} idle connections open ({why})",
            recipe.name,
            idle.len()
        ));
    }
    drop(idle);
    if alive(&mut server) {
        report.survived += 1;
    }
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(server.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    );
    run::finish(server, Duration::from_secs(5));
    Ok(report)
}

/// The first `IP:PORT` the server prints on stdout, waited for at most 15 s.
fn bound_address(server: &mut Child) -> anyhow::Result<SocketAddr> {
    let stdout = server
        .stdout
        .take()
        .context("the server's stdout is piped")?;
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let pattern = regex::Regex::new(r"\b127\.0\.0\.1:\d+\b").expect("a valid pattern");
        let mut found = false;
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if !found && let Some(address) = pattern.find(&line) {
                found = true;
                let _ = sender.send(address.as_str().to_owned());
            }
        }
    });
    let Ok(text) = receiver.recv_timeout(Duration::from_secs(15)) else {
        bail!("the server printed no loopback address within 15 s");
    };
    Ok(text.parse()?)
}

fn alive(server: &mut Child) -> bool {
    // Give a crash a moment to happen before looking.
    std::thread::sleep(Duration::from_millis(50));
    matches!(server.try_wait(), Ok(None))
}

fn connect(address: SocketAddr) -> std::io::Result<TcpStream> {
    TcpStream::connect_timeout(&address, Duration::from_secs(5))
}

/// Connects and closes with SO_LINGER 0: the server sees a reset.
fn reset(address: SocketAddr) -> std::io::Result<()> {
    let stream = connect(address)?;
    let linger = nix::libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    setsockopt(&stream.as_fd(), sockopt::Linger, &linger)?;
    drop(stream);
    Ok(())
}

/// Sends 64 KiB that no protocol expects, then closes.
fn garbage(address: SocketAddr) -> std::io::Result<()> {
    let mut stream = connect(address)?;
    stream.set_write_timeout(Some(Duration::from_secs(2)))?;
    let bytes: Vec<u8> = (0..65_536u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let _ = stream.write_all(&bytes);
    Ok(())
}

/// Connects, sends a line, and holds the connection for a second without reading.
fn never_reads(address: SocketAddr) -> std::io::Result<()> {
    let mut stream = connect(address)?;
    let _ = stream.write_all(b"Hello\n");
    std::thread::sleep(Duration::from_secs(1));
    Ok(())
}

/// Asks an HTTP server for `/` and expects a 200 answer within 15 s.
fn http_get(address: SocketAddr) -> anyhow::Result<()> {
    let mut stream = connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(15)))?;
    stream.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;
    let mut status = String::new();
    BufReader::new(stream).read_line(&mut status)?;
    anyhow::ensure!(status.contains(" 200 "), "answered {:?}", status.trim());
    Ok(())
}

/// Opens up to [`IDLE_CONNECTIONS`] connections that send nothing, held until dropped.
fn idle(address: SocketAddr) -> Vec<TcpStream> {
    (0..IDLE_CONNECTIONS)
        .map_while(|_| TcpStream::connect_timeout(&address, Duration::from_millis(500)).ok())
        .collect()
}

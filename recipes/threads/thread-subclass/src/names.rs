//! The 2nd edition's `Thread_name_and_processes.py` (`--names`): named threads that report the
//! process they run in, and no sleeping.

use std::thread::{self, JoinHandle};

use anyhow::{Context, Result};

// ANCHOR: names
struct MyThreadClass {
    name: String,
}

impl MyThreadClass {
    fn start(self) -> Result<JoinHandle<u32>> {
        let builder = thread::Builder::new().name(self.name.clone());
        builder
            .spawn(move || self.run())
            .context("cannot start a thread")
    }

    /// Returns the process ID the thread saw.
    fn run(self) -> u32 {
        let pid = std::process::id();
        println!("ID of process running {} is {pid}", self.name);
        pid
    }
}

pub fn main(threads: u32) -> Result<()> {
    let my_threads = (1..=threads).map(|n| MyThreadClass {
        name: format!("Thread#{n}"),
    });
    let handles = my_threads
        .map(MyThreadClass::start)
        .collect::<Result<Vec<_>>>()?;
    let pids = handles
        .into_iter()
        .map(common::join)
        .collect::<Result<Vec<_>>>()?;
    println!("End");
    // ANCHOR_END: names
    let pid = super::check_one_process(&pids)?;
    let threads = super::n_threads(pids.len());
    println!("Checked: one process ID {pid} for {threads}");
    Ok(())
}

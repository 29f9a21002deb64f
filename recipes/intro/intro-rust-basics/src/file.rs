//! `file.py` (2nd edition): write two lines to `test.txt`, read the file back and print it; in a
//! fresh temp directory instead of the working directory.

use std::fs::{self, File};
use std::io::Write;

use anyhow::{Context, ensure};

// ANCHOR: script
pub fn run() -> anyhow::Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("intro-rust-basics-")
        .tempdir()
        .context("cannot create a temp directory")?;
    let path = dir.path().join("test.txt");

    let mut f = File::create(&path).context("cannot create test.txt")?;
    f.write_all(b"first line of file \n")
        .context("cannot write test.txt")?;
    f.write_all(b"second line of file \n")
        .context("cannot write test.txt")?;
    drop(f); // f.close()
    let content = fs::read_to_string(&path).context("cannot read test.txt")?;
    // Python's print adds a newline after the content's own final one.
    println!("{content}");

    let written = "first line of file \nsecond line of file \n";
    ensure!(
        content == written,
        "read back {content:?}, wrote {written:?}"
    );
    println!(
        "test.txt read back: {} bytes, the same as written",
        content.len()
    );
    dir.close().context("cannot remove the temp directory")
}
// ANCHOR_END: script

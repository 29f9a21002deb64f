//! What the port adds to the book's protocol, so the client can prove it got every byte: the
//! header line `<length> <sha256 hex>\n` the server sends before the file, the writer that
//! hashes what the client receives, and the client's checks.

use std::fs::File;
use std::io::{self, BufRead, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, ensure};
use common::output::py_str;
use common::timing::Stopwatch;
use sha2::{Digest, Sha256};

/// How much of the received file the client keeps to show as text.
const PREVIEW: usize = 1024;

/// A file's length and SHA-256, as the header announces them and the client measures them.
#[derive(Debug, PartialEq)]
pub struct Fingerprint {
    pub length: u64,
    pub sha256: String,
}

/// What the server sends: built-in bytes (the book's text) or a file on disk.
pub enum Source {
    Bytes(&'static [u8]),
    File(PathBuf),
}

impl Source {
    /// The file, checked to be readable now, or `bytes` without one.
    pub fn new(file: Option<PathBuf>, bytes: &'static [u8]) -> anyhow::Result<Self> {
        let Some(path) = file else {
            return Ok(Self::Bytes(bytes));
        };
        File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
        Ok(Self::File(path))
    }

    // ANCHOR: copy_to
    /// Sends the first `length` bytes (all of them, unless the file grew) to `client`; returns
    /// how many were sent. `io::copy` from a file to a socket is one `sendfile` on Linux: the
    /// kernel moves the bytes without copying them through the program.
    pub fn copy_to(&self, client: &mut TcpStream, length: u64) -> anyhow::Result<u64> {
        Ok(match self {
            Self::Bytes(bytes) => client.write_all(bytes).map(|()| bytes.len() as u64)?,
            Self::File(path) => {
                let mut file = File::open(path)?.take(length);
                io::copy(&mut file, client)?
            }
        })
    }
    // ANCHOR_END: copy_to

    /// Hashes the whole source, as the header announces it.
    pub fn digest(&self) -> anyhow::Result<Fingerprint> {
        let mut hashed = Hashing::new(io::sink());
        match self {
            Self::Bytes(bytes) => hashed.write_all(bytes)?,
            Self::File(path) => {
                let mut file =
                    File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
                io::copy(&mut file, &mut hashed)
                    .with_context(|| format!("cannot read {}", path.display()))?;
            }
        }
        Ok(hashed.finish(&[])?.0)
    }
}

/// A writer that passes bytes on to `inner` and keeps their count, their SHA-256, the first
/// [`PREVIEW`] bytes, and the time since it was made.
pub struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    length: u64,
    preview: Vec<u8>,
    clock: Stopwatch,
}

impl<W: Write> Hashing<W> {
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            length: 0,
            preview: Vec::new(),
            clock: Stopwatch::start(),
        }
    }

    /// Flushes `inner`; returns what passed through, the text the book's client shows
    /// (`Data=> ...`: for a small text file only, followed by `rest`, what came after the file),
    /// and the seconds since the writer was made.
    pub fn finish(mut self, rest: &[u8]) -> io::Result<(Fingerprint, Option<String>, f64)> {
        self.inner.flush()?;
        let seconds = self.clock.elapsed().as_secs_f64().max(f64::MIN_POSITIVE);
        let shown = [self.preview.as_slice(), rest].concat();
        let text = String::from_utf8(shown)
            .ok()
            .filter(|text| !text.contains(|c: char| c.is_control() && c != '\n'))
            .filter(|_| self.length <= PREVIEW as u64);
        let fingerprint = Fingerprint {
            length: self.length,
            sha256: format!("{:x}", self.hasher.finalize()),
        };
        Ok((fingerprint, text, seconds))
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(bytes)?;
        self.hasher.update(&bytes[..written]);
        self.length += written as u64;
        let room = PREVIEW.saturating_sub(self.preview.len()).min(written);
        self.preview.extend_from_slice(&bytes[..room]);
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The header line the server sends before the file.
pub fn header(announced: &Fingerprint) -> String {
    format!("{} {}\n", announced.length, announced.sha256)
}

/// `error` under `what`, saying so when it is the socket's timeout (which Linux reports as
/// "Resource temporarily unavailable").
pub fn stalled(error: impl Into<anyhow::Error>, what: &str, timeout: Duration) -> anyhow::Error {
    let error = error.into();
    let kind = error.downcast_ref::<io::Error>().map(io::Error::kind);
    match kind {
        Some(io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
            error.context(format!("{what}: nothing moved for {}s", timeout.as_secs()))
        }
        _ => error.context(what.to_owned()),
    }
}

/// Where the client writes what it receives: the `--output` file, or nowhere.
pub fn create(output: Option<&Path>) -> anyhow::Result<Box<dyn Write>> {
    let Some(path) = output else {
        return Ok(Box::new(io::sink()));
    };
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok(Box::new(io::BufWriter::new(file)))
}

/// Removes the `--output` file of a transfer that failed its check, if there is one.
pub fn remove(output: Option<&Path>) {
    if let Some(path) = output {
        let _ = std::fs::remove_file(path); // best effort, on the way to reporting the failure
    }
}

/// What follows the file: the server's closing message, expected to be `expected_len` bytes
/// long (one more is read, to catch anything after it).
pub fn read_rest(reader: &mut impl Read, expected_len: usize) -> anyhow::Result<Vec<u8>> {
    let mut rest = Vec::new();
    reader
        .take(expected_len as u64 + 1)
        .read_to_end(&mut rest)
        .context("no closing message")?;
    Ok(rest)
}

/// The header line `<length> <sha256 hex>\n`, read with a bound on its size.
pub fn read_header(reader: &mut impl BufRead) -> anyhow::Result<Fingerprint> {
    let mut line = String::new();
    let read = reader.take(200).read_line(&mut line);
    // A busy server (at its --max-connections) hangs up without a word.
    let reset = |error: &io::Error| error.kind() == io::ErrorKind::ConnectionReset;
    let hung_up = matches!(read, Ok(0)) || read.as_ref().is_err_and(reset);
    ensure!(!hung_up, "the server hung up before the file (is it busy?)");
    read.context("no header from the server")?;
    parse_header(&line)
}

fn parse_header(line: &str) -> anyhow::Result<Fingerprint> {
    let bad = || format!("not a file-transfer header: {line:?}");
    let (length, sha256) = line
        .strip_suffix('\n')
        .and_then(|fields| fields.split_once(' '))
        .with_context(bad)?;
    let valid_digest = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit());
    ensure!(valid_digest, bad());
    Ok(Fingerprint {
        length: length.parse().with_context(bad)?,
        sha256: sha256.to_ascii_lowercase(),
    })
}

/// The client's check: every announced byte arrived, with the announced digest, followed by
/// exactly the server's closing message, `thanks`.
pub fn verify(
    announced: &Fingerprint,
    got: &Fingerprint,
    (rest, thanks): (&[u8], &[u8]),
) -> anyhow::Result<()> {
    ensure!(
        got.length == announced.length,
        "received {} bytes, the server announced {}: the connection broke off",
        got.length,
        announced.length
    );
    ensure!(
        got.sha256 == announced.sha256,
        "the received bytes have sha256 {}, the server announced {}",
        got.sha256,
        announced.sha256
    );
    let text = |bytes: &[u8]| py_str(&String::from_utf8_lossy(bytes));
    ensure!(
        rest == thanks,
        "expected {} after the file, got {}",
        text(thanks),
        text(rest)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const THANKS: &[u8] = b"->Thank you for connecting";

    fn fingerprint(bytes: &[u8]) -> Fingerprint {
        let mut hashed = Hashing::new(Vec::new());
        hashed.write_all(bytes).unwrap();
        hashed.finish(&[]).unwrap().0
    }

    #[test]
    fn the_digest_is_sha256() {
        // Known answers: `printf 'hello!!!' | sha256sum`, and the empty input.
        let book = Source::Bytes(b"hello!!!").digest().unwrap();
        assert_eq!(book.length, 8);
        assert_eq!(
            book.sha256,
            "d42f55a1a4075921e24184be828745f8d28df584afa9f8fb84753899edad3138"
        );
        assert_eq!(
            fingerprint(b"").sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn the_hashing_writer_passes_bytes_through() {
        let mut hashed = Hashing::new(Vec::new());
        hashed.write_all(b"abc").unwrap();
        hashed.write_all(b"def").unwrap();
        assert_eq!(hashed.inner, b"abcdef");
        let (got, text, _) = hashed.finish(b"!").unwrap();
        assert_eq!(got, fingerprint(b"abcdef"));
        assert_eq!(text.as_deref(), Some("abcdef!"));
    }

    #[test]
    fn only_small_text_is_shown() {
        let shown = |bytes: &[u8]| {
            let mut hashed = Hashing::new(io::sink());
            hashed.write_all(bytes).unwrap();
            hashed.finish(THANKS).unwrap().1
        };
        assert!(shown(b"hello!!!\nbye").is_some());
        assert!(shown(b"\x00\x01binary").is_none());
        assert!(shown(&[b'a'; PREVIEW + 1]).is_none());
    }

    #[test]
    fn headers_parse_and_garbage_does_not() {
        let digest = "d42f55a1a4075921e24184be828745f8d28df584afa9f8fb84753899edad3138";
        let header_line = format!("8 {digest}\n");
        let parsed = parse_header(&header_line).unwrap();
        assert_eq!(parsed, Source::Bytes(b"hello!!!").digest().unwrap());
        assert_eq!(header(&parsed), header_line);
        assert!(parse_header("8 abc\n").is_err());
        assert!(parse_header(&format!("eight {digest}\n")).is_err());
        assert!(parse_header(&format!("8 {digest}")).is_err(), "no newline");
        assert!(parse_header("hello!!!->Thank you for connecting").is_err());
    }

    #[test]
    fn verify_catches_short_wrong_and_unthanked_transfers() {
        let sent = fingerprint(b"hello!!!");
        let thanked = (THANKS, THANKS);
        assert!(verify(&sent, &fingerprint(b"hello!!!"), thanked).is_ok());
        let short = verify(&sent, &fingerprint(b"hello"), thanked).unwrap_err();
        assert!(short.to_string().contains("broke off"), "{short}");
        let wrong = verify(&sent, &fingerprint(b"jello!!!"), thanked).unwrap_err();
        assert!(wrong.to_string().contains("sha256"), "{wrong}");
        let rude = verify(&sent, &fingerprint(b"hello!!!"), (b"bye", THANKS)).unwrap_err();
        assert_eq!(
            rude.to_string(),
            "expected '->Thank you for connecting' after the file, got 'bye'"
        );
    }
}

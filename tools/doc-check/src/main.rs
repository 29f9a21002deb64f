//! `doc-check`: checks the built book (docs/book after `mdbook build docs`).
//!
//! - `doc-check links <book>`: the short form, run by scripts/test.sh. No browser: every
//!   internal link, script, stylesheet and image of every page resolves to a file of the book,
//!   and every `#fragment` to an id on the target page.
//! - `doc-check browser <book>`: the full form, run by scripts/check-docs.sh. Serves the book on
//!   127.0.0.1 and loads every page in headless Chromium: each loads without a failed resource
//!   or a console error, each image renders, each same-site link target loads.
//!
//! Both print one line per failure and a summary, and exit 1 when anything is broken.

mod browser;
mod cdp;
mod html;
mod links;
mod server;
mod site;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::bail;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Check the built book: links, images and fragments; or every page in Chromium")]
struct Args {
    #[command(subcommand)]
    check: Check,
}

#[derive(Subcommand)]
enum Check {
    /// Without a browser: every internal link, script, stylesheet and image resolves to a file
    /// of the book, every #fragment to an id on the target page.
    Links {
        /// The built book (docs/book after `mdbook build docs`).
        book: PathBuf,
    },
    /// In headless Chromium, from 127.0.0.1: every page loads (HTTP 200, no failed resource, no
    /// console or script error), every image renders, every same-site link target loads.
    Browser {
        /// The built book (docs/book after `mdbook build docs`).
        book: PathBuf,
        /// The browser (default: /usr/bin/chromium; scripts/check-docs.sh installs it).
        #[arg(long, value_name = "PATH")]
        chromium: Option<PathBuf>,
        /// Time allowed to load one page, in seconds.
        #[arg(long, value_name = "SECONDS", default_value_t = 30)]
        page_timeout: u64,
        /// Time allowed for the whole run, in seconds; the browser is killed after it.
        #[arg(long, value_name = "SECONDS", default_value_t = 600)]
        timeout: u64,
    },
}

fn main() -> ExitCode {
    common::main(|| match Args::parse().check {
        Check::Links { book } => links(&book),
        Check::Browser {
            book,
            chromium,
            page_timeout,
            timeout,
        } => browser(
            &book,
            &browser::Settings {
                chromium,
                page_timeout: Duration::from_secs(page_timeout),
                timeout: Duration::from_secs(timeout),
            },
        ),
    })
}

fn links(book: &Path) -> anyhow::Result<()> {
    let summary = links::check(book)?;
    for finding in &summary.broken {
        println!(
            "{}: {} {}: {}",
            finding.page,
            finding.kind.name(),
            finding.reference,
            finding.problem
        );
    }
    let broken = summary.broken.len();
    println!(
        "{} pages, {} links, {} images: {broken} broken",
        summary.pages, summary.links, summary.images
    );
    if broken > 0 {
        bail!("{broken} broken references in {}", book.display());
    }
    Ok(())
}

fn browser(book: &Path, settings: &browser::Settings) -> anyhow::Result<()> {
    let report = browser::check(book, settings)?;
    for (page, problem) in &report.failures {
        println!("{page}: {problem}");
    }
    let failures = report.failures.len();
    println!(
        "{:<16} {} of {}",
        "pages loaded", report.pages_loaded, report.pages
    );
    println!(
        "{:<16} {} of {}",
        "images rendered", report.images_rendered, report.images
    );
    println!(
        "{:<16} {} ({} distinct targets)",
        "links checked", report.links, report.targets
    );
    println!("{:<16} {failures}", "failures");
    if failures > 0 {
        bail!(
            "{failures} failures in the browser check of {}",
            book.display()
        );
    }
    Ok(())
}

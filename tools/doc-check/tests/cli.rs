//! Runs the real `doc-check` binary on a small fixture book (tests/fixtures/book): a good page
//! (index.html), a folder with two more, and broken.html with a link to a missing page, a link
//! to a missing heading, a missing image and a script error. Every run has common::testing's
//! timeout.

use std::path::{Path, PathBuf};

use common::testing::{Run, run};

const BIN: &str = env!("CARGO_BIN_EXE_doc-check");

fn fixture_book() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/book")
}

fn doc_check(args: &[&str]) -> Run {
    let book = fixture_book();
    let mut all = args.to_vec();
    all.push(book.to_str().expect("a UTF-8 path"));
    run(BIN, &all)
}

#[test]
fn links_reports_each_broken_reference_and_a_summary() {
    let run = doc_check(&["links"]);
    assert_eq!(
        run.stdout,
        concat!(
            "broken.html: link missing.html: no such file in the book\n",
            "broken.html: link guide/page.html#nowhere: no id \"nowhere\" on guide/page.html\n",
            "broken.html: image img/missing.png: no such file in the book\n",
            "4 pages, 20 links, 3 images: 3 broken\n",
        ),
        "{run:#?}"
    );
    assert_eq!(run.code, Some(1), "{run:#?}");
    assert!(
        run.stderr.starts_with("error: 3 broken references in "),
        "{run:#?}"
    );
}

#[test]
fn links_passes_a_book_without_broken_references() {
    let book = tempfile::tempdir().expect("a temporary directory");
    for page in ["index.html", "guide/index.html", "guide/page.html"] {
        let target = book.path().join(page);
        std::fs::create_dir_all(target.parent().expect("a folder")).expect("mkdir");
        std::fs::copy(fixture_book().join(page), target).expect("copy a good page");
    }
    for resource in ["css", "js", "img"] {
        std::fs::create_dir(book.path().join(resource)).expect("mkdir");
    }
    for file in ["css/style.css", "js/book.js", "img/plot.svg"] {
        std::fs::copy(fixture_book().join(file), book.path().join(file)).expect("copy");
    }
    let run = run(BIN, &["links", book.path().to_str().expect("a UTF-8 path")]);
    assert_eq!(
        run.stdout, "3 pages, 15 links, 2 images: 0 broken\n",
        "{run:#?}"
    );
    assert_eq!(run.code, Some(0), "{run:#?}");
}

#[test]
fn a_folder_without_a_built_book_is_one_clear_error() {
    let empty = tempfile::tempdir().expect("a temporary directory");
    let run = run(
        BIN,
        &["links", empty.path().to_str().expect("a UTF-8 path")],
    );
    assert_eq!(run.code, Some(1), "{run:#?}");
    assert!(
        run.stderr.contains("no built book at ") && run.stderr.contains("mdbook build docs"),
        "{run:#?}"
    );
    assert_eq!(run.stderr.lines().count(), 1, "{run:#?}");
}

#[test]
fn a_missing_browser_names_the_script_that_installs_it() {
    let run = doc_check(&["browser", "--chromium", "/nonexistent/chromium"]);
    assert_eq!(run.code, Some(1), "{run:#?}");
    assert_eq!(
        run.stderr,
        "error: chromium not found at /nonexistent/chromium: scripts/check-docs.sh installs it\n"
    );
}

/// Needs Chromium, which scripts/test.sh does not install; scripts/check-docs.sh installs it
/// and runs this test.
#[test]
#[ignore = "needs chromium: run scripts/check-docs.sh (it installs chromium and runs this test)"]
fn browser_loads_every_page_and_reports_what_a_reader_would_see() {
    let run = doc_check(&["browser", "--timeout", "120"]);
    assert_eq!(
        run.stdout,
        concat!(
            "broken.html: resource img/missing.png: HTTP 404\n",
            "broken.html: script error: ReferenceError: notDefined is not defined\n",
            "broken.html: image img/missing.png did not render\n",
            "broken.html: link missing.html: target did not load (HTTP 404)\n",
            "broken.html: link guide/page.html#nowhere: no id \"nowhere\" on the target\n",
            "pages loaded     4 of 4\n",
            "images rendered  2 of 3\n",
            "links checked    13 (6 distinct targets)\n",
            "failures         5\n",
        ),
        "{run:#?}"
    );
    assert_eq!(run.code, Some(1), "{run:#?}");
}

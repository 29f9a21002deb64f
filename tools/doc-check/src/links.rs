//! `doc-check links`: the short form, without a browser. Reads every built page and checks
//! that each internal reference resolves to a file of the book and each `#fragment` to an id
//! of the target page.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::path::Path;

use anyhow::Context;

use crate::html::{self, Kind, Page};
use crate::site::{self, Target};

/// One broken reference.
#[derive(Debug)]
pub struct Finding {
    pub page: String,
    pub kind: Kind,
    pub reference: String,
    pub problem: String,
}

#[derive(Debug, Default)]
pub struct Summary {
    pub pages: usize,
    /// Internal references that are not images: links, stylesheets, scripts.
    pub links: usize,
    pub images: usize,
    pub broken: Vec<Finding>,
}

pub fn check(root: &Path) -> anyhow::Result<Summary> {
    let names = site::pages(root)?;
    let mut pages = HashMap::new();
    for name in &names {
        let path = root.join(name);
        let text =
            fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        pages.insert(name.clone(), html::parse(&text));
    }
    let mut summary = Summary {
        pages: names.len(),
        ..Summary::default()
    };
    for name in &names {
        check_page(root, name, &pages, &mut summary);
    }
    Ok(summary)
}

/// Checks the references of one page; a reference repeated on the page is reported once.
fn check_page(root: &Path, name: &str, pages: &HashMap<String, Page>, summary: &mut Summary) {
    let page = &pages[name];
    let mut reported = BTreeSet::new();
    for reference in &page.references {
        // A fragment alone is the page's own anchor: mdBook's 404 page, whose base is the site
        // root so that it works at any missing URL, means its heading anchors for itself.
        let base = page
            .base
            .as_deref()
            .filter(|_| !reference.url.starts_with('#'));
        let target = site::resolve(name, base, &reference.url);
        if target == Target::External {
            continue;
        }
        match reference.kind {
            Kind::Image => summary.images += 1,
            Kind::Link => summary.links += 1,
        }
        let Some(problem) = problem(root, &target, pages) else {
            continue;
        };
        if reported.insert(reference.url.as_str()) {
            summary.broken.push(Finding {
                page: name.to_owned(),
                kind: reference.kind,
                reference: reference.url.clone(),
                problem,
            });
        }
    }
}

/// What is wrong with an internal target, if anything.
fn problem(root: &Path, target: &Target, pages: &HashMap<String, Page>) -> Option<String> {
    let (path, fragment) = match target {
        Target::External => return None,
        Target::Outside => return Some("points outside the book".to_owned()),
        Target::Internal { path, fragment } => (path, fragment),
    };
    let Some(file) = site::file_for(root, path) else {
        return Some("no such file in the book".to_owned());
    };
    let fragment = site::percent_decode(fragment.as_deref()?).unwrap_or_default();
    // The empty fragment and `#top` go to the top of any page (HTML's scroll-to-fragment rules).
    if fragment.is_empty() || fragment.eq_ignore_ascii_case("top") {
        return None;
    }
    let relative = file.strip_prefix(root).ok()?.to_string_lossy().into_owned();
    let target_page = pages.get(&relative)?;
    (!target_page.ids.contains(&fragment)).then(|| format!("no id \"{fragment}\" on {relative}"))
}

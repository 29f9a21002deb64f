//! The built book as a site: its pages, how a reference on one page resolves to a path of the
//! book (as a browser would resolve it against the page's URL), and which file serves a path.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// The HTML pages of the book: paths relative to `root`, `/`-separated, sorted.
pub fn pages(root: &Path) -> anyhow::Result<Vec<String>> {
    if !root.join("index.html").is_file() {
        bail!(
            "no built book at {} (no index.html): run `mdbook build docs` first",
            root.display()
        );
    }
    let mut pages = Vec::new();
    walk(root, "", &mut pages)?;
    pages.sort();
    Ok(pages)
}

fn walk(dir: &Path, prefix: &str, pages: &mut Vec<String>) -> anyhow::Result<()> {
    let entries = fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if path.is_dir() {
            walk(&path, &format!("{prefix}{name}/"), pages)?;
        } else if name.ends_with(".html") {
            pages.push(format!("{prefix}{name}"));
        }
    }
    Ok(())
}

/// Where a reference points.
#[derive(Debug, PartialEq, Eq)]
pub enum Target {
    /// Another site, or a scheme a browser does not fetch from the book (`mailto:`, `data:`).
    External,
    /// A `..` climbs above the book's root.
    Outside,
    /// A path of the book (percent-encoded, `/`-separated, no leading `/`; a trailing `/` means
    /// a folder) and the fragment, if any.
    Internal {
        path: String,
        fragment: Option<String>,
    },
}

/// Resolves `reference` found on the page at `page` (a book path) with the page's `<base href>`.
pub fn resolve(page: &str, base: Option<&str>, reference: &str) -> Target {
    let base_path = match base.map(|base| resolve(page, None, base)) {
        Some(Target::Internal { path, .. }) => path,
        Some(other) => {
            return if is_external(reference) {
                Target::External
            } else {
                other
            };
        }
        None => page.to_owned(),
    };
    if is_external(reference) {
        return Target::External;
    }
    let (rest, fragment) = match reference.split_once('#') {
        Some((rest, fragment)) => (rest, Some(fragment.to_owned())),
        None => (reference, None),
    };
    let path = rest.split_once('?').map_or(rest, |(path, _)| path);
    let joined = match path {
        "" => base_path,
        _ if path.starts_with('/') => path.to_owned(),
        _ => format!("{}{path}", directory(&base_path)),
    };
    match normalize(&joined) {
        Some(path) => Target::Internal { path, fragment },
        None => Target::Outside,
    }
}

/// A scheme (`https:`, `mailto:`) or a network path (`//host/x`).
fn is_external(reference: &str) -> bool {
    let scheme = reference.split_once(':').map(|(scheme, _)| scheme);
    reference.starts_with("//")
        || scheme.is_some_and(|scheme| {
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        })
}

/// The folder part of a book path, with its trailing `/` ("" for the root).
fn directory(path: &str) -> &str {
    path.rfind('/').map_or("", |slash| &path[..=slash])
}

/// Removes `.` and `..` segments; `None` when `..` climbs above the root.
fn normalize(path: &str) -> Option<String> {
    let mut segments: Vec<&str> = Vec::new();
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    for (index, part) in parts.iter().enumerate() {
        let last = index + 1 == parts.len();
        match *part {
            "." => {}
            "" if !last => {}
            ".." => {
                segments.pop()?;
            }
            part => segments.push(part),
        }
    }
    let ends_in_folder = matches!(parts.last(), Some(&"." | &".."));
    let mut normal = segments.join("/");
    if ends_in_folder && !normal.is_empty() {
        normal.push('/');
    }
    Some(normal)
}

/// The file that serves a book path: the file itself, or a folder's `index.html`; `None` when
/// there is none, or when the path is not a clean one (`..` after decoding, a NUL).
pub fn file_for(root: &Path, path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(path)?;
    let climbs_out = decoded
        .split('/')
        .any(|segment| segment == ".." || segment.contains('\0'));
    if climbs_out {
        return None;
    }
    let file = root.join(decoded.trim_start_matches('/'));
    if file.is_dir() {
        let index = file.join("index.html");
        return index.is_file().then_some(index);
    }
    file.is_file().then_some(file)
}

/// Escapes a book path for a URL the way a browser writes it (`a b.html` → `a%20b.html`), so
/// that a page's URL and the links to it compare equal.
pub fn percent_encode(path: &str) -> String {
    path.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// Decodes `%XX` escapes; `None` when they do not make UTF-8.
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = (bytes[index] == b'%')
            .then(|| text.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                decoded.push(byte);
                index += 3;
            }
            None => {
                decoded.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8(decoded).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn internal(path: &str, fragment: Option<&str>) -> Target {
        Target::Internal {
            path: path.to_owned(),
            fragment: fragment.map(str::to_owned),
        }
    }

    #[test]
    fn resolves_like_a_browser() {
        let page = "threads/thread-queue.html";
        assert_eq!(
            resolve(page, None, "../css/a.css"),
            internal("css/a.css", None)
        );
        assert_eq!(
            resolve(page, None, "other.html#x"),
            internal("threads/other.html", Some("x"))
        );
        assert_eq!(
            resolve(page, None, "#top"),
            internal("threads/thread-queue.html", Some("top"))
        );
        assert_eq!(
            resolve(page, None, "/index.html?q=1"),
            internal("index.html", None)
        );
        assert_eq!(resolve(page, None, "./"), internal("threads/", None));
        assert_eq!(resolve(page, None, ".."), internal("", None));
        assert_eq!(resolve(page, None, "../../x.html"), Target::Outside);
        assert_eq!(resolve(page, None, "https://x.org/a"), Target::External);
        assert_eq!(resolve(page, None, "mailto:a@b.c"), Target::External);
        assert_eq!(resolve(page, None, "//cdn.org/a.js"), Target::External);
    }

    #[test]
    fn resolves_against_the_base() {
        assert_eq!(
            resolve("404.html", Some("/"), "threads/a.html"),
            internal("threads/a.html", None)
        );
        assert_eq!(
            resolve("a/b/c.html", Some("../"), "d.html"),
            internal("a/d.html", None)
        );
    }

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(percent_decode("a%20b%2Fc%zz").as_deref(), Some("a b/c%zz"));
        assert_eq!(percent_decode("%ff"), None);
        assert_eq!(percent_encode("a b/é-1.html"), "a%20b/%C3%A9-1.html");
    }

    #[test]
    fn serves_files_and_folder_indexes_only_inside_the_root() {
        let root = tempfile::tempdir().expect("a temporary directory");
        fs::create_dir(root.path().join("sub")).expect("mkdir");
        fs::write(root.path().join("sub/index.html"), "x").expect("write");
        fs::write(root.path().join("a b.css"), "x").expect("write");
        let served = |path: &str| file_for(root.path(), path).is_some();
        assert!(served("sub/") && served("sub") && served("a%20b.css"));
        assert!(!served("missing.html") && !served("sub/%2E%2E/a%20b.css"));
    }
}

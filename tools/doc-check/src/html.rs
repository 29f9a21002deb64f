//! Just enough HTML reading for the link check: the references a page makes and the ids it
//! defines. mdBook writes regular HTML, so a tag scanner does; comments and the bodies of
//! inline scripts and styles are skipped first, so that text in them is not taken for markup.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::{Captures, Regex};

/// What a reference loads: an image is counted and reported apart from every other reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Link,
    Image,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Link => "link",
            Kind::Image => "image",
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct Reference {
    pub kind: Kind,
    /// The attribute's value, entities decoded.
    pub url: String,
}

#[derive(Debug, Default)]
pub struct Page {
    pub references: Vec<Reference>,
    pub ids: HashSet<String>,
    /// `<base href>`: mdBook's 404 page resolves its links against the site root.
    pub base: Option<String>,
}

static SKIPPED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)<!--.*?-->|(<script\b[^>]*>).*?</script>|(<style\b[^>]*>).*?</style>")
        .expect("a valid regex")
});
// Quoted attribute values may hold a `>`.
static TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"<([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>"#).expect("a valid regex")
});
static ATTRIBUTE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?"#)
        .expect("a valid regex")
});

/// The references (`a`/`link`/`area` href, `img`/`script`/`iframe`/media src, `object` data),
/// the ids (and `<a name>`) and the `<base href>` of one page.
pub fn parse(html: &str) -> Page {
    let markup = SKIPPED.replace_all(html, |caps: &Captures| {
        caps.get(1)
            .or(caps.get(2))
            .map_or(String::new(), |open| open.as_str().to_owned())
    });
    let mut page = Page::default();
    for tag in TAG.captures_iter(&markup) {
        let name = tag[1].to_ascii_lowercase();
        for (attribute, value) in attributes(&tag[2]) {
            record(&mut page, &name, &attribute, value);
        }
    }
    page
}

fn record(page: &mut Page, tag: &str, attribute: &str, value: String) {
    let kind = match (tag, attribute) {
        (_, "id") | ("a", "name") => {
            page.ids.insert(value);
            return;
        }
        ("base", "href") => {
            page.base = Some(value);
            return;
        }
        ("img", "src") => Kind::Image,
        ("a" | "area" | "link", "href")
        | ("script" | "iframe" | "source" | "audio" | "video" | "track" | "embed", "src")
        | ("object", "data") => Kind::Link,
        _ => return,
    };
    page.references.push(Reference { kind, url: value });
}

/// (lower-case name, decoded value) of each attribute that has a value.
fn attributes(text: &str) -> impl Iterator<Item = (String, String)> + '_ {
    ATTRIBUTE.captures_iter(text).filter_map(|caps| {
        let value = caps.get(2).or(caps.get(3)).or(caps.get(4))?;
        Some((caps[1].to_ascii_lowercase(), unescape(value.as_str())))
    })
}

/// Decodes the character references an attribute value may hold (`&amp;`, `&#39;`, `&#x2F;`).
pub fn unescape(text: &str) -> String {
    static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|amp|lt|gt|quot|apos);").expect("a valid regex")
    });
    REFERENCE
        .replace_all(text, |caps: &Captures| {
            let name = &caps[1];
            let decoded = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ if name[1..].starts_with(['x', 'X']) => u32::from_str_radix(&name[2..], 16)
                    .ok()
                    .and_then(char::from_u32),
                _ => name[1..].parse().ok().and_then(char::from_u32),
            };
            decoded.map_or_else(|| caps[0].to_owned(), String::from)
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_references_ids_and_base() {
        let page = parse(concat!(
            r#"<base href="/"><link rel="stylesheet" href="css/a.css">"#,
            r#"<h1 id="intro">x</h1><a name=old></a>"#,
            r#"<a class="x" href='b.html#intro' title="a > b">b</a>"#,
            r#"<img alt="p" src="img/p.svg?x=1&amp;y=2"><script src="s.js"></script>"#,
        ));
        assert_eq!(page.base.as_deref(), Some("/"));
        assert_eq!(
            page.ids,
            HashSet::from(["intro".to_owned(), "old".to_owned()])
        );
        let found: Vec<_> = page
            .references
            .iter()
            .map(|r| (r.kind, r.url.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (Kind::Link, "css/a.css"),
                (Kind::Link, "b.html#intro"),
                (Kind::Image, "img/p.svg?x=1&y=2"),
                (Kind::Link, "s.js"),
            ]
        );
    }

    #[test]
    fn skips_comments_and_inline_scripts() {
        let page = parse(concat!(
            r#"<!-- <a href="gone.html"> --><script>let s = '<a href="js.html">';</script>"#,
            r#"<style>a[href="css.html"] {}</style><a href="kept.html">"#,
        ));
        let urls: Vec<_> = page.references.iter().map(|r| r.url.as_str()).collect();
        assert_eq!(urls, ["kept.html"]);
    }

    #[test]
    fn unescapes_character_references() {
        assert_eq!(
            unescape("a&amp;b&#39;c&#x2F;d&unknown;"),
            "a&b'c/d&unknown;"
        );
    }
}

//! `doc-check browser`: the full form. Serves the book on 127.0.0.1, loads every page in
//! headless Chromium and checks what a reader would see: the page loads (HTTP 200, a load
//! event, no failed resource, no console or script error), every `<img>` renders
//! (`naturalWidth > 0` after load, SVG plots included), and every same-site link target loads
//! and has the link's `#fragment` as an id.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

use crate::cdp::{self, Browser};
use crate::server::Server;
use crate::site;

const LAUNCH_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs in the page after its load event; returns what the checks need as one JSON string.
/// A fragment alone is taken for the page's own anchor, as in `links` (mdBook's 404 page).
const PROBE: &str = r##"JSON.stringify({
  html: document.contentType === "text/html",
  images: Array.from(document.images, (image) => [image.currentSrc || image.src, image.naturalWidth]),
  links: Array.from(document.querySelectorAll("a[href]"), (a) => {
    const href = a.getAttribute("href");
    return new URL(href, href.startsWith("#") ? location.href : document.baseURI).href;
  }),
  ids: Array.from(document.querySelectorAll("[id], a[name]"),
    (element) => [element.id, element.getAttribute("name")]).flat().filter(Boolean),
})"##;

pub struct Settings {
    pub chromium: Option<PathBuf>,
    pub page_timeout: Duration,
    pub timeout: Duration,
}

#[derive(Debug, Default)]
pub struct Report {
    pub pages: usize,
    pub pages_loaded: usize,
    pub images: usize,
    pub images_rendered: usize,
    pub links: usize,
    /// Distinct same-site link targets (pages and other files), without fragments.
    pub targets: usize,
    /// (page, problem), in the order of the pages.
    pub failures: Vec<(String, String)>,
}

/// What loading one URL showed.
#[derive(Default)]
struct Visit {
    /// Why the document did not load (no answer, not HTTP 200, no load event); `None` once it has.
    not_loaded: Option<String>,
    html: bool,
    problems: Vec<String>,
    /// (source, naturalWidth)
    images: Vec<(String, u64)>,
    /// Absolute URLs of the page's `<a href>`s.
    links: Vec<String>,
    ids: HashSet<String>,
}

pub fn check(root: &Path, settings: &Settings) -> anyhow::Result<Report> {
    let chromium = find_chromium(settings.chromium.as_deref())?;
    let pages = site::pages(root)?;
    let deadline = Instant::now() + settings.timeout;
    let server = Server::start(root)?;
    let mut browser = Browser::launch(&chromium, deadline.min(Instant::now() + LAUNCH_TIMEOUT))?;
    let visits = visit_all(&mut browser, &server, &pages, settings, deadline);
    browser.close();
    Ok(report(&server, &pages, &visits?))
}

/// The browser to run: `--chromium`, else the distribution's.
fn find_chromium(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(path) = explicit {
        if path.is_file() {
            return Ok(path.to_path_buf());
        }
        bail!(
            "chromium not found at {}: scripts/check-docs.sh installs it",
            path.display()
        );
    }
    cdp::CANDIDATES
        .iter()
        .map(PathBuf::from)
        .find(|path| path.is_file())
        .with_context(|| {
            format!(
                "chromium not found (looked for {}): scripts/check-docs.sh installs it",
                cdp::CANDIDATES.join(", ")
            )
        })
}

/// Loads every page, then every same-site link target not loaded yet, in one tab.
fn visit_all(
    browser: &mut Browser,
    server: &Server,
    pages: &[String],
    settings: &Settings,
    deadline: Instant,
) -> anyhow::Result<Vec<(String, Visit)>> {
    let session = open_tab(browser, deadline)?;
    let origin = server.url("");
    let mut queue: VecDeque<String> = pages
        .iter()
        .map(|page| server.url(&site::percent_encode(page)))
        .collect();
    let mut seen: HashSet<String> = queue.iter().cloned().collect();
    let mut visits = Vec::new();
    let progress = ProgressBar::new(queue.len() as u64)
        .with_style(ProgressStyle::with_template("{pos}/{len} {wide_msg}")?);
    while let Some(url) = queue.pop_front() {
        progress.set_message(url.clone());
        let page_deadline = deadline.min(Instant::now() + settings.page_timeout);
        let visit = visit(browser, &session, &url, page_deadline)?;
        if Instant::now() >= deadline {
            bail!(
                "the browser run took longer than {} s (at {url}); raise --timeout",
                settings.timeout.as_secs()
            );
        }
        for link in visit.links.iter().filter(|link| link.starts_with(&origin)) {
            let target = without_fragment(link).to_owned();
            if seen.insert(target.clone()) {
                progress.inc_length(1);
                queue.push_back(target);
            }
        }
        visits.push((url, visit));
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok(visits)
}

/// A tab to load the pages in, attached with a session, reporting network, log and script
/// events, with the cache off so that each page's own resource failures show on that page.
fn open_tab(browser: &mut Browser, deadline: Instant) -> anyhow::Result<String> {
    let target = browser.call(
        None,
        "Target.createTarget",
        json!({ "url": "about:blank" }),
        deadline,
    )?;
    let attached = browser.call(
        None,
        "Target.attachToTarget",
        json!({ "targetId": target["targetId"], "flatten": true }),
        deadline,
    )?;
    let session = attached["sessionId"]
        .as_str()
        .context("the browser gave no session for the new tab")?
        .to_owned();
    for method in [
        "Page.enable",
        "Network.enable",
        "Runtime.enable",
        "Log.enable",
    ] {
        browser.call(Some(&session), method, json!({}), deadline)?;
    }
    let no_cache = json!({ "cacheDisabled": true });
    browser.call(
        Some(&session),
        "Network.setCacheDisabled",
        no_cache,
        deadline,
    )?;
    Ok(session)
}

/// Navigates to `url`, waits for its load event, and probes the loaded page.
fn visit(
    browser: &mut Browser,
    session: &str,
    url: &str,
    deadline: Instant,
) -> anyhow::Result<Visit> {
    // Late events of the previous page are not this page's.
    browser.received_events();
    let mut visit = Visit {
        not_loaded: Some("no response".to_owned()),
        ..Visit::default()
    };
    let navigation = browser.call(
        Some(session),
        "Page.navigate",
        json!({ "url": url }),
        deadline,
    )?;
    if let Some(error) = navigation["errorText"].as_str() {
        visit.not_loaded = Some(error.to_owned());
        return Ok(visit);
    }
    let mut network = Network::new(url, navigation["loaderId"].as_str());
    loop {
        let Some(event) = browser.next_event(deadline)? else {
            visit.not_loaded = Some("no load event before the page timeout".to_owned());
            return Ok(visit);
        };
        if event["method"] == "Page.loadEventFired" {
            break;
        }
        network.observe(&event, &mut visit.problems);
    }
    visit.not_loaded = match network.status {
        Some(200) => None,
        Some(status) => Some(format!("HTTP {status}")),
        None => Some("no response".to_owned()),
    };
    if visit.not_loaded.is_none() {
        probe(browser, session, deadline, &mut visit)?;
    }
    for event in browser.received_events() {
        network.observe(&event, &mut visit.problems);
    }
    // Resources load in parallel: sorted, the report is the same from run to run.
    visit.problems.sort();
    visit.problems.dedup();
    Ok(visit)
}

/// Reads the page's images, links and ids once it has loaded.
fn probe(
    browser: &mut Browser,
    session: &str,
    deadline: Instant,
    visit: &mut Visit,
) -> anyhow::Result<()> {
    let params = json!({ "expression": PROBE, "returnByValue": true });
    let answer = browser.call(Some(session), "Runtime.evaluate", params, deadline)?;
    let text = answer["result"]["value"]
        .as_str()
        .context("the page probe returned nothing")?;
    let found: Value = serde_json::from_str(text).context("the page probe's answer")?;
    visit.html = found["html"].as_bool().unwrap_or(false);
    visit.images = array(&found["images"])
        .iter()
        .map(|image| (text_of(&image[0]), image[1].as_u64().unwrap_or(0)))
        .collect();
    visit.links = array(&found["links"]).iter().map(text_of).collect();
    visit.ids = array(&found["ids"]).iter().map(text_of).collect();
    Ok(())
}

fn array(value: &Value) -> &[Value] {
    value.as_array().map_or(&[], Vec::as_slice)
}

fn text_of(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// The document's own status and the failures of everything else the page loads.
struct Network {
    origin: String,
    loader: Option<String>,
    status: Option<u64>,
    requests: HashMap<String, String>,
}

impl Network {
    fn new(url: &str, loader: Option<&str>) -> Network {
        let origin = url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/") + "/";
        Network {
            origin,
            loader: loader.map(str::to_owned),
            status: None,
            requests: HashMap::new(),
        }
    }

    fn observe(&mut self, event: &Value, problems: &mut Vec<String>) {
        let params = &event["params"];
        let method = event["method"].as_str().unwrap_or_default();
        let problem = match method {
            "Network.requestWillBeSent" => {
                let url = text_of(&params["request"]["url"]);
                self.requests.insert(text_of(&params["requestId"]), url);
                None
            }
            "Network.responseReceived" => self.response(params),
            "Network.loadingFailed" if params["canceled"] != true => {
                let url = self.requests.get(&text_of(&params["requestId"]));
                let url = self.local(url.map_or("", String::as_str));
                Some(format!("resource {url}: {}", text_of(&params["errorText"])))
            }
            // A failed resource also logs an error with source "network"; reported above.
            "Log.entryAdded" if params["entry"]["level"] == "error" => (params["entry"]["source"]
                != "network")
                .then(|| format!("console error: {}", text_of(&params["entry"]["text"]))),
            "Runtime.consoleAPICalled" if params["type"] == "error" => {
                let words: Vec<String> = array(&params["args"]).iter().map(describe).collect();
                Some(format!("console error: {}", words.join(" ")))
            }
            "Runtime.exceptionThrown" => {
                let details = &params["exceptionDetails"];
                let exception = describe(&details["exception"]);
                let text = if exception.is_empty() {
                    text_of(&details["text"])
                } else {
                    exception
                };
                Some(format!(
                    "script error: {}",
                    text.lines().next().unwrap_or_default()
                ))
            }
            _ => None,
        };
        problems.extend(problem);
    }

    /// The document's status, or a failed resource (HTTP 400 and above).
    fn response(&mut self, params: &Value) -> Option<String> {
        let status = params["response"]["status"].as_u64().unwrap_or(0);
        let is_document = params["type"] == "Document"
            && params["loaderId"].as_str() == self.loader.as_deref()
            && self.status.is_none();
        if is_document {
            self.status = Some(status);
            return None;
        }
        let url = self.local(params["response"]["url"].as_str().unwrap_or_default());
        (status >= 400).then(|| format!("resource {url}: HTTP {status}"))
    }

    fn local(&self, url: &str) -> String {
        url.strip_prefix(&self.origin).unwrap_or(url).to_owned()
    }
}

/// A console argument or exception as text.
fn describe(value: &Value) -> String {
    match (&value["value"], &value["description"]) {
        (Value::String(text), _) | (_, Value::String(text)) => text.clone(),
        (Value::Null, _) => String::new(),
        (other, _) => other.to_string(),
    }
}

fn without_fragment(url: &str) -> &str {
    url.split('#').next().unwrap_or(url)
}

/// Counts and failures, in the order of the visits: each page's own problems, then its images
/// that did not render, then its links whose target failed.
fn report(server: &Server, pages: &[String], visits: &[(String, Visit)]) -> Report {
    let origin = server.url("");
    let local = |url: &str| url.strip_prefix(&origin).unwrap_or(url).to_owned();
    let by_url: HashMap<&str, &Visit> = visits.iter().map(|(url, v)| (url.as_str(), v)).collect();
    let mut report = Report {
        pages: pages.len(),
        targets: visits.len(),
        ..Report::default()
    };
    for (index, (url, visit)) in visits.iter().enumerate() {
        let is_page = index < pages.len();
        let name = local(url);
        // A link target that is not a page and did not load is reported on the linking pages.
        match &visit.not_loaded {
            None => report.pages_loaded += usize::from(is_page),
            Some(why) if is_page => report
                .failures
                .push((name.clone(), format!("did not load: {why}"))),
            Some(_) => {}
        }
        let own = visit.problems.iter().map(|p| (name.clone(), p.clone()));
        report.failures.extend(own);
        for (source, width) in &visit.images {
            report.images += 1;
            match width {
                0 => report.failures.push((
                    name.clone(),
                    format!("image {} did not render", local(source)),
                )),
                _ => report.images_rendered += 1,
            }
        }
        let mut reported = HashSet::new();
        for link in visit.links.iter().filter(|link| link.starts_with(&origin)) {
            report.links += 1;
            let target = by_url.get(without_fragment(link));
            let problem = target.and_then(|target| link_problem(link, target));
            if let Some(problem) = problem.filter(|_| reported.insert(link)) {
                report
                    .failures
                    .push((name.clone(), format!("link {}: {problem}", local(link))));
            }
        }
    }
    report
}

fn link_problem(link: &str, target: &Visit) -> Option<String> {
    if let Some(why) = &target.not_loaded {
        return Some(format!("target did not load ({why})"));
    }
    let fragment = link.split_once('#').map_or("", |(_, fragment)| fragment);
    let fragment = site::percent_decode(fragment).unwrap_or_default();
    let missing = target.html
        && !fragment.is_empty()
        && !fragment.eq_ignore_ascii_case("top")
        && !target.ids.contains(&fragment);
    missing.then(|| format!("no id \"{fragment}\" on the target"))
}

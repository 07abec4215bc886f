//! The report pages in real renderers: `report.html` in Debian's headless Chromium, and `messages.ndjson` through
//! the official `@cucumber/html-formatter` (validated against 24.2.0) and then Chromium.
//!
//! The shape of a fixed run's `messages.ndjson` is snapshotted too (volatile values normalised, each exchanges
//! attachment reduced to a count, as `tests/report_formats.rs` tests what exchanges carry). The two renderer tests are
//! ignored by default, as they need tools `cargo test` does not install; `.ci/run` installs them
//! and runs `cargo test --test html_report -- --ignored`. The formatter ships no command line: a few
//! lines of Node feed its `CucumberHtmlStream` the NDJSON on stdin and write the HTML to stdout. The test finds the
//! package through `SNCC_HTML_FORMATTER` (its folder, e.g. `<prefix>/node_modules/@cucumber/html-formatter`) and
//! fails when it is not set.

mod common;

use common::TempDir;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The longest a run, the formatter or the browser may take before the test gives up on it.
const PATIENCE: Duration = Duration::from_secs(120);

/// Where the formatter's package is.
const FORMATTER_VAR: &str = "SNCC_HTML_FORMATTER";

/// Node: `CucumberHtmlStream` from the package folder given as argument, NDJSON on stdin, HTML on stdout.
const FORMATTER_DRIVER: &str = r#"
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
const entry = pathToFileURL(join(process.argv[1], 'dist/src/index.js')).href;
const { CucumberHtmlStream } = await import(entry);
const html = new CucumberHtmlStream();
html.pipe(process.stdout);
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() !== '') html.write(JSON.parse(line));
}
html.end();
"#;

/// A folder of its own under the system's temp dir, removed on drop.
/// Waits for `child` at most [`PATIENCE`], killing it after.
fn wait(mut child: Child, what: &str) -> ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for a child") {
            return status;
        }
        if started.elapsed() > PATIENCE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {PATIENCE:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn file(path: &Path) -> File {
    File::create(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Runs `sncc run` with `args` into `<dir>/<name>/`, expecting `exit`; returns the report folder.
fn sncc_run(dir: &Path, name: &str, args: &[&str], exit: i32) -> PathBuf {
    let reports = dir.join(name);
    let console = dir.join(format!("{name}.console"));
    let mut all = vec!["run", "--report-dir", reports.to_str().expect("UTF-8 path")];
    all.extend(args);
    let child = Command::new(env!("CARGO_BIN_EXE_sncc"))
        .args(&all)
        .current_dir(dir)
        .env_remove("SNCC_ADMIN_PASSWORD")
        .env_remove("SNCC_CLIENT_SECRET")
        .stdout(file(&console))
        .stderr(Stdio::inherit())
        .spawn()
        .expect("sncc starts");
    let status = wait(child, "sncc run");
    assert_eq!(status.code(), Some(exit), "{}", read(&console));
    reports
}

/// Runs headless Chromium on `page` with `args`, a fresh profile in `dir`; returns what it wrote to stdout.
fn chromium(dir: &Path, page: &Path, args: &[&str]) -> String {
    static PROFILES: AtomicUsize = AtomicUsize::new(0);
    let profile = dir.join(format!(
        "profile-{}",
        PROFILES.fetch_add(1, Ordering::Relaxed)
    ));
    let out = dir.join("chromium.out");
    let child = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdout(file(&out))
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|error| {
            panic!("chromium does not start ({error}): install Debian's chromium (apt-get install -y chromium)")
        });
    let status = wait(child, "chromium");
    assert!(status.success(), "chromium failed: {status}");
    read(&out)
}

/// The run's summary JSON.
fn summary(reports: &Path) -> Value {
    serde_json::from_str(&read(&reports.join("summary.json"))).expect("summary.json")
}

/// `(id, outcome)` of every behaviour of the run.
fn behaviours(summary: &Value) -> Vec<(String, String)> {
    let field = |behaviour: &Value, name: &str| behaviour[name].as_str().expect(name).to_owned();
    summary["behaviours"]
        .as_array()
        .expect("behaviours")
        .iter()
        .map(|behaviour| (field(behaviour, "id"), field(behaviour, "outcome")))
        .collect()
}

/// The page as Chromium rendered it has every behaviour as one row coloured by its outcome.
fn assert_rendered_rows(dom: &str, summary: &Value) {
    assert!(dom.contains("</html>"), "no DOM: {dom}");
    let rows = behaviours(summary);
    assert!(!rows.is_empty());
    assert_eq!(dom.matches("<tbody class=\"behaviour ").count(), rows.len());
    for (id, outcome) in rows {
        let row = format!("<tbody class=\"behaviour {outcome}\" id=\"CC-{id}\">");
        assert!(dom.contains(&row), "{row} is not on the page");
    }
    let tally = &summary["tally"];
    let line = format!(
        "{} passed, {} failed, {} warnings, {} skipped",
        tally["passed"], tally["failed"], tally["warnings"], tally["skipped"]
    );
    assert!(dom.contains(&line), "{line} is not on the page");
}

/// A PNG of `width` × `height`, from its IHDR chunk.
fn assert_png(path: &Path, width: u32, height: u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let number = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    assert_eq!((number(16), number(20)), (width, height));
}

#[test]
#[ignore = "needs Debian's chromium; .ci/run runs it with --ignored"]
fn the_html_report_renders_in_chromium() {
    let dir = TempDir::new("html-report");
    let runs: [(&str, &[&str], i32); 4] = [
        ("faithful", &[], 0),
        ("warnings", &["--mock-break", "cache-headers-missing"], 0),
        ("failures", &["--mock-break", "any-secret-accepted"], 1),
        (
            "inconclusive",
            &["--mock-break", "grant-always-disabled"],
            1,
        ),
    ];
    for (name, args, exit) in runs {
        let reports = sncc_run(&dir.0, name, args, exit);
        let page = reports.join("report.html");
        let dom = chromium(&dir.0, &page, &["--dump-dom"]);
        assert_rendered_rows(&dom, &summary(&reports));
        let shot = dir.0.join(format!("{name}.png"));
        let screenshot = format!("--screenshot={}", shot.display());
        chromium(&dir.0, &page, &[&screenshot, "--window-size=1280,2000"]);
        assert_png(&shot, 1280, 2000);
    }
}

/// The package folder of `@cucumber/html-formatter`, from [`FORMATTER_VAR`].
fn formatter() -> PathBuf {
    let Some(folder) = std::env::var_os(FORMATTER_VAR) else {
        panic!(
            "{FORMATTER_VAR} is not set: install the formatter (npm install --prefix DIR \
             @cucumber/html-formatter@24.2.0) and set {FORMATTER_VAR}=DIR/node_modules/@cucumber/html-formatter"
        );
    };
    let folder = PathBuf::from(folder);
    assert!(
        folder.join("dist/src/index.js").is_file(),
        "{FORMATTER_VAR}={} is not the @cucumber/html-formatter package folder",
        folder.display()
    );
    folder
}

/// The formatter's page for `messages`, written to `page`.
fn format_messages(messages: &Path, page: &Path) {
    let child = Command::new("node")
        .args(["--input-type=module", "-e", FORMATTER_DRIVER])
        .arg(formatter())
        .stdin(File::open(messages).expect("messages.ndjson"))
        .stdout(file(page))
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|error| panic!("node does not start: {error}"));
    let status = wait(child, "the formatter");
    assert!(status.success(), "the formatter failed: {status}");
}

/// `text` as the formatter embeds it in its page: a JSON string's content, `<` as `\x3C`.
fn embedded(text: &str) -> String {
    let json = serde_json::to_string(text).unwrap();
    json[1..json.len() - 1].replace('<', "\\x3C")
}

/// `text` as Chromium serialises a text node.
fn text_node(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The DOM without scripts (the formatter's page embeds the messages in one).
fn without_scripts(dom: &str) -> String {
    let mut rest = dom;
    let mut kept = String::new();
    while let Some(start) = rest.find("<script") {
        kept.push_str(&rest[..start]);
        let end = rest[start..].find("</script>").expect("a closed script");
        rest = &rest[start + end + "</script>".len()..];
    }
    kept + rest
}

#[test]
#[ignore = "needs Node and @cucumber/html-formatter (SNCC_HTML_FORMATTER) and Debian's chromium; .ci/run runs it with --ignored"]
fn the_cucumber_messages_render_in_the_official_formatter() {
    formatter();
    let dir = TempDir::new("cucumber-messages");
    // Failures, and scenarios a failed setup leaves inconclusive (their steps `UNKNOWN`).
    let runs: [(&str, &[&str]); 2] = [
        ("failures", &["--mock-break", "any-secret-accepted"]),
        ("inconclusive", &["--mock-break", "grant-always-disabled"]),
    ];
    for (name, args) in runs {
        let reports = sncc_run(&dir.0, name, args, 1);
        formatted_run(&dir.0, name, &reports);
    }
}

/// The formatter's page of one run shows every scenario of it.
fn formatted_run(dir: &Path, name: &str, reports: &Path) {
    let page = dir.join(format!("{name}.html"));
    format_messages(&reports.join("messages.ndjson"), &page);
    let html = read(&page);
    let summary = summary(reports);
    let scenarios = summary["scenarios"].as_array().expect("scenarios");
    for scenario in scenarios {
        let name = scenario["name"].as_str().expect("a name");
        assert!(html.contains(&embedded(name)), "{name} is not in the page");
    }
    let dom = chromium(dir, &page, &["--virtual-time-budget=10000", "--dump-dom"]);
    let shown = without_scripts(&dom);
    let unfolded = unfolded_features(scenarios);
    assert!(!unfolded.is_empty());
    for scenario in scenarios {
        let uri = scenario["feature_uri"].as_str().expect("a feature URI");
        assert!(shown.contains(&text_node(uri)), "{uri} is not rendered");
        let name = scenario["name"].as_str().expect("a name");
        if unfolded.contains(&uri) {
            assert!(shown.contains(&text_node(name)), "{name} is not rendered");
        }
    }
}

/// The features the formatter shows unfolded: those whose worst step did not pass (a failure, a warning, a skip).
fn unfolded_features(scenarios: &[Value]) -> Vec<&str> {
    scenarios
        .iter()
        .filter(|scenario| {
            ["failed", "warning", "skipped"].contains(&scenario["outcome"].as_str().unwrap())
        })
        .map(|scenario| scenario["feature_uri"].as_str().expect("a feature URI"))
        .collect()
}

/// The behaviours of the fixed run, as `tests/report_formats.rs` runs them.
const TAGS: &str = "@CC-A3 or @CC-B3 or @CC-C6 or @CC-F4 or @CC-G1";

/// The stream with each exchanges attachment's body reduced to how many exchanges it holds.
fn messages_shape(messages: &str) -> String {
    let mut shape = String::new();
    for line in messages.lines() {
        let mut envelope: Value = serde_json::from_str(line).expect("a JSON line");
        if let Some(attachment) = envelope
            .get_mut("attachment")
            .filter(|attachment| attachment["fileName"] == "exchanges.json")
        {
            let body: Value =
                serde_json::from_str(attachment["body"].as_str().expect("a body")).expect("JSON");
            let count = body["exchanges"].as_array().expect("exchanges").len();
            attachment["body"] = Value::from(format!("[{count} exchanges]"));
        }
        shape.push_str(&format!("{envelope}\n"));
    }
    shape
}

#[test]
fn the_messages_of_a_fixed_faithful_run_are_stable() {
    let dir = TempDir::new("fixed-messages");
    let args = ["--concurrency", "1", "--tags", TAGS];
    let reports = sncc_run(&dir.0, "faithful", &args, 0);
    let messages = messages_shape(&read(&reports.join("messages.ndjson")));
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\b[0-9a-f]{32}\b", "[SYS_ID]");
    settings.add_filter(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", "[DATETIME]");
    settings.add_filter(r"http://127\.0\.0\.1:\d+", "[BASE_URL]");
    settings.add_filter(r"sncc-[0-9a-f]{8}-", "[PREFIX]");
    settings.add_filter(
        r#""seconds":\d+,"nanos":\d+"#,
        r#""seconds":"[S]","nanos":"[NS]""#,
    );
    settings.add_filter(
        r#""(version|protocolVersion)":"[^"]*""#,
        r#""$1":"[VERSION]""#,
    );
    settings.add_filter(
        r#""(os|cpu)":\{"name":"[^"]*"\}"#,
        r#""$1":{"name":"[NAME]"}"#,
    );
    settings.bind(|| insta::assert_snapshot!("faithful_messages_ndjson", messages));
}

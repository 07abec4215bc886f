//! `sncc compare` through the binary, on two real runs of the mock: as Vancouver (before) and as Washington DC
//! (after). The changes are grouped by severity, the release change heads them, a changed `@must` behaviour exits
//! 1, identical runs exit 0, unreadable input exits 2; the markdown output is snapshotted.

use crate::common;

use common::TempDir;

use std::path::Path;

/// A folder of its own under the system's temp dir, removed on drop.
/// The two runs' summaries, in their folder.
struct Runs {
    dir: TempDir,
    before: String,
    after: String,
}

impl Runs {
    fn make() -> Runs {
        let path = std::env::temp_dir().join(format!("sncc-compare-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("temp dir");
        let dir = TempDir(path);
        let before = summary_of(&dir.0, "vancouver");
        let after = summary_of(&dir.0, "washingtondc");
        Runs { dir, before, after }
    }

    fn compare(&self, args: &[&str]) -> (Option<i32>, String) {
        let mut all = vec!["compare", self.before.as_str(), self.after.as_str()];
        all.extend(args);
        let output = common::sncc(&self.dir.0, &all, &[]);
        (output.code, output.stdout)
    }
}

/// Runs the mock as `release` and gives the path of its summary.json.
fn summary_of(dir: &Path, release: &str) -> String {
    let reports = dir.join(release);
    let reports = reports.to_str().expect("UTF-8 temp path");
    let output = common::sncc(
        dir,
        &["run", "--release", release, "--report-dir", reports],
        &[],
    );
    assert_eq!(
        output.code,
        Some(0),
        "{}{}",
        output.stdout.clone(),
        output.stderr
    );
    format!("{reports}/summary.json")
}

/// One pair of runs for every check: they are what takes time.
#[test]
fn vancouver_then_washingtondc() {
    let runs = Runs::make();
    the_changes_are_grouped_by_severity_and_fail(&runs);
    the_markdown_output_is_stable(&runs);
    the_html_output_is_a_whole_escaped_page(&runs);
    the_same_run_twice_changes_nothing(&runs);
    unreadable_input_exits_2(&runs);
}

fn the_changes_are_grouped_by_severity_and_fail(runs: &Runs) {
    let (code, text) = runs.compare(&[]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.starts_with("release: vancouver → washingtondc\n"),
        "{text}"
    );
    assert!(
        text.contains("scenarios: 58 skipped → passed, 9 skipped → skipped, 1 passed → skipped\n"),
        "{text}"
    );
    let groups: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("behaviours changed") && !line.starts_with(' '))
        .collect();
    assert_eq!(
        groups,
        [
            "must: 30 behaviours changed",
            "should: 23 behaviours changed",
            "info: 8 behaviours changed",
            "30 must, 23 should, 8 info behaviours changed",
        ]
    );
    let became_applicable = "  A3 (must) With the system property true the client gets a token\n      \
        outcome: skipped (not applicable to this release (vancouver): the grant exists from Washington DC on) → passed\n";
    assert!(text.contains(became_applicable), "{text}");
    let no_longer_applicable = "      outcome in \"On this release, older than Washington DC, a configured client is refused\": \
        passed → skipped (applies only to releases before Washington DC)\n";
    assert!(text.contains(no_longer_applicable), "{text}");
    assert!(
        text.contains("      fact release: \"vancouver\" → \"washingtondc\"\n"),
        "{text}"
    );
    let must = text.find("must: 30").unwrap();
    let should = text.find("should: 23").unwrap();
    let info = text.find("info: 8").unwrap();
    assert!(must < should && should < info, "{text}");
    assert!(text[should..info].contains("C4 (should)"), "{text}");
    assert!(text[info..].contains("G2 (info)"), "{text}");
}

fn the_markdown_output_is_stable(runs: &Runs) {
    let (code, markdown) = runs.compare(&["--format", "markdown"]);
    assert_eq!(code, Some(1), "{markdown}");
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(
        r"\| sncc \| [^|]+ \| [^|]+ \|",
        "| sncc | [VERSION] | [VERSION] |",
    );
    settings.bind(|| insta::assert_snapshot!("vancouver_to_washingtondc_markdown", markdown));
}

fn the_html_output_is_a_whole_escaped_page(runs: &Runs) {
    let (code, html) = runs.compare(&["--format", "html"]);
    assert_eq!(code, Some(1));
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("<h2 class=\"must\">must: 30 behaviours changed</h2>"));
    assert!(
        html.contains("user&#39;s rights") && !html.contains("user's"),
        "{html}"
    );
    assert!(html.contains("&quot;vancouver&quot;"), "{html}");
    assert!(html.trim_end().ends_with("</html>"));
}

fn the_same_run_twice_changes_nothing(runs: &Runs) {
    let output = common::sncc(&runs.dir.0, &["compare", &runs.after, &runs.after], &[]);
    let text = output.stdout.clone();
    assert_eq!(output.code, Some(0), "{text}");
    assert!(text.ends_with("\nno behaviour changed\n"), "{text}");
}

fn unreadable_input_exits_2(runs: &Runs) {
    let missing = common::sncc(
        &runs.dir.0,
        &["compare", &runs.before, "no-such-summary.json"],
        &[],
    );
    assert_eq!(missing.code, Some(2));
    assert!(missing.stderr.contains("no-such-summary.json"));
    let not_a_summary = runs.dir.0.join("not-a-summary.json");
    std::fs::write(&not_a_summary, "{\"release\": 3}").unwrap();
    let not_a_summary = not_a_summary.to_str().expect("UTF-8 temp path");
    let wrong = common::sncc(&runs.dir.0, &["compare", not_a_summary, &runs.after], &[]);
    assert_eq!(wrong.code, Some(2));
    assert!(
        wrong.stderr.contains("is not an sncc summary.json"),
        "{}",
        wrong.stderr
    );
}

/// A summary.json holding one M1 scenario that recorded these inventory facts.
fn inventory_summary(dir: &Path, name: &str, facts: serde_json::Value) -> String {
    let summary = serde_json::json!({
        "sncc_version": "0.1.0",
        "target": {"kind": "admin", "instance": "https://dev1.service-now.com"},
        "release": name,
        "tally": {"passed": 1, "failed": 0, "warnings": 0, "skipped": 0},
        "scenarios": [{
            "name": "Every inbound endpoint's grant settings and the grant properties are recorded",
            "info": {"id": "M1", "severity": "info", "evidence": ["doc"]},
            "outcome": "passed",
            "facts": facts,
        }],
    });
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, summary.to_string()).expect("write a summary");
    path.to_str().expect("UTF-8 temp path").to_owned()
}

/// An upgrade that changed an integration's grant settings fails the comparison, naming the endpoint; the
/// same change to an endpoint a run created (`sncc-<run>-…`) is only information.
#[test]
fn an_inventory_change_of_an_endpoint_the_run_did_not_create_is_must_level() {
    let path = std::env::temp_dir().join(format!("sncc-compare-inventory-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&path);
    std::fs::create_dir_all(&path).expect("temp dir");
    let dir = TempDir(path);
    let facts = |token_format: &str, ours: &str| {
        serde_json::json!({
            "endpoints": 2,
            "endpoint \"Jira sync\" token_format": token_format,
            "endpoint \"Jira sync\" scopes": ["useraccount"],
            "endpoint \"sncc-1a2b3c4d-left-over\" inbound_grant_type": ours,
            "property glide.oauth.inbound.client.credential.grant_type.enabled": "true",
        })
    };
    let before = inventory_summary(&dir.0, "yokohama", facts("jwt", "client_credentials"));
    let after = inventory_summary(&dir.0, "zurich", facts("opaque", "client_credentials"));
    let output = common::sncc(&dir.0, &["compare", &before, &after], &[]);
    let text = output.stdout.clone();
    assert_eq!(output.code, Some(1), "{text}{}", output.stderr);
    let must = text
        .find("must: 1 behaviour changed")
        .expect("a must group");
    let should = text
        .find("should: nothing changed")
        .expect("a should group");
    let foreign = "  M1 (must) OAuth API endpoints the run did not create changed their grant settings\n      \
        fact endpoint \"Jira sync\" token_format: \"jwt\" → \"opaque\"\n";
    assert!(text[must..should].contains(foreign), "{text}");
    assert!(text.contains("info: nothing changed"), "{text}");

    let ours_only = inventory_summary(&dir.0, "ours", facts("jwt", "authz_code"));
    let output = common::sncc(&dir.0, &["compare", &before, &ours_only], &[]);
    let text = output.stdout.clone();
    assert_eq!(output.code, Some(0), "{text}{}", output.stderr);
    assert!(text.contains("must: nothing changed"), "{text}");
    let info = text
        .find("info: 1 behaviour changed")
        .expect("an info group");
    assert!(
        text[info..].contains("fact endpoint \"sncc-1a2b3c4d-left-over\" inbound_grant_type"),
        "{text}"
    );
}

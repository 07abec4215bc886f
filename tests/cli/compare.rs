//! `sncc compare` through the binary. On real runs of the mock: two runs of every release family compare equal
//! (nothing changed, exit 0, whatever `--fail-on`), and Vancouver (before) → Washington DC (after) lists what
//! became applicable without failing. On hand-written summaries: each kind of change (regressed, fixed, newly
//! applicable, no longer applicable, inconclusive, facts changed) in the text and markdown forms (snapshotted),
//! the exit status for each `--fail-on`, an M1 inventory change of an endpoint the run did not create, and bad
//! input (no summary, a newer summary format, another target) as a clear error or a warning line.

use crate::common;

use common::TempDir;

use std::path::Path;

use serde_json::{Value, json};
use sncc::servicenow::Family;

/// A folder of its own under the system's temp dir, named for the test, removed on drop.
fn temp_dir(name: &str) -> TempDir {
    let path = std::env::temp_dir().join(format!("sncc-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&path);
    std::fs::create_dir_all(&path).expect("temp dir");
    TempDir(path)
}

/// Two runs of every family against the mock, in their folder.
struct Runs {
    dir: TempDir,
}

impl Runs {
    /// Runs every family twice, all at once (they are what takes time).
    fn make() -> Runs {
        let dir = temp_dir("compare");
        std::thread::scope(|scope| {
            for family in Family::ALL {
                for run in [1, 2] {
                    let dir = &dir.0;
                    scope.spawn(move || run_mock(dir, family.name(), run));
                }
            }
        });
        Runs { dir }
    }

    /// The report folder of a family's run.
    fn of(&self, family: &str, run: u8) -> String {
        report_dir(&self.dir.0, family, run)
    }

    fn compare(&self, before: &str, after: &str, args: &[&str]) -> common::Finished {
        let mut all = vec!["compare", before, after];
        all.extend(args);
        common::sncc(&self.dir.0, &all, &[])
    }
}

fn report_dir(dir: &Path, family: &str, run: u8) -> String {
    let reports = dir.join(format!("{family}-{run}"));
    reports.to_str().expect("UTF-8 temp path").to_owned()
}

/// Runs the mock as `family` into its report folder.
fn run_mock(dir: &Path, family: &str, run: u8) {
    let reports = report_dir(dir, family, run);
    let output = common::sncc(
        dir,
        &["run", "--release", family, "--report-dir", &reports],
        &[],
    );
    assert_eq!(
        output.code,
        Some(0),
        "{family}: {}{}",
        output.stdout,
        output.stderr
    );
}

/// One set of runs for every check on real runs.
#[test]
fn every_family_twice_then_vancouver_to_washingtondc() {
    let runs = Runs::make();
    two_runs_of_every_family_compare_equal(&runs);
    an_upgrade_that_opens_gates_passes_and_says_why(&runs);
    the_markdown_output_is_stable(&runs);
    the_html_output_is_a_whole_escaped_page(&runs);
}

/// Keys, tokens, sys_ids, timestamps and the run's names differ between two runs of the same mock: none of
/// that is a change.
fn two_runs_of_every_family_compare_equal(runs: &Runs) {
    for family in Family::ALL.map(Family::name) {
        let summary = format!("{}/summary.json", runs.of(family, 2));
        let output = runs.compare(&runs.of(family, 1), &summary, &["--fail-on", "facts"]);
        let text = output.stdout;
        assert_eq!(output.code, Some(0), "{family}: {text}{}", output.stderr);
        assert!(
            text.contains("\nexit 0 (--fail-on facts): nothing regressed and no fact changed\n"),
            "{family}: {text}"
        );
        assert!(
            text.ends_with("\nregressed: none\n\nno behaviour changed\n"),
            "{family}: {text}"
        );
        assert!(!text.contains("warning:"), "{family}: {text}");
    }
}

fn an_upgrade_that_opens_gates_passes_and_says_why(runs: &Runs) {
    let (vancouver, washingtondc) = (runs.of("vancouver", 1), runs.of("washingtondc", 2));
    let output = runs.compare(&vancouver, &washingtondc, &[]);
    let text = output.stdout;
    assert_eq!(output.code, Some(0), "{text}");
    assert!(
        text.starts_with("release: vancouver → washingtondc\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "\nwarning: the runs are of the mock as different releases (vancouver → washingtondc)"
        ),
        "{text}"
    );
    assert!(
        text.contains("\nexit 0 (--fail-on must): no @must behaviour regressed and no M1 inventory value of an entity the run did not create changed\n"),
        "{text}"
    );
    assert!(
        text.contains("scenarios: 64 skipped → passed, 11 skipped → skipped, 1 passed → skipped\n"),
        "{text}"
    );
    let headings: Vec<&str> = text
        .lines()
        .filter(|line| !line.starts_with(' ') && line.contains(": "))
        .skip(6)
        .collect();
    assert_eq!(
        headings,
        [
            "scenarios: 64 skipped → passed, 11 skipped → skipped, 1 passed → skipped",
            "regressed: none",
            "newly applicable: 58 behaviours",
            "no longer applicable: 1 behaviour",
            "facts changed: 8 behaviours",
            "67 behaviours changed: 58 newly applicable, 1 no longer applicable, 8 facts changed",
        ],
        "{text}"
    );
    let became_applicable = "  A3 (must) With the system property true the client gets a token\n      \
        outcome: skipped (not applicable to this release (vancouver): the grant exists from Washington DC on) → passed\n";
    assert!(text.contains(became_applicable), "{text}");
    let no_longer_applicable = "no longer applicable: 1 behaviour\n  G1 (must) Before Washington DC a configured client is refused\n      \
        outcome in \"On this release, older than Washington DC, a configured client is refused\": \
        passed → skipped (applies only to releases before Washington DC)\n";
    assert!(text.contains(no_longer_applicable), "{text}");
    assert!(
        text.contains("      fact release: \"vancouver\" → \"washingtondc\"\n"),
        "{text}"
    );
    // Stricter: the release a G2 fact records changed.
    let facts = runs.compare(&vancouver, &washingtondc, &["--fail-on", "facts"]);
    assert_eq!(facts.code, Some(1), "{}", facts.stdout);
    assert!(
        facts
            .stdout
            .contains("\nexit 1 (--fail-on facts): G2 (info) facts changed"),
        "{}",
        facts.stdout
    );
}

fn the_markdown_output_is_stable(runs: &Runs) {
    let output = runs.compare(
        &runs.of("vancouver", 1),
        &runs.of("washingtondc", 1),
        &["--format", "markdown"],
    );
    assert_eq!(output.code, Some(0), "{}", output.stdout);
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(
        r"\| sncc \| [^|]+ \| [^|]+ \|",
        "| sncc | [VERSION] | [VERSION] |",
    );
    settings.bind(|| insta::assert_snapshot!("vancouver_to_washingtondc_markdown", output.stdout));
}

fn the_html_output_is_a_whole_escaped_page(runs: &Runs) {
    let output = runs.compare(
        &runs.of("vancouver", 1),
        &runs.of("washingtondc", 1),
        &["--format", "html"],
    );
    let html = output.stdout;
    assert_eq!(output.code, Some(0));
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(
        html.contains("<p class=\"passes\">exit 0 (--fail-on must): "),
        "{html}"
    );
    assert!(html.contains("<h2 class=\"regressed\">regressed: none</h2>"));
    assert!(html.contains("<h2 class=\"newly-applicable\">newly applicable: 58 behaviours</h2>"));
    assert!(
        html.contains("user&#39;s rights") && !html.contains("user's"),
        "{html}"
    );
    assert!(html.contains("&quot;vancouver&quot;"), "{html}");
    assert!(html.trim_end().ends_with("</html>"));
}

/// A hand-written summary of `release` on an admin target, holding these scenarios.
fn summary(release: &str, scenarios: Vec<Value>) -> Value {
    json!({
        "summary_format": 1,
        "sncc_version": "0.1.0",
        "target": {"kind": "admin", "instance": "https://dev1.service-now.com"},
        "release": release,
        "tally": {"passed": 1, "failed": 0, "warnings": 0, "skipped": 0},
        "scenarios": scenarios,
    })
}

/// A scenario of behaviour `id` with its outcome and what it observed (facts, exchanges).
fn scenario(id: &str, severity: &str, title: &str, outcome: Value, observed: Value) -> Value {
    let mut scenario =
        json!({"name": title, "info": {"id": id, "severity": severity, "evidence": ["doc"]}});
    for part in [outcome, observed] {
        let part = part.as_object().expect("an object").clone();
        scenario.as_object_mut().expect("an object").extend(part);
    }
    scenario
}

fn passed() -> Value {
    json!({"outcome": "passed"})
}

fn skipped(reason: &str) -> Value {
    json!({"outcome": "skipped", "reason": reason})
}

/// A JWKS exchange publishing a key made for the run.
fn jwks(kid: &str, modulus: &str) -> Value {
    let body = format!(
        r#"{{"keys":[{{"kty":"RSA","kid":"{kid}","use":"sig","alg":"RS256","n":"{modulus}","e":"AQAB"}}]}}"#
    );
    json!({"exchanges": [{"method": "GET", "path": "/api/now/oauth/jwks", "status": 200,
        "response_headers": [["content-type", "application/json"]], "response_body": body}],
        "facts": {"jwt_header": {"alg": "RS256", "kid": kid}}})
}

/// A token exchange answered with `status`.
fn token(status: u16, issued_at: &str) -> Value {
    let body = format!(r#"{{"access_token":"[REDACTED]","issued":"{issued_at}"}}"#);
    json!({"exchanges": [{"method": "POST", "path": "/oauth_token.do", "status": status,
        "response_headers": [["content-type", "application/json;charset=UTF-8"]], "response_body": body}]})
}

fn write(dir: &Path, name: &str, summary: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, summary.to_string()).expect("write a summary");
    path.to_str().expect("UTF-8 temp path").to_owned()
}

/// Zurich P3 → Brazil on one instance, with one change of every kind, and key, token and time noise that is none.
fn upgrade(dir: &Path) -> (String, String) {
    let before = summary(
        "zurich-p3",
        vec![
            scenario(
                "A1",
                "must",
                "Without the system property a correctly configured client is refused",
                passed(),
                token(401, "2025-01-01 10:00:00"),
            ),
            scenario(
                "B3",
                "must",
                "A wrong client secret is refused with the generic error",
                json!({"outcome": "failed", "message": "Then the status is 401: got 200"}),
                json!({}),
            ),
            scenario(
                "C4",
                "should",
                "The token response forbids caching with Pragma",
                passed(),
                json!({"facts": {"header_pragma": "no-store,no-cache"}}),
            ),
            scenario(
                "D1",
                "must",
                "The token acts as the OAuth Application User",
                passed(),
                json!({}),
            ),
            scenario(
                "G1",
                "must",
                "Before Washington DC a configured client is refused",
                passed(),
                json!({}),
            ),
            scenario(
                "G2",
                "info",
                "The release is recorded",
                passed(),
                json!({"facts": {"release": "zurich"}}),
            ),
            scenario(
                "J1",
                "must",
                "A JWT access token verifies with the key the JWKS publishes under its kid",
                passed(),
                jwks("wottd-CQrqdzL3UT3", "0vx7agoebGcQSuu"),
            ),
            scenario(
                "K1",
                "must",
                "With the Basic auth restriction enforcing, Basic auth is refused",
                skipped("not applicable to this release (zurich-p3): from Zurich Patch 4 on"),
                json!({}),
            ),
            scenario(
                "M1",
                "info",
                "Every inbound endpoint's grant settings are recorded",
                passed(),
                json!({"facts": {"endpoint \"Jira sync\" token_format": "jwt", "endpoint \"sncc-1a2b3c4d-svc\" token_format": "jwt"}}),
            ),
        ],
    );
    let after = summary(
        "brazil",
        vec![
            scenario(
                "A1",
                "must",
                "Without the system property a correctly configured client is refused",
                json!({"outcome": "failed", "message": "Then the status is 401: got 200"}),
                token(200, "2026-07-14T09:30:00Z"),
            ),
            scenario(
                "B3",
                "must",
                "A wrong client secret is refused with the generic error",
                passed(),
                json!({}),
            ),
            scenario(
                "C4",
                "should",
                "The token response forbids caching with Pragma",
                json!({"outcome": "warning", "message": "Then Pragma is no-store,no-cache: got absent"}),
                json!({"facts": {"header_pragma": null}}),
            ),
            scenario(
                "D1",
                "must",
                "The token acts as the OAuth Application User",
                json!({"outcome": "inconclusive", "reason": "the instance answered 503 to POST /oauth_token.do"}),
                json!({}),
            ),
            scenario(
                "G1",
                "must",
                "Before Washington DC a configured client is refused",
                skipped("applies only to releases before Washington DC"),
                json!({}),
            ),
            scenario(
                "G2",
                "info",
                "The release is recorded",
                passed(),
                json!({"facts": {"release": "brazil"}}),
            ),
            scenario(
                "J1",
                "must",
                "A JWT access token verifies with the key the JWKS publishes under its kid",
                passed(),
                jwks("FUquIWbL6oH7s4LT", "xjlCRBqkOBYAe"),
            ),
            scenario(
                "K1",
                "must",
                "With the Basic auth restriction enforcing, Basic auth is refused",
                passed(),
                json!({}),
            ),
            scenario(
                "M1",
                "info",
                "Every inbound endpoint's grant settings are recorded",
                passed(),
                json!({"facts": {"endpoint \"Jira sync\" token_format": "opaque", "endpoint \"sncc-9f8e7d6c-svc\" token_format": "jwt"}}),
            ),
        ],
    );
    (
        write(dir, "zurich-p3.json", &before),
        write(dir, "brazil.json", &after),
    )
}

/// Every kind of change, regressions first, the exit line naming what fails the comparison.
#[test]
fn each_kind_of_change_in_text_and_markdown() {
    let dir = temp_dir("compare-kinds");
    let (before, after) = upgrade(&dir.0);
    let text = common::sncc(&dir.0, &["compare", &before, &after], &[]);
    assert_eq!(text.code, Some(1), "{}{}", text.stdout, text.stderr);
    assert!(
        text.stdout
            .contains("\nexit 1 (--fail-on must): A1 (must) regressed, M1 (must) facts changed\n"),
        "{}",
        text.stdout
    );
    assert!(
        !text.stdout.contains("J1"),
        "the new key is no change: {}",
        text.stdout
    );
    assert!(
        !text.stdout.contains("sncc-"),
        "an endpoint the run created under another name is the same one: {}",
        text.stdout
    );
    insta::assert_snapshot!("each_kind_of_change_text", text.stdout);
    let markdown = common::sncc(
        &dir.0,
        &["compare", &before, &after, "--format", "markdown"],
        &[],
    );
    assert_eq!(markdown.code, Some(1));
    insta::assert_snapshot!("each_kind_of_change_markdown", markdown.stdout);
}

/// `--fail-on should` adds a `@should` regression; `facts` any fact that changed; the default neither.
#[test]
fn fail_on_grows_stricter() {
    let dir = temp_dir("compare-fail-on");
    let run = |name: &str, pragma: Value, outcome: Value, release: &str| {
        let scenarios = vec![
            scenario("C4", "should", "Pragma", outcome, json!({})),
            scenario(
                "G2",
                "info",
                "Release",
                passed(),
                json!({"facts": {"release": release}}),
            ),
            scenario(
                "H1",
                "must",
                "Scope",
                passed(),
                json!({"facts": {"header_pragma": pragma}}),
            ),
        ];
        write(&dir.0, name, &summary("zurich", scenarios))
    };
    let before = run("before.json", json!("no-cache"), passed(), "zurich");
    let same_facts = run("same.json", json!("no-cache"), passed(), "zurich");
    let warning = json!({"outcome": "warning", "message": "no"});
    let should = run("should.json", json!("no-cache"), warning, "zurich");
    let facts = run("facts.json", json!("no-store"), passed(), "zurich");
    let code = |after: &str, fail_on: &str| {
        let output = common::sncc(
            &dir.0,
            &["compare", &before, after, "--fail-on", fail_on],
            &[],
        );
        assert!(
            output.stdout.contains(&format!(
                "\nexit {} (--fail-on {fail_on}): ",
                output.code.unwrap_or(-1)
            )),
            "{}",
            output.stdout
        );
        output.code
    };
    for fail_on in ["must", "should", "facts"] {
        assert_eq!(code(&same_facts, fail_on), Some(0), "{fail_on}");
    }
    assert_eq!(code(&should, "must"), Some(0));
    assert_eq!(code(&should, "should"), Some(1));
    assert_eq!(code(&should, "facts"), Some(1));
    assert_eq!(code(&facts, "must"), Some(0));
    assert_eq!(code(&facts, "should"), Some(0));
    assert_eq!(code(&facts, "facts"), Some(1));
}

/// An upgrade that changed an integration's grant settings fails the comparison, naming the endpoint; the
/// same change to an endpoint a run created (`sncc-<run>-…`) is only a fact.
#[test]
fn an_inventory_change_of_an_endpoint_the_run_did_not_create_fails() {
    let dir = temp_dir("compare-inventory");
    let facts = |token_format: &str, ours: &str| {
        json!({
            "endpoints": 2,
            "endpoint \"Jira sync\" token_format": token_format,
            "endpoint \"Jira sync\" scopes": ["useraccount"],
            "endpoint \"sncc-1a2b3c4d-left-over\" inbound_grant_type": ours,
            "property glide.oauth.inbound.client.credential.grant_type.enabled": "true",
        })
    };
    let inventory = |name: &str, facts: Value| {
        let title = "Every inbound endpoint's grant settings and the grant properties are recorded";
        let scenarios = vec![scenario(
            "M1",
            "info",
            title,
            passed(),
            json!({"facts": facts}),
        )];
        write(&dir.0, name, &summary("zurich", scenarios))
    };
    let before = inventory("before.json", facts("jwt", "client_credentials"));
    let after = inventory("after.json", facts("opaque", "client_credentials"));
    let output = common::sncc(&dir.0, &["compare", &before, &after], &[]);
    let text = output.stdout;
    assert_eq!(output.code, Some(1), "{text}{}", output.stderr);
    assert!(
        text.contains("\nexit 1 (--fail-on must): M1 (must) facts changed\n"),
        "{text}"
    );
    let foreign = "facts changed: 1 behaviour\n  M1 (must) OAuth API endpoints the run did not create changed their grant settings\n      \
        fact endpoint \"Jira sync\" token_format: \"jwt\" → \"opaque\"\n";
    assert!(text.contains(foreign), "{text}");

    let ours_only = inventory("ours.json", facts("jwt", "authz_code"));
    let output = common::sncc(&dir.0, &["compare", &before, &ours_only], &[]);
    let text = output.stdout;
    assert_eq!(output.code, Some(0), "{text}{}", output.stderr);
    let info = "facts changed: 1 behaviour\n  M1 (info) Every inbound endpoint's grant settings and the grant properties are recorded\n      \
        fact endpoint \"sncc-<run>-left-over\" inbound_grant_type: \"client_credentials\" → \"authz_code\"\n";
    assert!(text.contains(info), "{text}");
}

/// What is not a summary, or a summary of a newer format, is a clear error (exit 2); a report folder reads its
/// summary.json; another target is a warning line, and the runs still compare. Never a panic.
#[test]
fn bad_input_is_a_clear_error_or_a_warning() {
    let dir = temp_dir("compare-bad-input");
    let good = summary(
        "zurich",
        vec![scenario("A3", "must", "Token", passed(), json!({}))],
    );
    let good = write(&dir.0, "good.json", &good);
    let compare =
        |before: &str, after: &str| common::sncc(&dir.0, &["compare", before, after], &[]);
    let refused = |name: &str, content: &str, says: &str| {
        let path = dir.0.join(name);
        std::fs::write(&path, content).expect("write a file");
        let path = path.to_str().expect("UTF-8 temp path");
        for output in [compare(path, &good), compare(&good, path)] {
            assert_eq!(
                output.code,
                Some(2),
                "{name}: {}{}",
                output.stdout,
                output.stderr
            );
            assert!(output.stdout.is_empty(), "{name}: {}", output.stdout);
            assert!(
                output.stderr.starts_with("sncc: ")
                    && output.stderr.contains(path)
                    && output.stderr.contains(says),
                "{name}: {}",
                output.stderr
            );
            assert!(!output.stderr.contains("panicked"), "{}", output.stderr);
        }
    };
    let not_a_summary = "is not an sncc summary.json";
    refused("empty.json", "", not_a_summary);
    refused("wrong-shape.json", r#"{"release": 3}"#, not_a_summary);
    refused(
        "cucumber.json",
        r#"[{"uri": "features/a.feature", "elements": []}]"#,
        not_a_summary,
    );
    refused(
        "junit.xml",
        "<?xml version=\"1.0\"?><testsuites/>",
        not_a_summary,
    );
    refused(
        "bad-format.json",
        r#"{"summary_format": "two"}"#,
        not_a_summary,
    );
    let mut newer = summary("zurich", Vec::new());
    newer["summary_format"] = json!(99);
    refused(
        "newer.json",
        &newer.to_string(),
        "was written by a newer sncc (summary format 99; this sncc reads up to 1)",
    );
    let missing = compare(&good, "no-such-summary.json");
    assert_eq!(missing.code, Some(2));
    assert!(
        missing.stderr.contains("no-such-summary.json"),
        "{}",
        missing.stderr
    );

    // A report folder stands for its summary.json; a summary from before formats were numbered is of format 1.
    let folder = dir.0.join("reports");
    std::fs::create_dir_all(&folder).expect("a folder");
    let mut unnumbered = summary(
        "zurich",
        vec![scenario("A3", "must", "Token", passed(), json!({}))],
    );
    unnumbered
        .as_object_mut()
        .expect("an object")
        .remove("summary_format");
    write(&folder, "summary.json", &unnumbered);
    let output = compare(&good, folder.to_str().expect("UTF-8 temp path"));
    assert_eq!(output.code, Some(0), "{}{}", output.stdout, output.stderr);
    assert!(
        output.stdout.ends_with("\nno behaviour changed\n"),
        "{}",
        output.stdout
    );
    assert!(!output.stdout.contains("warning:"), "{}", output.stdout);

    let mut elsewhere = summary(
        "zurich",
        vec![scenario("A3", "must", "Token", passed(), json!({}))],
    );
    elsewhere["target"]["instance"] = json!("https://dev2.service-now.com");
    let elsewhere = write(&dir.0, "elsewhere.json", &elsewhere);
    let output = compare(&good, &elsewhere);
    assert_eq!(output.code, Some(0), "{}{}", output.stdout, output.stderr);
    assert!(
        output.stdout.contains("\nwarning: the runs are of different targets (https://dev1.service-now.com → https://dev2.service-now.com): "),
        "{}",
        output.stdout
    );
}

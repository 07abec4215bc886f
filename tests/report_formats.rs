//! The shape of every report format of fixed `sncc run`s, snapshotted: the console, summary JSON, Cucumber JSON and
//! JUnit XML, exchanges reduced to `METHOD path -> status`; what an exchange carries is snapshotted once.
//!
//! One run is the faithful mock on a handful of behaviours; one is the same run against a mock that accepts any
//! secret (so failures quote token responses); the last runs a feature folder written here that goes wrong in
//! every way a report must show (a `@must` failure, a `@should` warning, an `@info` step that does not hold, an
//! undefined step, a scenario the release skips); another runs a feature whose setup fails, so its scenarios are
//! inconclusive. Volatile values are normalised; secrets must be redacted everywhere.

mod common;

use common::TempDir;

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use regex::Regex;
use serde_json::Value;

const TAGS: &str = "@CC-A3 or @CC-B3 or @CC-C6 or @CC-F4 or @CC-G1";

/// A feature that goes wrong in every way; markup in names to prove the escaping.
const DEVIATIONS: &str = r#"Feature: Deviations <&> "quoted"
  A sample that goes wrong in every way a report must show.

  Background:
    Given a user "svc.cc"
    And an OAuth API endpoint "svc-cc" whose OAuth Application User is "svc.cc"

  @CC-A1 @doc @must @instance-wide
  Scenario: A must deviation fails the run
    Given the client credentials property is "false"
    When "svc-cc" requests a token with its client id and secret
    Then a token is issued
    And the scope is "useraccount"

  @CC-C3 @rfc @should
  Scenario: A should deviation is a warning <with> "markup" & 'quotes'
    Given the client credentials property is "true"
    When "svc-cc" requests a token with a wrong client secret
    Then the response body is exactly:
      """
      {"error":"<&>"}
      """

  @CC-F4 @reported @info
  Scenario: An info scenario whose step does not hold still passes
    Given the client credentials property is "true"
    When "svc-cc" authenticates with HTTP Basic
    Then whether a token was issued is recorded as "basic_client_auth_accepted"
    And the request is refused with ServiceNow's generic error

  @CC-E1 @doc @must
  Scenario: A step without a definition fails
    Then the moon is made of cheese

  @CC-G1 @doc @must @admin @pre-washington
  Scenario: A scenario the release cannot run is skipped
    When "svc-cc" requests a token with its client id and secret
"#;

/// A feature whose setup fails on the mock (the grant is off, so no token is issued): each of its scenarios
/// decides nothing, whatever its severity, and the run exits 2.
const FAULTS: &str = r#"@instance-wide
Feature: Faults
  A sample a failed setup leaves undecided.

  Background:
    Given a user "svc.cc"
    And an OAuth API endpoint "svc-cc" whose OAuth Application User is "svc.cc"
    And the client credentials property is "false"

  @CC-D1 @doc @must
  Scenario: A must scenario whose setup fails is inconclusive
    Given "svc-cc" holds a token
    When the token is used to ask who it acts as
    Then the token acts as "svc.cc"

  @CC-F4 @reported @info
  Scenario: An info scenario whose setup fails is inconclusive too
    Given "svc-cc" holds a token
    Then whether a token was issued is recorded as "basic_client_auth_accepted"

  @CC-A1 @doc @must
  Scenario: A scenario beside them still passes
    When "svc-cc" requests a token with its client id and secret
    Then the request is refused with ServiceNow's generic error
"#;

/// What one run left: its console output and report files.
struct Reports {
    console: String,
    summary: String,
    cucumber: String,
    junit: String,
}

fn run(args: &[&str], cwd: &Path, expected_exit: i32) -> Reports {
    let report_dir = cwd.join("reports");
    let report_dir = report_dir.to_str().expect("UTF-8 temp path");
    let mut all = vec!["run", "--concurrency", "1", "--report-dir", report_dir];
    all.extend(args);
    let output = common::sncc(cwd, &all, &[]);
    let console = output.stdout;
    assert_eq!(
        output.code,
        Some(expected_exit),
        "{console}\n{}",
        output.stderr
    );
    let read = |file: &str| {
        std::fs::read_to_string(Path::new(report_dir).join(file))
            .unwrap_or_else(|error| panic!("{file}: {error}"))
    };
    Reports {
        console,
        summary: read("summary.json"),
        cucumber: read("cucumber.json"),
        junit: read("junit.xml"),
    }
}

/// Normalises what changes from run to run: ids, times, ports, the run prefix, the version, base64 data.
fn stable() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\b[0-9a-f]{32}\b", "[SYS_ID]");
    settings.add_filter(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", "[DATETIME]");
    settings.add_filter(r"http://127\.0\.0\.1:\d+", "[BASE_URL]");
    settings.add_filter(r"sncc-[0-9a-f]{8}-", "[PREFIX]");
    settings.add_filter(r"sncc \d+\.\d+\.\d+(-[0-9A-Za-z.]+)?", "sncc [VERSION]");
    settings.add_filter(
        r#""sncc_version": "[^"]*""#,
        r#""sncc_version": "[VERSION]""#,
    );
    settings.add_filter(r#""(duration|duration_ms)": \d+"#, r#""$1": "[DURATION]""#);
    settings.add_filter(r#"time="\d+\.\d{3}""#, r#"time="[SECONDS]""#);
    settings.add_filter(
        r"(skipped|inconclusive|expected) in \d+\.\d s\n",
        "$1 in [SECONDS] s\n",
    );
    settings.add_filter(r#""data": "[A-Za-z0-9+/=]*""#, r#""data": "[BASE64]""#);
    settings
}

/// An exchange as a shape snapshot shows it: `METHOD path -> status`.
fn request_line(exchange: &Value) -> Value {
    let status = exchange["status"]
        .as_u64()
        .map_or("no response".to_owned(), |status| status.to_string());
    let [method, path] = ["method", "path"].map(|name| exchange[name].as_str().expect(name));
    Value::from(format!("{method} {path} -> {status}"))
}

/// The summary's shape: every scenario as it is, its exchanges reduced to their request lines (what they carry
/// is tested once, by `the_exchanges_a_report_carries_are_the_scenarios_redacted`).
fn summary_shape(summary: &str) -> String {
    let mut summary: Value = serde_json::from_str(summary).expect("summary.json");
    for scenario in summary["scenarios"].as_array_mut().expect("scenarios") {
        let exchanges = scenario["exchanges"].as_array().expect("exchanges");
        scenario["exchanges"] = exchanges.iter().map(request_line).collect();
    }
    serde_json::to_string_pretty(&summary).expect("JSON") + "\n"
}

/// Each format's shape: the console, the summary (exchanges as request lines), the Cucumber JSON (embeddings
/// normalised) and the JUnit XML (a line per exchange already).
fn snapshot_all(name: &str, reports: &Reports) {
    stable().bind(|| {
        insta::assert_snapshot!(format!("{name}_console"), reports.console);
        insta::assert_snapshot!(
            format!("{name}_summary_json"),
            summary_shape(&reports.summary)
        );
        insta::assert_snapshot!(format!("{name}_cucumber_json"), reports.cucumber);
        insta::assert_snapshot!(format!("{name}_junit_xml"), reports.junit);
    });
}

/// Every value behind a secret's name is `[REDACTED]`, no credential follows `Bearer`/`Basic`, and nothing
/// has the shape of an access token (86 base64url characters).
fn assert_no_secret(what: &str, text: &str) {
    let text = text.replace("&quot;", "\"").replace("\\\"", "\"");
    let secret_names =
        "client_secret|access_token|refresh_token|user_password|password|authorization";
    let json_member = Regex::new(&format!(r#"(?i)"({secret_names})"\s*:\s*"([^"]*)""#)).unwrap();
    for found in json_member.captures_iter(&text) {
        assert!(
            found[2].ends_with("[REDACTED]"),
            "{what}: {} is {}",
            &found[1],
            &found[2]
        );
    }
    let form_parameter = Regex::new(&format!(r#"(?i)\b({secret_names})=([^&\s"]*)"#)).unwrap();
    for found in form_parameter.captures_iter(&text) {
        assert_eq!(&found[2], "[REDACTED]", "{what}: {}", &found[1]);
    }
    let credential = Regex::new(r"\b(Bearer|Basic) [A-Za-z0-9._~+/=-]{12,}").unwrap();
    assert!(!credential.is_match(&text), "{what}: a credential is shown");
    let token = Regex::new(r"[A-Za-z0-9_-]{86}").unwrap();
    assert!(
        !token.is_match(&text),
        "{what}: something token-shaped is shown"
    );
}

/// The secret checks over every file, the Cucumber JSON's embeddings decoded first.
fn assert_nothing_secret(reports: &Reports) {
    assert_no_secret("console", &reports.console);
    assert_no_secret("summary.json", &reports.summary);
    assert_no_secret("junit.xml", &reports.junit);
    let mut cucumber: Value = serde_json::from_str(&reports.cucumber).expect("cucumber.json");
    for embedding in embeddings(&mut cucumber) {
        let decoded = STANDARD
            .decode(embedding["data"].as_str().expect("base64 data"))
            .expect("base64");
        assert_no_secret("an embedding", &String::from_utf8(decoded).expect("UTF-8"));
        embedding["data"] = Value::from("[checked]");
    }
    assert_no_secret("cucumber.json", &cucumber.to_string());
}

fn embeddings(cucumber: &mut Value) -> Vec<&mut Value> {
    let steps = cucumber
        .as_array_mut()
        .expect("an array of features")
        .iter_mut()
        .flat_map(|feature| feature["elements"].as_array_mut().expect("elements"))
        .flat_map(|element| element["steps"].as_array_mut().expect("steps"));
    steps
        .filter_map(|step| step.get_mut("embeddings").and_then(Value::as_array_mut))
        .flatten()
        .collect()
}

/// The Cucumber JSON says what the summary says: an element per scenario with its tags, steps whose statuses
/// consumers count right, and the scenario's facts and exchanges in its embedding.
fn assert_cucumber_agrees(reports: &Reports) {
    let summary: Value = serde_json::from_str(&reports.summary).expect("summary.json");
    let mut cucumber: Value = serde_json::from_str(&reports.cucumber).expect("cucumber.json");
    let scenarios = summary["scenarios"].as_array().expect("scenarios");
    let elements: Vec<Value> = cucumber
        .as_array()
        .expect("features")
        .iter()
        .flat_map(|feature| feature["elements"].as_array().expect("elements").clone())
        .collect();
    assert_eq!(elements.len(), scenarios.len());
    let mut observed = Vec::new();
    for (scenario, element) in scenarios.iter().zip(&elements) {
        assert_eq!(element["name"], scenario["name"]);
        let statuses: Vec<&str> = element["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .map(|step| step["result"]["status"].as_str().expect("a status"))
            .collect();
        let outcome = scenario["outcome"].as_str().expect("outcome");
        match outcome {
            "passed" => assert!(statuses.iter().all(|status| *status == "passed")),
            "skipped" => assert_eq!(statuses, ["skipped"]),
            "inconclusive" => {
                assert!(statuses.contains(&"undefined") && !statuses.contains(&"failed"))
            }
            _ => assert!(statuses.contains(&"failed")),
        }
        let tagged_warning = element["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .any(|tag| tag["name"] == "@warning");
        assert_eq!(tagged_warning, outcome == "warning", "{}", element["name"]);
        let facts = scenario["facts"].as_object().expect("facts");
        if !facts.is_empty()
            || !scenario["exchanges"]
                .as_array()
                .expect("exchanges")
                .is_empty()
        {
            observed.push(serde_json::json!({
                "facts": scenario["facts"],
                "exchanges": scenario["exchanges"],
            }));
        }
    }
    let embedded: Vec<Value> = embeddings(&mut cucumber)
        .into_iter()
        .map(|embedding| {
            let data = STANDARD
                .decode(embedding["data"].as_str().unwrap())
                .unwrap();
            serde_json::from_slice(&data).expect("embedded JSON")
        })
        .collect();
    assert_eq!(embedded, observed);
}

/// Test case names are unique and every case's classname is its suite's (feature's) name.
fn assert_junit_names(junit: &str) {
    let suite = Regex::new(r#"<testsuite name="([^"]*)""#).unwrap();
    let case = Regex::new(r#"<testcase classname="([^"]*)" name="([^"]*)""#).unwrap();
    let mut names = std::collections::HashSet::new();
    let mut current_suite = String::new();
    for line in junit.lines() {
        if let Some(found) = suite.captures(line) {
            current_suite = found[1].to_owned();
        }
        if let Some(found) = case.captures(line) {
            assert_eq!(found[1], current_suite);
            assert!(names.insert(found[2].to_owned()), "duplicate {}", &found[2]);
        }
    }
    assert!(!names.is_empty());
}

fn check(name: &str, reports: &Reports) {
    assert_nothing_secret(reports);
    assert_cucumber_agrees(reports);
    assert_junit_names(&reports.junit);
    snapshot_all(name, reports);
}

#[test]
fn a_faithful_run_in_every_format() {
    let dir = TempDir::new("faithful-reports");
    let reports = run(&["--tags", TAGS], &dir.0, 0);
    assert!(
        reports
            .console
            .contains("\n5 passed, 0 failed, 0 warnings, 1 skipped in "),
        "{}",
        reports.console
    );
    check("faithful", &reports);
}

#[test]
fn a_run_against_a_mock_that_accepts_any_secret_in_every_format() {
    let dir = TempDir::new("broken-reports");
    let reports = run(
        &["--tags", TAGS, "--mock-break", "any-secret-accepted"],
        &dir.0,
        1,
    );
    assert!(
        reports
            .console
            .contains("\n3 passed, 2 failed, 0 warnings, 1 skipped in "),
        "{}",
        reports.console
    );
    check("any_secret_accepted", &reports);
}

#[test]
fn a_run_with_every_kind_of_deviation_in_every_format() {
    let dir = TempDir::new("deviation-reports");
    std::fs::create_dir(dir.0.join("deviations")).unwrap();
    std::fs::write(dir.0.join("deviations/deviations.feature"), DEVIATIONS).unwrap();
    let reports = run(&["--features-dir", "deviations"], &dir.0, 1);
    assert!(
        reports
            .console
            .contains("\n1 passed, 2 failed, 1 warnings, 1 skipped in "),
        "{}",
        reports.console
    );
    check("deviations", &reports);
}

#[test]
fn a_run_a_failed_setup_leaves_inconclusive_in_every_format() {
    let dir = TempDir::new("inconclusive-reports");
    std::fs::create_dir(dir.0.join("faults")).unwrap();
    std::fs::write(dir.0.join("faults/faults.feature"), FAULTS).unwrap();
    let reports = run(&["--features-dir", "faults"], &dir.0, 2);
    assert!(
        reports
            .console
            .contains("\n1 passed, 0 failed, 0 warnings, 0 skipped, 2 inconclusive in "),
        "{}",
        reports.console
    );
    assert!(
        reports
            .junit
            .contains(r#"failures="0" errors="2" skipped="0""#),
        "{}",
        reports.junit
    );
    check("inconclusive", &reports);
}

#[test]
fn the_exchanges_a_report_carries_are_the_scenarios_redacted() {
    let dir = TempDir::new("exchange-reports");
    let reports = run(&["--tags", "@CC-A3"], &dir.0, 0);
    assert_no_secret("summary.json", &reports.summary);
    let summary: Value = serde_json::from_str(&reports.summary).expect("summary.json");
    let [scenario] = summary["scenarios"]
        .as_array()
        .expect("scenarios")
        .as_slice()
    else {
        panic!("one scenario: {summary:#}");
    };
    let exchanges = &scenario["exchanges"];
    let token = exchanges
        .as_array()
        .expect("exchanges")
        .iter()
        .find(|exchange| exchange["path"] == "/oauth_token.do")
        .expect("a token request");
    let request = token["request_body"].as_str().expect("a form");
    assert!(request.contains("client_secret=[REDACTED]"), "{request}");
    let response = token["response_body"].as_str().expect("a token response");
    assert!(
        response.contains(r#""access_token":"[REDACTED]""#),
        "{response}"
    );
    stable().bind(|| insta::assert_json_snapshot!("a3_exchanges", exchanges));
}

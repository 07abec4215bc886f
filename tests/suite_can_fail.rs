//! Proves the suite can fail: `sncc run` passes against the faithful mock, and each deliberate break of the
//! mock (`--mock-break`) fails exactly the scenarios of the catalogue ids that check what it breaks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use sncc::mock::Break;

/// Every break, with the ids whose scenarios it must fail (`@must`) or warn about (`@should`); no other
/// non-`@info` scenario may fail or warn.
const BREAKS: &[(&str, &[&str])] = &[
    ("grant-enabled-by-default", &["A1"]),
    ("property-value-ignored", &["A2", "A4"]),
    (
        "grant-always-disabled",
        &[
            // D1–D4, E1, E4–E6, J2, N1, O1, O2 and P1 need a token in their setup: with the grant off
            // they are inconclusive, which the table does not count as a deviation.
            "A3", "A4", "B1", "B2", "B6", "B7", "C1", "C2", "C3", "C4", "C5", "F7", "F8", "J1",
            "J4", "K2", "L1", "N2", "R1",
        ],
    ),
    ("property-cached", &["A4"]),
    ("userless-entity-generic", &["B1", "B2"]),
    ("any-secret-accepted", &["B3", "C6"]),
    ("unknown-client-invalid-client", &["B4"]),
    ("inactive-entity-accepted", &["B5"]),
    ("default-grant-type-enforced", &["B6"]),
    ("expires-in-off-by-one", &["B7"]),
    ("expires-in-fixed", &["B7"]),
    ("refresh-token-returned", &["C1", "C2"]),
    ("cache-headers-missing", &["C3", "C4"]),
    ("short-tokens", &["C5"]),
    ("error-body-reordered", &["C6"]),
    // P1's rule counts the application user's requests: a token acting as admin is never limited.
    (
        "tokens-act-as-admin",
        &["D1", "D2", "D3", "D4", "I5", "J2", "O2", "P1"],
    ),
    ("user-change-ignored", &["D2"]),
    // D2 issues a token before it changes the user: a mapping cached at the first token shows.
    ("user-cached-at-first-issue", &["D2"]),
    ("records-created-by-system", &["D4"]),
    ("user-state-ignored", &["D5", "D6", "D7"]),
    (
        "bearer-refused",
        &[
            "C5", "D1", "D2", "D3", "D4", "E1", "H1", "H2", "H3", "H4", "H6", "I4", "I5", "J2",
            "K2", "N1", "N2", "O2", "P1",
        ],
    ),
    (
        "challenge-missing",
        &["E2", "E3", "E4", "E5", "E6", "I1", "I4", "J2"],
    ),
    ("any-token-accepted", &["E3", "E4", "E5", "I1", "J2"]),
    ("expired-tokens-accepted", &["E4", "I1", "J2"]),
    ("revoked-tokens-accepted", &["E5"]),
    ("query-token-accepted", &["E6"]),
    ("json-body-accepted", &["F1"]),
    ("query-string-read", &["F2"]),
    ("get-issues-tokens", &["F3"]),
    // R1's password grant is then a client credentials request, which gets a token.
    ("grant-type-ignored", &["F5", "R1"]),
    ("missing-secret-accepted", &["F6"]),
    ("scope-ignored", &["F7"]),
    ("secret-not-decoded", &["F8"]),
    ("grant-on-old-releases", &["G1"]),
    ("scopes-frozen-at-issue", &["H2"]),
    ("scope-check-skipped", &["H1", "H2", "H6"]),
    ("scope-check-on-basic", &["H5"]),
    ("scope-check-switch-ignored", &["H4"]),
    ("restricted-status-ignored", &["H6"]),
    ("restricted-before-its-patch", &["H6"]),
    ("useraccount-scope-ignored", &["H3"]),
    ("revocation-ignored", &["I1", "I2", "I4"]),
    ("revocation-deletes-row", &["I2"]),
    ("cookie-outlives-token", &["I4"]),
    ("last-login-not-updated", &["I5"]),
    ("form-charset-refused", &["L1"]),
    ("jwt-unpublished-key", &["J1"]),
    ("jwt-acts-as-admin", &["J2"]),
    ("jwt-before-gate", &["J4"]),
    // J2 holds a JWT in its setup: with opaque tokens it is inconclusive.
    ("jwt-format-ignored", &["J1"]),
    ("restriction-not-enforced", &["K1"]),
    ("restriction-blocks-basic-client-auth", &["K2"]),
    ("restriction-blocks-tokens", &["K2"]),
    ("web-service-users-restricted", &["K3"]),
    ("allowed-roles-ignored", &["K3"]),
    ("binding-by-path", &["H1", "H2"]),
    ("unscoped-api-body-wrong", &["H6"]),
    ("enforce-token-restriction-ignored", &["N1"]),
    ("access-policy-ignored", &["N2"]),
    // O1, O2 and S1 record what a real instance does (@info); their @mock-only @should scenarios hold the mock
    // to its defaults, which these breaks change.
    ("token-request-slides-live-tokens", &["O1"]),
    ("token-follows-entity-user", &["O2"]),
    ("rate-limit-ignored", &["P1"]),
    ("ropc-switch-ignored", &["R1"]),
    ("scope-default-not-applied", &["S1"]),
];

/// A break that only breaks `@should` behaviours, for the `--strict` run.
const SHOULD_ONLY_BREAK: &str = "cache-headers-missing";
const STRICT_RUN: &str = "strict";
const FAITHFUL_RUN: &str = "faithful";

/// Every id of the built-in catalogue, as the library derives them from the features (`tests/readme.rs`
/// holds the features to docs/catalogue.md).
fn catalogue() -> BTreeSet<String> {
    let features = sncc::catalogue::features::parse(&sncc::catalogue::features::embedded())
        .expect("the built-in features");
    let ids = sncc::catalogue::ids(&features).expect("the built-in features are tagged");
    ids.into_iter().collect()
}

/// One scenario of a run's summary.json.
#[derive(Debug)]
struct Scenario {
    id: String,
    severity: String,
    outcome: String,
    /// The scenario's feature file and line: unique in a run.
    at: String,
    facts: Value,
}

/// One `sncc run`: its exit code and scenarios.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    scenarios: Vec<Scenario>,
}

impl Run {
    /// The scenarios that failed or warned, excluding `@info` (which never fails).
    fn deviations(&self) -> impl Iterator<Item = &Scenario> {
        self.scenarios
            .iter()
            .filter(|s| s.severity != "info" && (s.outcome == "failed" || s.outcome == "warning"))
    }

    fn facts_of(&self, id: &str) -> &Value {
        let scenario = self.scenarios.iter().find(|s| s.id == id);
        &scenario.unwrap_or_else(|| panic!("no {id} scenario")).facts
    }
}

/// A report directory of its own, removed when dropped.
struct ReportDir(PathBuf);

impl Drop for ReportDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the whole suite against the bundled mock with `args`, and reads its summary.json.
fn run_suite(label: &str, args: &[&str]) -> Run {
    let dir = ReportDir(std::env::temp_dir().join(format!(
        "sncc-suite-can-fail-{}-{label}",
        std::process::id()
    )));
    let output = Command::new(env!("CARGO_BIN_EXE_sncc"))
        .arg("run")
        .arg("--report-dir")
        .arg(&dir.0)
        .args(args)
        .output()
        .expect("sncc starts");
    let summary = std::fs::read_to_string(dir.0.join("summary.json")).unwrap_or_else(|error| {
        panic!(
            "{label}: no summary.json ({error}); exit {:?}, stderr:\n{}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let summary: Value = serde_json::from_str(&summary).expect("summary.json is JSON");
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    let scenarios = summary["scenarios"]
        .as_array()
        .expect("summary.json lists scenarios")
        .iter()
        .map(|scenario| Scenario {
            id: text(&scenario["info"]["id"]),
            severity: text(&scenario["info"]["severity"]),
            outcome: text(&scenario["outcome"]),
            at: format!("{}:{}", text(&scenario["feature_uri"]), scenario["line"]),
            facts: scenario["facts"].clone(),
        })
        .collect();
    Run {
        code: output.status.code(),
        scenarios,
    }
}

/// Every run the tests look at, by label: the faithful mock, each break, and one break with `--strict`.
/// Made once, a few runs at a time.
fn runs() -> &'static BTreeMap<String, Run> {
    static RUNS: OnceLock<BTreeMap<String, Run>> = OnceLock::new();
    RUNS.get_or_init(|| {
        let mut jobs: Vec<(String, Vec<&str>)> = vec![(FAITHFUL_RUN.into(), vec![])];
        jobs.extend(
            BREAKS
                .iter()
                .map(|(name, _)| (name.to_string(), vec!["--mock-break", name])),
        );
        jobs.push((
            STRICT_RUN.into(),
            vec!["--mock-break", SHOULD_ONLY_BREAK, "--strict"],
        ));
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4));
        let next = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|_| {
                    scope.spawn(|| {
                        let mut done = Vec::new();
                        while let Some((label, args)) =
                            jobs.get(next.fetch_add(1, Ordering::SeqCst))
                        {
                            done.push((label.clone(), run_suite(label, args)));
                        }
                        done
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|handle| handle.join().expect("a suite run panicked"))
                .collect()
        })
    })
}

fn run(label: &str) -> &'static Run {
    &runs()[label]
}

#[test]
fn the_faithful_mock_passes_every_scenario_of_every_catalogue_id() {
    let faithful = run(FAITHFUL_RUN);
    assert_eq!(faithful.code, Some(0));
    let deviations: Vec<_> = faithful.deviations().collect();
    assert!(deviations.is_empty(), "{deviations:#?}");
    let ids: BTreeSet<String> = faithful.scenarios.iter().map(|s| s.id.clone()).collect();
    assert_eq!(ids, catalogue());
}

#[test]
fn the_table_names_every_break_once() {
    let table: Vec<&str> = BREAKS.iter().map(|(name, _)| *name).collect();
    let all: Vec<&str> = Break::ALL.iter().map(|which| which.name()).collect();
    assert_eq!(table, all);
}

#[test]
fn each_break_fails_the_scenarios_of_its_ids_and_no_other() {
    let faithful = run(FAITHFUL_RUN);
    let severity: BTreeMap<&str, &str> = faithful
        .scenarios
        .iter()
        .map(|s| (s.id.as_str(), s.severity.as_str()))
        .collect();
    let mut problems = Vec::new();
    for (name, ids) in BREAKS {
        let broken = run(name);
        for id in *ids {
            let expected = match severity[id] {
                "must" => "failed",
                "should" => "warning",
                other => panic!("{name} lists {id}, an @{other} id, which never fails"),
            };
            if !broken
                .scenarios
                .iter()
                .any(|s| s.id == *id && s.outcome == expected)
            {
                problems.push(format!("{name}: no {id} scenario {expected}"));
            }
        }
        for scenario in broken.deviations() {
            if !ids.contains(&scenario.id.as_str()) {
                problems.push(format!(
                    "{name}: {} ({}) {}, but the table does not list it",
                    scenario.id, scenario.at, scenario.outcome
                ));
            }
        }
        let code = if ids.iter().any(|id| severity[id] == "must") {
            1
        } else {
            0
        };
        if broken.code != Some(code) {
            problems.push(format!("{name}: exit {:?}, expected {code}", broken.code));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn strict_turns_a_should_break_into_a_failed_run() {
    let strict = run(STRICT_RUN);
    assert_eq!(strict.code, Some(1));
    let failed: BTreeSet<&str> = strict.deviations().map(|s| s.id.as_str()).collect();
    assert_eq!(failed, BTreeSet::from(["C3", "C4"]));
    assert!(strict.deviations().all(|s| s.outcome == "failed"));
}

#[test]
fn every_scenario_that_can_fail_on_the_mock_is_failed_by_some_break() {
    let faithful = run(FAITHFUL_RUN);
    let can_fail = faithful
        .scenarios
        .iter()
        .filter(|s| s.severity != "info" && s.outcome != "skipped");
    let unfailed: Vec<&str> = can_fail
        .filter(|scenario| {
            !BREAKS
                .iter()
                .any(|(name, _)| run(name).deviations().any(|s| s.at == scenario.at))
        })
        .map(|scenario| scenario.at.as_str())
        .collect();
    assert!(unfailed.is_empty(), "no break fails {unfailed:?}");
}

/// `@info` scenarios never fail, but a break shows in what they record. (G2 records the release from
/// `glide.buildtag`, which no break changes.)
#[test]
fn breaks_change_what_info_scenarios_record() {
    let faithful = run(FAITHFUL_RUN);
    let changed = |name: &str, id: &str, fact: &str| {
        let (before, after) = (&faithful.facts_of(id)[fact], &run(name).facts_of(id)[fact]);
        assert_ne!(before, after, "{name} does not change {id}'s {fact}");
        (before.clone(), after.clone())
    };
    let (before, after) = changed("challenge-missing", "E7", "challenge_scheme");
    assert_eq!((before.as_str(), after.as_str()), (Some("BASIC"), Some("")));
    let (before, after) = changed("bearer-refused", "A5", "token_works_after_grant_disabled");
    assert_eq!((before, after), (Value::Bool(true), Value::Bool(false)));
    let (before, after) = changed("grant-always-disabled", "F4", "basic_client_auth_accepted");
    assert_eq!((before, after), (Value::Bool(true), Value::Bool(false)));
    let (before, after) = changed("bearer-refused", "I3", "session_cookie_names");
    assert!(
        before
            .as_array()
            .is_some_and(|names| names.contains(&Value::from("JSESSIONID")))
    );
    assert_eq!(after, Value::Array(Vec::new()));
    // catalogue §18's recorded rows show their breaks too.
    let (before, after) = changed(
        "token-request-slides-live-tokens",
        "O1",
        "noted_expiry_moved",
    );
    assert_eq!((before, after), (Value::Bool(false), Value::Bool(true)));
    let (before, after) = changed("token-follows-entity-user", "O2", "after_user_change");
    assert_eq!(
        (before.as_str(), after.as_str()),
        (Some("svc.cc"), Some("svc.next"))
    );
    let (before, after) = changed("scope-default-not-applied", "S1", "inserted_without_it");
    assert_eq!(
        (before.as_str(), after.as_str()),
        (Some("unrestricted"), Some(""))
    );
}

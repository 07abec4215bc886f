//! A run against a broken instance ends, with its verdict. Whole admin runs over HTTP (the real-instance
//! path, at its default concurrency) against a standalone `sncc mock` that is deliberately wrong: each ends
//! with exit 1 (0 when the break only warns), the verdicts the bundled mock gives for the same break,
//! nothing inconclusive that the bundled mock decides, and every table as it was; so does a run in which
//! every scenario fails, and one in which a scenario never gets its answer. A run that does not end within
//! [`RUN_LIMIT`] fails its test.

use crate::common;

use common::TempDir;
use common::instance::{Mock, Snapshot, differences, summary};

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sncc::mock::Break;

/// The longest a whole admin run may take before its test fails (a run takes about 17 s: CC-E4 waits out a
/// token's 15 s lifespan).
const RUN_LIMIT: Duration = Duration::from_secs(180);
/// Admin runs at once: each spends most of its time waiting for CC-E4's token to expire.
const AT_ONCE: usize = 8;

/// Breaks whose wrong answer outlives a scenario on an instance the scenarios share (the bundled mock gives
/// each scenario an instance of its own), with the rows that may fail over HTTP besides the bundled mock's:
/// a cached grant property refuses or grants whatever an earlier scenario left it at.
const SHARED_INSTANCE_EFFECTS: &[(&str, &[&str])] = &[("property-cached", &["A1", "A2"])];

/// One scenario's verdict, by `feature:line`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Verdict {
    id: String,
    severity: String,
    outcome: String,
    instance_wide: bool,
}

type Verdicts = BTreeMap<String, Verdict>;

fn verdicts(summary: &Value) -> Verdicts {
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    let scenarios = summary["scenarios"].as_array().expect("scenarios");
    scenarios
        .iter()
        .map(|scenario| {
            let tags = scenario["tags"].as_array().expect("tags");
            let verdict = Verdict {
                id: text(&scenario["info"]["id"]),
                severity: text(&scenario["info"]["severity"]),
                outcome: text(&scenario["outcome"]),
                instance_wide: tags.contains(&json!("instance-wide")),
            };
            let at = format!("{}:{}", text(&scenario["feature_uri"]), scenario["line"]);
            (at, verdict)
        })
        .collect()
}

/// What an admin run against a broken standalone mock left.
struct AdminRun {
    code: Option<i32>,
    verdicts: Verdicts,
    /// How the mock's tables differ from before the run.
    changed: Vec<String>,
    journals_left: usize,
    output: String,
}

/// A whole admin run, default concurrency, against `sncc mock` started with `mock_flags`.
fn admin_run(label: &str, mock_flags: &[&str], run_flags: &[&str]) -> AdminRun {
    let mock = Mock::start_with("untouched", mock_flags);
    let dir = TempDir::new(&format!("over-http-{label}"));
    let reports = dir.join("reports");
    let before: Snapshot = mock.snapshot();
    // A break is for good: polling a failing expectation for the default 30 s (catalogue §15 rule 10) would
    // only make a deviating run long.
    let settle = ["--settle", "2"];
    let run_args = [&["--report-dir", reports.as_str()][..], &settle, run_flags].concat();
    let finished = mock.admin_run(&dir, &run_args).finish_within(RUN_LIMIT);
    let output = format!("{}{}", finished.stdout, finished.stderr);
    AdminRun {
        code: finished.code,
        verdicts: match std::fs::exists(format!("{reports}/summary.json")) {
            Ok(true) => verdicts(&summary(&reports)),
            _ => Verdicts::new(),
        },
        changed: differences(&before, &mock.snapshot()),
        journals_left: dir.journals().len(),
        output,
    }
}

/// The bundled mock's verdicts with the same breaks (each scenario on a mock of its own).
fn bundled_verdicts(breaks: &[&str]) -> Verdicts {
    let dir = TempDir::new(&format!("bundled-{}", breaks.join("+")));
    let reports = dir.join("reports");
    let mut command = Command::new(env!("CARGO_BIN_EXE_sncc"));
    command.args(["run", "--report-dir", &reports]);
    for name in breaks {
        command.args(["--mock-break", name]);
    }
    let output = command.output().expect("sncc runs");
    assert!(
        matches!(output.status.code(), Some(0..=2)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    verdicts(&summary(&reports))
}

/// `--mock-break` for each name.
fn break_flags<'a>(breaks: &[&'a str]) -> Vec<&'a str> {
    breaks
        .iter()
        .flat_map(|name| ["--mock-break", name])
        .collect()
}

/// What is wrong with an admin run against a mock with `breaks`, measured against the bundled mock's
/// verdicts for the scenarios the admin run ran; empty when nothing is.
fn problems_of(breaks: &[&str], run: &AdminRun, bundled: &Verdicts) -> Vec<String> {
    let label = breaks.join("+");
    let may_also_fail: BTreeSet<&str> = SHARED_INSTANCE_EFFECTS
        .iter()
        .filter(|(name, _)| breaks.contains(name))
        .flat_map(|(_, ids)| ids.iter().copied())
        .collect();
    let mut problems = Vec::new();
    let mut say = |problem: String| problems.push(format!("{label}: {problem}"));
    let must_fails = run.verdicts.iter().any(|(at, verdict)| {
        verdict.outcome != "skipped" && bundled.get(at).is_some_and(|b| b.outcome == "failed")
    });
    let expected_code = if must_fails { 1 } else { 0 };
    if run.code != Some(expected_code) {
        say(format!("exit {:?}, not {expected_code}", run.code));
    }
    if run.verdicts.is_empty() {
        say(format!("no summary.json; output:\n{}", run.output));
    }
    for (at, verdict) in &run.verdicts {
        if verdict.outcome == "skipped" {
            continue;
        }
        let shared_effect =
            verdict.outcome == "failed" && may_also_fail.contains(verdict.id.as_str());
        match bundled.get(at) {
            Some(expected) if expected.outcome != verdict.outcome && !shared_effect => {
                say(format!(
                    "CC-{} ({at}) {} over HTTP, {} on the bundled mock",
                    verdict.id, verdict.outcome, expected.outcome
                ))
            }
            None => say(format!("{at} is not in the bundled run")),
            _ => {}
        }
    }
    for change in &run.changed {
        say(format!("left changed: {change}"));
    }
    if run.journals_left > 0 {
        say("left its change journal".into());
    }
    problems
}

/// Runs `jobs` [`AT_ONCE`] at a time; gives each job's result in the jobs' order.
fn at_once<T: Sync, R: Send>(jobs: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results = Mutex::new(BTreeMap::new());
    std::thread::scope(|scope| {
        for _ in 0..AT_ONCE {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    let Some(job) = jobs.get(index) else { break };
                    let result = work(job);
                    results.lock().expect("results").insert(index, result);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("results")
        .into_values()
        .collect()
}

/// Whether a break declares a catalogue id with a `@must` or `@instance-wide` scenario among those an admin
/// run runs.
fn fails_a_must_or_instance_wide_row(which: Break, ran_over_http: &[&Verdict]) -> bool {
    ran_over_http.iter().any(|verdict| {
        which.ids().contains(&verdict.id.as_str())
            && (verdict.severity == "must" || verdict.instance_wide)
    })
}

#[test]
fn every_break_that_fails_a_must_or_instance_wide_row_ends_an_admin_run_with_its_verdict() {
    let started = Instant::now();
    let faithful = admin_run("faithful", &[], &[]);
    assert_eq!(faithful.code, Some(0), "{}", faithful.output);
    assert!(faithful.changed.is_empty(), "{:#?}", faithful.changed);
    let ran_over_http: Vec<&Verdict> = faithful
        .verdicts
        .values()
        .filter(|verdict| verdict.outcome != "skipped")
        .collect();
    let chosen: Vec<&str> = Break::ALL
        .iter()
        .filter(|which| fails_a_must_or_instance_wide_row(**which, &ran_over_http))
        .map(|which| which.name())
        .collect();
    assert!(chosen.len() >= 30, "only {} breaks chosen", chosen.len());

    let problems: Vec<String> = at_once(&chosen, |name| {
        let bundled = bundled_verdicts(&[name]);
        let run = admin_run(name, &break_flags(&[name]), &[]);
        problems_of(&[name], &run, &bundled)
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    println!(
        "{} break runs over HTTP (and the faithful run) in {:.1} s",
        chosen.len(),
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn several_breaks_at_once_end_an_admin_run_with_their_verdicts() {
    let combinations: [&[&str]; 2] = [
        &[
            "grant-enabled-by-default",
            "any-secret-accepted",
            "expired-tokens-accepted",
            "scope-check-skipped",
            "user-change-ignored",
        ],
        &[
            "property-cached",
            "tokens-act-as-admin",
            "revocation-ignored",
            "scope-check-on-basic",
            "json-body-accepted",
            "short-tokens",
        ],
    ];
    let problems: Vec<String> = at_once(&combinations, |breaks| {
        let bundled = bundled_verdicts(breaks);
        let label = breaks.join("+");
        let run = admin_run(&label, &break_flags(breaks), &[]);
        problems_of(breaks, &run, &bundled)
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The built-in features with one more step at the end of every scenario, which no instance can meet: every
/// scenario provisions, acts and judges as usual, then fails (or warns) with all its changes in place.
fn features_that_all_fail(dir: &TempDir) -> String {
    const NEVER: &str = "    And the response header \"X-Sncc-Never\" contains \"never\"";
    let folder = dir.join("features");
    std::fs::create_dir_all(&folder).expect("a features folder");
    let built_in = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("features");
    for entry in std::fs::read_dir(built_in).expect("the built-in features") {
        let path = entry.expect("a feature file").path();
        let text = std::fs::read_to_string(&path).expect("a feature");
        let mut out = Vec::new();
        let (mut in_scenario, mut in_docstring) = (false, false);
        for line in text.lines() {
            let trimmed = line.trim_start();
            if trimmed.starts_with("\"\"\"") {
                in_docstring = !in_docstring;
            }
            let next_block = trimmed.starts_with('@') || trimmed.starts_with("Scenario");
            if !in_docstring && next_block && in_scenario {
                out.push(NEVER);
                in_scenario = false;
            }
            in_scenario |= !in_docstring && trimmed.starts_with("Scenario");
            out.push(line);
        }
        if in_scenario {
            out.push(NEVER);
        }
        let name = path.file_name().expect("a file name");
        std::fs::write(
            std::path::Path::new(&folder).join(name),
            out.join("\n") + "\n",
        )
        .expect("write a feature");
    }
    folder
}

#[test]
fn a_run_in_which_every_scenario_fails_ends_with_every_verdict_and_every_table_as_it_was() {
    let mock = Mock::start("untouched");
    let dir = TempDir::new("over-http-all-failing");
    let reports = dir.join("reports");
    let features = features_that_all_fail(&dir);
    let before = mock.snapshot();
    let args = ["--features-dir", &features, "--report-dir", &reports];
    let finished = mock.admin_run(&dir, &args).finish_within(RUN_LIMIT);
    assert_eq!(
        finished.code,
        Some(1),
        "{}{}",
        finished.stdout,
        finished.stderr
    );
    let ran: Vec<Verdict> = verdicts(&summary(&reports))
        .into_values()
        .filter(|verdict| verdict.outcome != "skipped")
        .collect();
    assert!(ran.len() >= 50, "only {} scenarios ran", ran.len());
    for verdict in &ran {
        let expected = match verdict.severity.as_str() {
            "must" => "failed",
            "should" => "warning",
            _ => continue,
        };
        assert_eq!(verdict.outcome, expected, "{verdict:?}");
    }
    assert!(
        ran.iter()
            .any(|verdict| verdict.instance_wide && verdict.outcome == "failed")
    );
    assert_eq!(differences(&before, &mock.snapshot()), Vec::<String>::new());
    assert!(dir.journals().is_empty(), "journal left");
}

#[test]
fn a_scenario_that_does_not_finish_in_time_is_inconclusive_undone_and_the_run_goes_on() {
    let mock = Mock::start("untouched");
    let dir = TempDir::new("over-http-timeout");
    let reports = dir.join("reports");
    let before = mock.snapshot();
    // CC-I1 revokes its token at an instance that takes a minute to answer.
    mock.arm_fault(json!({
        "path": "/oauth_revoke_token.do",
        "times": 100,
        "action": "delay",
        "millis": 60_000,
    }));
    let args = [
        "--tags",
        "@CC-I1 or @CC-A1 or @CC-B3",
        "--scenario-timeout",
        "5",
        "--report-dir",
        &reports,
    ];
    let started = Instant::now();
    let finished = mock.admin_run(&dir, &args).finish_within(RUN_LIMIT);
    assert!(
        started.elapsed() < Duration::from_secs(55),
        "the run waited for the answer"
    );
    assert_eq!(
        finished.code,
        Some(2),
        "{}{}",
        finished.stdout,
        finished.stderr
    );
    let summary = summary(&reports);
    for scenario in summary["scenarios"].as_array().expect("scenarios") {
        let (id, outcome) = (&scenario["info"]["id"], &scenario["outcome"]);
        if id == "I1" {
            assert_eq!(outcome, "inconclusive", "{scenario:#}");
            let reason = scenario["reason"].as_str().unwrap_or_default();
            assert!(
                reason.contains("did not finish within 5 s (--scenario-timeout)"),
                "{reason}"
            );
        } else {
            assert_eq!(outcome, "passed", "{scenario:#}");
        }
    }
    mock.clear_faults();
    assert_eq!(differences(&before, &mock.snapshot()), Vec::<String>::new());
    assert!(dir.journals().is_empty(), "journal left");
}

//! `sncc run --expect-deviations FILE` through the binary, on mocks broken on purpose (`--mock-break`): a listed
//! deviation is reported as expected and does not fail the run (in every report), a listed behaviour that passes
//! warns that it should come off the list (and fails with `--strict`), and a file naming a behaviour the catalogue
//! does not have is a configuration error.

use crate::common;

use common::{Finished, TempDir};

use std::path::Path;

/// A folder of its own under the system's temp dir, removed on drop.
impl TempDir {
    /// Writes the expectations file and gives its path.
    fn expectations(&self, toml: &str) -> String {
        let path = self.0.join("known-deviations.toml");
        std::fs::write(&path, toml).expect("write into the temp dir");
        path.to_str().expect("UTF-8 temp path").to_owned()
    }

    fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.0.join("reports").join(file))
            .unwrap_or_else(|error| panic!("{file}: {error}"))
    }
}

/// `sncc run` on the mock in `dir`, writing its reports into `dir/reports`.
fn run(dir: &Path, args: &[&str]) -> Finished {
    let reports = dir.join("reports");
    let mut all = vec![
        "run",
        "--report-dir",
        reports.to_str().expect("UTF-8 temp path"),
    ];
    all.extend(args);
    common::sncc(dir, &all, &[])
}

const CACHE_HEADERS: &str = r#"
[[deviation]]
id = "C3"
reason = "Our proxy strips Cache-Control"

[[deviation]]
id = "CC-C4"
reason = "Our instance sends Pragma: no-store only"
"#;

const ANY_SECRET: &str = r#"
[[deviation]]
id = "B3"
reason = "Tracked as INC0012345"

[[deviation]]
id = "C6"
reason = "Tracked as INC0012345"
"#;

#[test]
fn listed_should_deviations_are_expected_and_the_run_passes() {
    let dir = TempDir::new("deviations-should");
    let file = dir.expectations(CACHE_HEADERS);
    let tags = ["--tags", "@CC-C3 or @CC-C4 or @CC-A3"];
    let broken = ["--mock-break", "cache-headers-missing"];
    let finished = run(
        &dir.0,
        &[&tags[..], &broken, &["--expect-deviations", &file]].concat(),
    );
    assert_eq!(
        finished.code,
        Some(0),
        "{}{}",
        finished.stdout,
        finished.stderr
    );
    assert_eq!(
        finished.last_line(),
        "1 passed, 0 failed, 0 warnings, 0 skipped, 2 expected"
    );
    assert!(
        finished.stdout.contains(
            "XFAIL CC-C4  should  The token response carries Pragma no-cache\n      \
             expected deviation: Our instance sends Pragma: no-store only\n"
        ),
        "{}",
        finished.stdout
    );
    let summary: serde_json::Value = serde_json::from_str(&dir.read("summary.json")).unwrap();
    assert_eq!(summary["tally"]["expected"], 2);
    let c4 = summary["behaviours"]
        .as_array()
        .unwrap()
        .iter()
        .find(|behaviour| behaviour["id"] == "C4")
        .unwrap();
    assert_eq!(c4["outcome"], "expected");
    assert_eq!(c4["reason"], "Our instance sends Pragma: no-store only");
    assert!(c4["message"].as_str().unwrap().contains("Pragma"), "{c4}");
    let junit = dir.read("junit.xml");
    assert!(!junit.contains("<failure"), "{junit}");
    assert!(
        junit.contains("EXPECTED DEVIATION: Our proxy strips Cache-Control"),
        "{junit}"
    );
    let cucumber = dir.read("cucumber.json");
    assert!(cucumber.contains("\"@expected-deviation\""), "{cucumber}");
    assert!(!cucumber.contains("\"failed\""), "{cucumber}");

    let without = run(&dir.0, &[&tags[..], &broken].concat());
    assert_eq!(
        without.last_line(),
        "1 passed, 0 failed, 2 warnings, 0 skipped"
    );
}

#[test]
fn listed_must_deviations_no_longer_fail_the_run() {
    let dir = TempDir::new("deviations-must");
    let file = dir.expectations(ANY_SECRET);
    let tags = ["--tags", "@CC-B3 or @CC-C6"];
    let broken = ["--mock-break", "any-secret-accepted"];
    let without = run(&dir.0, &[&tags[..], &broken].concat());
    assert_eq!(without.code, Some(1), "{}", without.stdout);
    let with = run(
        &dir.0,
        &[&tags[..], &broken, &["--expect-deviations", &file]].concat(),
    );
    assert_eq!(with.code, Some(0), "{}{}", with.stdout, with.stderr);
    assert_eq!(
        with.last_line(),
        "0 passed, 0 failed, 0 warnings, 0 skipped, 2 expected"
    );
    assert!(with.stdout.contains("XFAIL CC-B3"), "{}", with.stdout);
}

#[test]
fn a_listed_deviation_that_no_longer_happens_warns_or_fails_when_strict() {
    let dir = TempDir::new("deviations-stale");
    let file = dir.expectations(CACHE_HEADERS);
    let args = ["--tags", "@CC-C4", "--expect-deviations", &file];
    let finished = run(&dir.0, &args);
    assert_eq!(
        finished.code,
        Some(0),
        "{}{}",
        finished.stdout,
        finished.stderr
    );
    assert_eq!(
        finished.last_line(),
        "0 passed, 0 failed, 1 warnings, 0 skipped"
    );
    let warning = format!("expected deviation C4 no longer happens: remove it from {file}");
    assert!(
        finished.stdout.contains("WARN  CC-C4"),
        "{}",
        finished.stdout
    );
    assert!(finished.stdout.contains(&warning), "{}", finished.stdout);
    assert!(
        !finished.stdout.contains("C3 no longer happens"),
        "C3 did not run: {}",
        finished.stdout
    );

    let strict = run(&dir.0, &[&args[..], &["--strict"]].concat());
    assert_eq!(strict.code, Some(1), "{}", strict.stdout);
    assert_eq!(
        strict.last_line(),
        "0 passed, 1 failed, 0 warnings, 0 skipped"
    );
}

#[test]
fn an_id_the_catalogue_does_not_have_is_a_configuration_error() {
    let dir = TempDir::new("deviations-unknown");
    let file = dir.expectations("[[deviation]]\nid = \"C9\"\nreason = \"typo\"\n");
    let finished = run(&dir.0, &["--expect-deviations", &file]);
    assert_eq!(finished.code, Some(2), "{}", finished.stdout);
    assert!(
        finished
            .stderr
            .contains("C9 is not a behaviour of the catalogue"),
        "{}",
        finished.stderr
    );
    assert!(
        finished.stdout.is_empty(),
        "nothing ran: {}",
        finished.stdout
    );

    let unparsable = dir.expectations("[[deviation]]\nid = \"C4\"\n");
    let finished = run(&dir.0, &["--expect-deviations", &unparsable]);
    assert_eq!(finished.code, Some(2), "{}", finished.stderr);
    assert!(finished.stderr.contains("reason"), "{}", finished.stderr);
}

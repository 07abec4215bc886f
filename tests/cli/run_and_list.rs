//! `sncc run` and `sncc list` through the binary: exit codes, the closing tally, narrowing, configuration
//! errors, the built-in features from any directory, and feature folders of one's own.

use crate::common;

use common::{Finished, TempDir};

use std::path::{Path, PathBuf};

/// Files a test writes into its folder.
impl TempDir {
    /// Writes a file into the folder and gives its path.
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("write into the temp dir");
        path
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("UTF-8 temp path")
    }
}

fn sncc(args: &[&str]) -> Finished {
    common::sncc(Path::new(env!("CARGO_MANIFEST_DIR")), args, &[])
}

/// Runs `sncc run` with these flags, expecting it to pass.
fn passing_run(args: &[&str]) -> Finished {
    let finished = sncc(&[&["run"], args].concat());
    assert_eq!(
        finished.code,
        Some(0),
        "{}{}",
        finished.stdout,
        finished.stderr
    );
    finished
}

/// Runs `sncc` expecting the configuration error exit (2); gives its stderr.
fn config_error(args: &[&str], env: &[(&str, &str)]) -> String {
    let finished = common::sncc(Path::new(env!("CARGO_MANIFEST_DIR")), args, env);
    assert_eq!(
        finished.code,
        Some(2),
        "{args:?}: {}{}",
        finished.stdout,
        finished.stderr
    );
    finished.stderr
}

/// A one-line message that names the problem.
fn assert_one_line(stderr: &str, names: &str) {
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("sncc: ") && stderr.contains(names),
        "{stderr}"
    );
}

/// The ids of the built-in catalogue, as the library derives them from the features (`tests/readme.rs`
/// holds the features to docs/catalogue.md).
fn built_in_ids() -> Vec<String> {
    let features = sncc::catalogue::features::parse(&sncc::catalogue::features::embedded())
        .expect("the built-in features");
    sncc::catalogue::ids(&features).expect("the built-in features are tagged")
}

/// How many scenarios the heading announces.
fn announced(stdout: &str) -> usize {
    let heading = stdout.lines().next().unwrap_or_default();
    let (_, after) = heading.split_once("run: ").expect("the heading");
    after
        .split_whitespace()
        .next()
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("no count in {heading}"))
}

/// The built-in scenarios carrying `tag`, counted in the feature files.
fn scenarios_tagged(tag: &str) -> usize {
    scenarios_where(|word| word == tag)
}

/// Scenarios with a tag that `matches`.
fn scenarios_where(matches: impl Fn(&str) -> bool) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("features");
    std::fs::read_dir(dir)
        .expect("features/")
        .map(|entry| std::fs::read_to_string(entry.expect("entry").path()).expect("a feature"))
        .map(|text| {
            text.lines()
                .filter(|line| line.trim_start().starts_with('@'))
                .filter(|line| line.split_whitespace().any(&matches))
                .count()
        })
        .sum()
}

const ONE_SCENARIO: &str = r#"Feature: A folder of my own

  @CC-A3 @doc @must @grant
  Scenario: My own client gets a token
    Given a user "svc.cc"
    And an OAuth API endpoint "svc-cc" whose OAuth Application User is "svc.cc"
    And the client credentials property is "true"
    When "svc-cc" requests a token with its client id and secret
    Then a token is issued
"#;

/// Its scenario, on line 4, has no severity tag.
const MIS_TAGGED: &str = r#"Feature: Mis-tagged

  @CC-A3 @doc
  Scenario: No severity
    Given a user "svc.cc"
"#;

/// The default release, the newest family, skips only the scenarios for older releases (G1, and those for
/// releases before a gate); Washington DC skips G1 and every scenario gated to a later release or patch.
#[test]
fn the_faithful_mock_passes_all_but_the_scenarios_of_other_releases() {
    let pre_washington = scenarios_tagged("@pre-washington");
    let before_gate = scenarios_where(|tag| tag.starts_with("@before-gate-"));
    let gated = scenarios_where(|tag| tag.starts_with("@gate-"));
    assert!(gated > 0 && before_gate > 0);
    for (args, skipped) in [
        (&[][..], pre_washington + before_gate),
        (&["--release", "washingtondc"][..], pre_washington + gated),
    ] {
        let finished = passing_run(args);
        let expected = format!(
            "{} passed, 0 failed, 0 warnings, {skipped} skipped",
            announced(&finished.stdout) - skipped
        );
        assert_eq!(
            finished.last_line(),
            expected,
            "{args:?}: {}",
            finished.stdout
        );
    }
}

#[test]
fn before_washington_dc_the_grant_scenarios_are_skipped_as_not_applicable() {
    let finished = passing_run(&["--release", "vancouver"]);
    let grant = scenarios_where(|tag| tag == "@grant" || tag.starts_with("@gate-"));
    let not_applicable = finished
        .stdout
        .lines()
        .filter(|line| line.contains("] SKIP ") && line.contains("not applicable to this release"))
        .count();
    assert_eq!(not_applicable, grant, "{}", finished.stdout);
    let expected = format!(
        "{} passed, 0 failed, 0 warnings, {grant} skipped",
        announced(&finished.stdout) - grant
    );
    assert_eq!(finished.last_line(), expected, "{}", finished.stdout);
}

#[test]
fn tags_narrow_the_run_without_counting_the_rest_as_skipped() {
    let finished = passing_run(&["--tags", "@CC-B7"]);
    assert_eq!(announced(&finished.stdout), 2, "{}", finished.stdout);
    assert_eq!(
        finished.last_line(),
        "2 passed, 0 failed, 0 warnings, 0 skipped"
    );
}

#[test]
fn a_name_narrows_the_run_without_counting_the_rest_as_skipped() {
    let finished = passing_run(&["--name", "^An unknown client id"]);
    assert!(finished.stdout.contains("CC-B4"), "{}", finished.stdout);
    assert_eq!(
        finished.last_line(),
        "1 passed, 0 failed, 0 warnings, 0 skipped"
    );
}

#[test]
fn a_bad_tag_expression_is_a_configuration_error() {
    assert_one_line(&config_error(&["run", "--tags", "@a and"], &[]), "--tags");
}

#[test]
fn a_release_the_mock_cannot_simulate_is_a_configuration_error() {
    for (release, names) in [
        (
            "kingston",
            "the mock simulates the families tokyo … brazil, not 'kingston'",
        ),
        ("zurich-p", "a family and an optional patch level"),
        ("zurich-p999", "patch levels go from 0 to 99"),
    ] {
        let stderr = config_error(&["run", "--release", release], &[]);
        assert!(
            stderr.lines().count() <= 3 && stderr.contains(names),
            "{stderr}"
        );
    }
}

#[test]
fn a_bad_name_pattern_is_a_configuration_error() {
    let stderr = config_error(&["run", "--name", "("], &[]);
    assert!(stderr.starts_with("sncc: --name"), "{stderr}");
}

#[test]
fn an_instance_needs_credentials() {
    let stderr = config_error(&["run", "--instance", "https://dev1.example.com"], &[]);
    assert_one_line(&stderr, "--admin-user");
}

#[test]
fn a_client_id_needs_the_user_it_should_act_as() {
    let stderr = config_error(
        &[
            "run",
            "--instance",
            "https://dev1.example.com",
            "--client-id",
            "abc",
        ],
        &[("SNCC_CLIENT_SECRET", "s")],
    );
    assert!(stderr.contains("--expect-user"), "{stderr}");
}

#[test]
fn an_admin_user_needs_the_password_in_the_environment() {
    let stderr = config_error(
        &[
            "run",
            "--instance",
            "https://dev1.example.com",
            "--admin-user",
            "admin",
        ],
        &[],
    );
    assert_one_line(&stderr, "SNCC_ADMIN_PASSWORD");
}

#[test]
fn mock_breaks_are_for_the_bundled_mock_only() {
    let stderr = config_error(
        &[
            "run",
            "--instance",
            "https://dev1.example.com",
            "--admin-user",
            "admin",
            "--mock-break",
            "any-secret-accepted",
        ],
        &[("SNCC_ADMIN_PASSWORD", "p")],
    );
    assert_one_line(&stderr, "--mock-break");
}

#[test]
fn an_unreachable_instance_is_a_configuration_error() {
    let stderr = config_error(
        &[
            "run",
            "--instance",
            "http://127.0.0.1:9",
            "--admin-user",
            "admin",
        ],
        &[("SNCC_ADMIN_PASSWORD", "p")],
    );
    assert_one_line(&stderr, "http://127.0.0.1:9");
}

#[test]
fn list_prints_every_behaviour_with_severity_and_targets() {
    let finished = sncc(&["list"]);
    assert_eq!(finished.code, Some(0), "{}", finished.stderr);
    let mut lines = finished.stdout.lines();
    let header = lines.next().expect("a header");
    let (severity_at, targets_at, title_at) = (
        header.find("severity").expect("severity column"),
        header.find("targets").expect("targets column"),
        header.find("title").expect("title column"),
    );
    let mut ids = Vec::new();
    for line in lines {
        ids.push(line[..severity_at].trim().to_owned());
        let severity = line[severity_at..]
            .split_whitespace()
            .next()
            .unwrap_or_default();
        assert!(["must", "should", "info"].contains(&severity), "{line}");
        let targets: Vec<&str> = line[targets_at..title_at].split_whitespace().collect();
        assert!(targets.contains(&"mock"), "{line}");
        assert!(
            targets
                .iter()
                .all(|t| ["mock", "admin", "client"].contains(t)),
            "{line}"
        );
    }
    assert_eq!(ids, built_in_ids());
}

#[test]
fn the_built_in_features_travel_with_the_binary() {
    let elsewhere = TempDir::new("cli-elsewhere");
    let run = common::sncc(&elsewhere.0, &["run", "--tags", "@CC-A3"], &[]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert_eq!(run.last_line(), "1 passed, 0 failed, 0 warnings, 0 skipped");
    let list = common::sncc(&elsewhere.0, &["list"], &[]);
    assert_eq!(list.code, Some(0), "{}", list.stderr);
    assert!(
        list.stdout.lines().any(|line| line.starts_with("G2 ")),
        "{}",
        list.stdout
    );
}

#[test]
fn a_features_dir_runs_and_lists_its_own_feature() {
    let dir = TempDir::new("cli-own-features");
    dir.write("mine.feature", ONE_SCENARIO);
    let run = passing_run(&["--features-dir", dir.path()]);
    assert!(
        run.stdout.contains("My own client gets a token"),
        "{}",
        run.stdout
    );
    assert_eq!(run.last_line(), "1 passed, 0 failed, 0 warnings, 0 skipped");
    let list = sncc(&["list", "--features-dir", dir.path()]);
    assert_eq!(list.code, Some(0), "{}", list.stderr);
    assert_eq!(list.stdout.lines().count(), 2, "{}", list.stdout);
    assert!(
        list.stdout.contains("My own client gets a token"),
        "{}",
        list.stdout
    );
}

#[test]
fn a_mis_tagged_scenario_is_named_by_file_and_line() {
    let dir = TempDir::new("cli-mis-tagged");
    let file = dir.write("bad.feature", MIS_TAGGED);
    let place = format!("{}:4", file.display());
    for command in ["run", "list"] {
        let stderr = config_error(&[command, "--features-dir", dir.path()], &[]);
        assert_one_line(&stderr, &place);
        assert!(stderr.contains("@must"), "{stderr}");
    }
}

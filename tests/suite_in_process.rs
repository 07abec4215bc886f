//! The suite runs in process through `sncc::suite::run`, its steps linked into the test binary, and says how
//! the run went as a typed outcome; each run's context travels with it, so runs in one process never mix.

use sncc::catalogue::features;
use sncc::client::Transport;
use sncc::mock::Break;
use sncc::servicenow::{Family, Release};
use sncc::suite::ExpectedDeviations;
use sncc::suite::Target;
use sncc::suite::{self, RunConfig, RunOutcome};

fn mock_run(breaks: Vec<Break>, tags: &str) -> RunConfig {
    on_release(Release::ga(Family::WashingtonDc), breaks, tags)
}

fn on_release(release: Release, breaks: Vec<Break>, tags: &str) -> RunConfig {
    RunConfig {
        transport: Transport::default(),
        target: Target::Mock { release, breaks },
        release: None,
        tags: Some(tags.parse().expect("a tag expression")),
        name: None,
        strict: false,
        report_dir: None,
        html: None,
        concurrency: None,
        features: features::embedded(),
        journal: None,
        expected: ExpectedDeviations::default(),
        late_write_grace: std::time::Duration::ZERO,
        scenario_timeout: std::time::Duration::from_secs(suite::DEFAULT_SCENARIO_TIMEOUT_SECONDS),
        plan_only: false,
        safeguards: suite::Safeguards::default(),
        settle: std::time::Duration::from_secs(suite::DEFAULT_SETTLE_SECONDS),
    }
}

/// How the run ended, or its error's message.
async fn outcome(config: RunConfig) -> Result<RunOutcome, String> {
    suite::run(config).await.map_err(|error| error.to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_must_scenarios_pass_in_process() {
    let config = mock_run(Vec::new(), "@must and not @slow");
    assert_eq!(outcome(config).await, Ok(RunOutcome::Passed));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_run_in_the_process_runs_against_its_own_target() {
    let faithful = mock_run(Vec::new(), "@CC-B3");
    assert_eq!(outcome(faithful).await, Ok(RunOutcome::Passed));
    let broken = mock_run(vec![Break::AnySecretAccepted], "@CC-B3");
    assert_eq!(outcome(broken).await, Ok(RunOutcome::Failed));
}

/// catalogue §4: a faithful instance of every family, and of the patches either side of each patch gate, passes;
/// what a release lacks is skipped, never failed.
#[tokio::test(flavor = "multi_thread")]
async fn a_faithful_mock_of_every_release_passes() {
    let patches = [
        "yokohama-p6",
        "yokohama-p7",
        "yokohama-p11",
        "zurich-p3",
        "zurich-p4",
        "zurich-p1",
        "yokohama-p10",
    ];
    let releases = Family::ALL
        .into_iter()
        .map(Release::ga)
        .chain(patches.map(|name| name.parse().unwrap()));
    for release in releases {
        let name = release.to_string();
        let config = on_release(release, Vec::new(), "not @slow or @slow");
        assert_eq!(outcome(config).await, Ok(RunOutcome::Passed), "{name}");
    }
}

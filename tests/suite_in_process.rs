//! The suite runs in process through `sncc::suite::run`, its steps linked into the test binary, and says how
//! the run went as a typed outcome (one run per test process: the run's context is installed once).

use sncc::client::transport::Transport;
use sncc::deviations::ExpectedDeviations;
use sncc::features;
use sncc::release::Family;
use sncc::suite::context::Target;
use sncc::suite::{self, RunConfig, RunOutcome};

#[tokio::test(flavor = "multi_thread")]
async fn the_must_scenarios_pass_in_process() {
    let config = RunConfig {
        transport: Transport::default(),
        target: Target::Mock {
            release: Family::WashingtonDc,
            breaks: Vec::new(),
        },
        release: None,
        tags: Some("@must and not @slow".parse().expect("a tag expression")),
        name: None,
        strict: false,
        report_dir: None,
        html: None,
        concurrency: None,
        features: features::embedded(),
        journal: None,
        expected: ExpectedDeviations::default(),
        late_write_grace: std::time::Duration::ZERO,
    };
    assert_eq!(suite::run(config).await, Ok(RunOutcome::Passed));
}

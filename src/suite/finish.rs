//! The last phase of a run: the report, completed (skipped scenarios, expected deviations, an admin run's
//! preflight, plan and provisioning), printed as the tally, written to the report files, and the outcome.

use std::time::Instant;

use crate::report::provisioning::Provisioning;
use crate::report::{RunReport, ScenarioRun, Tally, console};

use super::prepare::RunSetup;
use super::scenarios::sort_in_feature_order;
use super::{ConfigError, RunOutcome};

/// Completes the report, prints the tally, writes the files, and says how the run went.
pub(super) fn finish(
    setup: RunSetup,
    mut scenarios: Vec<ScenarioRun>,
    provisioning: Option<Provisioning>,
    started: Instant,
) -> Result<RunOutcome, ConfigError> {
    scenarios.extend(setup.skipped);
    sort_in_feature_order(&mut scenarios, &setup.features);
    for stale in setup.expected.apply(&mut scenarios, setup.strict) {
        println!(
            "{}",
            console::scenario_line(&scenarios[stale], (stale + 1, scenarios.len()))
        );
    }
    let report = RunReport {
        sncc_version: env!("CARGO_PKG_VERSION").into(),
        target: setup.target,
        release: setup.release,
        started_at: setup.started_at,
        duration_ms: started.elapsed().as_millis() as u64,
        strict: setup.strict,
        tally: Tally::of(&scenarios),
        requests: scenarios
            .iter()
            .map(|run| run.observation.exchanges.len())
            .sum(),
        scenarios,
        preflight: setup.preflight,
        plan: setup.plan,
        provisioning,
        sources: setup.sources,
    };
    if let Some(provisioning) = &report.provisioning {
        println!("{}", console::provisioning(provisioning, false));
    }
    println!("{}", console::closing(&report));
    if let Some(dir) = &setup.report_dir {
        if let Err(source) = crate::report::files::write_all(dir, &report) {
            return Err(ConfigError::Reports {
                path: dir.clone(),
                source,
            });
        }
    }
    if let Some(path) = &setup.html {
        if let Err(source) = std::fs::write(path, crate::report::html::render(&report)) {
            return Err(ConfigError::Html {
                path: path.clone(),
                source,
            });
        }
    }
    Ok(if report.tally.failed > 0 {
        RunOutcome::Failed
    } else if report.tally.inconclusive > 0 {
        RunOutcome::Inconclusive
    } else {
        RunOutcome::Passed
    })
}

//! The last phase of a run: the report, completed (skipped scenarios, expected deviations, an admin run's
//! preflight, plan and provisioning), printed as the tally, written to the report files, and the outcome. A
//! `--plan` run's reports are written here too: its preflight and plan, every scenario skipped.

use std::time::Instant;

use crate::report::provisioning::Provisioning;
use crate::report::{RunReport, ScenarioOutcome, ScenarioRun, Tally, console};

use super::prepare::Reporting;
use super::scenarios::{each_to_run, sort_in_feature_order};
use super::{ConfigError, RunOutcome};

/// Why a scenario a `--plan` run would run is skipped in its reports.
const PLANNED_ONLY: &str = "--plan: planned, not run";

/// Completes the report, prints the tally, writes the files, and says how the run went.
pub(super) fn finish(
    reporting: Reporting,
    scenarios: Vec<ScenarioRun>,
    provisioning: Option<Provisioning>,
    started: Instant,
) -> Result<RunOutcome, ConfigError> {
    let report = completed(reporting, scenarios, provisioning, started, |report| {
        if let Some(provisioning) = &report.provisioning {
            println!("{}", console::provisioning(provisioning, false));
        }
        println!("{}", console::closing(report));
    })?;
    Ok(if report.tally.failed > 0 {
        RunOutcome::Failed
    } else if report.tally.inconclusive > 0 {
        RunOutcome::Inconclusive
    } else {
        RunOutcome::Passed
    })
}

/// Writes the reports of a `--plan` run (its plan printed already): the preflight and the plan, each
/// scenario it would run skipped as planned only, the others skipped with why.
pub(super) fn planned(reporting: Reporting, started: Instant) -> Result<RunOutcome, ConfigError> {
    let scenarios = each_to_run(&reporting.features, &reporting.to_run)
        .map(|(_, run)| ScenarioRun {
            outcome: ScenarioOutcome::Skipped {
                reason: PLANNED_ONLY.to_owned(),
            },
            ..run
        })
        .collect();
    completed(reporting, scenarios, None, started, |_| {})?;
    Ok(RunOutcome::Planned)
}

/// The run's report with its skipped scenarios and expected deviations, `shown` on the console, then written
/// to the report files asked for.
fn completed(
    reporting: Reporting,
    mut scenarios: Vec<ScenarioRun>,
    provisioning: Option<Provisioning>,
    started: Instant,
    shown: impl FnOnce(&RunReport),
) -> Result<RunReport, ConfigError> {
    scenarios.extend(reporting.skipped);
    sort_in_feature_order(&mut scenarios, &reporting.features);
    for stale in reporting.expected.apply(&mut scenarios, reporting.strict) {
        println!(
            "{}",
            console::scenario_line(&scenarios[stale], (stale + 1, scenarios.len()))
        );
    }
    let report = RunReport {
        sncc_version: env!("CARGO_PKG_VERSION").into(),
        target: reporting.target,
        release: reporting.release,
        started_at: reporting.started_at,
        duration_ms: started.elapsed().as_millis() as u64,
        strict: reporting.strict,
        tally: Tally::of(&scenarios),
        requests: scenarios
            .iter()
            .map(|run| run.observation.exchanges.len())
            .sum(),
        scenarios,
        preflight: reporting.preflight,
        plan: reporting.plan,
        provisioning,
        sources: reporting.sources,
    };
    shown(&report);
    if let Some(dir) = &reporting.report_dir {
        if let Err(source) = crate::report::files::write_all(dir, &report) {
            return Err(ConfigError::Reports {
                path: dir.clone(),
                source,
            });
        }
    }
    if let Some(path) = &reporting.html {
        if let Err(source) = std::fs::write(path, crate::report::html::render(&report)) {
            return Err(ConfigError::Html {
                path: path.clone(),
                source,
            });
        }
    }
    Ok(report)
}

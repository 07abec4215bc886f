//! The console report: one line per scenario as it finishes, failure details under it, then the tally.

use super::{Outcome, RunReport, ScenarioRun};

/// `PASS  CC-A3  must    With the system property true the client gets a token`, plus details.
pub fn scenario_line(run: &ScenarioRun) -> String {
    let label = match run.outcome {
        Outcome::Passed => "PASS",
        Outcome::Failed { .. } => "FAIL",
        Outcome::Warning { .. } => "WARN",
        Outcome::Skipped { .. } => "SKIP",
    };
    let id = format!("CC-{}", run.info.id);
    let mut line = format!(
        "{label}  {id:<6} {:<6}  {}",
        run.info.severity.name(),
        run.name
    );
    match &run.outcome {
        Outcome::Failed { message } | Outcome::Warning { message } => {
            line.push_str(&format!("\n      {}", message.replace('\n', "\n      ")));
            line.push_str(&format!("\n      at {}:{}", run.feature_uri, run.line));
        }
        Outcome::Skipped { reason } => line.push_str(&format!("  ({reason})")),
        Outcome::Passed => {}
    }
    line
}

/// The heading printed before the scenarios.
pub fn heading(target: &str, instance: &str, release: &str, scenarios: usize) -> String {
    format!(
        "sncc {} conformance run: {scenarios} scenarios against {instance} ({target} target), release {release}",
        env!("CARGO_PKG_VERSION")
    )
}

/// The closing lines: skipped scenarios (not printed live), then the tally.
pub fn closing(report: &RunReport) -> String {
    let mut text = String::new();
    for run in report
        .scenarios
        .iter()
        .filter(|run| matches!(run.outcome, Outcome::Skipped { .. }))
    {
        text.push_str(&scenario_line(run));
        text.push('\n');
    }
    text.push_str(&report.tally.line());
    text
}

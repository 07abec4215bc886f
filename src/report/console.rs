//! The console report: one line per scenario as it finishes, failure details under it, then the tally.

use super::{Outcome, RunReport, ScenarioRun};

/// `PASS  CC-A3  must    With the system property true the client gets a token`, plus details; an expected
/// deviation is `XFAIL`.
pub fn scenario_line(run: &ScenarioRun) -> String {
    let label = match run.outcome {
        Outcome::Passed => "PASS",
        Outcome::Failed { .. } => "FAIL",
        Outcome::Warning { .. } => "WARN",
        Outcome::Skipped { .. } => "SKIP",
        Outcome::Expected { .. } => "XFAIL",
    };
    let id = format!("CC-{}", run.info.id);
    let mut line = format!(
        "{label:<5} {id:<6} {:<6}  {}",
        run.info.severity.name(),
        run.name
    );
    match &run.outcome {
        Outcome::Failed { message } | Outcome::Warning { message } => {
            line.push_str(&details(run, message));
        }
        Outcome::Expected { reason, message } => {
            line.push_str(&format!("\n      expected deviation: {reason}"));
            line.push_str(&details(run, message));
        }
        Outcome::Skipped { reason } => line.push_str(&format!("  ({reason})")),
        Outcome::Passed => {}
    }
    line
}

/// The message under a scenario line, indented, then where the scenario is.
fn details(run: &ScenarioRun, message: &str) -> String {
    format!(
        "\n      {}\n      at {}:{}",
        message.replace('\n', "\n      "),
        run.feature_uri,
        run.line
    )
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    #[test]
    fn an_expected_deviation_says_why_under_its_line() {
        let run = sample::scenario(Outcome::Expected {
            reason: "known quirk".into(),
            message: "Then a step: no".into(),
        });
        assert_eq!(
            scenario_line(&run),
            "XFAIL CC-A1  must    A sample\n      expected deviation: known quirk\n      Then a step: no\n      \
             at features/sample.feature:5"
        );
        let passed = sample::scenario(Outcome::Passed);
        assert_eq!(scenario_line(&passed), "PASS  CC-A1  must    A sample");
    }
}

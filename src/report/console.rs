//! The console report: one line per scenario as it finishes, failure details under it, then the tally.

use super::preflight::PreflightFacts;
use super::provisioning::{Provisioning, UNKNOWN_FORM};
use super::{RunReport, ScenarioOutcome, ScenarioRun};

/// `[12/44] PASS  CC-A3  must    With the system property true the client gets a token`, plus details; an
/// expected deviation is `XFAIL`, a scenario a fault left undecided `INCON`. `position` is the line's place and
/// how many there are.
pub(crate) fn scenario_line(run: &ScenarioRun, position: (usize, usize)) -> String {
    let label = match run.outcome {
        ScenarioOutcome::Passed => "PASS",
        ScenarioOutcome::Failed { .. } => "FAIL",
        ScenarioOutcome::Warning { .. } => "WARN",
        ScenarioOutcome::Skipped { .. } => "SKIP",
        ScenarioOutcome::Expected { .. } => "XFAIL",
        ScenarioOutcome::Inconclusive { .. } => "INCON",
    };
    let id = format!("CC-{}", run.info.id);
    let (at, of) = position;
    let mut line = format!(
        "[{at}/{of}] {label:<5} {id:<6} {:<6}  {}",
        run.info.severity.name(),
        run.name
    );
    match &run.outcome {
        ScenarioOutcome::Failed { message } | ScenarioOutcome::Warning { message } => {
            line.push_str(&details(run, message));
        }
        ScenarioOutcome::Expected { reason, message } => {
            line.push_str(&format!("\n      expected deviation: {reason}"));
            line.push_str(&details(run, message));
        }
        ScenarioOutcome::Inconclusive { reason } => {
            line.push_str(&details(run, &format!("inconclusive: {reason}")));
        }
        ScenarioOutcome::Skipped { reason } => line.push_str(&format!("  ({reason})")),
        ScenarioOutcome::Passed => {}
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

/// `CC-E4 waiting 61 s for the token to expire`: a scenario says why the run pauses. `id` is the behaviour's id
/// (`E4` or `CC-E4`), `what` what it waits for.
pub(crate) fn waiting(id: &str, seconds: u64, what: &str) -> String {
    let id = id.strip_prefix("CC-").unwrap_or(id);
    format!("CC-{id} waiting {seconds} s for {what}")
}

/// The heading printed before the scenarios.
pub(crate) fn heading(target: &str, instance: &str, release: &str, scenarios: usize) -> String {
    format!(
        "sncc {} conformance run: {scenarios} scenarios against {instance} ({target} target), release {release}",
        env!("CARGO_PKG_VERSION")
    )
}

/// What the preflight found, before the plan: `Preflight: instance acme (a developer instance); admin "admin"
/// on Basic, roles admin; update set Default; application global; 7 requests`.
pub(crate) fn preflight(facts: &PreflightFacts) -> String {
    let roles = match facts.admin.roles.as_slice() {
        [] => "no role".to_owned(),
        roles => format!("roles {}", roles.join(", ")),
    };
    format!(
        "Preflight: instance {} ({}); admin \"{}\" on {}, {roles}; update set {}; application {}; {} requests",
        facts.instance_name.as_deref().unwrap_or("without a name"),
        facts.host.describe(),
        facts.admin.user_name,
        match facts.admin.signs_in_with.as_str() {
            "token" => "a token",
            _ => "Basic",
        },
        facts.update_set.name,
        facts.application,
        facts.requests
    )
}

/// What the run's own provisioning and undoing did, after its scenarios; `rows` lists the update set rows
/// (the HTML report does, the console only counts them).
pub(crate) fn provisioning(done: &Provisioning, rows: bool) -> String {
    let mut text = String::from("Provisioning:");
    match done.secret_form.as_deref() {
        Some(UNKNOWN_FORM) => text.push_str(" how the instance takes client secrets is unknown;"),
        Some(form) => text.push_str(&format!(" client secrets taken {form};")),
        None => {}
    }
    if let Some(table) = &done.own_table {
        text.push_str(&format!(
            " {} {}{};",
            table.table,
            if table.gone { "gone" } else { "still there" },
            match table.swept.len() {
                0 => String::new(),
                swept => format!(", {swept} leftover(s) swept"),
            }
        ));
    }
    if done.admin_tokens_revoked > 0 {
        text.push_str(&format!(
            " {} admin token(s) revoked;",
            done.admin_tokens_revoked
        ));
    }
    text.push_str(&format!(
        " {} update set row(s) left by the run's writes",
        done.update_set_rows.len()
    ));
    for row in done.update_set_rows.iter().filter(|_| rows) {
        text.push_str(&format!(
            "\n  {} {} ({}) in {}",
            row.action, row.name, row.target_name, row.update_set
        ));
    }
    for problem in &done.problems {
        text.push_str(&format!("\n  problem: {problem}"));
    }
    text
}

/// The closing lines: skipped scenarios (not printed live; numbered after the scenarios that ran), then the
/// tally and the run's wall time: `5 passed, 0 failed, 0 warnings, 1 skipped in 12.3 s`.
pub(crate) fn closing(report: &RunReport) -> String {
    let mut text = String::new();
    let total = report.scenarios.len();
    let skipped = report
        .scenarios
        .iter()
        .filter(|run| matches!(run.outcome, ScenarioOutcome::Skipped { .. }));
    for (index, run) in skipped.enumerate() {
        let at = total - report.tally.skipped + index + 1;
        text.push_str(&scenario_line(run, (at, total)));
        text.push('\n');
    }
    text.push_str(&format!(
        "{} in {:.1} s",
        report.tally.line(),
        report.duration_ms as f64 / 1000.0
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    #[test]
    fn an_expected_deviation_says_why_under_its_line() {
        let run = sample::scenario(ScenarioOutcome::Expected {
            reason: "known quirk".into(),
            message: "Then a step: no".into(),
        });
        assert_eq!(
            scenario_line(&run, (3, 44)),
            "[3/44] XFAIL CC-A1  must    A sample\n      expected deviation: known quirk\n      Then a step: no\n      \
             at features/sample.feature:5"
        );
        let passed = sample::scenario(ScenarioOutcome::Passed);
        assert_eq!(
            scenario_line(&passed, (12, 44)),
            "[12/44] PASS  CC-A1  must    A sample"
        );
    }

    #[test]
    fn an_inconclusive_scenario_says_why_and_where() {
        let run = sample::scenario(ScenarioOutcome::Inconclusive {
            reason: "the instance answered 503 to POST /oauth_token.do: a server or gateway error decides nothing"
                .into(),
        });
        assert_eq!(
            scenario_line(&run, (1, 2)),
            "[1/2] INCON CC-A1  must    A sample\n      inconclusive: the instance answered 503 to POST \
             /oauth_token.do: a server or gateway error decides nothing\n      at features/sample.feature:5"
        );
    }

    #[test]
    fn a_wait_says_who_waits_how_long_and_for_what() {
        assert_eq!(
            waiting("E4", 61, "the token to expire"),
            "CC-E4 waiting 61 s for the token to expire"
        );
        assert_eq!(
            waiting("CC-E4", 61, "the token to expire"),
            "CC-E4 waiting 61 s for the token to expire"
        );
    }

    #[test]
    fn the_closing_line_counts_every_outcome_and_gives_the_wall_time() {
        let report = sample::report(vec![
            sample::scenario(ScenarioOutcome::Passed),
            sample::scenario(ScenarioOutcome::Skipped {
                reason: "admin only".into(),
            }),
            sample::scenario(ScenarioOutcome::Inconclusive {
                reason: "setup failed".into(),
            }),
        ]);
        assert_eq!(
            closing(&report),
            "[3/3] SKIP  CC-A1  must    A sample  (admin only)\n\
             1 passed, 0 failed, 0 warnings, 1 skipped, 1 inconclusive in 1.2 s"
        );
    }
}

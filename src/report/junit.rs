//! The JUnit XML report (`junit.xml`), as GitLab, GitHub and Jenkins read it: a suite per feature, a case per scenario.
//!
//! A failed scenario is a `<failure>` typed by its severity. A `@should` deviation without `--strict` passes (the
//! run passes too) and says `WARNING:` in its `<system-out>` and its `outcome` property; with `--strict` it is
//! already failed. A scenario the target or release cannot run is `<skipped>` with the reason. An expected deviation
//! (`--expect-deviations`) passes and says `EXPECTED DEVIATION:` with its reason and message in its `<system-out>`
//! and `expected` in its `outcome` property. A scenario a fault left undecided (inconclusive) is an
//! `<error type="inconclusive">` with the reason, counted in `errors`: neither a pass nor a deviation. Facts and a line per (redacted) exchange go to `<system-out>`.

use std::fmt::Write as _;

use super::{RunReport, ScenarioOutcome, ScenarioRun};

/// The file's name in the report folder.
pub(crate) const FILE: &str = "junit.xml";

/// The whole document.
pub(crate) fn render(report: &RunReport) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">",
        attribute(&format!("sncc {}", report.sncc_version)),
        report.scenarios.len(),
        report.tally.failed,
        report.tally.inconclusive,
        report.tally.skipped,
        seconds(report.duration_ms),
    );
    for runs in report.features() {
        suite(&mut xml, report, &runs);
    }
    xml.push_str("</testsuites>\n");
    xml
}

fn suite(xml: &mut String, report: &RunReport, runs: &[&ScenarioRun]) {
    let count = |wanted: fn(&ScenarioOutcome) -> bool| {
        runs.iter().filter(|run| wanted(&run.outcome)).count()
    };
    let _ = writeln!(
        xml,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">",
        attribute(&runs[0].feature),
        runs.len(),
        count(|outcome| matches!(outcome, ScenarioOutcome::Failed { .. })),
        count(|outcome| matches!(outcome, ScenarioOutcome::Inconclusive { .. })),
        count(|outcome| matches!(outcome, ScenarioOutcome::Skipped { .. })),
        seconds(runs.iter().map(|run| run.duration_ms).sum()),
    );
    run_properties(xml, report);
    for run in runs {
        case(xml, run);
    }
    xml.push_str("  </testsuite>\n");
}

/// What every suite of the run shares: what was checked, and with which sncc.
fn run_properties(xml: &mut String, report: &RunReport) {
    xml.push_str("    <properties>\n");
    let shared = [
        ("sncc_version", report.sncc_version.as_str()),
        ("target", report.target.kind.as_str()),
        ("instance", report.target.instance.as_str()),
        ("release", report.release.as_str()),
        ("started_at", report.started_at.as_str()),
    ];
    for (name, value) in shared {
        let _ = writeln!(
            xml,
            "      <property name=\"{name}\" value=\"{}\"/>",
            attribute(value)
        );
    }
    xml.push_str("    </properties>\n");
}

fn case(xml: &mut String, run: &ScenarioRun) {
    let _ = writeln!(
        xml,
        "    <testcase classname=\"{}\" name=\"{}\" time=\"{}\">",
        attribute(&run.feature),
        attribute(&run.unique_name()),
        seconds(run.duration_ms),
    );
    properties(xml, run);
    match &run.outcome {
        ScenarioOutcome::Failed { message } => {
            let _ = writeln!(
                xml,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                attribute(message),
                run.info.severity.name(),
                text(&failure_detail(run, message)),
            );
        }
        ScenarioOutcome::Inconclusive { reason } => {
            let _ = writeln!(
                xml,
                "      <error message=\"{}\" type=\"inconclusive\">{}</error>",
                attribute(reason),
                text(&failure_detail(run, reason)),
            );
        }
        ScenarioOutcome::Skipped { reason } => {
            let _ = writeln!(xml, "      <skipped message=\"{}\"/>", attribute(reason));
        }
        ScenarioOutcome::Passed
        | ScenarioOutcome::Warning { .. }
        | ScenarioOutcome::Expected { .. } => {}
    }
    let out = system_out(run);
    if !out.is_empty() {
        let _ = writeln!(xml, "      <system-out>{}</system-out>", text(&out));
    }
    xml.push_str("    </testcase>\n");
}

fn properties(xml: &mut String, run: &ScenarioRun) {
    let info = &run.info;
    let mut properties = vec![
        ("behaviour", format!("CC-{}", info.id)),
        ("severity", info.severity.name().to_owned()),
        ("evidence", info.evidence.join(" ")),
    ];
    if !info.clauses.is_empty() {
        properties.push(("clauses", info.clauses.join(" ")));
    }
    properties.push(("outcome", run.outcome.name().to_owned()));
    properties.push(("location", format!("{}:{}", run.feature_uri, run.line)));
    xml.push_str("      <properties>\n");
    for (name, value) in properties {
        let _ = writeln!(
            xml,
            "        <property name=\"{name}\" value=\"{}\"/>",
            attribute(&value)
        );
    }
    xml.push_str("      </properties>\n");
}

/// The steps that did not hold with their errors (after the reason, for an inconclusive scenario), then where
/// the scenario is.
fn failure_detail(run: &ScenarioRun, message: &str) -> String {
    let mut detail = String::new();
    if let ScenarioOutcome::Inconclusive { .. } = run.outcome {
        let _ = writeln!(detail, "inconclusive: {message}");
    }
    for step in run.steps.iter().filter(|step| !step.held()) {
        let error = step.error.as_deref().unwrap_or_default();
        let _ = writeln!(
            detail,
            "{}{} (line {})\n{error}",
            step.keyword, step.text, step.line
        );
    }
    if detail.is_empty() {
        let _ = writeln!(detail, "{message}");
    }
    let _ = write!(detail, "at {}:{}", run.feature_uri, run.line);
    detail
}

/// A warning or an expected deviation, notes on steps an `@info` scenario did not hold, the facts, and a line per
/// exchange.
fn system_out(run: &ScenarioRun) -> String {
    let mut out = String::new();
    match &run.outcome {
        ScenarioOutcome::Warning { message } => {
            let _ = writeln!(out, "WARNING: {message}");
        }
        ScenarioOutcome::Expected { reason, message } => {
            let _ = writeln!(out, "EXPECTED DEVIATION: {reason}\n{message}");
        }
        ScenarioOutcome::Passed => {
            for step in run.steps.iter().filter(|step| !step.held()) {
                let error = step.error.as_deref().unwrap_or_default();
                let _ = writeln!(
                    out,
                    "NOTE: {}{} did not hold (only recorded): {error}",
                    step.keyword, step.text
                );
            }
        }
        ScenarioOutcome::Failed { .. }
        | ScenarioOutcome::Skipped { .. }
        | ScenarioOutcome::Inconclusive { .. } => {}
    }
    for (name, value) in &run.observation.facts {
        let _ = writeln!(out, "fact {name} = {value}");
    }
    for exchange in &run.observation.exchanges {
        let status = exchange
            .status
            .map_or("no response".to_owned(), |status| status.to_string());
        let _ = writeln!(out, "{} {} -> {status}", exchange.method, exchange.path);
    }
    out
}

fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// Escapes element content.
fn text(value: &str) -> String {
    escape(value, false)
}

/// Escapes an attribute value, keeping tabs and line breaks from being read back as spaces.
fn attribute(value: &str) -> String {
    escape(value, true)
}

/// XML 1.0 escaping: markup characters become references; characters XML 1.0 cannot carry at all
/// (most C0 controls, U+FFFE, U+FFFF), not even as references, become a visible `\u{..}`.
fn escape(value: &str, in_attribute: bool) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\t' | '\n' if !in_attribute => escaped.push(c),
            '\t' | '\n' | '\r' => {
                let _ = write!(escaped, "&#{};", u32::from(c));
            }
            '\0'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => {
                let _ = write!(escaped, "\\u{{{:x}}}", u32::from(c));
            }
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{StepStatus, sample};

    #[test]
    fn markup_and_control_characters_are_escaped() {
        assert_eq!(
            text(r#"<a & "b" 'c'>"#),
            "&lt;a &amp; &quot;b&quot; &apos;c&apos;&gt;"
        );
        assert_eq!(text("a\tb\nc\rd"), "a\tb\nc&#13;d");
        assert_eq!(attribute("a\tb\nc\rd"), "a&#9;b&#10;c&#13;d");
        assert_eq!(
            text("bell\u{7} nul\0 esc\u{1b} \u{fffe}"),
            "bell\\u{7} nul\\u{0} esc\\u{1b} \\u{fffe}"
        );
        assert_eq!(text("é ✓ \u{85}"), "é ✓ \u{85}");
    }

    fn report(runs: Vec<ScenarioRun>) -> String {
        render(&sample::report(runs))
    }

    #[test]
    fn every_suite_names_the_target_and_release_it_checked() {
        let mut sample = sample::report(vec![sample::scenario(ScenarioOutcome::Passed)]);
        sample.release = "vancouver".into();
        let xml = render(&sample);
        assert!(
            xml.contains(r#"<property name="release" value="vancouver"/>"#),
            "{xml}"
        );
        assert!(
            xml.contains(&format!(
                r#"<property name="target" value="{}"/>"#,
                sample.target.kind
            )),
            "{xml}"
        );
    }

    #[test]
    fn a_failure_names_its_step_and_severity() {
        let mut run = sample::scenario(ScenarioOutcome::Failed {
            message: "Then x: <no>".into(),
        });
        run.steps = vec![sample::step(StepStatus::Failed, Some("expected <401>"))];
        let xml = report(vec![run]);
        assert!(
            xml.contains(
                r#"<failure message="Then x: &lt;no&gt;" type="must">Then a step (line 7)"#
            ),
            "{xml}"
        );
        assert!(
            xml.contains("expected &lt;401&gt;\nat features/sample.feature:5</failure>"),
            "{xml}"
        );
        assert!(
            xml.contains(r#"tests="1" failures="1" errors="0" skipped="0""#),
            "{xml}"
        );
    }

    #[test]
    fn a_warning_passes_and_says_so() {
        let run = sample::scenario(ScenarioOutcome::Warning {
            message: "Then y: no".into(),
        });
        let xml = report(vec![run]);
        assert!(!xml.contains("<failure"), "{xml}");
        assert!(
            xml.contains("<system-out>WARNING: Then y: no\n</system-out>"),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<property name="outcome" value="warning"/>"#),
            "{xml}"
        );
    }

    #[test]
    fn an_expected_deviation_passes_with_a_note() {
        let run = sample::scenario(ScenarioOutcome::Expected {
            reason: "known <quirk>".into(),
            message: "Then y: no".into(),
        });
        let xml = report(vec![run]);
        assert!(!xml.contains("<failure"), "{xml}");
        assert!(
            xml.contains(
                "<system-out>EXPECTED DEVIATION: known &lt;quirk&gt;\nThen y: no\n</system-out>"
            ),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<property name="outcome" value="expected"/>"#),
            "{xml}"
        );
    }

    #[test]
    fn an_inconclusive_scenario_is_an_error_not_a_failure() {
        let mut run = sample::scenario(ScenarioOutcome::Inconclusive {
            reason: "the instance answered 503 to POST /oauth_token.do: <gateway>".into(),
        });
        run.steps = vec![sample::step(StepStatus::Failed, Some("got 503"))];
        let xml = report(vec![run, sample::scenario(ScenarioOutcome::Passed)]);
        assert!(!xml.contains("<failure"), "{xml}");
        assert!(
            xml.contains(
                "<error message=\"the instance answered 503 to POST /oauth_token.do: &lt;gateway&gt;\" \
                 type=\"inconclusive\">inconclusive: the instance answered 503 to POST /oauth_token.do: \
                 &lt;gateway&gt;\nThen a step (line 7)\ngot 503\nat features/sample.feature:5</error>"
            ),
            "{xml}"
        );
        assert!(
            xml.contains(
                r#"<testsuites name="sncc 0.0.0" tests="2" failures="0" errors="1" skipped="0""#
            ),
            "{xml}"
        );
        assert!(
            xml.contains(r#"tests="2" failures="0" errors="1" skipped="0""#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<property name="outcome" value="inconclusive"/>"#),
            "{xml}"
        );
    }

    #[test]
    fn a_skipped_scenario_gives_its_reason() {
        let run = sample::scenario(ScenarioOutcome::Skipped {
            reason: "needs \"admin\"".into(),
        });
        let xml = report(vec![run]);
        assert!(
            xml.contains(r#"<skipped message="needs &quot;admin&quot;"/>"#),
            "{xml}"
        );
        assert!(xml.contains(r#"skipped="1""#), "{xml}");
    }
}

//! The Cucumber JSON report (`cucumber.json`), as cucumber-html-reporter and Jenkins' cucumber-reports load it.
//!
//! Step statuses follow the scenario's outcome, so a consumer counts what the console counts: a scenario the
//! target or release cannot run gets one synthetic skipped step carrying the reason; a `@should` deviation stays a
//! failed step and its element gets the tag `@warning`; a step no definition matches is `failed` (not `undefined`,
//! which cucumber-html-reporter does not count as a failure, while sncc fails the run); a step that did not hold in
//! an `@info` scenario is shown passed with a note, as an `@info` scenario only records. An expected deviation
//! (`--expect-deviations`) does not fail the run either: its element gets the tag `@expected-deviation`, its steps
//! that did not hold are shown passed with a note, and its last step says why it is expected. A scenario a fault
//! left undecided (inconclusive) gets the tag `@inconclusive` and its steps that did not hold are `undefined` (no
//! verdict; cucumber-html-reporter counts it apart from passed and failed), the reason first in their error; when
//! every step held, one synthetic `undefined` step carries the reason. Facts and exchanges
//! (already redacted) ride on the last step: facts as `output` lines, both as an `application/json` embedding.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use serde_json::json;

use super::{RunReport, ScenarioOutcome, ScenarioRun, ShownStatus, ShownStep};

/// The file's name in the report folder.
pub(crate) const FILE: &str = "cucumber.json";

#[derive(Debug, Serialize)]
pub(crate) struct Feature {
    pub uri: String,
    pub id: String,
    pub keyword: &'static str,
    pub name: String,
    pub description: String,
    pub line: usize,
    /// The features do not keep feature-level tags apart: every tag sits on its scenarios.
    pub tags: Vec<Tag>,
    pub elements: Vec<Element>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Tag {
    pub name: String,
    pub line: usize,
}

#[derive(Debug, Serialize)]
pub(crate) struct Element {
    pub id: String,
    pub keyword: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: String,
    pub description: String,
    pub line: usize,
    pub tags: Vec<Tag>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Step {
    pub keyword: String,
    pub name: String,
    pub line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doc_string: Option<DocString>,
    pub result: StepResult,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub output: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub embeddings: Vec<Embedding>,
}

#[derive(Debug, Serialize)]
pub(crate) struct DocString {
    pub value: String,
    pub line: usize,
}

#[derive(Debug, Serialize)]
pub(crate) struct StepResult {
    /// `passed`, `failed`, `skipped` or `undefined` (inconclusive).
    pub status: &'static str,
    /// Nanoseconds.
    pub duration: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Embedding {
    pub mime_type: &'static str,
    /// Base64.
    pub data: String,
}

/// The report as Cucumber JSON features, in run order.
pub(crate) fn features(report: &RunReport) -> Vec<Feature> {
    report
        .features()
        .into_iter()
        .map(|runs| Feature {
            uri: runs[0].feature_uri.clone(),
            id: slug(&runs[0].feature),
            keyword: "Feature",
            name: runs[0].feature.clone(),
            description: runs[0].feature_description.clone(),
            line: runs[0].feature_line,
            tags: Vec::new(),
            elements: runs.into_iter().map(element).collect(),
        })
        .collect()
}

/// The whole file, pretty-printed.
pub(crate) fn render(report: &RunReport) -> serde_json::Result<String> {
    serde_json::to_string_pretty(&features(report)).map(|text| text + "\n")
}

fn element(run: &ScenarioRun) -> Element {
    let tag = |name: String| Tag {
        name,
        // Tags stand on the line above their scenario.
        line: run.line.saturating_sub(1),
    };
    let mut tags: Vec<Tag> = run
        .tags
        .iter()
        .map(|name| tag(format!("@{name}")))
        .collect();
    match run.outcome {
        ScenarioOutcome::Warning { .. } => tags.push(tag("@warning".to_owned())),
        ScenarioOutcome::Expected { .. } => tags.push(tag("@expected-deviation".to_owned())),
        ScenarioOutcome::Inconclusive { .. } => tags.push(tag("@inconclusive".to_owned())),
        _ => {}
    }
    Element {
        id: format!("{};{}", slug(&run.feature), slug(&run.name)),
        keyword: "Scenario",
        kind: "scenario",
        name: run.name.clone(),
        description: String::new(),
        line: run.line,
        tags,
        steps: steps(run),
    }
}

fn steps(run: &ScenarioRun) -> Vec<Step> {
    let mut steps: Vec<Step> = run.shown_steps().iter().map(step).collect();
    if let Some(last) = steps.last_mut() {
        if let ScenarioOutcome::Expected { reason, message } = &run.outcome {
            last.output
                .push(format!("expected deviation ({reason}): {message}"));
        }
        attach_observation(last, run);
    }
    steps
}

/// A step as shown: a step no definition matches is `failed`, an unjudged one `undefined`; a note is output.
fn step(shown: &ShownStep) -> Step {
    let status = match shown.status {
        ShownStatus::Passed => "passed",
        ShownStatus::Failed | ShownStatus::Undefined => "failed",
        ShownStatus::Skipped => "skipped",
        ShownStatus::Inconclusive => "undefined",
    };
    Step {
        keyword: shown.keyword.to_owned(),
        name: shown.text.to_owned(),
        line: shown.line,
        doc_string: shown.docstring.map(|value| DocString {
            value: value.to_owned(),
            line: shown.line + 1,
        }),
        result: StepResult {
            status,
            duration: shown.duration_ms * 1_000_000,
            error_message: shown.message.clone(),
        },
        output: shown.note.iter().cloned().collect(),
        embeddings: Vec::new(),
    }
}

/// Facts as output lines, facts and exchanges as one JSON embedding; nothing when nothing was observed.
fn attach_observation(step: &mut Step, run: &ScenarioRun) {
    let observation = &run.observation;
    step.output.extend(
        observation
            .facts
            .iter()
            .map(|(name, value)| format!("fact {name} = {value}")),
    );
    if observation.facts.is_empty() && observation.exchanges.is_empty() {
        return;
    }
    let data = json!({"facts": observation.facts, "exchanges": observation.exchanges});
    step.embeddings.push(Embedding {
        mime_type: "application/json",
        data: STANDARD.encode(format!("{data:#}")),
    });
}

/// `The token response` → `the-token-response`, as Cucumber derives ids from names.
fn slug(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{StepStatus, sample};

    fn statuses(element: &Element) -> Vec<&str> {
        element
            .steps
            .iter()
            .map(|step| step.result.status)
            .collect()
    }

    #[test]
    fn a_skipped_scenario_shows_one_skipped_step_with_the_reason() {
        let run = sample::scenario(ScenarioOutcome::Skipped {
            reason: "not applicable to this release".into(),
        });
        let element = element(&run);
        assert_eq!(statuses(&element), ["skipped"]);
        assert_eq!(
            element.steps[0].result.error_message.as_deref(),
            Some("not applicable to this release")
        );
    }

    #[test]
    fn a_warning_keeps_its_failed_step_and_is_tagged() {
        let mut run = sample::scenario(ScenarioOutcome::Warning {
            message: "Then x: no".into(),
        });
        run.steps = vec![
            sample::step(StepStatus::Passed, None),
            sample::step(StepStatus::Failed, Some("no")),
        ];
        let element = element(&run);
        assert_eq!(statuses(&element), ["passed", "failed"]);
        assert!(element.tags.iter().any(|tag| tag.name == "@warning"));
        assert!(element.tags.iter().any(|tag| tag.name == "@CC-A1"));
    }

    #[test]
    fn an_info_step_that_did_not_hold_passes_with_a_note() {
        let mut run = sample::scenario(ScenarioOutcome::Passed);
        run.steps = vec![sample::step(StepStatus::Skipped, Some("no definition"))];
        let step = &element(&run).steps[0];
        assert_eq!(step.result.status, "passed");
        assert!(step.output[0].contains("no definition"));
    }

    #[test]
    fn an_expected_deviation_passes_tagged_with_a_note() {
        let mut run = sample::scenario(ScenarioOutcome::Expected {
            reason: "known quirk".into(),
            message: "Then a step: no".into(),
        });
        run.steps = vec![sample::step(StepStatus::Failed, Some("no"))];
        let element = element(&run);
        assert_eq!(statuses(&element), ["passed"]);
        assert!(
            element
                .tags
                .iter()
                .any(|tag| tag.name == "@expected-deviation")
        );
        assert_eq!(
            element.steps[0].output,
            [
                "did not hold (an expected deviation: known quirk): no",
                "expected deviation (known quirk): Then a step: no"
            ]
        );
    }

    #[test]
    fn an_unmatched_step_fails_and_a_hook_failure_gets_a_step() {
        let mut run = sample::scenario(ScenarioOutcome::Failed {
            message: "hook failed: boom".into(),
        });
        run.steps = vec![sample::step(StepStatus::Passed, None)];
        assert_eq!(statuses(&element(&run)), ["passed", "failed"]);
        run.steps = vec![sample::step(StepStatus::Skipped, Some("no definition"))];
        assert_eq!(statuses(&element(&run)), ["failed"]);
    }

    #[test]
    fn an_inconclusive_scenario_shows_undefined_steps_with_the_reason_and_is_tagged() {
        let reason = "the instance answered 503 to POST /oauth_token.do: a server or gateway error decides nothing";
        let mut run = sample::scenario(ScenarioOutcome::Inconclusive {
            reason: reason.into(),
        });
        run.steps = vec![
            sample::step(StepStatus::Passed, None),
            sample::step(StepStatus::Failed, Some("expected 200, got 503")),
        ];
        let shown = element(&run);
        assert_eq!(statuses(&shown), ["passed", "undefined"]);
        assert_eq!(
            shown.steps[1].result.error_message.as_deref(),
            Some(format!("inconclusive: {reason}\nexpected 200, got 503").as_str())
        );
        assert!(shown.tags.iter().any(|tag| tag.name == "@inconclusive"));
        run.steps.truncate(1);
        let shown = element(&run);
        assert_eq!(statuses(&shown), ["passed", "undefined"]);
        assert_eq!(
            shown.steps[1].name,
            "the target's answers decide the scenario"
        );
    }

    #[test]
    fn observations_ride_on_the_last_step() {
        let mut run = sample::scenario(ScenarioOutcome::Passed);
        run.steps = vec![
            sample::step(StepStatus::Passed, None),
            sample::step(StepStatus::Passed, None),
        ];
        run.observation
            .facts
            .insert("token_length".into(), json!(86));
        let steps = element(&run).steps;
        assert!(steps[0].embeddings.is_empty());
        assert_eq!(steps[1].output, ["fact token_length = 86"]);
        let decoded = STANDARD.decode(&steps[1].embeddings[0].data).unwrap();
        let decoded: serde_json::Value = serde_json::from_slice(&decoded).unwrap();
        assert_eq!(
            decoded,
            json!({"facts": {"token_length": 86}, "exchanges": []})
        );
    }

    #[test]
    fn ids_are_slugs_of_the_names() {
        assert_eq!(
            slug("The token's response: A/B  "),
            "the-token-s-response-a-b"
        );
    }
}

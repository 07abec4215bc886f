//! What a run found, as every report format reads it: scenarios with steps, outcomes, facts and exchanges.

pub mod collector;
pub mod console;
pub mod cucumber_json;
pub mod files;
pub mod html;
pub mod junit;
pub mod messages;

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::{Captures, Regex};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalogue::{ScenarioInfo, Severity};
use crate::client::exchange::Exchange;
use crate::features::FeatureSource;
use crate::redact;

/// How a scenario ended, severity applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub enum ScenarioOutcome {
    Passed,
    /// A `@must` deviation (or any deviation with `--strict`): the run fails.
    Failed {
        message: String,
    },
    /// A `@should` deviation: reported, the run passes.
    Warning {
        message: String,
    },
    /// The target or release cannot run it.
    Skipped {
        reason: String,
    },
    /// A deviation this instance is known to have (`--expect-deviations`): reported, the run passes.
    Expected {
        /// Why it is expected, from the expectations file.
        reason: String,
        /// What the failing step said.
        message: String,
    },
    /// A fault decided nothing: a failed setup step or hook, an undo that failed, or an exchange the instance
    /// answered with a 5xx or a 429 (after retries) or did not answer at all. Neither a pass nor a deviation,
    /// whatever the severity.
    Inconclusive {
        reason: String,
    },
}

impl ScenarioOutcome {
    pub fn name(&self) -> &'static str {
        match self {
            ScenarioOutcome::Passed => "passed",
            ScenarioOutcome::Failed { .. } => "failed",
            ScenarioOutcome::Warning { .. } => "warning",
            ScenarioOutcome::Skipped { .. } => "skipped",
            ScenarioOutcome::Expected { .. } => "expected",
            ScenarioOutcome::Inconclusive { .. } => "inconclusive",
        }
    }

    /// The same outcome, its message redacted by shape.
    fn redacted(&self) -> ScenarioOutcome {
        match self {
            ScenarioOutcome::Failed { message } => ScenarioOutcome::Failed {
                message: redact_text(message),
            },
            ScenarioOutcome::Warning { message } => ScenarioOutcome::Warning {
                message: redact_text(message),
            },
            ScenarioOutcome::Expected { reason, message } => ScenarioOutcome::Expected {
                reason: reason.clone(),
                message: redact_text(message),
            },
            ScenarioOutcome::Inconclusive { reason } => ScenarioOutcome::Inconclusive {
                reason: redact_text(reason),
            },
            other => other.clone(),
        }
    }

    /// How bad it is, for picking a behaviour's worst scenario: skipped < passed < expected < warning <
    /// inconclusive < failed.
    pub fn rank(&self) -> u8 {
        match self {
            ScenarioOutcome::Skipped { .. } => 0,
            ScenarioOutcome::Passed => 1,
            ScenarioOutcome::Expected { .. } => 2,
            ScenarioOutcome::Warning { .. } => 3,
            ScenarioOutcome::Inconclusive { .. } => 4,
            ScenarioOutcome::Failed { .. } => 5,
        }
    }

    /// The outcome of a scenario whose step failed with `message`, given its severity; the message is
    /// redacted, as a step quotes the target's answer and an answer can carry a token.
    pub fn of_deviation(severity: Severity, strict: bool, message: String) -> ScenarioOutcome {
        let message = redact_text(&message);
        match severity {
            Severity::Must => ScenarioOutcome::Failed { message },
            Severity::Should if strict => ScenarioOutcome::Failed { message },
            Severity::Should => ScenarioOutcome::Warning { message },
            // An @info scenario records what it saw; a failing step there is still only a fact.
            Severity::Info => ScenarioOutcome::Passed,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    Passed,
    Failed,
    Skipped,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRun {
    pub keyword: String,
    pub text: String,
    pub line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docstring: Option<String>,
    pub status: StepStatus,
    pub duration_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl StepRun {
    /// Whether the step held; a failed step or one no definition matched did not.
    pub fn held(&self) -> bool {
        self.status == StepStatus::Passed
    }
}

/// How a report shows a step, whatever its format calls it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShownStatus {
    /// It held, or did not in a scenario that only records (`@info`, an expected deviation): a note says so.
    Passed,
    /// It did not hold, or a hook failed after every step held (the synthetic step).
    Failed,
    /// No step definition matched it.
    Undefined,
    /// The target or release cannot run the scenario (the synthetic step).
    Skipped,
    /// A fault left the scenario undecided: the step was not judged.
    Inconclusive,
}

/// One step as every report shows it: a step as run, its status softened or withheld by the scenario's outcome,
/// or the synthetic step that shows a skip, a failed hook or a scenario a fault left undecided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShownStep<'a> {
    pub keyword: &'a str,
    pub text: &'a str,
    /// The step's line; the scenario's for the synthetic step.
    pub line: usize,
    /// Its doc string, without the surrounding newlines.
    pub docstring: Option<&'a str>,
    pub duration_ms: u64,
    pub status: ShownStatus,
    /// What the status stands for: the step's error, the skip's reason, the hook's message, why it is inconclusive.
    pub message: Option<String>,
    /// Why a step that did not hold is shown passed.
    pub note: Option<String>,
    /// Whether no feature has it: the step only shows the scenario's outcome.
    pub synthetic: bool,
}

impl ShownStep<'_> {
    fn synthetic(
        keyword: &'static str,
        text: &'static str,
        line: usize,
        status: ShownStatus,
        message: String,
    ) -> ShownStep<'static> {
        ShownStep {
            keyword,
            text,
            line,
            docstring: None,
            duration_ms: 0,
            status,
            message: Some(message),
            note: None,
            synthetic: true,
        }
    }
}

/// `inconclusive: <reason>`, then the step's own error unless the reason quotes it already.
fn inconclusive_message(reason: &str, error: &str) -> String {
    if reason.contains(error) {
        format!("inconclusive: {reason}")
    } else {
        format!("inconclusive: {reason}\n{error}")
    }
}

/// What a scenario observed of the target, beyond pass or fail.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    #[serde(default)]
    pub facts: BTreeMap<String, Value>,
    #[serde(default)]
    pub exchanges: Vec<Exchange>,
    /// Why the scenario decides nothing whatever its steps said, as the suite found after it (undoing its
    /// changes failed, say); the collector makes such a scenario inconclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inconclusive: Option<String>,
}

impl Observation {
    /// Why an exchange decides nothing: the first that got no answer, a 429 (retries exhausted) or a 5xx.
    pub fn fault(&self) -> Option<String> {
        self.exchanges.iter().find_map(|exchange| {
            let request = format!(
                "{} {}",
                exchange.method,
                exchange.path.split('?').next().unwrap_or_default()
            );
            match exchange.status {
                None => Some(format!(
                    "the instance did not answer {request}: no answer decides nothing"
                )),
                Some(429) => Some(format!(
                    "the instance answered 429 to {request}: a rate limit decides nothing"
                )),
                Some(status) if status >= 500 => Some(format!(
                    "the instance answered {status} to {request}: a server or gateway error decides nothing"
                )),
                Some(_) => None,
            }
        })
    }
}

/// One scenario as it ran; `sncc compare` reads it back from a summary, which needs only its name, id, severity,
/// outcome and observation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioRun {
    #[serde(default)]
    pub feature: String,
    #[serde(default)]
    pub feature_uri: String,
    #[serde(default)]
    pub feature_line: usize,
    #[serde(default)]
    pub feature_description: String,
    pub name: String,
    #[serde(default)]
    pub line: usize,
    #[serde(default)]
    pub tags: Vec<String>,
    pub info: ScenarioInfo,
    #[serde(flatten)]
    pub outcome: ScenarioOutcome,
    #[serde(default)]
    pub steps: Vec<StepRun>,
    #[serde(flatten)]
    pub observation: Observation,
    #[serde(default)]
    pub duration_ms: u64,
}

impl ScenarioRun {
    /// A name unique in the run: the behaviour id, the title, and the line when an id has several scenarios.
    pub fn unique_name(&self) -> String {
        format!("CC-{} {} (line {})", self.info.id, self.name, self.line)
    }

    /// The steps as every report shows them: an `@info` scenario's or an expected deviation's step that did not
    /// hold passes with a note; an inconclusive scenario's step that did not hold is not judged, the reason first
    /// in its message; one more synthetic step shows a skip, a hook that failed after every step held, or a
    /// scenario a fault left undecided although every step held.
    pub fn shown_steps(&self) -> Vec<ShownStep<'_>> {
        let recorded_only = match &self.outcome {
            ScenarioOutcome::Passed => Some("an @info scenario only records".to_owned()),
            ScenarioOutcome::Expected { reason, .. } => {
                Some(format!("an expected deviation: {reason}"))
            }
            _ => None,
        };
        let mut steps: Vec<ShownStep> = self
            .steps
            .iter()
            .map(|step| {
                let (status, message, note) = match (step.status, &step.error) {
                    (StepStatus::Passed, _) | (_, None) => (ShownStatus::Passed, None, None),
                    (_, Some(error)) => match (&self.outcome, &recorded_only) {
                        (ScenarioOutcome::Inconclusive { reason }, _) => (
                            ShownStatus::Inconclusive,
                            Some(inconclusive_message(reason, error)),
                            None,
                        ),
                        (_, Some(why)) => (
                            ShownStatus::Passed,
                            None,
                            Some(format!("did not hold ({why}): {error}")),
                        ),
                        _ if step.status == StepStatus::Skipped => {
                            (ShownStatus::Undefined, Some(error.clone()), None)
                        }
                        _ => (ShownStatus::Failed, Some(error.clone()), None),
                    },
                };
                ShownStep {
                    keyword: &step.keyword,
                    text: &step.text,
                    line: step.line,
                    docstring: step
                        .docstring
                        .as_deref()
                        .map(|text| text.trim_matches('\n')),
                    duration_ms: step.duration_ms,
                    status,
                    message,
                    note,
                    synthetic: false,
                }
            })
            .collect();
        let all_held = self.steps.iter().all(StepRun::held);
        let synthetic = match &self.outcome {
            ScenarioOutcome::Skipped { reason } => Some((
                "Given ",
                "the target can run this scenario",
                ShownStatus::Skipped,
                reason.clone(),
            )),
            // A hook failed: no step shows it, so one more step must.
            ScenarioOutcome::Failed { message } | ScenarioOutcome::Warning { message }
                if all_held =>
            {
                Some((
                    "Then ",
                    "the scenario finishes cleanly",
                    ShownStatus::Failed,
                    message.clone(),
                ))
            }
            ScenarioOutcome::Inconclusive { reason } if all_held => Some((
                "Then ",
                "the target's answers decide the scenario",
                ShownStatus::Inconclusive,
                format!("inconclusive: {reason}"),
            )),
            _ => None,
        };
        if let Some((keyword, text, status, message)) = synthetic {
            steps.push(ShownStep::synthetic(
                keyword, text, self.line, status, message,
            ));
        }
        steps
    }
}

/// Counts for the closing line: `N passed, N failed, N warnings, N skipped` (`, N inconclusive` and
/// `, N expected` when there are any).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub passed: usize,
    pub failed: usize,
    pub warnings: usize,
    pub skipped: usize,
    /// Scenarios a fault left undecided; absent from summaries written before sncc knew them.
    #[serde(default)]
    pub inconclusive: usize,
    /// Expected deviations (`--expect-deviations`); left out of the summary when there are none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub expected: usize,
}

fn is_zero(count: &usize) -> bool {
    *count == 0
}

impl Tally {
    pub fn of(scenarios: &[ScenarioRun]) -> Tally {
        let mut tally = Tally::default();
        for scenario in scenarios {
            match scenario.outcome {
                ScenarioOutcome::Passed => tally.passed += 1,
                ScenarioOutcome::Failed { .. } => tally.failed += 1,
                ScenarioOutcome::Warning { .. } => tally.warnings += 1,
                ScenarioOutcome::Skipped { .. } => tally.skipped += 1,
                ScenarioOutcome::Expected { .. } => tally.expected += 1,
                ScenarioOutcome::Inconclusive { .. } => tally.inconclusive += 1,
            }
        }
        tally
    }

    pub fn line(&self) -> String {
        let mut line = format!(
            "{} passed, {} failed, {} warnings, {} skipped",
            self.passed, self.failed, self.warnings, self.skipped
        );
        if self.inconclusive > 0 {
            line.push_str(&format!(", {} inconclusive", self.inconclusive));
        }
        if self.expected > 0 {
            line.push_str(&format!(", {} expected", self.expected));
        }
        line
    }
}

/// A whole run, as the summary JSON and every other report read it, and as `sncc compare` reads a summary back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    #[serde(default)]
    pub sncc_version: String,
    pub target: TargetSummary,
    /// The release family, `unknown` when it could not be known.
    pub release: String,
    #[serde(default)]
    pub started_at: String,
    #[serde(default)]
    pub duration_ms: u64,
    #[serde(default)]
    pub strict: bool,
    pub tally: Tally,
    /// HTTP requests the scenarios made to the target (retries excluded).
    #[serde(default)]
    pub requests: usize,
    pub scenarios: Vec<ScenarioRun>,
    /// The text of each feature file the run read, as is (the Cucumber Messages report quotes it; kept out
    /// of `summary.json`).
    #[serde(skip)]
    pub sources: Vec<FeatureSource>,
}

impl RunReport {
    /// The scenarios grouped by feature, features and scenarios in run order.
    pub fn features(&self) -> Vec<Vec<&ScenarioRun>> {
        let mut features: Vec<Vec<&ScenarioRun>> = Vec::new();
        for run in &self.scenarios {
            match features
                .iter_mut()
                .find(|group| group[0].feature_uri == run.feature_uri)
            {
                Some(group) => group.push(run),
                None => features.push(vec![run]),
            }
        }
        features
    }

    /// A copy for the report files with every message, step error and fact redacted by shape: steps quote
    /// the target's answers in their errors, and an answer can carry a token.
    pub fn redacted(&self) -> RunReport {
        let mut report = self.clone();
        for run in &mut report.scenarios {
            run.outcome = run.outcome.redacted();
            for step in &mut run.steps {
                step.error = step.error.as_deref().map(redact_text);
            }
            run.observation.facts.values_mut().for_each(redact::json);
            run.observation.inconclusive = run.observation.inconclusive.as_deref().map(redact_text);
        }
        report
    }

    /// Each behaviour id once: the worst outcome of its scenarios, their facts merged.
    pub fn behaviours(&self) -> Vec<BehaviourRun> {
        let mut by_id: BTreeMap<&str, BehaviourRun> = BTreeMap::new();
        for run in &self.scenarios {
            let behaviour = by_id
                .entry(&run.info.id)
                .or_insert_with(|| BehaviourRun::of(run));
            behaviour.add(run);
        }
        by_id.into_values().collect()
    }
}

/// `"name":"value"` in free text, as a step quotes a JSON body.
static JSON_MEMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#""([A-Za-z_]{1,40})"\s*:\s*"(?:[^"\\]|\\.)*""#).expect("valid pattern")
});
/// `name=value` in free text, as a step quotes a form or a query.
static FORM_PARAMETER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\b([A-Za-z_]{1,40})=[^&\s"']*"#).expect("valid pattern"));
/// An `Authorization` credential in free text.
static CREDENTIAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(Bearer|Basic) [A-Za-z0-9._~+/=-]{16,}").expect("valid pattern")
});

/// Free text (a message that may quote the target's answer) with secret values redacted by their shape:
/// JSON members and form parameters with a secret name, and `Bearer`/`Basic` credentials.
pub fn redact_text(text: &str) -> String {
    let secret_only = |captures: &Captures, redacted: String| {
        if redact::is_secret_name(&captures[1]) {
            redacted
        } else {
            captures[0].to_owned()
        }
    };
    let text = JSON_MEMBER.replace_all(text, |c: &Captures| {
        secret_only(c, format!("\"{}\":\"{}\"", &c[1], redact::REDACTED))
    });
    let text = FORM_PARAMETER.replace_all(&text, |c: &Captures| {
        secret_only(c, format!("{}={}", &c[1], redact::REDACTED))
    });
    CREDENTIAL
        .replace_all(&text, format!("$1 {}", redact::REDACTED))
        .into_owned()
}

/// One behaviour of the catalogue as the run found it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BehaviourRun {
    pub id: String,
    pub evidence: Vec<String>,
    pub severity: Severity,
    pub clauses: Vec<String>,
    /// The worst outcome of its scenarios, with that scenario's message or reason.
    #[serde(flatten)]
    pub outcome: ScenarioOutcome,
    /// The unique names of its scenarios.
    pub scenarios: Vec<String>,
    /// Every fact its scenarios recorded; a later scenario's value wins.
    pub facts: BTreeMap<String, Value>,
}

impl BehaviourRun {
    fn of(run: &ScenarioRun) -> BehaviourRun {
        BehaviourRun {
            id: run.info.id.clone(),
            evidence: run.info.evidence.clone(),
            severity: run.info.severity,
            clauses: Vec::new(),
            outcome: run.outcome.clone(),
            scenarios: Vec::new(),
            facts: BTreeMap::new(),
        }
    }

    fn add(&mut self, run: &ScenarioRun) {
        if run.outcome.rank() > self.outcome.rank() {
            self.outcome = run.outcome.clone();
        }
        for clause in &run.info.clauses {
            if !self.clauses.contains(clause) {
                self.clauses.push(clause.clone());
            }
        }
        self.scenarios.push(run.unique_name());
        self.facts.extend(run.observation.facts.clone());
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetSummary {
    pub kind: String,
    /// The instance URL, or `bundled mock`.
    pub instance: String,
}

/// Hand-made runs for the report formats' tests.
#[cfg(test)]
pub(crate) mod sample {
    use super::*;

    /// `A sample` at line 5 of `features/sample.feature`, a `@must` check of `CC-A1`, without steps.
    pub fn scenario(outcome: ScenarioOutcome) -> ScenarioRun {
        let tags: Vec<String> = ["CC-A1", "doc", "must"].map(str::to_owned).into();
        ScenarioRun {
            feature: "Sample".into(),
            feature_uri: "features/sample.feature".into(),
            feature_line: 1,
            feature_description: String::new(),
            name: "A sample".into(),
            line: 5,
            info: ScenarioInfo::from_tags(&tags).expect("sample tags"),
            tags,
            outcome,
            steps: Vec::new(),
            observation: Observation::default(),
            duration_ms: 3,
        }
    }

    /// `Then a step` at line 7.
    pub fn step(status: StepStatus, error: Option<&str>) -> StepRun {
        StepRun {
            keyword: "Then ".into(),
            text: "a step".into(),
            line: 7,
            docstring: None,
            status,
            duration_ms: 1,
            error: error.map(str::to_owned),
        }
    }

    pub fn report(scenarios: Vec<ScenarioRun>) -> RunReport {
        RunReport {
            sncc_version: "0.0.0".into(),
            target: TargetSummary {
                kind: "mock".into(),
                instance: "bundled mock".into(),
            },
            release: "washingtondc".into(),
            started_at: "2025-01-01 00:00:00".into(),
            duration_ms: 1234,
            strict: false,
            tally: Tally::of(&scenarios),
            requests: 0,
            scenarios,
            sources: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_lose_secrets_by_shape() {
        let message = r#"expected 401, got 200 {"access_token":"abc\"def","scope":"useraccount"} for client_secret=s3cr%2Bt&client_id=x with Bearer eyJhbGciOiJIUzI1NiJ9.e30 and Basic dXNlcjpwYXNzd29yZA=="#;
        assert_eq!(
            redact_text(message),
            r#"expected 401, got 200 {"access_token":"[REDACTED]","scope":"useraccount"} for client_secret=[REDACTED]&client_id=x with Bearer [REDACTED] and Basic [REDACTED]"#
        );
        assert_eq!(
            redact_text("A Bearer token is accepted: token_type=Bearer"),
            "A Bearer token is accepted: token_type=Bearer"
        );
    }

    #[test]
    fn a_deviation_message_is_redacted() {
        let message = r#"got 200 {"access_token":"t0k3n"}"#.to_owned();
        let outcome = ScenarioOutcome::of_deviation(Severity::Must, false, message);
        assert_eq!(
            outcome,
            ScenarioOutcome::Failed {
                message: r#"got 200 {"access_token":"[REDACTED]"}"#.into()
            }
        );
    }

    #[test]
    fn the_files_copy_is_redacted() {
        let mut run = sample::scenario(ScenarioOutcome::Warning {
            message: r#"got {"access_token":"t0k3n"}"#.into(),
        });
        run.steps = vec![sample::step(
            StepStatus::Failed,
            Some(r#"got {"access_token":"t0k3n"}"#),
        )];
        run.observation
            .facts
            .insert("seen".into(), json!({"refresh_token": "r3fr3sh"}));
        run.observation.inconclusive = Some(r#"undo failed: {"access_token":"t0k3n"}"#.into());
        let shown = serde_json::to_string(&sample::report(vec![run]).redacted()).unwrap();
        assert!(
            !shown.contains("t0k3n") && !shown.contains("r3fr3sh"),
            "{shown}"
        );
    }

    #[test]
    fn the_tally_line_counts_expected_deviations_only_when_there_are_some() {
        let expected = ScenarioOutcome::Expected {
            reason: "known".into(),
            message: "no".into(),
        };
        let mut tally = Tally::of(&[sample::scenario(ScenarioOutcome::Passed)]);
        assert_eq!(tally.line(), "1 passed, 0 failed, 0 warnings, 0 skipped");
        assert!(!serde_json::to_string(&tally).unwrap().contains("expected"));
        tally = Tally::of(&[sample::scenario(expected)]);
        assert_eq!(
            tally.line(),
            "0 passed, 0 failed, 0 warnings, 0 skipped, 1 expected"
        );
    }

    #[test]
    fn an_expected_deviation_ranks_between_passed_and_warning() {
        let expected = ScenarioOutcome::Expected {
            reason: "known".into(),
            message: "no".into(),
        };
        let warning = ScenarioOutcome::Warning {
            message: "no".into(),
        };
        let worst = |outcomes: [ScenarioOutcome; 2]| {
            let report = sample::report(outcomes.map(sample::scenario).into());
            report.behaviours()[0].outcome.name()
        };
        assert_eq!(
            worst([ScenarioOutcome::Passed, expected.clone()]),
            "expected"
        );
        assert_eq!(worst([expected, warning]), "warning");
    }

    #[test]
    fn inconclusive_ranks_between_warning_and_failed() {
        let inconclusive = ScenarioOutcome::Inconclusive {
            reason: "the instance answered 503 to POST /oauth_token.do".into(),
        };
        let ranked = [
            ScenarioOutcome::Skipped { reason: "r".into() },
            ScenarioOutcome::Passed,
            ScenarioOutcome::Expected {
                reason: "r".into(),
                message: "m".into(),
            },
            ScenarioOutcome::Warning {
                message: "m".into(),
            },
            inconclusive.clone(),
            ScenarioOutcome::Failed {
                message: "m".into(),
            },
        ];
        assert!(
            ranked
                .windows(2)
                .all(|pair| pair[0].rank() < pair[1].rank())
        );
        let worst = |outcomes: [ScenarioOutcome; 2]| {
            let report = sample::report(outcomes.map(sample::scenario).into());
            report.behaviours()[0].outcome.name()
        };
        let warning = ScenarioOutcome::Warning {
            message: "m".into(),
        };
        let failed = ScenarioOutcome::Failed {
            message: "m".into(),
        };
        assert_eq!(worst([warning, inconclusive.clone()]), "inconclusive");
        assert_eq!(worst([inconclusive.clone(), failed]), "failed");
        assert_eq!(
            worst([ScenarioOutcome::Passed, inconclusive]),
            "inconclusive"
        );
    }

    #[test]
    fn inconclusive_is_counted_serialized_and_redacted() {
        let inconclusive = ScenarioOutcome::Inconclusive {
            reason: r#"setup failed: got {"access_token":"t0k3n"}"#.into(),
        };
        let tally = Tally::of(&[
            sample::scenario(ScenarioOutcome::Passed),
            sample::scenario(inconclusive.clone()),
        ]);
        assert_eq!(tally.inconclusive, 1);
        assert_eq!(
            tally.line(),
            "1 passed, 0 failed, 0 warnings, 0 skipped, 1 inconclusive"
        );
        let shown =
            serde_json::to_value(sample::report(vec![sample::scenario(inconclusive)]).redacted())
                .unwrap();
        assert_eq!(shown["tally"]["inconclusive"], 1);
        assert_eq!(shown["scenarios"][0]["outcome"], "inconclusive");
        assert_eq!(
            shown["scenarios"][0]["reason"],
            r#"setup failed: got {"access_token":"[REDACTED]"}"#
        );
        assert!(shown["scenarios"][0].get("inconclusive").is_none());
        let old: Tally =
            serde_json::from_value(json!({"passed": 1, "failed": 0, "warnings": 0, "skipped": 0}))
                .unwrap();
        assert_eq!(old.inconclusive, 0);
    }

    #[test]
    fn shown_steps_soften_withhold_or_add_a_step_by_outcome() {
        let shown = |outcome: ScenarioOutcome, steps: Vec<StepRun>| {
            let mut run = sample::scenario(outcome);
            run.steps = steps;
            run.shown_steps()
                .into_iter()
                .map(|step| (step.status, step.message, step.note, step.synthetic))
                .collect::<Vec<_>>()
        };
        let failed = || sample::step(StepStatus::Failed, Some("no"));
        assert_eq!(
            shown(ScenarioOutcome::Passed, vec![failed()]),
            [(
                ShownStatus::Passed,
                None,
                Some("did not hold (an @info scenario only records): no".into()),
                false
            )]
        );
        let unmatched = sample::step(StepStatus::Skipped, Some("no definition"));
        let must = || ScenarioOutcome::Failed {
            message: "m".into(),
        };
        assert_eq!(shown(must(), vec![unmatched])[0].0, ShownStatus::Undefined);
        let passed = || sample::step(StepStatus::Passed, None);
        assert_eq!(
            shown(must(), vec![passed()])[1],
            (ShownStatus::Failed, Some("m".into()), None, true)
        );
        let setup = ScenarioOutcome::Inconclusive {
            reason: "setup failed: Then a step: no".into(),
        };
        assert_eq!(
            shown(setup, vec![failed()]),
            [(
                ShownStatus::Inconclusive,
                Some("inconclusive: setup failed: Then a step: no".into()),
                None,
                false
            )]
        );
        let skipped = ScenarioOutcome::Skipped {
            reason: "admin only".into(),
        };
        assert_eq!(
            shown(skipped, Vec::new()),
            [(ShownStatus::Skipped, Some("admin only".into()), None, true)]
        );
    }

    #[test]
    fn a_summary_reads_back_as_the_report_it_was() {
        let mut run = sample::scenario(ScenarioOutcome::Expected {
            reason: "known".into(),
            message: "no".into(),
        });
        run.steps = vec![sample::step(StepStatus::Failed, Some("no"))];
        run.observation.facts.insert("a".into(), json!(1));
        let report = sample::report(vec![run, sample::scenario(ScenarioOutcome::Passed)]);
        let summary = serde_json::to_string(&report).unwrap();
        assert_eq!(serde_json::from_str::<RunReport>(&summary).unwrap(), report);
    }

    #[test]
    fn an_observation_names_its_first_fault() {
        let exchange = |status| Exchange {
            method: "GET".into(),
            path: "/api/now/table/sys_user?sysparm_limit=1".into(),
            authorization: None,
            request_body: String::new(),
            status,
            response_headers: Vec::new(),
            response_body: String::new(),
        };
        let observation = |statuses: Vec<Option<u16>>| Observation {
            exchanges: statuses.into_iter().map(exchange).collect(),
            ..Observation::default()
        };
        assert_eq!(
            observation(vec![Some(200), Some(401), Some(413)]).fault(),
            None
        );
        assert_eq!(
            observation(vec![Some(200), Some(504), None])
                .fault()
                .as_deref(),
            Some(
                "the instance answered 504 to GET /api/now/table/sys_user: a server or gateway error decides nothing"
            )
        );
        assert_eq!(
            observation(vec![None]).fault().as_deref(),
            Some(
                "the instance did not answer GET /api/now/table/sys_user: no answer decides nothing"
            )
        );
    }

    #[test]
    fn a_behaviour_takes_its_worst_outcome_and_all_facts() {
        let mut skipped = sample::scenario(ScenarioOutcome::Skipped {
            reason: "admin only".into(),
        });
        skipped.line = 9;
        let mut warned = sample::scenario(ScenarioOutcome::Warning {
            message: "no".into(),
        });
        warned.observation.facts.insert("a".into(), json!(1));
        let mut passed = sample::scenario(ScenarioOutcome::Passed);
        passed.line = 12;
        passed.observation.facts.insert("b".into(), json!(2));
        let report = sample::report(vec![skipped, warned, passed]);
        let [behaviour] = report.behaviours().try_into().unwrap();
        assert_eq!(behaviour.id, "A1");
        assert_eq!(behaviour.outcome.name(), "warning");
        assert_eq!(behaviour.scenarios.len(), 3);
        assert_eq!(behaviour.facts.len(), 2);
        assert_eq!(report.features().len(), 1);
    }
}

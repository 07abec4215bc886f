//! The report model: what a run found, as every report format reads it: scenarios with their steps, outcomes,
//! facts and exchanges, the tally, and the whole run.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalogue::features::FeatureSource;
use crate::catalogue::{ScenarioInfo, Severity};
use crate::client::exchange::Exchange;
use crate::support::redact;

use super::plan::RunPlan;
use super::preflight::PreflightFacts;
use super::provisioning::Provisioning;

/// How a scenario ended, severity applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub(crate) enum ScenarioOutcome {
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
    pub(crate) fn name(&self) -> &'static str {
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
                message: redact::text(message),
            },
            ScenarioOutcome::Warning { message } => ScenarioOutcome::Warning {
                message: redact::text(message),
            },
            ScenarioOutcome::Expected { reason, message } => ScenarioOutcome::Expected {
                reason: reason.clone(),
                message: redact::text(message),
            },
            ScenarioOutcome::Inconclusive { reason } => ScenarioOutcome::Inconclusive {
                reason: redact::text(reason),
            },
            other => other.clone(),
        }
    }

    /// How bad it is, for picking a behaviour's worst scenario: skipped < passed < expected < warning <
    /// inconclusive < failed.
    pub(crate) fn rank(&self) -> u8 {
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
    pub(crate) fn of_deviation(
        severity: Severity,
        strict: bool,
        message: String,
    ) -> ScenarioOutcome {
        let message = redact::text(&message);
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
pub(crate) enum StepStatus {
    Passed,
    Failed,
    Skipped,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StepRun {
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
    pub(crate) fn held(&self) -> bool {
        self.status == StepStatus::Passed
    }
}

/// What a scenario observed of the target, beyond pass or fail.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Observation {
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
    /// Why an exchange decides nothing: the first that got no answer, a 429 (retries exhausted; not one its
    /// scenario expects, catalogue P1), a 5xx, or a
    /// `202` to a write (the platform queued it: its outcome is unknown, catalogue §15).
    pub(crate) fn fault(&self) -> Option<String> {
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
                Some(429) if !exchange.rate_limit_expected => Some(format!(
                    "the instance answered 429 to {request}: a rate limit decides nothing"
                )),
                Some(202) if exchange.method != "GET" => Some(format!(
                    "the instance answered 202 to {request}: it queued the write, and an unknown outcome decides nothing"
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
pub(crate) struct ScenarioRun {
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
    pub(crate) fn unique_name(&self) -> String {
        format!("CC-{} {} (line {})", self.info.id, self.name, self.line)
    }
}

/// Counts for the closing line: `N passed, N failed, N warnings, N skipped` (`, N inconclusive` and
/// `, N expected` when there are any).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Tally {
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
    pub(crate) fn of(scenarios: &[ScenarioRun]) -> Tally {
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

    pub(crate) fn line(&self) -> String {
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
pub(crate) struct RunReport {
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
    /// What an admin run's preflight read of the instance (catalogue §14); absent on other targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preflight: Option<PreflightFacts>,
    /// What an admin run planned before its first change (catalogue §14).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<RunPlan>,
    /// What an admin run's provisioning and undoing did beyond its scenarios (catalogue §15).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning: Option<Provisioning>,
    /// The text of each feature file the run read, as is (the Cucumber Messages report quotes it; kept out
    /// of `summary.json`).
    #[serde(skip)]
    pub sources: Vec<FeatureSource>,
}

impl RunReport {
    /// The scenarios grouped by feature, features and scenarios in run order.
    pub(crate) fn features(&self) -> Vec<Vec<&ScenarioRun>> {
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
    pub(crate) fn redacted(&self) -> RunReport {
        let mut report = self.clone();
        for run in &mut report.scenarios {
            run.outcome = run.outcome.redacted();
            for step in &mut run.steps {
                step.error = step.error.as_deref().map(redact::text);
            }
            run.observation.facts.values_mut().for_each(redact::json);
            run.observation.inconclusive =
                run.observation.inconclusive.as_deref().map(redact::text);
        }
        report
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TargetSummary {
    pub kind: String,
    /// The instance URL, or `bundled mock`.
    pub instance: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;
    use serde_json::json;

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
            rate_limit_expected: false,
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
        let queued = Observation {
            exchanges: vec![Exchange {
                method: "POST".into(),
                ..exchange(Some(202))
            }],
            ..Observation::default()
        };
        assert!(
            queued
                .fault()
                .is_some_and(|fault| fault.contains("queued the write"))
        );
        assert_eq!(
            observation(vec![Some(202)]).fault(),
            None,
            "a GET changes nothing"
        );
    }
}

//! What a run found, as every report format reads it: scenarios with steps, outcomes, facts and exchanges.

pub mod collector;
pub mod console;
pub mod files;

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::catalogue::{ScenarioInfo, Severity};
use crate::client::exchange::Exchange;

/// How a scenario ended, severity applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub enum Outcome {
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
}

impl Outcome {
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed { .. } => "failed",
            Outcome::Warning { .. } => "warning",
            Outcome::Skipped { .. } => "skipped",
        }
    }

    /// The outcome of a scenario whose step failed with `message`, given its severity.
    pub fn of_deviation(severity: Severity, strict: bool, message: String) -> Outcome {
        match severity {
            Severity::Must => Outcome::Failed { message },
            Severity::Should if strict => Outcome::Failed { message },
            Severity::Should => Outcome::Warning { message },
            // An @info scenario records what it saw; a failing step there is still only a fact.
            Severity::Info => Outcome::Passed,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    Passed,
    Failed,
    Skipped,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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

/// What a scenario observed of the target, beyond pass or fail.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Observation {
    pub facts: BTreeMap<String, Value>,
    pub exchanges: Vec<Exchange>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScenarioRun {
    pub feature: String,
    pub feature_uri: String,
    pub feature_line: usize,
    pub feature_description: String,
    pub name: String,
    pub line: usize,
    pub tags: Vec<String>,
    pub info: ScenarioInfo,
    #[serde(flatten)]
    pub outcome: Outcome,
    pub steps: Vec<StepRun>,
    #[serde(flatten)]
    pub observation: Observation,
    pub duration_ms: u64,
}

impl ScenarioRun {
    /// A name unique in the run: the behaviour id, the title, and the line when an id has several scenarios.
    pub fn unique_name(&self) -> String {
        format!("CC-{} {} (line {})", self.info.id, self.name, self.line)
    }
}

/// Counts for the closing line: `N passed, N failed, N warnings, N skipped`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub passed: usize,
    pub failed: usize,
    pub warnings: usize,
    pub skipped: usize,
}

impl Tally {
    pub fn of(scenarios: &[ScenarioRun]) -> Tally {
        let mut tally = Tally::default();
        for scenario in scenarios {
            match scenario.outcome {
                Outcome::Passed => tally.passed += 1,
                Outcome::Failed { .. } => tally.failed += 1,
                Outcome::Warning { .. } => tally.warnings += 1,
                Outcome::Skipped { .. } => tally.skipped += 1,
            }
        }
        tally
    }

    pub fn line(&self) -> String {
        format!(
            "{} passed, {} failed, {} warnings, {} skipped",
            self.passed, self.failed, self.warnings, self.skipped
        )
    }
}

/// A whole run, as the summary JSON and every other report read it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunReport {
    pub sncc_version: String,
    pub target: TargetSummary,
    /// The release family, `unknown` when it could not be known.
    pub release: String,
    pub started_at: String,
    pub duration_ms: u64,
    pub strict: bool,
    pub tally: Tally,
    /// HTTP requests the scenarios made to the target (retries excluded).
    pub requests: usize,
    pub scenarios: Vec<ScenarioRun>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TargetSummary {
    pub kind: String,
    /// The instance URL, or `bundled mock`.
    pub instance: String,
}

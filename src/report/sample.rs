//! Hand-made runs for the report formats' tests.

use crate::catalogue::ScenarioInfo;

use super::model::{
    Observation, RunReport, ScenarioOutcome, ScenarioRun, StepRun, StepStatus, Tally, TargetSummary,
};

/// `A sample` at line 5 of `features/sample.feature`, a `@must` check of `CC-A1`, without steps.
pub(crate) fn scenario(outcome: ScenarioOutcome) -> ScenarioRun {
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
pub(crate) fn step(status: StepStatus, error: Option<&str>) -> StepRun {
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

pub(crate) fn report(scenarios: Vec<ScenarioRun>) -> RunReport {
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
        preflight: None,
        plan: None,
        provisioning: None,
        sources: Vec::new(),
    }
}

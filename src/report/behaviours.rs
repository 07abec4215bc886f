//! Each behaviour of the catalogue as the run found it: the worst outcome of its scenarios, their facts merged.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::catalogue::Severity;

use super::model::{RunReport, ScenarioOutcome, ScenarioRun};

/// One behaviour of the catalogue as the run found it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct BehaviourRun {
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

impl RunReport {
    /// Each behaviour id once: the worst outcome of its scenarios, their facts merged.
    pub(crate) fn behaviours(&self) -> Vec<BehaviourRun> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;
    use serde_json::json;

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

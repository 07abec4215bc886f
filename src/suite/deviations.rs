//! Known deviations (`sncc run --expect-deviations FILE`): behaviours an instance is known to get wrong, reported
//! as expected instead of failing the run, and a warning once one of them no longer happens.
//!
//! The file is TOML, one `[[deviation]]` table per behaviour:
//!
//! ```toml
//! [[deviation]]
//! id = "C4"
//! reason = "Our instance sends Pragma: no-store only"
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::catalogue::{Behaviour, Severity};
use crate::report::{ScenarioOutcome, ScenarioRun};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    deviation: Vec<DeviationEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviationEntry {
    id: String,
    reason: String,
}

/// The deviations an instance is expected to have, each behaviour id with why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExpectedDeviations {
    /// The file they came from, as the warning names it when a deviation no longer happens.
    source: String,
    reasons: BTreeMap<String, String>,
}

/// Why a deviations file cannot be used; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum DeviationsError {
    #[error("--expect-deviations {file}: {source}")]
    Unreadable {
        file: String,
        source: std::io::Error,
    },
    /// Not the file's TOML (the TOML error names the line).
    #[error("--expect-deviations {file}: {source}")]
    Invalid {
        file: String,
        source: toml::de::Error,
    },
    #[error("{file}: the deviation {id} needs a reason")]
    NoReason { file: String, id: String },
    #[error("{file}: the deviation {id} is listed twice")]
    Twice { file: String, id: String },
    #[error("{file}: {id} is not a behaviour of the catalogue (`sncc list` shows them)")]
    NotABehaviour { file: String, id: String },
    #[error("{file}: {id} is @info, which records facts and never deviates: nothing to expect")]
    Info { file: String, id: String },
}

impl ExpectedDeviations {
    /// Reads and parses `path`.
    pub fn load(path: &Path) -> Result<ExpectedDeviations, DeviationsError> {
        let file = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(source) => return Err(DeviationsError::Unreadable { file, source }),
        };
        ExpectedDeviations::parse(&text, &file)
    }

    /// Parses the TOML text of the file named `source`; an id may be written `C4` or `CC-C4`.
    pub(crate) fn parse(text: &str, source: &str) -> Result<ExpectedDeviations, DeviationsError> {
        let file: File = toml::from_str(text).map_err(|error| DeviationsError::Invalid {
            file: source.to_owned(),
            source: error,
        })?;
        let mut reasons = BTreeMap::new();
        for entry in file.deviation {
            let id = entry.id.strip_prefix("CC-").unwrap_or(&entry.id).to_owned();
            if entry.reason.trim().is_empty() {
                return Err(DeviationsError::NoReason {
                    file: source.to_owned(),
                    id,
                });
            }
            if reasons.insert(id.clone(), entry.reason).is_some() {
                return Err(DeviationsError::Twice {
                    file: source.to_owned(),
                    id,
                });
            }
        }
        Ok(ExpectedDeviations {
            source: source.to_owned(),
            reasons,
        })
    }

    /// Every id must be a behaviour of the catalogue that can deviate (an `@info` behaviour never does).
    pub(crate) fn check(&self, catalogue: &[Behaviour]) -> Result<(), DeviationsError> {
        for id in self.reasons.keys() {
            match catalogue.iter().find(|behaviour| &behaviour.id == id) {
                None => {
                    return Err(DeviationsError::NotABehaviour {
                        file: self.source.clone(),
                        id: id.clone(),
                    });
                }
                Some(behaviour) if behaviour.severity == Severity::Info => {
                    return Err(DeviationsError::Info {
                        file: self.source.clone(),
                        id: id.clone(),
                    });
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// A failure or warning of a listed behaviour becomes an expected deviation; an inconclusive scenario stays
    /// inconclusive (a fault is never the deviation an instance is known for).
    pub(crate) fn expect(&self, run: &mut ScenarioRun) {
        let Some(reason) = self.reasons.get(&run.info.id) else {
            return;
        };
        if let ScenarioOutcome::Failed { message } | ScenarioOutcome::Warning { message } =
            &run.outcome
        {
            run.outcome = ScenarioOutcome::Expected {
                reason: reason.clone(),
                message: message.clone(),
            };
        }
    }

    /// Applies the expectations to a whole run: each scenario as [`Self::expect`] says, then, for each listed
    /// behaviour that ran and no longer deviates, its first scenario warns (fails with `strict`) that the
    /// deviation should come off the list; a behaviour with an inconclusive scenario is not known to have stopped
    /// deviating. Returns the indices of those scenarios.
    pub(crate) fn apply(&self, scenarios: &mut [ScenarioRun], strict: bool) -> Vec<usize> {
        scenarios.iter_mut().for_each(|run| self.expect(run));
        let mut stale = Vec::new();
        for id in self.reasons.keys() {
            let of_id = |run: &ScenarioRun| &run.info.id == id;
            let still_deviates = scenarios.iter().any(|run| {
                of_id(run)
                    && matches!(
                        run.outcome,
                        ScenarioOutcome::Expected { .. } | ScenarioOutcome::Inconclusive { .. }
                    )
            });
            let first_passed = scenarios
                .iter()
                .position(|run| of_id(run) && run.outcome == ScenarioOutcome::Passed);
            if let (false, Some(index)) = (still_deviates, first_passed) {
                let message = format!(
                    "expected deviation {id} no longer happens: remove it from {}",
                    self.source
                );
                scenarios[index].outcome = if strict {
                    ScenarioOutcome::Failed { message }
                } else {
                    ScenarioOutcome::Warning { message }
                };
                stale.push(index);
            }
        }
        stale
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    const FILE: &str = r#"
        [[deviation]]
        id = "A1"
        reason = "Our instance is special"
    "#;

    fn expected() -> ExpectedDeviations {
        ExpectedDeviations::parse(FILE, "known.toml").unwrap()
    }

    fn behaviour(id: &str, severity: Severity) -> Behaviour {
        Behaviour {
            id: id.into(),
            title: "t".into(),
            evidence: vec!["doc".into()],
            severity,
            targets: vec!["mock"],
            scenarios: 1,
        }
    }

    fn failed() -> ScenarioOutcome {
        ScenarioOutcome::Failed {
            message: "Then x: no".into(),
        }
    }

    #[test]
    fn ids_may_carry_the_tag_prefix_and_need_a_reason_once() {
        let prefixed = "[[deviation]]\nid = \"CC-A1\"\nreason = \"Our instance is special\"";
        assert_eq!(
            ExpectedDeviations::parse(prefixed, "known.toml").unwrap(),
            expected()
        );
        let twice = format!("{FILE}\n{FILE}");
        assert!(
            ExpectedDeviations::parse(&twice, "known.toml")
                .unwrap_err()
                .to_string()
                .contains("listed twice")
        );
        let no_reason = "[[deviation]]\nid = \"A1\"\nreason = \" \"";
        assert!(
            ExpectedDeviations::parse(no_reason, "known.toml")
                .unwrap_err()
                .to_string()
                .contains("needs a reason")
        );
        assert!(ExpectedDeviations::parse("[[deviation]]\nid = \"A1\"", "known.toml").is_err());
        assert!(ExpectedDeviations::parse("[[deviations]]", "known.toml").is_err());
    }

    #[test]
    fn ids_are_checked_against_the_catalogue() {
        assert!(expected().check(&[behaviour("A1", Severity::Must)]).is_ok());
        let unknown = expected()
            .check(&[behaviour("A2", Severity::Must)])
            .unwrap_err()
            .to_string();
        assert!(
            unknown.contains("known.toml: A1 is not a behaviour"),
            "{unknown}"
        );
        assert!(
            expected()
                .check(&[behaviour("A1", Severity::Info)])
                .unwrap_err()
                .to_string()
                .contains("@info")
        );
    }

    #[test]
    fn a_listed_failure_or_warning_is_expected_and_others_are_untouched() {
        let warned = ScenarioOutcome::Warning {
            message: "Then y: no".into(),
        };
        let mut runs = vec![sample::scenario(failed()), sample::scenario(warned)];
        let stale = expected().apply(&mut runs, false);
        assert!(stale.is_empty());
        assert_eq!(
            runs[0].outcome,
            ScenarioOutcome::Expected {
                reason: "Our instance is special".into(),
                message: "Then x: no".into()
            }
        );
        assert_eq!(runs[1].outcome.name(), "expected");

        let mut other = sample::scenario(failed());
        other.info.id = "B1".into();
        expected().expect(&mut other);
        assert_eq!(other.outcome, failed());
    }

    #[test]
    fn a_listed_behaviour_that_passes_warns_once_or_fails_when_strict() {
        let skipped = ScenarioOutcome::Skipped {
            reason: "admin only".into(),
        };
        let runs = vec![
            sample::scenario(skipped),
            sample::scenario(ScenarioOutcome::Passed),
            sample::scenario(ScenarioOutcome::Passed),
        ];
        let mut relaxed = runs.clone();
        assert_eq!(expected().apply(&mut relaxed, false), [1]);
        assert_eq!(
            relaxed[1].outcome,
            ScenarioOutcome::Warning {
                message: "expected deviation A1 no longer happens: remove it from known.toml"
                    .into()
            }
        );
        assert_eq!(relaxed[2].outcome, ScenarioOutcome::Passed);
        let mut strict = runs;
        expected().apply(&mut strict, true);
        assert_eq!(strict[1].outcome.name(), "failed");
    }

    #[test]
    fn an_inconclusive_scenario_is_never_expected_nor_proof_the_deviation_is_gone() {
        let inconclusive = ScenarioOutcome::Inconclusive {
            reason: "the instance answered 503 to POST /oauth_token.do".into(),
        };
        let mut runs = vec![
            sample::scenario(inconclusive.clone()),
            sample::scenario(ScenarioOutcome::Passed),
        ];
        assert!(expected().apply(&mut runs, true).is_empty());
        assert_eq!(runs[0].outcome, inconclusive);
        assert_eq!(runs[1].outcome, ScenarioOutcome::Passed);
        let mut only = vec![sample::scenario(inconclusive.clone())];
        assert!(expected().apply(&mut only, false).is_empty());
        assert_eq!(only[0].outcome, inconclusive);
    }

    #[test]
    fn a_behaviour_that_still_deviates_somewhere_is_not_stale() {
        let mut runs = vec![
            sample::scenario(ScenarioOutcome::Passed),
            sample::scenario(failed()),
        ];
        assert!(expected().apply(&mut runs, false).is_empty());
        assert_eq!(runs[0].outcome, ScenarioOutcome::Passed);
        let mut only_skipped = vec![sample::scenario(ScenarioOutcome::Skipped {
            reason: "admin only".into(),
        })];
        assert!(expected().apply(&mut only_skipped, false).is_empty());
    }
}

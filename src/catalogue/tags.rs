//! What each scenario checks, read from its tags (docs/catalogue.md#tags): behaviour id, evidence, severity,
//! clauses, target needs; and the behaviours, and their ids, that the features check.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::servicenow::release::Gate;

/// How much a deviation matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A deviation fails the run.
    Must,
    /// A deviation is a warning (a failure with `--strict`).
    Should,
    /// A fact is recorded; never fails.
    Info,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Must => "must",
            Severity::Should => "should",
            Severity::Info => "info",
        }
    }
}

pub const EVIDENCE_TAGS: [&str; 5] = ["doc", "captured", "reported", "inferred", "rfc"];

/// What a scenario needs of its target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Needs {
    /// It changes the instance (`@admin`): the mock or an admin target.
    pub admin: bool,
    /// It uses the mock's control plane (`@mock-only`).
    pub mock_only: bool,
    /// A real instance must be waited on (`@slow`).
    pub slow: bool,
    /// It needs a release that has the grant (`@grant`).
    pub grant: bool,
    /// It applies only to releases before Washington DC (`@pre-washington`).
    pub pre_washington: bool,
    /// It needs a behaviour that arrived in a release or patch (`@gate-jwt-access-tokens`, catalogue §4,
    /// see [`crate::servicenow::release::GATES`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<Gate>,
    /// It checks what a release does *before* a gated behaviour arrived (`@before-gate-jwt-access-tokens`):
    /// it runs only on a release known to lack it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_gate: Option<Gate>,
}

/// One scenario's catalogue facts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioInfo {
    /// `A1` from `@CC-A1`.
    pub id: String,
    #[serde(default)]
    pub evidence: Vec<String>,
    pub severity: Severity,
    /// Spec clauses such as `RFC6749-5.1`.
    #[serde(default)]
    pub clauses: Vec<String>,
    #[serde(default)]
    pub needs: Needs,
}

/// What is wrong with a scenario's tags.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    #[error("needs exactly one @CC-<id> tag, has {0}")]
    Ids(usize),
    #[error("needs exactly one of @must, @should, @info")]
    Severity,
    #[error("needs an evidence tag ({})", EVIDENCE_TAGS.map(|t| format!("@{t}")).join(" "))]
    Evidence,
    #[error("@gate-{0}: no such gate (known: {known})", known = crate::servicenow::release::GATES.map(|rule| rule.tag).join(", "))]
    UnknownGate(String),
    #[error("needs at most one @gate-<name> or @before-gate-<name> tag, has {0}")]
    Gates(usize),
}

/// A scenario of the features whose tags are wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{uri}:{line} \"{name}\": {error}")]
pub struct CatalogueError {
    pub uri: String,
    pub line: usize,
    pub name: String,
    pub error: TagError,
}

impl ScenarioInfo {
    /// Reads the tags (without `@`), or says what is missing.
    pub fn from_tags(tags: &[String]) -> Result<ScenarioInfo, TagError> {
        let has = |name: &str| tags.iter().any(|tag| tag == name);
        let ids: Vec<_> = tags
            .iter()
            .filter_map(|tag| tag.strip_prefix("CC-"))
            .collect();
        let [id] = ids.as_slice() else {
            return Err(TagError::Ids(ids.len()));
        };
        let severities: Vec<Severity> = [Severity::Must, Severity::Should, Severity::Info]
            .into_iter()
            .filter(|severity| has(severity.name()))
            .collect();
        let [severity] = severities.as_slice() else {
            return Err(TagError::Severity);
        };
        let evidence: Vec<String> = EVIDENCE_TAGS
            .iter()
            .filter(|tag| has(tag))
            .map(|tag| (*tag).to_owned())
            .collect();
        if evidence.is_empty() {
            return Err(TagError::Evidence);
        }
        let gates = gate_tags(tags, "gate-")?;
        let before_gates = gate_tags(tags, "before-gate-")?;
        if gates.len() + before_gates.len() > 1 {
            return Err(TagError::Gates(gates.len() + before_gates.len()));
        }
        Ok(ScenarioInfo {
            id: (*id).to_owned(),
            evidence,
            severity: *severity,
            clauses: tags
                .iter()
                .filter(|tag| tag.starts_with("RFC"))
                .cloned()
                .collect(),
            needs: Needs {
                admin: has("admin"),
                mock_only: has("mock-only"),
                slow: has("slow"),
                grant: has("grant"),
                pre_washington: has("pre-washington"),
                gate: gates.first().copied(),
                before_gate: before_gates.first().copied(),
            },
        })
    }

    /// Where it can run: `mock`, `admin`, `client`.
    pub(crate) fn targets(&self) -> Vec<&'static str> {
        if self.needs.mock_only {
            vec!["mock"]
        } else if self.needs.admin {
            vec!["mock", "admin"]
        } else {
            vec!["mock", "admin", "client"]
        }
    }
}

/// The gates that tags starting with `prefix` (`gate-`, `before-gate-`) name.
fn gate_tags(tags: &[String], prefix: &str) -> Result<Vec<Gate>, TagError> {
    tags.iter()
        .filter_map(|tag| tag.strip_prefix(prefix))
        .map(|name| Gate::from_tag(name).ok_or_else(|| TagError::UnknownGate(name.to_owned())))
        .collect()
}

/// All tags of a scenario: its feature's and its own.
pub fn tags_of(feature: &gherkin::Feature, scenario: &gherkin::Scenario) -> Vec<String> {
    feature.tags.iter().chain(&scenario.tags).cloned().collect()
}

/// One row of `sncc list`: a behaviour and every scenario that checks it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Behaviour {
    pub id: String,
    pub title: String,
    pub evidence: Vec<String>,
    pub severity: Severity,
    pub targets: Vec<&'static str>,
    pub scenarios: usize,
}

/// The behaviours the features check, by id; an untagged or mis-tagged scenario is an error.
pub fn behaviours(features: &[gherkin::Feature]) -> Result<Vec<Behaviour>, CatalogueError> {
    let mut by_id: BTreeMap<String, Behaviour> = BTreeMap::new();
    for feature in features {
        for scenario in &feature.scenarios {
            let info = ScenarioInfo::from_tags(&tags_of(feature, scenario)).map_err(|error| {
                CatalogueError {
                    uri: feature
                        .path
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                    line: scenario.position.line,
                    name: scenario.name.clone(),
                    error,
                }
            })?;
            let entry = by_id.entry(info.id.clone()).or_insert_with(|| Behaviour {
                id: info.id.clone(),
                title: scenario.name.clone(),
                evidence: info.evidence.clone(),
                severity: info.severity,
                targets: Vec::new(),
                scenarios: 0,
            });
            entry.scenarios += 1;
            for target in info.targets() {
                if !entry.targets.contains(&target) {
                    entry.targets.push(target);
                }
            }
        }
    }
    let mut rows: Vec<Behaviour> = by_id.into_values().collect();
    rows.sort_by(|a, b| catalogue_order(&a.id).cmp(&catalogue_order(&b.id)));
    Ok(rows)
}

/// The ids of the behaviours the features check, in catalogue order: what code and tests derive from the
/// features, never a list of their own (docs/catalogue.md is the one kept by hand, and `tests/readme.rs`
/// holds the features to it).
pub fn ids(features: &[gherkin::Feature]) -> Result<Vec<String>, CatalogueError> {
    Ok(behaviours(features)?
        .into_iter()
        .map(|behaviour| behaviour.id)
        .collect())
}

/// Where an id sorts: by its letters, then by its number (`H9` before `H10`).
fn catalogue_order(id: &str) -> (&str, Option<u32>, &str) {
    let digits_at = id.find(|c: char| c.is_ascii_digit()).unwrap_or(id.len());
    let (letters, number) = id.split_at(digits_at);
    (letters, number.parse().ok(), number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::features;

    fn tags(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn reads_id_evidence_severity_clauses_and_needs() {
        let info =
            ScenarioInfo::from_tags(&tags("CC-B1 captured must admin grant RFC6749-5.2")).unwrap();
        assert_eq!(info.id, "B1");
        assert_eq!(info.evidence, ["captured"]);
        assert_eq!(info.severity, Severity::Must);
        assert_eq!(info.clauses, ["RFC6749-5.2"]);
        assert!(info.needs.admin && info.needs.grant && !info.needs.mock_only);
        assert_eq!(info.targets(), ["mock", "admin"]);
    }

    #[test]
    fn missing_or_doubled_tags_are_errors() {
        assert!(
            ScenarioInfo::from_tags(&tags("must doc"))
                .unwrap_err()
                .to_string()
                .contains("@CC-")
        );
        assert!(
            ScenarioInfo::from_tags(&tags("CC-A1 doc"))
                .unwrap_err()
                .to_string()
                .contains("@must")
        );
        assert!(ScenarioInfo::from_tags(&tags("CC-A1 doc must should")).is_err());
        assert!(
            ScenarioInfo::from_tags(&tags(
                "CC-J4 doc must gate-jwt-access-tokens before-gate-jwt-access-tokens"
            ))
            .unwrap_err()
            .to_string()
            .contains("at most one")
        );
        assert!(
            ScenarioInfo::from_tags(&tags("CC-J4 doc must before-gate-jwt"))
                .unwrap_err()
                .to_string()
                .contains("no such gate")
        );
        assert!(
            ScenarioInfo::from_tags(&tags("CC-A1 must"))
                .unwrap_err()
                .to_string()
                .contains("evidence")
        );
    }

    #[test]
    fn ids_name_each_behaviour_once_letters_first_then_numbers_by_value() {
        let scenario = |id: &str| {
            format!("  @CC-{id} @doc @must\n  Scenario: {id}\n    Given a user \"u\"\n\n")
        };
        let text = ["B2", "A1", "H10", "B2", "H9", "A2"].map(scenario).concat();
        let source = features::FeatureSource {
            uri: "features/ids.feature".into(),
            text: format!("Feature: Ids\n\n{text}"),
        };
        let features = features::parse(&[source]).unwrap();
        assert_eq!(ids(&features).unwrap(), ["A1", "A2", "B2", "H9", "H10"]);
    }
}

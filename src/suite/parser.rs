//! Hands the already parsed features (built in, or from `--features-dir`) to cucumber.

use std::cmp::Reverse;
use std::collections::HashMap;

use cucumber::{cli, parser};
use futures::stream;

use crate::report::collector::{ScenarioKey, key_of};

/// Features parsed before the run, so the catalogue and the selection saw exactly what runs, and the
/// requests each scenario sent in the plan's rehearsal (none off admin runs).
pub(super) struct Features {
    pub features: Vec<gherkin::Feature>,
    pub rehearsed_requests: HashMap<ScenarioKey, usize>,
}

impl parser::Parser<()> for Features {
    type Cli = cli::Empty;
    type Output = stream::Iter<std::vec::IntoIter<parser::Result<gherkin::Feature>>>;

    fn parse(self, _: (), _: cli::Empty) -> Self::Output {
        let features: Vec<_> = in_running_order(self.features, &self.rehearsed_requests)
            .into_iter()
            .map(Ok)
            .collect();
        stream::iter(features)
    }
}

/// When a scenario should start on a real instance: the ones that wait first (they wait without their
/// turn, so their wait overlaps everything else), then the instance-wide ones (each runs alone, so they go
/// before the others fill the instance, and what they leave is undone while the others run), then
/// everything else; within each, the scenarios that sent the most requests in the rehearsal first, so the
/// run does not end waiting for one long scenario started last. Cucumber starts scenarios feature by
/// feature, so each scenario goes as a feature of its own (with the feature's background); reports list
/// scenarios in feature order whatever the running order.
fn in_running_order(
    features: Vec<gherkin::Feature>,
    rehearsed_requests: &HashMap<ScenarioKey, usize>,
) -> Vec<gherkin::Feature> {
    let turn = |scenario: &gherkin::Scenario| {
        if scenario.tags.iter().any(|tag| tag == "slow") {
            0
        } else if scenario.tags.iter().any(|tag| tag == "instance-wide") {
            1
        } else {
            2
        }
    };
    let mut pieces = Vec::new();
    for mut feature in features {
        let scenarios = std::mem::take(&mut feature.scenarios);
        let had_scenarios = !scenarios.is_empty();
        for scenario in scenarios {
            let requests = rehearsed_requests
                .get(&key_of(&feature, &scenario))
                .copied()
                .unwrap_or_default();
            let mut piece = feature.clone();
            piece.rules.clear();
            let order = (turn(&scenario), Reverse(requests));
            piece.scenarios = vec![scenario];
            pieces.push((order, piece));
        }
        // Rules (none of the built-in features has any) go with the everyday scenarios; a feature with
        // neither scenarios nor rules goes as it is.
        if !feature.rules.is_empty() || !had_scenarios {
            pieces.push(((2, Reverse(0)), feature));
        }
    }
    // Stable: otherwise features and scenarios keep their order.
    pieces.sort_by_key(|(order, _)| *order);
    pieces.into_iter().map(|(_, feature)| feature).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feature(name: &str, scenarios: &[(&str, &[&str])]) -> gherkin::Feature {
        let text = scenarios
            .iter()
            .map(|(scenario, tags)| {
                let tags = tags.iter().map(|tag| format!("@{tag}")).collect::<Vec<_>>();
                format!(
                    "  {}\n  Scenario: {scenario}\n    Given a step\n",
                    tags.join(" ")
                )
            })
            .collect::<String>();
        let source = format!("Feature: {name}\n{text}");
        let mut feature = gherkin::Feature::parse(source, gherkin::GherkinEnv::default()).unwrap();
        feature.path = Some(format!("features/{name}.feature").into());
        feature
    }

    fn names(ordered: &[gherkin::Feature]) -> Vec<(&str, Vec<&str>)> {
        ordered
            .iter()
            .map(|f| {
                let scenarios = f.scenarios.iter().map(|s| s.name.as_str()).collect();
                (f.name.as_str(), scenarios)
            })
            .collect()
    }

    #[test]
    fn slow_scenarios_start_first_then_the_instance_wide_ones_then_the_rest_each_on_its_own() {
        let ordered = in_running_order(
            vec![
                feature("plain", &[("p1", &[])]),
                feature("waits", &[("w0", &[]), ("w1", &["slow"])]),
                feature(
                    "grant",
                    &[
                        ("g0", &["instance-wide"]),
                        ("g1", &[]),
                        ("g2", &["instance-wide"]),
                    ],
                ),
            ],
            &HashMap::new(),
        );
        assert_eq!(
            names(&ordered),
            [
                ("waits", vec!["w1"]),
                ("grant", vec!["g0"]),
                ("grant", vec!["g2"]),
                ("plain", vec!["p1"]),
                ("waits", vec!["w0"]),
                ("grant", vec!["g1"]),
            ]
        );
    }

    #[test]
    fn within_a_turn_the_scenarios_with_the_most_rehearsed_requests_start_first() {
        let features = vec![
            feature("light", &[("l1", &[]), ("l2", &[])]),
            feature("heavy", &[("h1", &[]), ("h2", &["instance-wide"])]),
        ];
        let rehearsed: HashMap<ScenarioKey, usize> =
            [((0, 0), 3), ((0, 1), 9), ((1, 0), 30), ((1, 1), 1)]
                .into_iter()
                .map(|((feature, scenario), count)| {
                    let feature: &gherkin::Feature = &features[feature];
                    (key_of(feature, &feature.scenarios[scenario]), count)
                })
                .collect();
        let ordered = in_running_order(features.clone(), &rehearsed);
        assert_eq!(
            names(&ordered),
            [
                ("heavy", vec!["h2"]),
                ("heavy", vec!["h1"]),
                ("light", vec!["l2"]),
                ("light", vec!["l1"]),
            ]
        );
    }
}

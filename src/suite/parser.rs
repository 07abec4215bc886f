//! Hands the already parsed features (built in, or from `--features-dir`) to cucumber.

use cucumber::{cli, parser};
use futures::stream;

/// Features parsed before the run, so the catalogue and the selection saw exactly what runs.
pub(super) struct Features(pub Vec<gherkin::Feature>);

impl parser::Parser<()> for Features {
    type Cli = cli::Empty;
    type Output = stream::Iter<std::vec::IntoIter<parser::Result<gherkin::Feature>>>;

    fn parse(self, _: (), _: cli::Empty) -> Self::Output {
        let features: Vec<_> = in_running_order(self.0).into_iter().map(Ok).collect();
        stream::iter(features)
    }
}

/// When a scenario should start on a real instance: the ones that wait first (they wait without their
/// turn, so their wait overlaps everything else), then the instance-wide ones (each runs alone, so they
/// go before the others fill the instance), then everything else. Reports list scenarios in feature
/// order whatever the running order.
fn in_running_order(mut features: Vec<gherkin::Feature>) -> Vec<gherkin::Feature> {
    let turn = |tags: &[String]| {
        if tags.iter().any(|tag| tag == "slow") {
            0
        } else if tags.iter().any(|tag| tag == "instance-wide") {
            1
        } else {
            2
        }
    };
    for feature in &mut features {
        feature
            .scenarios
            .sort_by_key(|scenario| turn(&scenario.tags));
    }
    features.sort_by_key(|feature| {
        feature
            .scenarios
            .first()
            .map_or(2, |scenario| turn(&scenario.tags))
    });
    features
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
        gherkin::Feature::parse(source, gherkin::GherkinEnv::default()).unwrap()
    }

    #[test]
    fn slow_scenarios_start_first_then_the_instance_wide_ones() {
        let ordered = in_running_order(vec![
            feature("plain", &[("p1", &[])]),
            feature("waits", &[("w0", &[]), ("w1", &["slow"])]),
            feature("grant", &[("g0", &[]), ("g1", &["instance-wide"])]),
        ]);
        let names: Vec<Vec<&str>> = ordered
            .iter()
            .map(|f| f.scenarios.iter().map(|s| s.name.as_str()).collect())
            .collect();
        assert_eq!(names, [vec!["w1", "w0"], vec!["g1", "g0"], vec!["p1"]]);
    }
}

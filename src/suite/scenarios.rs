//! The scenarios phase of a run: which scenarios the target and release allow, and running them through
//! cucumber, each provisioned, acted and judged in its world, its changes undone when it ends.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use cucumber::World as _;
use cucumber::writer::Ext as _;

use crate::catalogue::selection::{Selection, Verdict};
use crate::catalogue::{ScenarioInfo, tags_of};
use crate::report::collector::{
    Collector, Observations, OnFinished, ScenarioKey, key_of, scenario_run,
};
use crate::report::{ScenarioOutcome, ScenarioRun};

use super::ConfigError;
use super::context::{self, Context};
use super::parser;
use super::world::SuiteWorld;

/// The scenarios to run, and those the target or release skips (with why).
pub(super) struct Chosen {
    pub to_run: HashSet<ScenarioKey>,
    pub skipped: Vec<ScenarioRun>,
}

impl Chosen {
    /// Moves a scenario to run among the skipped ones, saying why.
    pub(super) fn skip(
        &mut self,
        features: &[gherkin::Feature],
        key: &ScenarioKey,
        reason: String,
    ) {
        if !self.to_run.remove(key) {
            return;
        }
        let found = features.iter().find_map(|feature| {
            let scenario = feature
                .scenarios
                .iter()
                .find(|scenario| key_of(feature, scenario) == *key)?;
            Some(scenario_run(feature, scenario))
        });
        if let Some(run) = found {
            self.skipped.push(ScenarioRun {
                outcome: ScenarioOutcome::Skipped { reason },
                ..run
            });
        }
    }
}

/// Splits the scenarios into those to run and those the target or release skips (with why).
pub(super) fn select(features: &[gherkin::Feature], selection: &Selection) -> Chosen {
    let mut chosen = Chosen {
        to_run: HashSet::new(),
        skipped: Vec::new(),
    };
    for feature in features {
        for scenario in &feature.scenarios {
            let tags = tags_of(feature, scenario);
            let info = ScenarioInfo::from_tags(&tags).expect("validated by the catalogue");
            match selection.verdict(&scenario.name, &tags, &info) {
                Verdict::Run => {
                    chosen.to_run.insert(key_of(feature, scenario));
                }
                Verdict::Skip(reason) => chosen.skipped.push(ScenarioRun {
                    outcome: ScenarioOutcome::Skipped { reason },
                    ..scenario_run(feature, scenario)
                }),
                Verdict::Excluded => {}
            }
        }
    }
    chosen
}

/// The scenarios to run, each with its place, name and tags.
pub(super) fn each_to_run<'a>(
    features: &'a [gherkin::Feature],
    to_run: &'a HashSet<ScenarioKey>,
) -> impl Iterator<Item = (ScenarioKey, ScenarioRun)> + 'a {
    features.iter().flat_map(move |feature| {
        feature.scenarios.iter().filter_map(move |scenario| {
            let key = key_of(feature, scenario);
            to_run
                .contains(&key)
                .then(|| (key, scenario_run(feature, scenario)))
        })
    })
}

/// How a batch of scenarios is run.
pub(super) struct Batch<'a> {
    pub features: &'a [gherkin::Feature],
    pub to_run: &'a HashSet<ScenarioKey>,
    pub context: Arc<Context>,
    pub concurrency: usize,
    pub strict: bool,
}

/// Runs the batch's scenarios, handing each to `on_finished` as it finishes; gives them all, or why cucumber
/// could not read a feature.
pub(super) async fn run(
    batch: Batch<'_>,
    on_finished: OnFinished,
) -> Result<Vec<ScenarioRun>, ConfigError> {
    let observations = Observations::default();
    let (collector, collected) = Collector::new(batch.strict, observations.clone(), on_finished);
    let to_run = batch.to_run.clone();
    // Not `normalized()`: that writer holds back a finished scenario's events, failed steps' worlds among
    // them, until every scenario that began before it has finished, and prints nothing meanwhile. The
    // collector keys every event by its scenario, so it takes them in any order.
    let scenarios_run = SuiteWorld::cucumber::<&str>()
        .with_parser(parser::Features {
            features: batch.features.to_vec(),
            rehearsed_requests: batch.context.run.rehearsed_requests.clone(),
        })
        .with_writer(collector.assert_normalized())
        .with_cli::<cucumber::cli::Empty>(cucumber::cli::Opts::default())
        .max_concurrent_scenarios(cucumber_places(&batch))
        .before(|feature, _, scenario, world| {
            let tags = tags_of(feature, scenario);
            Box::pin(async move {
                let info = ScenarioInfo::from_tags(&tags).expect("validated by the catalogue");
                let instance_wide = tags.iter().any(|tag| tag == "instance-wide");
                let key = key_of(feature, scenario);
                world.begin(key, &info.id, instance_wide).await;
            })
        })
        .after(after_hook(observations, batch.context.clone()))
        .filter_run((), move |feature, _, scenario| {
            to_run.contains(&key_of(feature, scenario))
        });
    context::scoped(batch.context, scenarios_run).await;
    if let Some(error) = crate::lock(&collected.parse_errors).first() {
        return Err(ConfigError::Gherkin(error.clone()));
    }
    let scenarios = crate::lock(&collected.scenarios).clone();
    Ok(scenarios)
}

/// How many scenarios cucumber may start at once: `--concurrency`, and on a real instance one more for each
/// `@slow` scenario, which spends most of its time waiting aside without its place (the turns keep the
/// instance to `--concurrency` scenarios at work). With the running order of `parser`, this took a whole
/// admin run at 150 ms a request (benches/latency.rs) from 33.1 s to 28.1 s.
fn cucumber_places(batch: &Batch<'_>) -> usize {
    if batch.context.run.target.url().is_none() {
        return batch.concurrency;
    }
    let slow = batch
        .features
        .iter()
        .flat_map(|feature| {
            feature.scenarios.iter().filter(move |scenario| {
                batch.to_run.contains(&key_of(feature, scenario))
                    && scenario.tags.iter().any(|tag| tag == "slow")
            })
        })
        .count();
    batch.concurrency + slow
}

/// Sorts scenarios in the features' order.
pub(super) fn sort_in_feature_order(scenarios: &mut [ScenarioRun], features: &[gherkin::Feature]) {
    let order = |uri: &str| {
        features
            .iter()
            .position(|feature| {
                feature
                    .path
                    .as_ref()
                    .is_some_and(|path| path.display().to_string() == uri)
            })
            .unwrap_or(usize::MAX)
    };
    scenarios.sort_by_key(|run| (order(&run.feature_uri), run.line));
}

type AfterHook = Box<
    dyn for<'a> Fn(
        &'a gherkin::Feature,
        Option<&'a gherkin::Rule>,
        &'a gherkin::Scenario,
        &'a cucumber::event::ScenarioFinished,
        Option<&'a mut SuiteWorld>,
    ) -> futures::future::LocalBoxFuture<'a, ()>,
>;

/// After each scenario, whatever its outcome: undo its changes to a real instance, end its turn once what
/// every scenario sees is undone (or when the hook unwinds), and hand its observations to the reports.
fn after_hook(observations: Observations, context: Arc<Context>) -> AfterHook {
    let observations: Arc<Mutex<_>> = observations;
    Box::new(move |feature, _, scenario, _, world| {
        let observations = observations.clone();
        let key = key_of(feature, scenario);
        let turn_ends = context.turns.end_on_drop(key.clone());
        let timeout = context.run.scenario_timeout;
        let quiet = context.run.rehearsal;
        Box::pin(async move {
            let Some(world) = world else { return };
            let timed_out = world.deadline.was_cut();
            world.deadline.lift();
            // What every scenario sees is undone within the turn; the scenario's own records after it, while
            // the next scenario (an instance-wide one waiting for the instance alone) has its turn.
            let mut problems = world.records.restore_instance_wide().await;
            drop(turn_ends);
            problems.extend(world.records.restore().await);
            for problem in problems.iter().filter(|_| !quiet) {
                eprintln!(
                    "sncc: could not restore a change of \"{}\": {problem}",
                    scenario.name
                );
            }
            let mut observation = world.take_observation();
            let mut faults = Vec::new();
            if timed_out {
                faults.push(format!(
                    "it did not finish within {} s (--scenario-timeout)",
                    timeout.as_secs()
                ));
            }
            faults.extend(world.records.take_faults());
            if !problems.is_empty() {
                faults.push(format!(
                    "undoing its changes failed: {}",
                    problems.join("; ")
                ));
            }
            if !faults.is_empty() {
                observation.inconclusive = Some(faults.join("; "));
            }
            crate::lock(&observations).insert(key, observation);
        })
    })
}

//! A cucumber writer that turns the runner's events into [`ScenarioRun`]s, severity applied.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use cucumber::event::{self, Cucumber, Feature, Rule, Scenario, Step, StepError};
use cucumber::{Event, Writer, cli, parser};

use super::{Observation, Outcome, ScenarioRun, StepRun, StepStatus};
use crate::catalogue::{ScenarioInfo, tags_of};

/// Identifies a scenario across events and the after hook: feature URI and scenario line.
pub type ScenarioKey = (String, usize);

pub fn key_of(feature: &gherkin::Feature, scenario: &gherkin::Scenario) -> ScenarioKey {
    let uri = feature
        .path
        .as_ref()
        .map(|path| path.display().to_string())
        .unwrap_or_default();
    (uri, scenario.position.line)
}

/// Observations handed over by the after hook, per scenario.
pub type Observations = Arc<Mutex<HashMap<ScenarioKey, Observation>>>;

/// Called with each scenario as it finishes (the console's live lines).
pub type OnFinished = Box<dyn FnMut(&ScenarioRun)>;

struct Running {
    run: ScenarioRun,
    started: Instant,
    step_started: Instant,
    failure: Option<String>,
}

pub struct Collector {
    strict: bool,
    running: HashMap<ScenarioKey, Running>,
    finished: Arc<Mutex<Vec<ScenarioRun>>>,
    parse_errors: Arc<Mutex<Vec<String>>>,
    on_finished: OnFinished,
}

/// Where the collector leaves its results, readable after the run.
#[derive(Clone, Default)]
pub struct Collected {
    pub scenarios: Arc<Mutex<Vec<ScenarioRun>>>,
    pub parse_errors: Arc<Mutex<Vec<String>>>,
}

impl Collector {
    pub fn new(strict: bool, on_finished: OnFinished) -> (Collector, Collected) {
        let collected = Collected::default();
        let collector = Collector {
            strict,
            running: HashMap::new(),
            finished: collected.scenarios.clone(),
            parse_errors: collected.parse_errors.clone(),
            on_finished,
        };
        (collector, collected)
    }

    fn scenario_event<W>(
        &mut self,
        feature: &gherkin::Feature,
        scenario: &gherkin::Scenario,
        event: Scenario<W>,
    ) {
        let key = key_of(feature, scenario);
        match event {
            Scenario::Started => {
                let run = scenario_run(feature, scenario);
                let now = Instant::now();
                self.running.insert(
                    key,
                    Running {
                        run,
                        started: now,
                        step_started: now,
                        failure: None,
                    },
                );
            }
            Scenario::Background(step, event) | Scenario::Step(step, event) => {
                if let Some(running) = self.running.get_mut(&key) {
                    running.step(&step, event);
                }
            }
            Scenario::Hook(_, event::Hook::Failed(_, info)) => {
                if let Some(running) = self.running.get_mut(&key) {
                    running
                        .failure
                        .get_or_insert_with(|| format!("hook failed: {}", panic_text(&info)));
                }
            }
            Scenario::Finished => {
                if let Some(running) = self.running.remove(&key) {
                    let run = running.finish(self.strict);
                    (self.on_finished)(&run);
                    self.finished.lock().expect("collector lock").push(run);
                }
            }
            Scenario::Hook(..) | Scenario::Log(_) => {}
        }
    }
}

/// A scenario's report entry before it runs: passed, no steps, nothing observed yet.
pub fn scenario_run(feature: &gherkin::Feature, scenario: &gherkin::Scenario) -> ScenarioRun {
    let tags = tags_of(feature, scenario);
    let info = ScenarioInfo::from_tags(&tags).expect("scenarios are validated before the run");
    ScenarioRun {
        feature: feature.name.clone(),
        feature_uri: key_of(feature, scenario).0,
        feature_line: feature.position.line,
        feature_description: feature.description.clone().unwrap_or_default(),
        name: scenario.name.clone(),
        line: scenario.position.line,
        tags,
        info,
        outcome: Outcome::Passed,
        steps: Vec::new(),
        observation: Observation::default(),
        duration_ms: 0,
    }
}

impl Running {
    fn step<W>(&mut self, step: &gherkin::Step, event: Step<W>) {
        let (status, error) = match event {
            Step::Started => {
                self.step_started = Instant::now();
                return;
            }
            Step::Passed(..) => (StepStatus::Passed, None),
            Step::Skipped => (
                StepStatus::Skipped,
                Some("no step definition matches this step".to_owned()),
            ),
            Step::Failed(_, _, _, error) => (StepStatus::Failed, Some(step_error(&error))),
        };
        if let Some(error) = &error {
            self.failure.get_or_insert_with(|| {
                format!(
                    "{}{}: {error}",
                    step.keyword,
                    step.value.trim_end_matches(':')
                )
            });
        }
        self.run.steps.push(StepRun {
            keyword: step.keyword.clone(),
            text: step.value.clone(),
            line: step.position.line,
            docstring: step.docstring.clone(),
            status,
            duration_ms: self.step_started.elapsed().as_millis() as u64,
            error,
        });
    }

    fn finish(mut self, strict: bool) -> ScenarioRun {
        self.run.duration_ms = self.started.elapsed().as_millis() as u64;
        if let Some(message) = self.failure {
            self.run.outcome = Outcome::of_deviation(self.run.info.severity, strict, message);
        }
        self.run
    }
}

fn step_error(error: &StepError) -> String {
    match error {
        StepError::Panic(info) => panic_text(info),
        other => other.to_string(),
    }
}

fn panic_text(info: &event::Info) -> String {
    if let Some(text) = info.downcast_ref::<String>() {
        text.clone()
    } else if let Some(text) = info.downcast_ref::<&str>() {
        (*text).to_owned()
    } else {
        "the step panicked".to_owned()
    }
}

impl<W: 'static> Writer<W> for Collector {
    type Cli = cli::Empty;

    async fn handle_event(&mut self, event: parser::Result<Event<Cucumber<W>>>, _: &Self::Cli) {
        let event = match event {
            Ok(event) => event.value,
            Err(error) => {
                self.parse_errors
                    .lock()
                    .expect("collector lock")
                    .push(error.to_string());
                return;
            }
        };
        if let Cucumber::Feature(feature, event) = event {
            match event {
                Feature::Scenario(scenario, retryable) => {
                    self.scenario_event(&feature, &scenario, retryable.event)
                }
                Feature::Rule(_, Rule::Scenario(scenario, retryable)) => {
                    self.scenario_event(&feature, &scenario, retryable.event)
                }
                _ => {}
            }
        }
    }
}

//! A cucumber writer that turns the runner's events into [`ScenarioRun`]s, severity applied.
//!
//! A scenario a fault left undecided is inconclusive, whatever its severity and whatever its steps said: its
//! first failing step is a setup (`Given`) step, a hook failed, the suite marked its observation inconclusive
//! (undoing its changes failed), or one of its exchanges got no answer, a 429 or a 5xx.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use cucumber::event::{self, Cucumber, Feature, Rule, Scenario, Step, StepError};
use cucumber::{Event, Writer, cli, parser};

use super::{Observation, ScenarioOutcome, ScenarioRun, StepRun, StepStatus};
use crate::catalogue::{ScenarioInfo, tags_of};
use crate::support::redact;

/// Identifies a scenario across events and the after hook: feature URI and scenario line.
pub(crate) type ScenarioKey = (String, usize);

pub(crate) fn key_of(feature: &gherkin::Feature, scenario: &gherkin::Scenario) -> ScenarioKey {
    let uri = feature
        .path
        .as_ref()
        .map(|path| path.display().to_string())
        .unwrap_or_default();
    (uri, scenario.position.line)
}

/// Observations handed over by the after hook, per scenario.
pub(crate) type Observations = Arc<Mutex<HashMap<ScenarioKey, Observation>>>;

/// Called with each scenario as it finishes (the console's live lines).
pub(crate) type OnFinished = Box<dyn FnMut(&ScenarioRun)>;

struct Running {
    run: ScenarioRun,
    started: Instant,
    step_started: Instant,
    /// The first step that did not hold, as the deviation's message.
    failure: Option<String>,
    /// Why the scenario decides nothing, from its events: a setup step or a hook failed.
    inconclusive: Option<String>,
}

pub(crate) struct Collector {
    strict: bool,
    observations: Observations,
    running: HashMap<ScenarioKey, Running>,
    finished: Arc<Mutex<Vec<ScenarioRun>>>,
    parse_errors: Arc<Mutex<Vec<String>>>,
    on_finished: OnFinished,
}

/// Where the collector leaves its results, readable after the run.
#[derive(Clone, Default)]
pub(crate) struct Collected {
    pub scenarios: Arc<Mutex<Vec<ScenarioRun>>>,
    pub parse_errors: Arc<Mutex<Vec<String>>>,
}

impl Collector {
    /// A collector that takes each scenario's observation out of `observations` (the after hook puts it there
    /// before the scenario's end is announced) as the scenario finishes.
    pub(crate) fn new(
        strict: bool,
        observations: Observations,
        on_finished: OnFinished,
    ) -> (Collector, Collected) {
        let collected = Collected::default();
        let collector = Collector {
            strict,
            observations,
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
                        inconclusive: None,
                    },
                );
            }
            Scenario::Background(step, event) | Scenario::Step(step, event) => {
                if let Some(running) = self.running.get_mut(&key) {
                    running.step(&step, event);
                }
            }
            Scenario::Hook(hook, event::Hook::Failed(_, info)) => {
                if let Some(running) = self.running.get_mut(&key) {
                    let which = match hook {
                        event::HookType::Before => "before",
                        event::HookType::After => "after",
                    };
                    running.inconclusive.get_or_insert_with(|| {
                        format!("the {which} hook failed: {}", panic_text(&info))
                    });
                }
            }
            Scenario::Finished => {
                if let Some(mut running) = self.running.remove(&key) {
                    if let Some(observation) = crate::lock(&self.observations).remove(&key) {
                        running.run.observation = observation;
                    }
                    let run = running.finish(self.strict);
                    (self.on_finished)(&run);
                    crate::lock(&self.finished).push(run);
                }
            }
            Scenario::Hook(..) | Scenario::Log(_) => {}
        }
    }
}

/// A scenario's report entry before it runs: passed, no steps, nothing observed yet.
pub(crate) fn scenario_run(
    feature: &gherkin::Feature,
    scenario: &gherkin::Scenario,
) -> ScenarioRun {
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
        outcome: ScenarioOutcome::Passed,
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
            let quoted = format!(
                "{}{}: {error}",
                step.keyword,
                step.value.trim_end_matches(':')
            );
            // A setup step that ran and failed leaves nothing to judge; an undefined one is the suite's bug.
            if self.failure.is_none()
                && status == StepStatus::Failed
                && step.ty == gherkin::StepType::Given
            {
                self.inconclusive
                    .get_or_insert_with(|| format!("setup failed: {quoted}"));
            }
            self.failure.get_or_insert(quoted);
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

    /// The scenario's report entry, its observation already in: inconclusive when a fault decided nothing,
    /// else passed or a deviation by its severity.
    fn finish(mut self, strict: bool) -> ScenarioRun {
        self.run.duration_ms = self.started.elapsed().as_millis() as u64;
        self.run.outcome = outcome(&self.run, self.failure, self.inconclusive, strict);
        self.run
    }
}

/// How a scenario ended: inconclusive for the first fault found (from its events, the suite's mark on its
/// observation, then its exchanges), else by its first failure and severity.
fn outcome(
    run: &ScenarioRun,
    failure: Option<String>,
    inconclusive: Option<String>,
    strict: bool,
) -> ScenarioOutcome {
    let fault = inconclusive
        .or_else(|| run.observation.inconclusive.clone())
        .or_else(|| run.observation.fault());
    match (fault, failure) {
        (Some(reason), _) => ScenarioOutcome::Inconclusive {
            reason: redact::text(&reason),
        },
        (None, Some(message)) => ScenarioOutcome::of_deviation(run.info.severity, strict, message),
        (None, None) => ScenarioOutcome::Passed,
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
                crate::lock(&self.parse_errors).push(error.to_string());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::exchange::Exchange;
    use cucumber::event::{HookType, Source};

    const FEATURE: &str = r#"Feature: Faults
  Background:
    Given a user "svc.cc"

  @CC-A1 @doc @must
  Scenario: A must scenario
    Given the property is "true"
    And an endpoint "svc-cc"
    When "svc-cc" requests a token
    Then a token is issued

  @CC-F4 @reported @info
  Scenario: An info scenario
    When "svc-cc" requests a token
    Then a token is issued
"#;

    /// How each step of a scenario goes, by its text.
    #[derive(Clone, Copy)]
    enum Goes {
        Passes,
        Fails,
        Undefined,
    }

    struct FaultsFeature {
        feature: gherkin::Feature,
    }

    impl FaultsFeature {
        fn new() -> FaultsFeature {
            let mut feature =
                gherkin::Feature::parse(FEATURE, gherkin::GherkinEnv::default()).expect("feature");
            feature.path = Some("features/faults.feature".into());
            FaultsFeature { feature }
        }

        /// Runs scenario `index` through a collector: its background and steps go as `goes` says (each step
        /// passes when it is not named), `hook_fails` fails the after hook, `observation` is what the after
        /// hook hands over.
        fn run(
            &self,
            index: usize,
            goes: &[(&str, Goes)],
            hook_fails: bool,
            observation: Observation,
        ) -> ScenarioRun {
            let observations = Observations::default();
            let (mut collector, collected) =
                Collector::new(false, observations.clone(), Box::new(|_| {}));
            let feature = &self.feature;
            let scenario = &feature.scenarios[index];
            collector.scenario_event::<()>(feature, scenario, Scenario::Started);
            let background = feature.background.iter().flat_map(|b| &b.steps);
            let mut failed = false;
            let anything = regex::Regex::new("").unwrap();
            for (in_background, step) in background
                .map(|step| (true, step))
                .chain(scenario.steps.iter().map(|step| (false, step)))
            {
                if failed {
                    break;
                }
                let how = goes
                    .iter()
                    .find(|(text, _)| step.value.contains(text))
                    .map_or(Goes::Passes, |(_, how)| *how);
                let event = match how {
                    Goes::Passes => Step::<()>::Passed(anything.capture_locations(), None),
                    Goes::Fails => {
                        failed = true;
                        let info: event::Info = Arc::new("it broke".to_owned());
                        Step::Failed(None, None, None, StepError::Panic(info))
                    }
                    Goes::Undefined => {
                        failed = true;
                        Step::Skipped
                    }
                };
                let source = Source::new(step.clone());
                for event in [Step::Started, event] {
                    let wrapped = if in_background {
                        Scenario::Background(source.clone(), event)
                    } else {
                        Scenario::Step(source.clone(), event)
                    };
                    collector.scenario_event(feature, scenario, wrapped);
                }
            }
            if hook_fails {
                let info: event::Info = Arc::new("the hook broke");
                collector.scenario_event::<()>(
                    feature,
                    scenario,
                    Scenario::Hook(HookType::After, event::Hook::Failed(None, info)),
                );
            }
            crate::lock(&observations).insert(key_of(feature, scenario), observation);
            collector.scenario_event::<()>(feature, scenario, Scenario::Finished);
            assert!(crate::lock(&observations).is_empty(), "taken out");
            crate::lock(&collected.scenarios).pop().expect("a run")
        }
    }

    fn exchange(status: Option<u16>) -> Exchange {
        Exchange {
            method: "POST".into(),
            path: "/oauth_token.do?client_secret=[REDACTED]".into(),
            authorization: None,
            request_body: String::new(),
            status,
            response_headers: Vec::new(),
            response_body: String::new(),
            rate_limit_expected: false,
        }
    }

    fn observed(statuses: &[Option<u16>]) -> Observation {
        Observation {
            exchanges: statuses.iter().copied().map(exchange).collect(),
            ..Observation::default()
        }
    }

    fn reason(run: &ScenarioRun) -> &str {
        match &run.outcome {
            ScenarioOutcome::Inconclusive { reason } => reason,
            other => panic!("not inconclusive: {other:?}"),
        }
    }

    #[test]
    fn the_observation_is_taken_into_the_run() {
        let feature = FaultsFeature::new();
        let mut observation = observed(&[Some(200)]);
        observation
            .facts
            .insert("seen".into(), serde_json::json!(true));
        let run = feature.run(0, &[], false, observation.clone());
        assert_eq!(run.outcome, ScenarioOutcome::Passed);
        assert_eq!(run.observation, observation);
        assert_eq!(run.steps.len(), 5);
    }

    #[test]
    fn a_failed_setup_step_is_inconclusive_and_a_later_failure_a_deviation() {
        let feature = FaultsFeature::new();
        let run = feature.run(0, &[("an endpoint", Goes::Fails)], false, observed(&[]));
        assert_eq!(
            reason(&run),
            "setup failed: And an endpoint \"svc-cc\": it broke"
        );
        let run = feature.run(0, &[("a user", Goes::Fails)], false, observed(&[]));
        assert_eq!(
            reason(&run),
            "setup failed: Given a user \"svc.cc\": it broke"
        );
        let run = feature.run(0, &[("a token is", Goes::Fails)], false, observed(&[]));
        assert_eq!(run.outcome.name(), "failed");
        let run = feature.run(0, &[("requests", Goes::Fails)], false, observed(&[]));
        assert_eq!(run.outcome.name(), "failed");
        // An undefined setup step is the suite's bug, not the instance's fault.
        let run = feature.run(
            0,
            &[("the property", Goes::Undefined)],
            false,
            observed(&[]),
        );
        assert_eq!(run.outcome.name(), "failed");
    }

    #[test]
    fn a_failed_hook_is_inconclusive_even_when_every_step_held() {
        let feature = FaultsFeature::new();
        let run = feature.run(0, &[], true, observed(&[Some(200)]));
        assert_eq!(reason(&run), "the after hook failed: the hook broke");
        let run = feature.run(0, &[("a token is", Goes::Fails)], true, observed(&[]));
        assert_eq!(reason(&run), "the after hook failed: the hook broke");
    }

    #[test]
    fn the_suite_can_mark_an_observation_inconclusive() {
        let feature = FaultsFeature::new();
        let observation = Observation {
            inconclusive: Some("undoing its changes failed: 403".into()),
            ..observed(&[Some(200)])
        };
        let run = feature.run(0, &[("a token is", Goes::Fails)], false, observation);
        assert_eq!(reason(&run), "undoing its changes failed: 403");
    }

    #[test]
    fn a_server_error_a_rate_limit_or_no_answer_is_inconclusive_whatever_the_severity() {
        let feature = FaultsFeature::new();
        let run = feature.run(0, &[], false, observed(&[Some(200), Some(503)]));
        assert_eq!(
            reason(&run),
            "the instance answered 503 to POST /oauth_token.do: a server or gateway error decides nothing"
        );
        let run = feature.run(
            0,
            &[("a token is", Goes::Fails)],
            false,
            observed(&[Some(429)]),
        );
        assert_eq!(
            reason(&run),
            "the instance answered 429 to POST /oauth_token.do: a rate limit decides nothing"
        );
        let run = feature.run(1, &[("a token is", Goes::Fails)], false, observed(&[None]));
        assert_eq!(run.info.severity, crate::catalogue::Severity::Info);
        assert_eq!(
            reason(&run),
            "the instance did not answer POST /oauth_token.do: no answer decides nothing"
        );
        for status in [200, 302, 400, 401, 403, 404, 413, 499] {
            let run = feature.run(1, &[], false, observed(&[Some(status)]));
            assert_eq!(run.outcome, ScenarioOutcome::Passed, "{status}");
        }
    }

    #[test]
    fn an_inconclusive_reason_is_redacted() {
        let feature = FaultsFeature::new();
        let observation = Observation {
            inconclusive: Some(r#"undo failed: {"access_token":"t0k3n"}"#.into()),
            ..Observation::default()
        };
        let run = feature.run(0, &[], false, observation);
        assert!(!reason(&run).contains("t0k3n"), "{}", reason(&run));
    }
}

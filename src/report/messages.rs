//! Cucumber Messages (`messages.ndjson`): the run as one JSON envelope a line, as `@cucumber/html-formatter` reads it.
//!
//! Each feature's source is its file's text as the run read it; its Gherkin document is rebuilt from what ran:
//! the feature, a background (the steps that stand above their scenario), each scenario with its tags on the line
//! above it and the steps it ran, every line where the feature file has it. A step no definition matches is `UNDEFINED`; a step of the
//! background a scenario did not reach is `SKIPPED`. As in the Cucumber JSON, a scenario the target or release
//! cannot run gets one synthetic skipped step carrying the reason, a failed hook gets one synthetic failed step, a
//! `@should` deviation stays a failed step (the run still succeeds), and a step that did not hold in an `@info`
//! scenario or an expected deviation is shown passed with a note. A scenario a fault left undecided (inconclusive)
//! shows its steps that did not hold as `UNKNOWN` (no verdict) with the reason first in their message, or one
//! synthetic `UNKNOWN` step with the reason when every step held, and a note on its last step. Facts and exchanges
//! (already redacted) are JSON attachments of the last step. There are no step definition messages: the formatter
//! does not need them.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{RunReport, ScenarioOutcome, ScenarioRun, ShownStatus, ShownStep};
use crate::catalogue::features::FeatureSource;
use crate::servicenow::glide_time::parse_glide_datetime;

/// The file's name in the report folder.
pub(crate) const FILE: &str = "messages.ndjson";

/// The version of the Cucumber Messages schema the envelopes follow.
const PROTOCOL_VERSION: &str = "34.2.1";

/// The test run's id, which test cases and the run's end refer to.
const RUN_ID: &str = "run";

/// The whole stream: meta, each feature's source, document and pickles, then the run. The report is redacted once
/// more first, whoever calls.
pub(crate) fn render(report: &RunReport) -> String {
    let report = &report.redacted();
    let mut ids = Ids::default();
    let mut envelopes = vec![json!({"meta": meta(report)})];
    let mut cases = Vec::new();
    for runs in report.features() {
        let document = Document::of(&runs, &mut ids);
        envelopes.push(json!({"source": document.source(&report.sources)}));
        envelopes.push(json!({"gherkinDocument": document.gherkin()}));
        for (run, scenario) in runs.iter().zip(&document.scenarios) {
            let case = Case::of(run, &document, scenario, &mut ids);
            envelopes.push(json!({"pickle": case.pickle(run, scenario)}));
            cases.push(case);
        }
    }
    let started = RunStart::at(&report.started_at);
    envelopes.push(json!({"testRunStarted": {"timestamp": started.timestamp(0), "id": RUN_ID}}));
    envelopes.extend(
        cases
            .iter()
            .map(|case| json!({"testCase": case.test_case()})),
    );
    for case in &cases {
        envelopes.extend(case.execution(&started, &mut ids));
    }
    envelopes.push(json!({"testRunFinished": {
        "success": report.tally.failed == 0,
        "timestamp": started.timestamp(report.duration_ms),
        "testRunStartedId": RUN_ID,
    }}));
    envelopes
        .iter()
        .map(|envelope| format!("{envelope}\n"))
        .collect()
}

fn meta(report: &RunReport) -> Value {
    json!({
        "protocolVersion": PROTOCOL_VERSION,
        "implementation": {"name": "sncc", "version": report.sncc_version},
        "runtime": {"name": "rust"},
        "os": {"name": std::env::consts::OS},
        "cpu": {"name": std::env::consts::ARCH},
    })
}

/// Identifiers unique in the stream: `0`, `1`, … in the order they are asked for.
#[derive(Default)]
struct Ids(usize);

impl Ids {
    fn next(&mut self) -> String {
        self.0 += 1;
        (self.0 - 1).to_string()
    }
}

/// The run's start, for timestamps `ms` after it.
struct RunStart(i64);

impl RunStart {
    fn at(started_at: &str) -> RunStart {
        RunStart(parse_glide_datetime(started_at).unwrap_or_default())
    }

    fn timestamp(&self, ms: u64) -> Value {
        let seconds = self.0 + (ms / 1000) as i64;
        json!({"seconds": seconds, "nanos": (ms % 1000) * 1_000_000})
    }
}

fn duration(ms: u64) -> Value {
    json!({"seconds": ms / 1000, "nanos": (ms % 1000) * 1_000_000})
}

/// A step of the rebuilt Gherkin: its AST id, line, keyword, text and doc string.
struct GherkinStep {
    id: String,
    line: usize,
    keyword: String,
    text: String,
    docstring: Option<String>,
}

impl GherkinStep {
    fn of(step: &ShownStep, line: usize, ids: &mut Ids) -> GherkinStep {
        GherkinStep {
            id: ids.next(),
            line,
            keyword: step.keyword.to_owned(),
            text: step.text.to_owned(),
            docstring: step.docstring.map(str::to_owned),
        }
    }

    fn message(&self) -> Value {
        let mut step = json!({
            "location": {"line": self.line, "column": 5},
            "keyword": self.keyword,
            "keywordType": keyword_type(&self.keyword),
            "text": self.text,
            "id": self.id,
        });
        if let Some(content) = &self.docstring {
            step["docString"] = json!({
                "location": {"line": self.line + 1, "column": 7},
                "content": content,
                "delimiter": "\"\"\"",
            });
        }
        step
    }

    /// The line after its last.
    fn end(&self) -> usize {
        self.line
            + 1
            + self
                .docstring
                .as_ref()
                .map_or(0, |content| content.lines().count() + 2)
    }
}

/// A scenario of the rebuilt Gherkin: its AST id, line, name, tags (`@name` and id) and its own steps (the
/// background's apart).
struct GherkinScenario {
    id: String,
    line: usize,
    name: String,
    tags: Vec<(String, String)>,
    steps: Vec<GherkinStep>,
}

/// One feature's rebuilt Gherkin.
struct Document {
    uri: String,
    line: usize,
    name: String,
    description: String,
    background: Option<(String, Vec<GherkinStep>)>,
    scenarios: Vec<GherkinScenario>,
}

impl Document {
    fn of(runs: &[&ScenarioRun], ids: &mut Ids) -> Document {
        let first = runs[0];
        Document {
            uri: first.feature_uri.clone(),
            line: first.feature_line,
            name: first.feature.clone(),
            description: first.feature_description.clone(),
            background: background(runs, ids),
            scenarios: runs
                .iter()
                .map(|run| GherkinScenario::of(run, ids))
                .collect(),
        }
    }

    fn background_steps(&self) -> &[GherkinStep] {
        self.background.as_ref().map_or(&[], |(_, steps)| steps)
    }

    /// The source envelope: the feature file's text as the run read it (empty for a report read back from
    /// `summary.json`, which leaves the texts out).
    fn source(&self, sources: &[FeatureSource]) -> Value {
        let text = sources
            .iter()
            .find(|source| source.uri == self.uri)
            .map_or("", |source| source.text.as_str());
        json!({
            "uri": self.uri,
            "data": text,
            "mediaType": "text/x.cucumber.gherkin+plain",
        })
    }

    fn gherkin(&self) -> Value {
        let mut children: Vec<Value> = Vec::new();
        if let Some((id, steps)) = &self.background {
            children.push(json!({"background": {
                "location": {"line": steps[0].line.saturating_sub(1), "column": 3},
                "keyword": "Background",
                "name": "",
                "description": "",
                "steps": steps.iter().map(GherkinStep::message).collect::<Vec<_>>(),
                "id": id,
            }}));
        }
        for scenario in &self.scenarios {
            children.push(json!({"scenario": scenario.message()}));
        }
        json!({
            "uri": self.uri,
            "feature": {
                "location": {"line": self.line, "column": 1},
                "tags": [],
                "language": "en",
                "keyword": "Feature",
                "name": self.name,
                "description": self.description,
                "children": children,
            },
            "comments": [],
        })
    }
}

/// The steps above their scenario, each once by line, in line order; `None` when no scenario has any.
fn background(runs: &[&ScenarioRun], ids: &mut Ids) -> Option<(String, Vec<GherkinStep>)> {
    let mut by_line: BTreeMap<usize, ShownStep> = BTreeMap::new();
    for run in runs {
        for step in run.shown_steps() {
            if !step.synthetic && step.line < run.line {
                by_line.entry(step.line).or_insert(step);
            }
        }
    }
    if by_line.is_empty() {
        return None;
    }
    let id = ids.next();
    Some((
        id,
        by_line
            .values()
            .map(|step| GherkinStep::of(step, step.line, ids))
            .collect(),
    ))
}

/// A scenario's own steps as shown (the background's apart), the synthetic one among them.
fn own_steps<'a>(
    run: &'a ScenarioRun,
    shown: &'a [ShownStep],
) -> impl Iterator<Item = &'a ShownStep<'a>> {
    shown
        .iter()
        .filter(move |step| step.synthetic || step.line > run.line)
}

impl GherkinScenario {
    /// A scenario with its own steps; the synthetic step that shows a skip stands below the scenario's line,
    /// the one that shows a failed hook or an undecided scenario after its last step.
    fn of(run: &ScenarioRun, ids: &mut Ids) -> GherkinScenario {
        let id = ids.next();
        let tags = run
            .tags
            .iter()
            .map(|tag| (format!("@{tag}"), ids.next()))
            .collect();
        let shown = run.shown_steps();
        let mut steps: Vec<GherkinStep> = Vec::new();
        for step in own_steps(run, &shown) {
            let line = match (step.synthetic, step.status, steps.last()) {
                (false, _, _) => step.line,
                (true, ShownStatus::Skipped, _) => run.line + 1,
                (true, _, last) => last.map_or(run.line + 1, GherkinStep::end),
            };
            steps.push(GherkinStep::of(step, line, ids));
        }
        GherkinScenario {
            id,
            line: run.line,
            name: run.name.clone(),
            tags,
            steps,
        }
    }

    fn message(&self) -> Value {
        let tag_line = self.line.saturating_sub(1);
        let tags: Vec<Value> = self
            .tags
            .iter()
            .map(|(name, id)| {
                json!({"location": {"line": tag_line, "column": 3}, "name": name, "id": id})
            })
            .collect();
        json!({
            "location": {"line": self.line, "column": 3},
            "tags": tags,
            "keyword": "Scenario",
            "name": self.name,
            "description": "",
            "steps": self.steps.iter().map(GherkinStep::message).collect::<Vec<_>>(),
            "examples": [],
            "id": self.id,
        })
    }
}

/// `Given ` → `Context`, `When ` → `Action`, `Then ` → `Outcome`, `And `/`But ` → `Conjunction`.
fn keyword_type(keyword: &str) -> &'static str {
    match keyword.trim() {
        "Given" => "Context",
        "When" => "Action",
        "Then" => "Outcome",
        "And" | "But" => "Conjunction",
        _ => "Unknown",
    }
}

/// How one step of a test case ended, with what to attach to it.
struct StepEnding {
    status: &'static str,
    duration_ms: u64,
    message: Option<String>,
    notes: Vec<Attachment>,
}

/// One step of a test case: its pickle step, its AST step, and how it ended.
struct CaseStep {
    pickle_step_id: String,
    test_step_id: String,
    ast_id: String,
    pickle_type: &'static str,
    text: String,
    docstring: Option<String>,
    result: StepEnding,
}

/// A scenario as a pickle and a test case.
struct Case {
    pickle_id: String,
    test_case_id: String,
    steps: Vec<CaseStep>,
    /// Facts and exchanges, as JSON attachments of the last step.
    attachments: Vec<Attachment>,
}

impl Case {
    fn of(
        run: &ScenarioRun,
        document: &Document,
        scenario: &GherkinScenario,
        ids: &mut Ids,
    ) -> Case {
        let pickle_id = ids.next();
        let test_case_id = ids.next();
        let mut steps = Vec::new();
        let mut previous_type = "Unknown";
        let shown = run.shown_steps();
        let background = document.background_steps().iter().map(|ast| {
            let ran = shown
                .iter()
                .find(|step| !step.synthetic && step.line == ast.line);
            (ast, ran)
        });
        let own = scenario.steps.iter().zip(own_steps(run, &shown).map(Some));
        for (ast, ran) in background.chain(own) {
            let result = ran.map_or_else(StepEnding::not_reached, step_result);
            let pickle_type = match keyword_type(&ast.keyword) {
                "Conjunction" => previous_type,
                own => own,
            };
            previous_type = pickle_type;
            steps.push(CaseStep {
                pickle_step_id: ids.next(),
                test_step_id: ids.next(),
                ast_id: ast.id.clone(),
                pickle_type,
                text: ast.text.clone(),
                docstring: ast.docstring.clone(),
                result,
            });
        }
        if let Some(last) = steps.last_mut() {
            last.result.notes.extend(outcome_note(&run.outcome));
        }
        Case {
            pickle_id,
            test_case_id,
            steps,
            attachments: observation(run),
        }
    }

    fn pickle(&self, run: &ScenarioRun, scenario: &GherkinScenario) -> Value {
        let steps: Vec<Value> = self.steps.iter().map(CaseStep::pickle_step).collect();
        let tags: Vec<Value> = scenario
            .tags
            .iter()
            .map(|(name, id)| json!({"name": name, "astNodeId": id}))
            .collect();
        json!({
            "id": self.pickle_id,
            "uri": run.feature_uri,
            "location": {"line": run.line, "column": 3},
            "name": run.name,
            "language": "en",
            "steps": steps,
            "tags": tags,
            "astNodeIds": [scenario.id],
        })
    }

    fn test_case(&self) -> Value {
        let steps: Vec<Value> = self
            .steps
            .iter()
            .map(|step| {
                json!({
                    "id": step.test_step_id,
                    "pickleStepId": step.pickle_step_id,
                    "stepDefinitionIds": [],
                    "stepMatchArgumentsLists": [],
                })
            })
            .collect();
        json!({
            "id": self.test_case_id,
            "pickleId": self.pickle_id,
            "testSteps": steps,
            "testRunStartedId": RUN_ID,
        })
    }

    /// testCaseStarted, each step's start, attachments and end, testCaseFinished; the case starts with the run
    /// (scenarios run concurrently) and its steps follow one another.
    fn execution(&self, clock: &RunStart, ids: &mut Ids) -> Vec<Value> {
        let started_id = ids.next();
        let mut envelopes = vec![envelope(
            "testCaseStarted",
            json!({
                "attempt": 0,
                "id": started_id,
                "testCaseId": self.test_case_id,
                "timestamp": clock.timestamp(0),
            }),
        )];
        let mut at = 0;
        for (index, step) in self.steps.iter().enumerate() {
            let observation = match index + 1 == self.steps.len() {
                true => self.attachments.as_slice(),
                false => &[],
            };
            envelopes.extend(step.execution(&started_id, clock, at, observation));
            at += step.result.duration_ms;
        }
        envelopes.push(envelope(
            "testCaseFinished",
            json!({
                "testCaseStartedId": started_id,
                "timestamp": clock.timestamp(at),
                "willBeRetried": false,
            }),
        ));
        envelopes
    }
}

/// One envelope: `{"<kind>": body}`.
fn envelope(kind: &str, body: Value) -> Value {
    Value::Object([(kind.to_owned(), body)].into_iter().collect())
}

/// Something attached to a step: a note, the facts or the exchanges.
struct Attachment {
    media_type: &'static str,
    file_name: Option<&'static str>,
    body: String,
}

impl Attachment {
    fn note(file_name: &'static str, text: String) -> Attachment {
        Attachment {
            media_type: "text/plain",
            file_name: Some(file_name),
            body: text,
        }
    }

    fn message(&self, started_id: &str, step_id: &str, timestamp: &Value) -> Value {
        let mut attachment = json!({
            "body": self.body,
            "contentEncoding": "IDENTITY",
            "mediaType": self.media_type,
            "testCaseStartedId": started_id,
            "testStepId": step_id,
            "timestamp": timestamp,
        });
        if let Some(name) = self.file_name {
            attachment["fileName"] = json!(name);
        }
        attachment
    }
}

impl CaseStep {
    /// testStepStarted, its notes and `observation` attached, testStepFinished; it starts `at` ms into the run.
    fn execution(
        &self,
        started_id: &str,
        clock: &RunStart,
        at: u64,
        observation: &[Attachment],
    ) -> Vec<Value> {
        let started = clock.timestamp(at);
        let mut envelopes = vec![envelope(
            "testStepStarted",
            json!({"testCaseStartedId": started_id, "testStepId": self.test_step_id, "timestamp": started}),
        )];
        for attachment in self.result.notes.iter().chain(observation) {
            let message = attachment.message(started_id, &self.test_step_id, &started);
            envelopes.push(envelope("attachment", message));
        }
        envelopes.push(envelope(
            "testStepFinished",
            json!({
                "testCaseStartedId": started_id,
                "testStepId": self.test_step_id,
                "testStepResult": self.result.message(),
                "timestamp": clock.timestamp(at + self.result.duration_ms),
            }),
        ));
        envelopes
    }

    fn pickle_step(&self) -> Value {
        let mut step = json!({
            "astNodeIds": [self.ast_id],
            "id": self.pickle_step_id,
            "type": self.pickle_type,
            "text": self.text,
        });
        if let Some(content) = &self.docstring {
            step["argument"] = json!({"docString": {"content": content}});
        }
        step
    }
}

impl StepEnding {
    /// A background step the scenario did not reach.
    fn not_reached() -> StepEnding {
        StepEnding {
            status: "SKIPPED",
            duration_ms: 0,
            message: None,
            notes: Vec::new(),
        }
    }

    fn message(&self) -> Value {
        let mut result = json!({"duration": duration(self.duration_ms), "status": self.status});
        if let Some(message) = &self.message {
            result["message"] = json!(message);
        }
        result
    }
}

/// How a shown step ended: `UNDEFINED` when no definition matched it, `UNKNOWN` when it was not judged; a note is
/// attached.
fn step_result(step: &ShownStep) -> StepEnding {
    let status = match step.status {
        ShownStatus::Passed => "PASSED",
        ShownStatus::Failed => "FAILED",
        ShownStatus::Undefined => "UNDEFINED",
        ShownStatus::Skipped => "SKIPPED",
        ShownStatus::Inconclusive => "UNKNOWN",
    };
    StepEnding {
        status,
        duration_ms: step.duration_ms,
        message: step.message.clone(),
        notes: step
            .note
            .iter()
            .map(|note| Attachment::note("did-not-hold.txt", note.clone()))
            .collect(),
    }
}

/// What the last step says about the scenario's outcome, when a status alone would mislead.
fn outcome_note(outcome: &ScenarioOutcome) -> Option<Attachment> {
    match outcome {
        ScenarioOutcome::Warning { .. } => Some(Attachment::note(
            "warning.txt",
            "WARNING: a @should deviation is reported; the run still passes.".to_owned(),
        )),
        ScenarioOutcome::Expected { reason, message } => Some(Attachment::note(
            "expected-deviation.txt",
            format!("expected deviation ({reason}): {message}"),
        )),
        ScenarioOutcome::Inconclusive { reason } => Some(Attachment::note(
            "inconclusive.txt",
            format!(
                "INCONCLUSIVE: {reason}. Neither a pass nor a deviation: a fault decided nothing."
            ),
        )),
        ScenarioOutcome::Passed
        | ScenarioOutcome::Failed { .. }
        | ScenarioOutcome::Skipped { .. } => None,
    }
}

/// The scenario's facts and exchanges as pretty JSON attachments, each when there is something.
fn observation(run: &ScenarioRun) -> Vec<Attachment> {
    let observation = &run.observation;
    let json = |file_name, value: Value| Attachment {
        media_type: "application/json",
        file_name: Some(file_name),
        body: format!("{value:#}"),
    };
    let mut attachments = Vec::new();
    if !observation.facts.is_empty() {
        attachments.push(json("facts.json", json!({"facts": observation.facts})));
    }
    if !observation.exchanges.is_empty() {
        let exchanges = json!({"exchanges": observation.exchanges});
        attachments.push(json("exchanges.json", exchanges));
    }
    attachments
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{StepRun, StepStatus, collector, sample};

    /// The text of `features/sample.feature`.
    const SAMPLE_SOURCE: &str = "Feature: Sample\n\n\n  @CC-A1 @doc @must\n  Scenario: A sample\n    Given the target can run this scenario\n";

    /// A report of sample runs that read `features/sample.feature`.
    fn sample_report(runs: Vec<ScenarioRun>) -> RunReport {
        let mut report = sample::report(runs);
        report.sources = vec![FeatureSource {
            uri: "features/sample.feature".into(),
            text: SAMPLE_SOURCE.into(),
        }];
        report
    }

    /// Every scenario of the built-in features as if each step had passed.
    fn all_passed() -> RunReport {
        let features = crate::catalogue::features::parse(&crate::catalogue::features::embedded())
            .expect("features");
        let mut runs = Vec::new();
        for feature in &features {
            let background = feature.background.iter().flat_map(|b| b.steps.iter());
            for scenario in &feature.scenarios {
                let mut run = collector::scenario_run(feature, scenario);
                run.steps = background
                    .clone()
                    .chain(&scenario.steps)
                    .map(|step| StepRun {
                        keyword: step.keyword.clone(),
                        text: step.value.clone(),
                        line: step.position.line,
                        docstring: step.docstring.clone(),
                        status: StepStatus::Passed,
                        duration_ms: 2,
                        error: None,
                    })
                    .collect();
                runs.push(run);
            }
        }
        let mut report = sample::report(runs);
        report.sources = crate::catalogue::features::embedded();
        report
    }

    fn envelopes(report: &RunReport) -> Vec<Value> {
        render(report)
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON line"))
            .collect()
    }

    /// The `kind` envelopes' bodies.
    fn of_kind<'a>(envelopes: &'a [Value], kind: &str) -> Vec<&'a Value> {
        envelopes
            .iter()
            .filter_map(|envelope| envelope.get(kind))
            .collect()
    }

    /// Each step's status, in order.
    fn statuses(envelopes: &[Value]) -> Vec<&str> {
        of_kind(envelopes, "testStepFinished")
            .iter()
            .map(|finished| finished["testStepResult"]["status"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn the_source_is_the_feature_file_as_read() {
        let report = all_passed();
        let envelopes = envelopes(&report);
        for source in of_kind(&envelopes, "source") {
            let text = source["data"].as_str().unwrap();
            let rebuilt = gherkin::Feature::parse(text, gherkin::GherkinEnv::default())
                .unwrap_or_else(|error| panic!("{error}\n{text}"));
            let uri = source["uri"].as_str().unwrap();
            let original = crate::catalogue::features::embedded()
                .into_iter()
                .find(|feature| feature.uri == uri)
                .unwrap();
            let original =
                gherkin::Feature::parse(&original.text, gherkin::GherkinEnv::default()).unwrap();
            assert_eq!(rebuilt.name, original.name);
            let shape = |feature: &gherkin::Feature| {
                let background = feature.background.iter().flat_map(|b| &b.steps);
                let steps = feature.scenarios.iter().flat_map(|s| &s.steps);
                let lines: Vec<(usize, String)> = background
                    .chain(steps)
                    .map(|step| (step.position.line, step.value.clone()))
                    .collect();
                let scenarios: Vec<_> = feature
                    .scenarios
                    .iter()
                    .map(|s| (s.position.line, s.name.clone(), s.tags.clone()))
                    .collect();
                (lines, scenarios)
            };
            assert_eq!(shape(&rebuilt), shape(&original), "{uri}");
        }
        assert_eq!(of_kind(&envelopes, "pickle").len(), report.scenarios.len());
        assert!(
            statuses(&envelopes)
                .iter()
                .all(|status| *status == "PASSED")
        );
        let finished = of_kind(&envelopes, "testRunFinished");
        assert_eq!(finished[0]["success"], true);
    }

    #[test]
    fn every_envelope_is_one_message_and_ids_are_unique() {
        let envelopes = envelopes(&all_passed());
        assert!(envelopes.iter().all(|e| e.as_object().unwrap().len() == 1));
        let kinds: Vec<&str> = envelopes
            .iter()
            .map(|e| e.as_object().unwrap().keys().next().unwrap().as_str())
            .collect();
        assert_eq!(kinds[0], "meta");
        assert_eq!(kinds.last(), Some(&"testRunFinished"));
        let mut ids = std::collections::HashSet::new();
        for pickle in of_kind(&envelopes, "pickle") {
            assert!(ids.insert(pickle["id"].as_str().unwrap().to_owned()));
            for step in pickle["steps"].as_array().unwrap() {
                assert!(ids.insert(step["id"].as_str().unwrap().to_owned()));
            }
        }
    }

    #[test]
    fn a_skipped_scenario_gets_one_skipped_step_with_the_reason() {
        let report = sample_report(vec![sample::scenario(ScenarioOutcome::Skipped {
            reason: "applies only to releases before Washington DC".into(),
        })]);
        let envelopes = envelopes(&report);
        let finished = of_kind(&envelopes, "testStepFinished");
        assert_eq!(statuses(&envelopes), ["SKIPPED"]);
        assert_eq!(
            finished[0]["testStepResult"]["message"],
            "applies only to releases before Washington DC"
        );
        let source = of_kind(&envelopes, "source")[0]["data"].as_str().unwrap();
        assert_eq!(
            source,
            "Feature: Sample\n\n\n  @CC-A1 @doc @must\n  Scenario: A sample\n    Given the target can run this scenario\n"
        );
    }

    #[test]
    fn failures_warnings_and_undefined_steps_keep_their_status() {
        let mut failed = sample::scenario(ScenarioOutcome::Failed {
            message: "Then a step: no".into(),
        });
        failed.steps = vec![sample::step(StepStatus::Failed, Some("no"))];
        let mut warned = sample::scenario(ScenarioOutcome::Warning {
            message: "Then a step: no".into(),
        });
        warned.line = 9;
        warned.steps = vec![sample::step(StepStatus::Skipped, Some("no definition"))];
        warned.steps[0].line = 10;
        let envelopes = envelopes(&sample_report(vec![failed, warned]));
        assert_eq!(statuses(&envelopes), ["FAILED", "UNDEFINED"]);
        let notes: Vec<&str> = of_kind(&envelopes, "attachment")
            .iter()
            .map(|attachment| attachment["body"].as_str().unwrap())
            .collect();
        assert_eq!(
            notes,
            ["WARNING: a @should deviation is reported; the run still passes."]
        );
        assert_eq!(of_kind(&envelopes, "testRunFinished")[0]["success"], false);
    }

    #[test]
    fn an_info_step_that_did_not_hold_passes_with_a_note_and_facts_are_attached() {
        let mut run = sample::scenario(ScenarioOutcome::Passed);
        run.steps = vec![sample::step(StepStatus::Failed, Some("got 200"))];
        run.observation
            .facts
            .insert("token_length".into(), json!(86));
        let envelopes = envelopes(&sample_report(vec![run]));
        assert_eq!(statuses(&envelopes), ["PASSED"]);
        let attachments = of_kind(&envelopes, "attachment");
        assert_eq!(
            attachments[0]["body"],
            "did not hold (an @info scenario only records): got 200"
        );
        assert_eq!(attachments[1]["mediaType"], "application/json");
        let facts: Value = serde_json::from_str(attachments[1]["body"].as_str().unwrap()).unwrap();
        assert_eq!(facts, json!({"facts": {"token_length": 86}}));
    }

    #[test]
    fn an_expected_deviation_passes_and_says_why() {
        let mut run = sample::scenario(ScenarioOutcome::Expected {
            reason: "known quirk".into(),
            message: "Then a step: no".into(),
        });
        run.steps = vec![sample::step(StepStatus::Failed, Some("no"))];
        let envelopes = envelopes(&sample_report(vec![run]));
        assert_eq!(statuses(&envelopes), ["PASSED"]);
        let names: Vec<&str> = of_kind(&envelopes, "attachment")
            .iter()
            .map(|attachment| attachment["fileName"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["did-not-hold.txt", "expected-deviation.txt"]);
    }

    #[test]
    fn secrets_in_messages_are_redacted_whoever_calls() {
        let mut run = sample::scenario(ScenarioOutcome::Failed {
            message: r#"got {"access_token":"t0k3n"}"#.into(),
        });
        run.steps = vec![sample::step(
            StepStatus::Failed,
            Some(r#"{"access_token":"t0k3n"}"#),
        )];
        assert!(!render(&sample_report(vec![run])).contains("t0k3n"));
    }

    #[test]
    fn an_inconclusive_scenario_has_unknown_steps_and_says_why() {
        let mut run = sample::scenario(ScenarioOutcome::Inconclusive {
            reason: "setup failed: Then a step: got 503".into(),
        });
        run.steps = vec![sample::step(StepStatus::Failed, Some("got 503"))];
        let first = envelopes(&sample_report(vec![run.clone()]));
        assert_eq!(statuses(&first), ["UNKNOWN"]);
        let finished = of_kind(&first, "testStepFinished");
        assert_eq!(
            finished[0]["testStepResult"]["message"],
            "inconclusive: setup failed: Then a step: got 503"
        );
        let notes: Vec<&str> = of_kind(&first, "attachment")
            .iter()
            .map(|attachment| attachment["fileName"].as_str().unwrap())
            .collect();
        assert_eq!(notes, ["inconclusive.txt"]);
        run.steps = vec![sample::step(StepStatus::Passed, None)];
        let second = envelopes(&sample_report(vec![run]));
        assert_eq!(statuses(&second), ["PASSED", "UNKNOWN"]);
        let pickle = of_kind(&second, "pickle")[0];
        assert_eq!(
            pickle["steps"][1]["text"],
            "the target's answers decide the scenario"
        );
        assert_eq!(of_kind(&second, "testRunFinished")[0]["success"], true);
    }

    #[test]
    fn a_failed_hook_gets_a_failed_step_after_the_last() {
        let mut run = sample::scenario(ScenarioOutcome::Failed {
            message: "hook failed: boom".into(),
        });
        run.steps = vec![sample::step(StepStatus::Passed, None)];
        let envelopes = envelopes(&sample_report(vec![run]));
        assert_eq!(statuses(&envelopes), ["PASSED", "FAILED"]);
        let pickle = of_kind(&envelopes, "pickle")[0];
        assert_eq!(pickle["steps"][1]["text"], "the scenario finishes cleanly");
        let document = of_kind(&envelopes, "gherkinDocument")[0];
        let steps = &document["feature"]["children"][0]["scenario"]["steps"];
        assert_eq!(steps[1]["location"]["line"], 8);
    }
}

//! How every report shows a scenario's steps: softened, withheld or completed by the scenario's outcome.

use super::model::{ScenarioOutcome, ScenarioRun, StepRun, StepStatus};

/// How a report shows a step, whatever its format calls it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ShownStatus {
    /// It held, or did not in a scenario that only records (`@info`, an expected deviation): a note says so.
    Passed,
    /// It did not hold, or a hook failed after every step held (the synthetic step).
    Failed,
    /// No step definition matched it.
    Undefined,
    /// The target or release cannot run the scenario (the synthetic step).
    Skipped,
    /// A fault left the scenario undecided: the step was not judged.
    Inconclusive,
}

/// One step as every report shows it: a step as run, its status softened or withheld by the scenario's outcome,
/// or the synthetic step that shows a skip, a failed hook or a scenario a fault left undecided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ShownStep<'a> {
    pub keyword: &'a str,
    pub text: &'a str,
    /// The step's line; the scenario's for the synthetic step.
    pub line: usize,
    /// Its doc string, without the surrounding newlines.
    pub docstring: Option<&'a str>,
    pub duration_ms: u64,
    pub status: ShownStatus,
    /// What the status stands for: the step's error, the skip's reason, the hook's message, why it is inconclusive.
    pub message: Option<String>,
    /// Why a step that did not hold is shown passed.
    pub note: Option<String>,
    /// Whether no feature has it: the step only shows the scenario's outcome.
    pub synthetic: bool,
}

impl ShownStep<'_> {
    fn synthetic(
        keyword: &'static str,
        text: &'static str,
        line: usize,
        status: ShownStatus,
        message: String,
    ) -> ShownStep<'static> {
        ShownStep {
            keyword,
            text,
            line,
            docstring: None,
            duration_ms: 0,
            status,
            message: Some(message),
            note: None,
            synthetic: true,
        }
    }
}

/// `inconclusive: <reason>`, then the step's own error unless the reason quotes it already.
fn inconclusive_message(reason: &str, error: &str) -> String {
    if reason.contains(error) {
        format!("inconclusive: {reason}")
    } else {
        format!("inconclusive: {reason}\n{error}")
    }
}

impl ScenarioRun {
    /// The steps as every report shows them: an `@info` scenario's or an expected deviation's step that did not
    /// hold passes with a note; an inconclusive scenario's step that did not hold is not judged, the reason first
    /// in its message; one more synthetic step shows a skip, a hook that failed after every step held, or a
    /// scenario a fault left undecided although every step held.
    pub(crate) fn shown_steps(&self) -> Vec<ShownStep<'_>> {
        let recorded_only = match &self.outcome {
            ScenarioOutcome::Passed => Some("an @info scenario only records".to_owned()),
            ScenarioOutcome::Expected { reason, .. } => {
                Some(format!("an expected deviation: {reason}"))
            }
            _ => None,
        };
        let mut steps: Vec<ShownStep> = self
            .steps
            .iter()
            .map(|step| {
                let (status, message, note) = match (step.status, &step.error) {
                    (StepStatus::Passed, _) | (_, None) => (ShownStatus::Passed, None, None),
                    (_, Some(error)) => match (&self.outcome, &recorded_only) {
                        (ScenarioOutcome::Inconclusive { reason }, _) => (
                            ShownStatus::Inconclusive,
                            Some(inconclusive_message(reason, error)),
                            None,
                        ),
                        (_, Some(why)) => (
                            ShownStatus::Passed,
                            None,
                            Some(format!("did not hold ({why}): {error}")),
                        ),
                        _ if step.status == StepStatus::Skipped => {
                            (ShownStatus::Undefined, Some(error.clone()), None)
                        }
                        _ => (ShownStatus::Failed, Some(error.clone()), None),
                    },
                };
                ShownStep {
                    keyword: &step.keyword,
                    text: &step.text,
                    line: step.line,
                    docstring: step
                        .docstring
                        .as_deref()
                        .map(|text| text.trim_matches('\n')),
                    duration_ms: step.duration_ms,
                    status,
                    message,
                    note,
                    synthetic: false,
                }
            })
            .collect();
        let all_held = self.steps.iter().all(StepRun::held);
        let synthetic = match &self.outcome {
            ScenarioOutcome::Skipped { reason } => Some((
                "Given ",
                "the target can run this scenario",
                ShownStatus::Skipped,
                reason.clone(),
            )),
            // A hook failed: no step shows it, so one more step must.
            ScenarioOutcome::Failed { message } | ScenarioOutcome::Warning { message }
                if all_held =>
            {
                Some((
                    "Then ",
                    "the scenario finishes cleanly",
                    ShownStatus::Failed,
                    message.clone(),
                ))
            }
            ScenarioOutcome::Inconclusive { reason } if all_held => Some((
                "Then ",
                "the target's answers decide the scenario",
                ShownStatus::Inconclusive,
                format!("inconclusive: {reason}"),
            )),
            _ => None,
        };
        if let Some((keyword, text, status, message)) = synthetic {
            steps.push(ShownStep::synthetic(
                keyword, text, self.line, status, message,
            ));
        }
        steps
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    #[test]
    fn shown_steps_soften_withhold_or_add_a_step_by_outcome() {
        let shown = |outcome: ScenarioOutcome, steps: Vec<StepRun>| {
            let mut run = sample::scenario(outcome);
            run.steps = steps;
            run.shown_steps()
                .into_iter()
                .map(|step| (step.status, step.message, step.note, step.synthetic))
                .collect::<Vec<_>>()
        };
        let failed = || sample::step(StepStatus::Failed, Some("no"));
        assert_eq!(
            shown(ScenarioOutcome::Passed, vec![failed()]),
            [(
                ShownStatus::Passed,
                None,
                Some("did not hold (an @info scenario only records): no".into()),
                false
            )]
        );
        let unmatched = sample::step(StepStatus::Skipped, Some("no definition"));
        let must = || ScenarioOutcome::Failed {
            message: "m".into(),
        };
        assert_eq!(shown(must(), vec![unmatched])[0].0, ShownStatus::Undefined);
        let passed = || sample::step(StepStatus::Passed, None);
        assert_eq!(
            shown(must(), vec![passed()])[1],
            (ShownStatus::Failed, Some("m".into()), None, true)
        );
        let setup = ScenarioOutcome::Inconclusive {
            reason: "setup failed: Then a step: no".into(),
        };
        assert_eq!(
            shown(setup, vec![failed()]),
            [(
                ShownStatus::Inconclusive,
                Some("inconclusive: setup failed: Then a step: no".into()),
                None,
                false
            )]
        );
        let skipped = ScenarioOutcome::Skipped {
            reason: "admin only".into(),
        };
        assert_eq!(
            shown(skipped, Vec::new()),
            [(ShownStatus::Skipped, Some("admin only".into()), None, true)]
        );
    }
}

//! What a run found, and every form it is reported in: the model, each behaviour's roll-up, the steps as
//! shown, the collector that builds it from cucumber's events, and the report files.

mod behaviours;
pub(crate) mod collector;
pub(crate) mod console;
pub(crate) mod cucumber_json;
pub(crate) mod files;
pub(crate) mod html;
pub(crate) mod junit;
pub(crate) mod messages;
mod model;
pub(crate) mod plan;
pub(crate) mod preflight;
pub(crate) mod provisioning;
#[cfg(test)]
pub(crate) mod sample;
mod shown_steps;

pub(crate) use behaviours::BehaviourRun;
pub(crate) use model::{
    Observation, RunReport, ScenarioOutcome, ScenarioRun, StepRun, StepStatus, Tally, TargetSummary,
};
pub(crate) use shown_steps::{ShownStatus, ShownStep};

//! What a run found, and every form it is reported in: the model, each behaviour's roll-up, the steps as
//! shown, the collector that builds it from cucumber's events, and the report files.

mod behaviours;
pub mod collector;
pub mod console;
pub mod cucumber_json;
pub mod files;
pub mod html;
pub mod junit;
pub mod messages;
mod model;
#[cfg(test)]
pub(crate) mod sample;
mod shown_steps;

pub use behaviours::BehaviourRun;
pub use model::{
    Observation, RunReport, ScenarioOutcome, ScenarioRun, StepRun, StepStatus, Tally, TargetSummary,
};
pub use shown_steps::{ShownStatus, ShownStep};

//! `sncc run`: every catalogue behaviour as a cucumber scenario, against the bundled mock or a real instance.
//!
//! A run is a sequence of phases, each a module with one job, data flowing one way: `prepare` (the features,
//! the target reached, and on a real instance with an admin the `preflight`, reads only, and the `plan`, a
//! value) → `execute` (the run's own provisioning, the `scenarios`, each provisioned, acted and judged with every
//! change journaled first, then `undo`) → `finish` (the reports).

mod context;
pub(crate) mod deviations;
mod execute;
mod finish;
mod jws;
mod parser;
mod plan;
mod preflight;
mod prepare;
mod scenarios;
mod steps;
mod table_reply;
mod turns;
mod undo;
mod world;

pub use context::Target;
pub use deviations::{DeviationsError, ExpectedDeviations};
pub use preflight::{Safeguards, Stop};

use std::path::PathBuf;
use std::time::{Duration, Instant};

use gherkin::tagexpr::TagOperation;
use regex::Regex;

use crate::catalogue::CatalogueError;
use crate::catalogue::features::{FeatureError, FeatureSource};
use crate::client::TransportError;
use crate::client::transport::{HttpClientError, Transport};
use crate::servicenow::release::Release;

/// `sncc run`, validated.
pub struct RunConfig {
    pub transport: Transport,
    pub target: Target,
    /// `--release`: overrides the detected release (and chooses the mock's).
    pub release: Option<Release>,
    pub tags: Option<TagOperation>,
    pub name: Option<Regex>,
    pub strict: bool,
    pub report_dir: Option<PathBuf>,
    /// `--html`: the HTML report, one self-contained file.
    pub html: Option<PathBuf>,
    pub concurrency: Option<usize>,
    pub features: Vec<FeatureSource>,
    /// Where an admin run journals its changes (default: `sncc-<run>-journal.jsonl` in the report folder
    /// or the working directory).
    pub journal: Option<PathBuf>,
    /// `--expect-deviations`: deviations this instance is known to have (none by default).
    pub expected: ExpectedDeviations,
    /// `--late-write-grace`: how long a create that got no answer may still land on the instance.
    pub late_write_grace: Duration,
    /// `--scenario-timeout`: how long a scenario may take before it is inconclusive and undone.
    pub scenario_timeout: Duration,
    /// `--plan`: the preflight and the plan only, nothing written (admin targets).
    pub plan_only: bool,
    /// `--update-set` and `--confirm-instance`: what an admin run may do beyond the defaults.
    pub safeguards: Safeguards,
    /// `--settle`: how long a change the next request must see is polled for on a real instance.
    pub settle: Duration,
}

/// The default `--settle`, in seconds (catalogue §15).
pub const DEFAULT_SETTLE_SECONDS: u64 = 30;
/// The longest `--settle`, in seconds.
pub const MAX_SETTLE_SECONDS: u64 = 600;

/// The default `--scenario-timeout`, in seconds: well past the longest legitimate scenario (CC-E4 waits a
/// token's lifespan, 16 s, besides its requests, which a slow instance may take seconds each to answer).
pub const DEFAULT_SCENARIO_TIMEOUT_SECONDS: u64 = 300;

/// How a run that got to its verdict ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    /// Nothing failed (warnings and expected deviations do not fail).
    Passed,
    /// A `@must` scenario (or, with `--strict`, a `@should` one) failed.
    Failed,
    /// Nothing failed, but a scenario could not be judged (a server or gateway error, no answer, a failed
    /// setup or undo).
    Inconclusive,
    /// Ctrl-C or SIGTERM stopped the run, after its changes were undone.
    Interrupted,
    /// Changes are left on the instance and the journal is kept, whatever else happened.
    NotRestored,
    /// `--plan`: the plan is printed, nothing was written.
    Planned,
}

/// Why a run gave no verdict.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Bad configuration, a target that cannot be reached, features that do not parse, reports that
    /// cannot be written.
    #[error(transparent)]
    Config(ConfigError),
    /// One of those, after the run left changes on the instance (the journal keeps them).
    #[error(transparent)]
    NotRestored(ConfigError),
}

/// What stopped a run from starting, or from writing what it found.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Features(#[from] FeatureError),
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
    #[error(transparent)]
    Deviations(#[from] DeviationsError),
    #[error(transparent)]
    HttpClient(#[from] HttpClientError),
    #[error(
        "{0} is hibernating: wake it up (developer.servicenow.com, \"Wake up instance\") and run again"
    )]
    Hibernating(String),
    /// The probe's account of why the instance cannot be used.
    #[error("{0}")]
    Unusable(String),
    #[error("{url} cannot be reached: {error}")]
    Unreachable { url: String, error: TransportError },
    /// The preflight stopped the run (catalogue §14): one sentence, nothing changed.
    #[error(transparent)]
    Stopped(#[from] Stop),
    /// The plan's rehearsal on a mock of the run's own could not be held.
    #[error("{0}")]
    Rehearsal(String),
    /// Cucumber could not read a feature.
    #[error("{0}")]
    Gherkin(String),
    #[error("cannot create {}: {source}", path.display())]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create the change journal {}: {source}", path.display())]
    JournalCreate {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the change journal {}: {source}", path.display())]
    JournalWrite {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the reports to {}: {source}", path.display())]
    Reports {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the HTML report {}: {source}", path.display())]
    Html {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Runs the selected scenarios against the target, prints them and the tally, writes the reports, and
/// undoes the run's changes to a real instance. With `--plan`, stops after printing the plan.
pub async fn run(config: RunConfig) -> Result<RunOutcome, RunError> {
    let started = Instant::now();
    let setup = match prepare::prepare(config).await.map_err(RunError::Config)? {
        prepare::Prepared::Planned(reporting) => {
            return finish::planned(*reporting, started).map_err(RunError::Config);
        }
        prepare::Prepared::Ready(setup) => setup,
    };
    let executed = setup.execution().execute().await;
    let ended = match executed.scenarios {
        _ if executed.interrupted => Ok(RunOutcome::Interrupted),
        Err(error) => Err(error),
        Ok(scenarios) => finish::finish(setup.reporting, scenarios, executed.provisioning, started),
    };
    // Whatever else happened, changes left on the instance come first: no CI job may read this as green.
    match (executed.restored, ended) {
        (true, ended) => ended.map_err(RunError::Config),
        (false, Ok(_)) => Ok(RunOutcome::NotRestored),
        (false, Err(error)) => Err(RunError::NotRestored(error)),
    }
}

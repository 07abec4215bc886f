//! What every scenario of a run shares: the target, its HTTP client, the release, the run's name prefix, the
//! instance's settings as the preflight read them, and what the run learned of the instance as it went.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use secrecy::SecretString;
use serde_json::Value;
use tokio::sync::Mutex;

use crate::catalogue::selection::TargetKind;
use crate::changes::ChangeJournal;
use crate::client::Credentials;
use crate::mock::Break;
use crate::report::collector::ScenarioKey;
use crate::servicenow::release::Release;

use super::preflight::InstanceSettings;
use super::turns::Turns;

/// Where the suite runs.
#[derive(Clone)]
pub enum Target {
    /// A fresh bundled mock per scenario, running `release`.
    Mock {
        release: Release,
        breaks: Vec<Break>,
    },
    /// A real instance with admin credentials: Basic, or a password grant's token (shared by the run).
    Admin { url: String, admin: Credentials },
    /// A real instance with only a client's id and secret, and the user it should act as.
    Client {
        url: String,
        client_id: String,
        client_secret: SecretString,
        expect_user: String,
    },
}

impl Target {
    pub(crate) fn kind(&self) -> TargetKind {
        match self {
            Target::Mock { .. } => TargetKind::Mock,
            Target::Admin { .. } => TargetKind::Admin,
            Target::Client { .. } => TargetKind::Client,
        }
    }

    /// A real instance's URL.
    pub(crate) fn url(&self) -> Option<&str> {
        match self {
            Target::Mock { .. } => None,
            Target::Admin { url, .. } | Target::Client { url, .. } => Some(url),
        }
    }

    /// The instance URL, or `bundled mock`.
    pub(crate) fn instance(&self) -> String {
        match self {
            Target::Mock { .. } => "bundled mock".into(),
            Target::Admin { url, .. } | Target::Client { url, .. } => url.clone(),
        }
    }
}

/// How the instance takes a client secret written through the Table API (catalogue §15), as the run's first
/// entity told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SecretForm {
    /// As written.
    AsWritten,
    /// Only as a display value (`sysparm_input_display_value=true`), as the Table API documents for
    /// encrypted fields.
    AsDisplayValue,
    /// Neither: the first entity got no token either way.
    Neither,
}

impl SecretForm {
    pub(super) fn describe(self) -> &'static str {
        match self {
            SecretForm::AsWritten => "as written",
            SecretForm::AsDisplayValue => "as a display value",
            SecretForm::Neither => "neither",
        }
    }
}

/// What a run's scenarios share, as the run was set up.
pub(super) struct RunScope {
    pub target: Target,
    pub http: reqwest::Client,
    /// The release scenarios run against; `None` when unknown.
    pub release: Option<Release>,
    /// Put before every name the suite creates on a real instance, so its records are recognisable.
    pub prefix: String,
    /// Where changes to a real instance are journaled before they are made (admin targets only).
    pub journal: Option<Arc<ChangeJournal>>,
    /// How long a create whose answer was lost may take to appear before a search that finds nothing
    /// settles it (`--late-write-grace`).
    pub late_write_grace: Duration,
    /// How long a scenario may take, its waits for a turn aside (`--scenario-timeout`).
    pub scenario_timeout: Duration,
    /// The instance's settings, as the preflight read them (admin targets only).
    pub settings: Option<InstanceSettings>,
    /// How long a change the next request must see is polled for on a real instance (`--settle`).
    pub settle: Duration,
    /// Whether the admin target is the plan's rehearsal on a mock of the run's own: its clock is moved
    /// rather than waited on.
    pub rehearsal: bool,
    /// The requests each scenario sent in the plan's rehearsal (admin runs only): the busiest start first.
    pub rehearsed_requests: HashMap<ScenarioKey, usize>,
}

/// A run's shared state: how it was set up, and what its scenarios learn and hold while it runs.
pub(super) struct Context {
    /// How the run was set up.
    pub run: RunScope,
    /// How the instance takes client secrets, once the run's first entity told (catalogue §15).
    pub secret_form: OnceLock<SecretForm>,
    /// Scenarios' turns on a real instance: side by side, an `@instance-wide` one alone.
    pub turns: Arc<Turns>,
    /// Bringing the grant property to the run's baseline, one scenario at a time.
    pub grant_baseline: Mutex<()>,
    /// The grant property as it was before the run first brought it to its baseline (`Some(None)`: it
    /// was absent), for the inventory (M1), which reports the instance as the run found it.
    pub grant_property_before_run: std::sync::Mutex<Option<Option<String>>>,
    /// Records every scenario of a run on a real instance shares (the suite's own table, its auth
    /// scopes), by table and name: created once, undone at the end of the run.
    pub shared_records: Mutex<HashMap<String, Value>>,
    /// The names of columns the documentation does not name, found through `sys_dictionary` by table and label
    /// (catalogue §18), once a run.
    pub labelled_columns: Mutex<HashMap<(String, String), String>>,
    /// How many scenarios have begun.
    scenarios_begun: AtomicUsize,
}

impl Context {
    /// The context of a run of `concurrency` scenarios side by side.
    pub(super) fn new(run: RunScope, concurrency: usize) -> Context {
        Context {
            run,
            secret_form: OnceLock::new(),
            turns: Arc::new(Turns::new(concurrency)),
            grant_baseline: Mutex::new(()),
            grant_property_before_run: std::sync::Mutex::new(None),
            shared_records: Mutex::new(HashMap::new()),
            labelled_columns: Mutex::new(HashMap::new()),
            scenarios_begun: AtomicUsize::new(0),
        }
    }

    /// A number for a scenario that begins, unique in the run.
    pub(super) fn next_scenario_number(&self) -> usize {
        self.scenarios_begun.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// The suite's own table on a real instance: `u_sncc_<run>`.
    pub(super) fn own_table_name(&self) -> String {
        format!("u_sncc_{}", self.run_id())
    }

    /// The run's id as names on a real instance carry it: its prefix without `sncc-` and the final `-`.
    pub(super) fn run_id(&self) -> &str {
        let run = self.run.prefix.trim_start_matches("sncc-");
        run.trim_end_matches('-')
    }
}

tokio::task_local! {
    /// The context of the run whose scenarios are being polled.
    static CONTEXT: Arc<Context>;
}

/// Runs `scenarios` with `context` as their run's context: the context travels with the run, so two runs
/// in one process never see each other's target.
pub(super) async fn scoped<F: Future>(context: Arc<Context>, scenarios: F) -> F::Output {
    CONTEXT.scope(context, scenarios).await
}

/// The context of the run polling this scenario (scenarios only run inside [`scoped`]).
pub(super) fn current() -> Arc<Context> {
    CONTEXT
        .try_with(Arc::clone)
        .expect("scenarios run inside their run's context")
}

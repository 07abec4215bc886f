//! What every scenario of a run shares: the target, its HTTP client, the release, the run's name prefix.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use secrecy::SecretString;
use serde_json::Value;
use tokio::sync::Mutex;

use crate::catalogue::selection::TargetKind;
use crate::changes::ChangeJournal;
use crate::client::Credentials;
use crate::mock::Break;
use crate::servicenow::release::Release;

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

pub(super) struct Context {
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
    /// How many scenarios have begun.
    scenarios_begun: AtomicUsize,
}

impl Context {
    pub(super) fn new(
        target: Target,
        http: reqwest::Client,
        release: Option<Release>,
        prefix: String,
        journal: Option<Arc<ChangeJournal>>,
        late_write_grace: Duration,
        scenario_timeout: Duration,
    ) -> Context {
        Context {
            target,
            http,
            release,
            prefix,
            journal,
            late_write_grace,
            scenario_timeout,
            turns: Arc::new(Turns::default()),
            grant_baseline: Mutex::new(()),
            grant_property_before_run: std::sync::Mutex::new(None),
            shared_records: Mutex::new(HashMap::new()),
            scenarios_begun: AtomicUsize::new(0),
        }
    }

    /// A number for a scenario that begins, unique in the run.
    pub(super) fn next_scenario_number(&self) -> usize {
        self.scenarios_begun.fetch_add(1, Ordering::Relaxed) + 1
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

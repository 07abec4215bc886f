//! What every scenario of a run shares: the target, its HTTP client, the release, the run's name prefix.

use std::sync::{Arc, Mutex, OnceLock};

use secrecy::SecretString;
use serde_json::Value;
use sncc::changes::Journal;
use sncc::mock::breaks::Break;
use sncc::release::{Family, Release};
use sncc::selection::TargetKind;

/// Where the suite runs.
#[derive(Clone)]
pub enum Target {
    /// A fresh bundled mock per scenario, running `release`.
    Mock { release: Family, breaks: Vec<Break> },
    /// A real instance with admin credentials.
    Admin {
        url: String,
        user: String,
        password: SecretString,
    },
    /// A real instance with only a client's id and secret, and the user it should act as.
    Client {
        url: String,
        client_id: String,
        client_secret: SecretString,
        expect_user: String,
    },
}

impl Target {
    pub fn kind(&self) -> TargetKind {
        match self {
            Target::Mock { .. } => TargetKind::Mock,
            Target::Admin { .. } => TargetKind::Admin,
            Target::Client { .. } => TargetKind::Client,
        }
    }

    /// A real instance's URL.
    pub fn url(&self) -> Option<&str> {
        match self {
            Target::Mock { .. } => None,
            Target::Admin { url, .. } | Target::Client { url, .. } => Some(url),
        }
    }

    /// The instance URL, or `bundled mock`.
    pub fn instance(&self) -> String {
        match self {
            Target::Mock { .. } => "bundled mock".into(),
            Target::Admin { url, .. } | Target::Client { url, .. } => url.clone(),
        }
    }
}

pub struct Context {
    pub target: Target,
    pub http: reqwest::Client,
    /// The release scenarios run against; `None` when unknown.
    pub release: Option<Release>,
    /// Put before every name the suite creates on a real instance, so its records are recognisable.
    pub prefix: String,
    /// Where changes to a real instance are journaled before they are made (admin targets only).
    pub journal: Option<Arc<Journal>>,
    /// The grant property before any scenario changed it (`Some(None)`: absent), once a scenario looked.
    /// Every scenario restores it, and scenarios that change an instance run one at a time, so one look
    /// serves the run.
    pristine_grant_property: Mutex<Option<Option<Value>>>,
}

impl Context {
    pub fn new(
        target: Target,
        http: reqwest::Client,
        release: Option<Release>,
        prefix: String,
        journal: Option<Arc<Journal>>,
    ) -> Context {
        Context {
            target,
            http,
            release,
            prefix,
            journal,
            pristine_grant_property: Mutex::new(None),
        }
    }

    pub fn pristine_grant_property(&self) -> Option<Option<Value>> {
        self.pristine_grant_property
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub fn remember_pristine_grant_property(&self, property: Option<Value>) {
        *self
            .pristine_grant_property
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(property);
    }
}

static CONTEXT: OnceLock<Arc<Context>> = OnceLock::new();

/// Sets the run's context once, before any scenario starts.
pub fn install(context: Context) -> Arc<Context> {
    CONTEXT.get_or_init(|| Arc::new(context)).clone()
}

/// The run's context (scenarios only run after [`install`]).
pub fn current() -> Arc<Context> {
    CONTEXT
        .get()
        .expect("the run context is installed before scenarios run")
        .clone()
}

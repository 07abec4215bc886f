//! The plan's rehearsal (catalogue §14): the selected scenarios run as an admin run against a bundled mock set up
//! like the instance (its release, the settings the preflight read), silently, the mock's clock moved rather
//! than waited on; every exchange it makes is what the run would make.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;

use crate::changes::{ChangeEntry, ChangeJournal};
use crate::client::exchange::Exchange;
use crate::client::{Credentials, ServiceNow};
use crate::mock::{MockOptions, MockServer, Seed};
use crate::report::collector::ScenarioKey;
use crate::report::preflight::PreflightFacts;
use crate::servicenow::captured::BASIC_ALLOWED_USERS_PROPERTY;
use crate::servicenow::release::Release;
use crate::support::random;

use super::super::context::{Context, RunScope, Target};
use super::super::execute::Execution;
use super::super::preflight::{INSTANCE_NAME_PROPERTY, InstanceSettings};

/// The sys_id of `admin` on every instance, the mock's too (catalogue §12).
const ADMIN_SYS_ID: &str = "6816f79cc0a8016401c5a33be04be441";

/// What a rehearsal gave: each scenario's exchanges, and those of the run outside its scenarios.
pub(super) struct Rehearsal {
    pub scenarios: Vec<(ScenarioKey, Vec<Exchange>)>,
    pub run: Vec<Exchange>,
}

/// What a rehearsal needs.
pub(in crate::suite) struct Stage<'a> {
    pub features: &'a [gherkin::Feature],
    pub facts: &'a PreflightFacts,
    pub release: Option<&'a Release>,
    pub concurrency: usize,
    pub http: reqwest::Client,
    pub scenario_timeout: Duration,
}

/// Why a rehearsal could not be held.
#[derive(Debug, thiserror::Error)]
pub(in crate::suite) enum RehearsalError {
    #[error("the plan's rehearsal could not set up its mock: {0}")]
    Mock(String),
    #[error("the plan's rehearsal could not keep its journal: {0}")]
    Journal(std::io::Error),
}

/// Runs these scenarios on a fresh mock set up like the instance and gives their exchanges.
pub(super) async fn rehearse(
    stage: &Stage<'_>,
    to_run: &HashSet<ScenarioKey>,
) -> Result<Rehearsal, RehearsalError> {
    let password = SecretString::from(random::secret());
    // A family newer than the mock knows is rehearsed as the newest it does (the seed's default).
    let simulated = stage
        .release
        .filter(|release| !release.is_newer_than_known());
    let seed = Seed::parse(&seed_text(stage.facts, stage.release))
        .map_err(|error| RehearsalError::Mock(error.to_string()))?;
    let (instance, _) = seed
        .build(&password, simulated)
        .map_err(|error| RehearsalError::Mock(error.to_string()))?;
    let options = MockOptions {
        listen: "127.0.0.1:0".parse().expect("a loopback address"),
        tls: None,
        instance,
    };
    let server = MockServer::start(options)
        .await
        .map_err(|error| RehearsalError::Mock(error.to_string()))?;
    let url = server.base_url().to_owned();
    let prefix = format!("sncc-{}-", &random::sys_id()[..8]);
    let path = std::env::temp_dir().join(format!("{prefix}rehearsal-journal.jsonl"));
    let journal = ChangeJournal::create(&path).map_err(RehearsalError::Journal)?;
    journal
        .append(&ChangeEntry::Begin {
            instance: url.clone(),
            prefix: prefix.clone(),
        })
        .map_err(RehearsalError::Journal)?;
    let journal = Arc::new(journal);
    let admin = Credentials::Basic {
        user: "admin".into(),
        password,
    };
    let context = Arc::new(Context::new(
        RunScope {
            target: Target::Admin {
                url: url.clone(),
                admin: admin.clone(),
            },
            http: stage.http.clone(),
            release: stage.release.cloned(),
            prefix,
            journal: Some(journal.clone()),
            late_write_grace: Duration::ZERO,
            scenario_timeout: stage.scenario_timeout,
            settings: Some(InstanceSettings::new(stage.facts.clone())),
            settle: Duration::ZERO,
            rehearsal: true,
            rehearsed_requests: HashMap::new(),
        },
        stage.concurrency,
    ));
    let execution = Execution {
        features: stage.features,
        to_run,
        total: to_run.len(),
        context,
        concurrency: stage.concurrency,
        strict: false,
        expected: Default::default(),
        restorer: Some((journal, ServiceNow::new(stage.http.clone(), &url), admin)),
        shown: false,
    };
    let executed = execution.execute().await;
    let _ = std::fs::remove_file(&path);
    drop(server);
    let scenarios = executed
        .scenarios
        .unwrap_or_default()
        .into_iter()
        .map(|run| {
            let key = (run.feature_uri.clone(), run.line);
            (key, run.observation.exchanges)
        })
        .collect();
    Ok(Rehearsal {
        scenarios,
        run: executed.run_exchanges,
    })
}

/// A seed for a mock like the instance: its release and the settings the preflight read, its admin allowed
/// Basic (the rehearsal's admin signs in so), its instance name.
fn seed_text(facts: &PreflightFacts, release: Option<&Release>) -> String {
    let mut text = String::new();
    if let Some(release) = release.filter(|release| !release.is_newer_than_known()) {
        text.push_str(&format!("release = {}\n", quoted(&release.to_string())));
    }
    let mut properties: Vec<(String, String)> = facts
        .settings
        .iter()
        .filter_map(|(name, setting)| Some((name.clone(), setting.value.clone()?)))
        .collect();
    let allowed = properties
        .iter()
        .find(|(name, _)| name == BASIC_ALLOWED_USERS_PROPERTY)
        .map(|(_, users)| format!("{users},{ADMIN_SYS_ID}"))
        .unwrap_or_else(|| ADMIN_SYS_ID.to_owned());
    properties.retain(|(name, _)| name != BASIC_ALLOWED_USERS_PROPERTY);
    properties.push((BASIC_ALLOWED_USERS_PROPERTY.to_owned(), allowed));
    if let Some(name) = &facts.instance_name {
        properties.push((INSTANCE_NAME_PROPERTY.to_owned(), name.clone()));
    }
    for (name, value) in properties {
        text.push_str(&format!(
            "\n[[properties]]\nname = {}\nvalue = {}\n",
            quoted(&name),
            quoted(&value)
        ));
    }
    text
}

/// A TOML basic string.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

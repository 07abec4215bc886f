//! One scenario's world: its own instance (a fresh mock, or the real target), its records there, what it
//! named, the last answers, and what it observed. Each part has a file of its own: the records, journaled
//! and undone (`journaled`); what the steps name (`vocabulary`) and its making (`provisioning`); how the
//! instance takes a client secret (`secret_form`); the instance-wide properties (`properties`); the last
//! answers (`replies`); expectations polled for while a change settles (`settle`); the suite's own Scripted
//! REST API (`scripted_api`) and what catalogue §17 and §18 bind to it: auth scopes (`scope_bindings`), access
//! policies and the token restriction flag (`access_policies`), rate limit rules (`rate_limit_rules`), and the
//! undocumented columns they use, found by label (`labelled_columns`).

mod access_policies;
mod journaled;
mod labelled_columns;
mod properties;
mod provisioning;
mod rate_limit_rules;
mod replies;
mod scope_bindings;
mod scripted_api;
mod secret_form;
mod settle;
mod vocabulary;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use secrecy::SecretString;
use serde_json::Value;

use crate::client::control::MockControl;
use crate::client::deadline::Deadline;
use crate::client::transport::RetryPolicy;
use crate::client::{Credentials, ServiceNow, TokenRequest};
use crate::mock::{Breaks, MockOptions, MockServer, Seed};
use crate::report::Observation;
use crate::report::collector::ScenarioKey;
use crate::support::random;

use super::context::{self, Context, Target};
use journaled::JournaledRecords;
pub(super) use labelled_columns::{ENFORCE_TOKEN_RESTRICTION, RULE_LIMIT};
pub(super) use replies::{Replies, access_token};
pub(super) use settle::Replay;
use settle::SinceWrite;
use vocabulary::Vocabulary;

#[derive(cucumber::World)]
#[world(init = Self::start)]
pub(super) struct SuiteWorld {
    pub context: Arc<Context>,
    /// This scenario's own mock (mock target only); dropping the world stops it.
    _mock: Option<MockServer>,
    pub servicenow: ServiceNow,
    pub control: Option<MockControl>,
    /// The instance's records as admin: on a real instance every write is journaled and undone.
    pub records: JournaledRecords,
    /// What the scenario named (users, endpoints, auth scopes, its own table), by logical name.
    pub vocabulary: Vocabulary,
    /// The last answers: every token response, and the response to the last REST call.
    pub replies: Replies,
    pub facts: BTreeMap<String, Value>,
    /// Whether this scenario changed the grant property away from the run's baseline (`true`).
    grant_changed: bool,
    /// The scenario's catalogue id (`CC-E4`), for what it prints while it runs.
    pub scenario_id: String,
    /// The scenario's number in the run (`s12`), part of the names it gives records on a real instance.
    scenario_number: String,
    /// Whether the scenario is tagged `@instance-wide`: it may change what every scenario depends on.
    instance_wide: bool,
    /// Whether the scenario has the instance alone (from its first instance-wide change on).
    alone: bool,
    /// Whether the scenario brought the grant property to the run's baseline (it relies on it).
    on_grant_baseline: bool,
    /// The scenario's place among the run's: its turn on a real instance is kept under it (by the run,
    /// never by the world, which cucumber may keep after the scenario).
    key: Option<ScenarioKey>,
    /// When the scenario's time is up (`--scenario-timeout`); its clients end every request by it.
    pub deadline: Deadline,
    /// The `access_token_lifespan` the scenario gave its endpoint, if it set one.
    pub configured_lifespan: Option<u64>,
    /// The requests made since the scenario's last write, which an expectation about it is judged on.
    since_write: SinceWrite,
    /// Whether the scenario's users were granted the role of the suite's own table (catalogue §15).
    own_table_role_granted: Vec<String>,
}

impl fmt::Debug for SuiteWorld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SuiteWorld")
            .field("target", &self.context.run.target.instance())
            .field("users", &self.vocabulary.users.keys().collect::<Vec<_>>())
            .field(
                "endpoints",
                &self.vocabulary.endpoints.keys().collect::<Vec<_>>(),
            )
            .field("facts", &self.facts)
            .finish_non_exhaustive()
    }
}

impl SuiteWorld {
    async fn start() -> Result<SuiteWorld, std::io::Error> {
        let context = context::current();
        let (mock, base_url, admin) = match &context.run.target {
            Target::Mock { release, breaks } => {
                let password = SecretString::from(random::secret());
                let (instance, _) = Seed::default()
                    .build(&password, Some(release))
                    .map_err(std::io::Error::other)?;
                let instance = instance.with_breaks(Breaks::new(breaks.iter().copied()));
                let options = MockOptions {
                    listen: "127.0.0.1:0".parse().expect("loopback address"),
                    tls: None,
                    instance,
                };
                let server = MockServer::start(options).await.map_err(|error| {
                    std::io::Error::other(format!("cannot start the mock instance: {error}"))
                })?;
                let url = server.base_url().to_owned();
                let admin = Credentials::Basic {
                    user: "admin".into(),
                    password,
                };
                (Some(server), url, Some(admin))
            }
            Target::Admin { url, admin } => (None, url.clone(), Some(admin.clone())),
            Target::Client { url, .. } => (None, url.clone(), None),
        };
        // On the mock a 503 is a scenario's own doing: never retried.
        let retry = if mock.is_some() {
            RetryPolicy::NEVER
        } else {
            RetryPolicy::default()
        };
        let deadline = Deadline::default();
        let servicenow = ServiceNow::new(context.run.http.clone(), &base_url)
            .with_retry(retry)
            .with_deadline(deadline.clone());
        // The plan's rehearsal runs on a mock of its own: its clock is moved rather than waited on.
        let control = (mock.is_some() || context.run.rehearsal).then(|| {
            MockControl::new(context.run.http.clone(), &base_url).with_deadline(deadline.clone())
        });
        for secret in admin.iter().flat_map(Credentials::secrets) {
            servicenow.recorder().know_secret(secret);
        }
        let records = JournaledRecords::new(
            servicenow.clone(),
            admin,
            context.run.journal.clone(),
            context.run.late_write_grace,
        );
        Ok(SuiteWorld {
            context,
            _mock: mock,
            servicenow,
            control,
            records,
            vocabulary: Vocabulary::default(),
            replies: Replies::default(),
            facts: BTreeMap::new(),
            grant_changed: false,
            scenario_id: String::new(),
            scenario_number: String::new(),
            instance_wide: false,
            alone: false,
            on_grant_baseline: false,
            key: None,
            deadline,
            configured_lifespan: None,
            since_write: SinceWrite::default(),
            own_table_role_granted: Vec::new(),
        })
    }

    /// Before the scenario's first step: who it is, and, on a real instance, its turn beside the others
    /// (an instance-wide scenario has the instance alone from its first instance-wide change on: see
    /// [`Self::have_the_instance_alone`]); its time starts once it has its turn.
    pub(super) async fn begin(&mut self, key: ScenarioKey, id: &str, instance_wide: bool) {
        self.scenario_id = format!("CC-{id}");
        self.scenario_number = format!("s{}", self.context.next_scenario_number());
        self.instance_wide = instance_wide;
        if self.context.run.target.url().is_some() {
            let turns = &self.context.turns;
            turns.take(&key, &self.scenario_id).await;
        }
        self.key = Some(key);
        self.deadline.start(self.context.run.scenario_timeout);
    }

    /// Before an instance-wide change: the instance to the scenario alone, from now to the scenario's end,
    /// once the scenarios beside it are done. An instance-wide scenario sets up (its users, endpoints, APIs)
    /// beside the others and runs alone only from here; the time waited does not count against it.
    async fn have_the_instance_alone(&mut self) -> Result<(), String> {
        if self.alone {
            return Ok(());
        }
        self.alone = true;
        // A mock target's scenario has an instance of its own: no turns.
        let real_instance = self.context.run.target.url().is_some();
        let Some(key) = self.key.as_ref().filter(|_| real_instance) else {
            return Ok(());
        };
        let waited = self.context.turns.go_alone(key).await;
        self.deadline.extend(waited);
        // Scenarios alone while this one waited may have left the grant property off the run's baseline (one
        // that removes it leaves it removed): if this one set it up, it is set up again before the change.
        if self.on_grant_baseline {
            Box::pin(self.set_grant_property(Some("true"))).await?;
        }
        Ok(())
    }

    /// Waits `duration` without holding the scenario's turn on a real instance, so scenarios that must
    /// run alone can run meanwhile; the turn is taken again (after them) before the scenario goes on, and
    /// the time spent waiting for it does not count against the scenario's.
    pub(super) async fn wait_aside(&mut self, duration: std::time::Duration) -> Result<(), String> {
        let turns = self.context.turns.clone();
        let key = self.key.clone();
        if let Some(key) = &key {
            turns.step_aside(key);
        }
        let slept = self.deadline.sleep(duration).await;
        if let Some(key) = &key {
            self.deadline.extend(turns.rejoin(key).await);
        }
        slept.map_err(|time_up| time_up.to_string())
    }

    fn is_client_target(&self) -> bool {
        matches!(self.context.run.target, Target::Client { .. })
    }

    /// Sends a token request and keeps the response; it is sent again while a change settles.
    pub(super) async fn request_token(&mut self, request: TokenRequest) -> Result<(), String> {
        self.remember(Replay::Token(request.clone()));
        self.send_token_request(request).await
    }

    async fn send_token_request(&mut self, request: TokenRequest) -> Result<(), String> {
        let reply = self
            .servicenow
            .request_token(&request)
            .await
            .map_err(|e| e.to_string())?;
        self.replies.keep_token_reply(reply);
        Ok(())
    }

    pub(super) fn record_fact(&mut self, name: &str, value: Value) {
        self.facts.insert(name.to_owned(), value);
    }

    /// Hands the scenario's facts and redacted exchanges to the reports.
    pub(super) fn take_observation(&mut self) -> Observation {
        Observation {
            facts: std::mem::take(&mut self.facts),
            exchanges: self.servicenow.recorder().exchanges(),
            inconclusive: None,
        }
    }
}

//! One scenario's world: its own instance (a fresh mock, or the real target), the names it created, the
//! last response, and what it observed. Provisioning goes through the Table API on every target.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use crate::captured::{
    BASIC_ALLOWED_USERS_PROPERTY, BASIC_RESTRICTION_ACTIVE_PROPERTY,
    BASIC_RESTRICTION_ENFORCE_PROPERTY, GRANT_PROPERTY,
};
use crate::changes::{self, Grace, InstanceChange, Scope};
use crate::client::control::MockControl;
use crate::client::deadline::Deadline;
use crate::client::transport::RetryPolicy;
use crate::client::{Credentials, Reply, ServiceNow, TokenRequest};
use crate::mock::{Breaks, MockOptions, MockServer, Seed};
use crate::random;
use crate::report::Observation;
use crate::report::collector::ScenarioKey;

use super::context::{self, Context, Target};

/// A user the scenario named, as the instance knows it.
#[derive(Clone, Debug)]
pub struct User {
    pub user_name: String,
    /// Unknown on a client target until the token says who it acts as.
    pub sys_id: Option<String>,
    /// The password it signs in with over Basic, when the scenario gave it one.
    pub password: Option<SecretString>,
}

/// An OAuth API endpoint the scenario named.
#[derive(Clone)]
pub struct Endpoint {
    /// Unknown on a client target.
    pub sys_id: Option<String>,
    pub client_id: String,
    pub client_secret: SecretString,
}

#[derive(cucumber::World)]
#[world(init = Self::start)]
pub struct SuiteWorld {
    pub context: Arc<Context>,
    /// This scenario's own mock (mock target only); dropping the world stops it.
    _mock: Option<MockServer>,
    pub servicenow: ServiceNow,
    pub control: Option<MockControl>,
    admin: Option<Credentials>,
    users: HashMap<String, User>,
    endpoints: HashMap<String, Endpoint>,
    /// Every token response, newest last.
    pub replies: Vec<Reply>,
    /// The response to the last REST call made with (or without) a token.
    pub rest_reply: Option<Reply>,
    pub facts: BTreeMap<String, Value>,
    /// The numbers of the journaled changes this scenario made to a real instance (undone at its end).
    changes: Vec<u64>,
    /// Records as last seen (created, found or updated), by sys_id: their old values are journaled
    /// without reading them again.
    seen: HashMap<String, Value>,
    /// Whether this scenario changed the grant property away from the run's baseline (`true`).
    grant_changed: bool,
    /// The scenario's catalogue id (`CC-E4`), for what it prints while it runs.
    pub scenario_id: String,
    /// The scenario's number in the run (`s12`), part of the names it gives records on a real instance.
    scenario_number: String,
    /// Whether the scenario is tagged `@instance-wide`: it may change what every scenario depends on.
    instance_wide: bool,
    /// The scenario's place among the run's: its turn on a real instance is kept under it (by the run,
    /// never by the world, which cucumber may keep after the scenario).
    key: Option<ScenarioKey>,
    /// When the scenario's time is up (`--scenario-timeout`); its clients end every request by it.
    pub deadline: Deadline,
    /// The `access_token_lifespan` the scenario gave its endpoint, if it set one.
    pub configured_lifespan: Option<u64>,
    /// The auth scopes the scenario named (`sys_auth_scope` records), by logical name.
    auth_scopes: HashMap<String, Value>,
    /// The scenario's mappings of endpoints to auth scopes (`oauth_entity_auth_scope_mapping`), by
    /// endpoint and scope logical names.
    scope_mappings: HashMap<(String, String), Value>,
    /// The suite's own table, once the scenario has it.
    own_table: Option<String>,
}

/// Where a change to a real instance is undone: at the end of the scenario, or at the end of the run
/// (the grant property brought to the run's baseline, which every scenario beside it relies on).
#[derive(Clone, Copy, PartialEq, Eq)]
enum UndoAt {
    ScenarioEnd,
    RunEnd,
}

impl fmt::Debug for SuiteWorld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SuiteWorld")
            .field("target", &self.context.target.instance())
            .field("users", &self.users.keys().collect::<Vec<_>>())
            .field("endpoints", &self.endpoints.keys().collect::<Vec<_>>())
            .field("facts", &self.facts)
            .finish_non_exhaustive()
    }
}

impl SuiteWorld {
    async fn start() -> Result<SuiteWorld, std::io::Error> {
        let context = context::current();
        let (mock, base_url, admin) = match &context.target {
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
        let servicenow = ServiceNow::new(context.http.clone(), &base_url)
            .with_retry(retry)
            .with_deadline(deadline.clone());
        let control = mock.as_ref().map(|_| {
            MockControl::new(context.http.clone(), &base_url).with_deadline(deadline.clone())
        });
        for secret in admin.iter().flat_map(Credentials::secrets) {
            servicenow.recorder().know_secret(secret);
        }
        Ok(SuiteWorld {
            context,
            _mock: mock,
            servicenow,
            control,
            admin,
            users: HashMap::new(),
            endpoints: HashMap::new(),
            replies: Vec::new(),
            rest_reply: None,
            facts: BTreeMap::new(),
            changes: Vec::new(),
            seen: HashMap::new(),
            grant_changed: false,
            scenario_id: String::new(),
            scenario_number: String::new(),
            instance_wide: false,
            key: None,
            deadline,
            configured_lifespan: None,
            auth_scopes: HashMap::new(),
            scope_mappings: HashMap::new(),
            own_table: None,
        })
    }

    /// Before the scenario's first step: who it is, and, on a real instance, its turn (an instance-wide
    /// scenario runs alone; the others run side by side); its time starts once it has its turn.
    pub async fn begin(&mut self, key: ScenarioKey, id: &str, instance_wide: bool) {
        self.scenario_id = format!("CC-{id}");
        self.scenario_number = format!("s{}", self.context.next_scenario_number());
        self.instance_wide = instance_wide;
        if self.context.target.url().is_some() {
            let turns = &self.context.turns;
            turns.take(&key, &self.scenario_id, instance_wide).await;
        }
        self.key = Some(key);
        self.deadline.start(self.context.scenario_timeout);
    }

    /// Waits `duration` without holding the scenario's turn on a real instance, so scenarios that must
    /// run alone can run meanwhile; the turn is taken again (after them) before the scenario goes on, and
    /// the time spent waiting for it does not count against the scenario's.
    pub async fn wait_aside(&mut self, duration: std::time::Duration) -> Result<(), String> {
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
        matches!(self.context.target, Target::Client { .. })
    }

    /// Admin credentials, or why this target has none.
    pub fn admin(&self) -> Result<&Credentials, String> {
        self.admin
            .as_ref()
            .ok_or_else(|| "this step changes the instance and needs an admin target".to_owned())
    }

    /// The name a logical name gets on the instance: as written on the mock; on a real one prefixed with
    /// the run's prefix and the scenario's number, so scenarios side by side never share a record and a
    /// search for one scenario's record never finds another's.
    fn instance_name(&self, logical: &str) -> String {
        match self.context.target {
            Target::Mock { .. } => logical.to_owned(),
            _ => format!("{}{}-{logical}", self.context.prefix, self.scenario_number),
        }
    }

    /// The name a logical name gets for a record the whole run shares ([`Self::shared_record`]): as
    /// written on the mock; on a real one prefixed with the run's prefix only.
    fn shared_name(&self, logical: &str) -> String {
        match self.context.target {
            Target::Mock { .. } => logical.to_owned(),
            _ => format!("{}{logical}", self.context.prefix),
        }
    }

    /// Writes a change to the run's journal before it is made (real instances only); returns its number.
    /// A change undone at the scenario's end is kept in the scenario's list.
    fn announce(&mut self, at: UndoAt, pending: &InstanceChange) -> Result<Option<u64>, String> {
        let Some(journal) = &self.context.journal else {
            return Ok(None);
        };
        let number = journal
            .announce(pending)
            .map_err(|error| journal_error(journal, error))?;
        if at == UndoAt::ScenarioEnd {
            self.changes.push(number);
        }
        Ok(Some(number))
    }

    /// Journals how an announced create ended: its sys_id, refused (a 4xx: nothing was made), or unknown
    /// (no answer, or a 5xx: a search settles it when the change is undone).
    fn settle_create(
        &self,
        change: Option<u64>,
        reply: &Result<Reply, crate::client::TransportError>,
    ) -> Result<(), String> {
        let (Some(journal), Some(change)) = (&self.context.journal, change) else {
            return Ok(());
        };
        let written = match reply {
            Ok(reply) if reply.status == 201 => match reply.result() {
                Some(created) => journal.created(change, &text(&created, "sys_id")),
                None => journal.unanswered(change),
            },
            Ok(reply) if (400..500).contains(&reply.status) && reply.status != 429 => {
                journal.refused(change)
            }
            _ => journal.unanswered(change),
        };
        written.map_err(|error| journal_error(journal, error))
    }

    pub fn user(&self, logical: &str) -> Result<&User, String> {
        self.users
            .get(logical)
            .ok_or_else(|| format!("no user \"{logical}\" in this scenario"))
    }

    pub fn endpoint(&self, logical: &str) -> Result<&Endpoint, String> {
        self.endpoints
            .get(logical)
            .ok_or_else(|| format!("no OAuth API endpoint \"{logical}\" in this scenario"))
    }

    /// The client ids of every endpoint the scenario named.
    pub fn client_ids(&self) -> Vec<String> {
        let endpoints = self.endpoints.values();
        endpoints
            .map(|endpoint| endpoint.client_id.clone())
            .collect()
    }

    // --- Table API, as admin -------------------------------------------------------------

    /// Creates a record and returns it; on a real instance, journaled first and deleted afterwards.
    pub async fn create(&mut self, table: &str, record: Value) -> Result<Value, String> {
        self.create_undone_at(UndoAt::ScenarioEnd, table, record, &[])
            .await
    }

    async fn create_undone_at(
        &mut self,
        at: UndoAt,
        table: &str,
        record: Value,
        query: &[(&str, &str)],
    ) -> Result<Value, String> {
        let change = self.announce(at, &created_change(table, &record))?;
        let reply = self
            .servicenow
            .create_with(self.admin()?, table, &record, query)
            .await;
        self.settle_create(change, &reply)?;
        let reply = reply.map_err(|e| e.to_string())?;
        let created = expect_result(&reply, 201, &format!("create a {table} record"))?;
        self.seen.insert(text(&created, "sys_id"), created.clone());
        Ok(created)
    }

    /// Changes a record's fields; on a real instance, their old values are journaled first.
    pub async fn update(
        &mut self,
        table: &str,
        sys_id: &str,
        changes: Value,
    ) -> Result<(), String> {
        self.update_undone_at(UndoAt::ScenarioEnd, table, sys_id, changes)
            .await
    }

    async fn update_undone_at(
        &mut self,
        at: UndoAt,
        table: &str,
        sys_id: &str,
        changes: Value,
    ) -> Result<(), String> {
        if self.context.journal.is_some() {
            let before = match self.seen.get(sys_id) {
                Some(record) => record.clone(),
                None => {
                    let reply = self
                        .servicenow
                        .get(self.admin()?, table, sys_id)
                        .await
                        .map_err(|e| e.to_string())?;
                    expect_result(&reply, 200, &format!("read {table} {sys_id}"))?
                }
            };
            let previous: serde_json::Map<String, Value> = changes
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(name, _)| name.as_str() != "client_secret")
                .map(|(name, _)| (name.clone(), json!(text(&before, name))))
                .collect();
            self.announce(
                at,
                &InstanceChange::Updated {
                    table: table.into(),
                    sys_id: sys_id.into(),
                    previous,
                },
            )?;
        }
        let reply = self
            .servicenow
            .update(self.admin()?, table, sys_id, &changes)
            .await
            .map_err(|e| e.to_string())?;
        let updated = expect_result(&reply, 200, &format!("update {table} {sys_id}"))?;
        self.seen.insert(sys_id.to_owned(), updated);
        Ok(())
    }

    /// Deletes a record; on a real instance, its values (secrets left out) are journaled first.
    pub async fn delete(&mut self, table: &str, sys_id: &str, keep: Value) -> Result<(), String> {
        let previous = changes::without_secrets(&keep);
        self.announce(
            UndoAt::ScenarioEnd,
            &InstanceChange::Deleted {
                table: table.into(),
                sys_id: sys_id.into(),
                previous,
            },
        )?;
        let reply = self
            .servicenow
            .delete(self.admin()?, table, sys_id)
            .await
            .map_err(|e| e.to_string())?;
        if reply.status != 204 {
            return Err(format!(
                "deleting {table} {sys_id} answered {}: {}",
                reply.status, reply.body
            ));
        }
        Ok(())
    }

    /// Deletes a record that must stay deleted (revoked tokens): nothing to restore.
    pub async fn delete_for_good(&mut self, table: &str, sys_id: &str) -> Result<(), String> {
        let reply = self
            .servicenow
            .delete(self.admin()?, table, sys_id)
            .await
            .map_err(|e| e.to_string())?;
        match reply.status {
            204 => Ok(()),
            status => Err(format!(
                "deleting {table} {sys_id} answered {status}: {}",
                reply.body
            )),
        }
    }

    /// Creates a record with the scenario's token rather than as admin (an incident, for D4). On a real
    /// instance it is journaled first, like an admin create, so it is deleted afterwards.
    pub async fn create_with_token(&mut self, table: &str, record: Value) -> Result<Reply, String> {
        let token = Credentials::Bearer(self.current_token()?);
        let change = self.announce(UndoAt::ScenarioEnd, &created_change(table, &record))?;
        let reply = self.servicenow.create(&token, table, &record).await;
        self.settle_create(change, &reply)?;
        reply.map_err(|e| e.to_string())
    }

    /// A text that marks what the suite writes on a real instance as its own (the run's prefix).
    pub fn marked(&self, text: &str) -> String {
        format!("{}{text}", self.context.prefix)
    }

    /// Records matching an encoded query, as admin (remembered as seen).
    pub async fn find(&mut self, table: &str, query: &str) -> Result<Vec<Value>, String> {
        self.find_fields(table, query, None).await
    }

    /// Records matching an encoded query, as admin, only the named fields when `fields` is given
    /// (remembered as seen).
    pub async fn find_fields(
        &mut self,
        table: &str,
        query: &str,
        fields: Option<&str>,
    ) -> Result<Vec<Value>, String> {
        let mut params = vec![
            ("sysparm_query", query),
            ("sysparm_exclude_reference_link", "true"),
        ];
        params.extend(fields.map(|fields| ("sysparm_fields", fields)));
        let reply = self
            .servicenow
            .list(self.admin()?, table, &params)
            .await
            .map_err(|e| e.to_string())?;
        let found = expect_result(&reply, 200, &format!("query {table}"))?
            .as_array()
            .cloned()
            .unwrap_or_default();
        for record in &found {
            self.seen.insert(text(record, "sys_id"), record.clone());
        }
        Ok(found)
    }

    // --- The scenario's vocabulary ----------------------------------------------------------

    /// `a user "X"`: created on the mock or an admin target; the expected user on a client target.
    pub async fn add_user(&mut self, logical: &str) -> Result<(), String> {
        let user = match &self.context.target {
            Target::Client { expect_user, .. } => User {
                user_name: expect_user.clone(),
                sys_id: None,
                password: None,
            },
            _ => {
                let user_name = self.instance_name(logical);
                let record = json!({
                    "user_name": user_name,
                    "first_name": "sncc",
                    "last_name": logical,
                    "web_service_access_only": "true",
                });
                let created = self.create("sys_user", record).await?;
                User {
                    user_name,
                    sys_id: Some(text(&created, "sys_id")),
                    password: None,
                }
            }
        };
        self.users.insert(logical.to_owned(), user);
        Ok(())
    }

    /// `a user "X" who signs in with a password` (SPEC §10): a user with a random password, for Basic
    /// sign-ins; web-service-only or not. The password is set as its display value
    /// (`sysparm_input_display_value=true`), as an instance hashes a password written through the Table
    /// API.
    pub async fn add_user_with_password(
        &mut self,
        logical: &str,
        web_service_only: bool,
    ) -> Result<(), String> {
        if self.is_client_target() {
            return Err("a client target cannot create users".into());
        }
        let user_name = self.instance_name(logical);
        let password = SecretString::from(random::secret());
        self.servicenow.recorder().know_secret(&password);
        let record = json!({
            "user_name": user_name,
            "first_name": "sncc",
            "last_name": logical,
            "web_service_access_only": web_service_only.to_string(),
            "user_password": password.expose_secret(),
        });
        let query = [("sysparm_input_display_value", "true")];
        let created = self
            .create_undone_at(UndoAt::ScenarioEnd, "sys_user", record, &query)
            .await?;
        let user = User {
            user_name,
            sys_id: Some(text(&created, "sys_id")),
            password: Some(password),
        };
        self.users.insert(logical.to_owned(), user);
        Ok(())
    }

    /// `an OAuth API endpoint "C" whose OAuth Application User is "U"` (or none): the configured client on
    /// a client target.
    pub async fn add_endpoint(&mut self, logical: &str, user: Option<&str>) -> Result<(), String> {
        let endpoint = match &self.context.target {
            Target::Client {
                client_id,
                client_secret,
                ..
            } => Endpoint {
                sys_id: None,
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
            },
            _ => {
                let user_sys_id = match user {
                    Some(user) => self.user(user)?.sys_id.clone().unwrap_or_default(),
                    None => String::new(),
                };
                let secret = SecretString::from(random::secret());
                self.servicenow.recorder().know_secret(&secret);
                let record = json!({
                    "name": self.instance_name(logical),
                    "type": "client",
                    "client_secret": secret.expose_secret(),
                    "user": user_sys_id,
                    "default_grant_type": "client_credentials",
                });
                let created = self.create("oauth_entity", record).await?;
                let client_id = text(&created, "client_id");
                if client_id.is_empty() {
                    return Err("the new OAuth API endpoint has no client_id".into());
                }
                Endpoint {
                    sys_id: Some(text(&created, "sys_id")),
                    client_id,
                    client_secret: secret,
                }
            }
        };
        self.endpoints.insert(logical.to_owned(), endpoint);
        Ok(())
    }

    /// Sets the grant property (`None` removes it), read afresh from the instance first: an earlier
    /// scenario may have left it otherwise. `"true"` is the run's baseline: bringing it there is undone
    /// at the end of the run, and only a scenario tagged `@instance-wide` (which runs alone) may move it
    /// away. On a client target the property cannot be seen: `"true"` is what such a run presumes.
    pub async fn set_grant_property(&mut self, value: Option<&str>) -> Result<(), String> {
        if self.is_client_target() {
            return match value {
                Some("true") => Ok(()),
                _ => Err("a client target cannot change the grant property".into()),
            };
        }
        let to_baseline = value == Some("true") && !self.grant_changed;
        if !to_baseline && !self.instance_wide {
            return Err(format!(
                "{} changes the grant property but is not tagged @instance-wide, so it would run beside scenarios that need it",
                self.scenario_id
            ));
        }
        let context = self.context.clone();
        let _one_at_a_time = match to_baseline {
            true => Some(context.grant_baseline.lock().await),
            false => None,
        };
        let at = match to_baseline {
            true => UndoAt::RunEnd,
            false => {
                self.grant_changed = true;
                UndoAt::ScenarioEnd
            }
        };
        let now = self
            .find("sys_properties", &format!("name={GRANT_PROPERTY}"))
            .await?
            .first()
            .cloned();
        if to_baseline {
            let found = now.as_ref().map(|property| text(property, "value"));
            let mut before_run = self
                .context
                .grant_property_before_run
                .lock()
                .expect("grant property lock");
            before_run.get_or_insert(found);
        }
        match (now, value) {
            (Some(property), Some(value)) if text(&property, "value") == value => Ok(()),
            (Some(property), Some(value)) => {
                let sys_id = text(&property, "sys_id");
                self.update_undone_at(at, "sys_properties", &sys_id, json!({ "value": value }))
                    .await
            }
            (None, Some(value)) => {
                let record = json!({ "name": GRANT_PROPERTY, "type": "boolean", "value": value });
                self.create_undone_at(at, "sys_properties", record, &[])
                    .await
                    .map(drop)
            }
            (Some(property), None) => {
                // The whole record is kept (its description too), so restoring it recreates it as it was.
                let sys_id = text(&property, "sys_id");
                self.delete("sys_properties", &sys_id, property).await
            }
            (None, None) => Ok(()),
        }
    }

    /// Sets an instance-wide property other than the grant's (`None` removes it), read afresh first; only
    /// a scenario tagged `@instance-wide` may, and it is undone at the scenario's end.
    pub async fn set_instance_property(
        &mut self,
        name: &str,
        kind: &str,
        value: Option<&str>,
    ) -> Result<(), String> {
        if !self.instance_wide {
            return Err(format!(
                "{} changes the instance-wide property {name} but is not tagged @instance-wide",
                self.scenario_id
            ));
        }
        let now = self
            .find("sys_properties", &format!("name={name}"))
            .await?
            .first()
            .cloned();
        match (now, value) {
            (Some(property), Some(value)) if text(&property, "value") == value => Ok(()),
            (Some(property), Some(value)) => {
                let sys_id = text(&property, "sys_id");
                self.update("sys_properties", &sys_id, json!({ "value": value }))
                    .await
            }
            (None, Some(value)) => {
                let record = json!({ "name": name, "type": kind, "value": value });
                self.create("sys_properties", record).await.map(drop)
            }
            (Some(property), None) => {
                let sys_id = text(&property, "sys_id");
                self.delete("sys_properties", &sys_id, property).await
            }
            (None, None) => Ok(()),
        }
    }

    /// Turns the Basic auth restriction on and enforcing (SPEC §10), undone at the scenario's end. An admin
    /// on Basic is listed in `allowed_users` first, so the scenario, its undoing and the run go on; a
    /// real instance's admin on Basic never gets here (the selection skips these scenarios: an undo
    /// that took the listing away before the enforcement would lock it out).
    pub async fn enforce_basic_restriction(&mut self) -> Result<(), String> {
        if matches!(self.admin()?, Credentials::Basic { .. }) {
            let admin = self.admin()?.clone();
            let reply = self.servicenow.current_user(&admin).await;
            let me = expect_result(
                &reply.map_err(|e| e.to_string())?,
                200,
                "ask who the admin is",
            )?;
            let sys_id = text(&me, "user_sys_id");
            let listed = self
                .find(
                    "sys_properties",
                    &format!("name={BASIC_ALLOWED_USERS_PROPERTY}"),
                )
                .await?
                .first()
                .map(|property| text(property, "value"))
                .unwrap_or_default();
            if !listed.split(',').any(|listed| listed.trim() == sys_id) {
                let users = match listed.trim() {
                    "" => sys_id,
                    others => format!("{others},{sys_id}"),
                };
                self.set_instance_property(BASIC_ALLOWED_USERS_PROPERTY, "string", Some(&users))
                    .await?;
            }
        }
        for property in [
            BASIC_RESTRICTION_ACTIVE_PROPERTY,
            BASIC_RESTRICTION_ENFORCE_PROPERTY,
        ] {
            self.set_instance_property(property, "boolean", Some("true"))
                .await?;
        }
        Ok(())
    }

    /// A record every scenario of the run may share: on a real instance created once (journaled, undone
    /// at the end of the run) and found again by its table and `name`; on the mock, made in the
    /// scenario's own instance.
    pub async fn shared_record(&mut self, table: &str, record: Value) -> Result<Value, String> {
        if self.context.journal.is_none() {
            return self.create(table, record).await;
        }
        let key = format!("{table} {}", text(&record, "name"));
        let context = self.context.clone();
        let mut shared = context.shared_records.lock().await;
        if let Some(found) = shared.get(&key) {
            return Ok(found.clone());
        }
        let created = self
            .create_undone_at(UndoAt::RunEnd, table, record, &[])
            .await?;
        shared.insert(key, created.clone());
        Ok(created)
    }

    /// The suite's own table (SPEC §7): `u_sncc_<run>` on a real instance, created through
    /// `sys_db_object` once a run; a table of the scenario's own mock otherwise. Auth scopes are bound
    /// to it and to nothing the instance already uses.
    pub async fn own_table(&mut self) -> Result<String, String> {
        if let Some(table) = &self.own_table {
            return Ok(table.clone());
        }
        let name = match self.context.target {
            Target::Mock { .. } => "u_sncc_suite".to_owned(),
            _ => {
                let run = self.context.prefix.trim_start_matches("sncc-");
                format!("u_sncc_{}", run.trim_end_matches('-'))
            }
        };
        let record = json!({
            "name": name,
            "label": self.marked("conformance check table"),
        });
        self.shared_record("sys_db_object", record).await?;
        self.own_table = Some(name.clone());
        Ok(name)
    }

    /// `an auth scope "X"`: a `sys_auth_scope` of the suite's, shared by the run on a real instance.
    pub async fn add_auth_scope(&mut self, logical: &str) -> Result<(), String> {
        let record = json!({
            "name": self.shared_name(logical),
            "description": self.marked("conformance check auth scope"),
        });
        let created = self.shared_record("sys_auth_scope", record).await?;
        self.auth_scopes.insert(logical.to_owned(), created);
        Ok(())
    }

    /// An auth scope by logical name: the scenario's own, else one the instance has by that exact name
    /// (the seeded `useraccount`).
    pub async fn auth_scope(&mut self, logical: &str) -> Result<Value, String> {
        if let Some(scope) = self.auth_scopes.get(logical) {
            return Ok(scope.clone());
        }
        self.find("sys_auth_scope", &format!("name={logical}"))
            .await?
            .first()
            .cloned()
            .ok_or_else(|| format!("the instance has no auth scope {logical}"))
    }

    /// Maps an endpoint to an auth scope (an `oauth_entity_auth_scope_mapping`, undone at the end).
    pub async fn map_to_scope(&mut self, endpoint: &str, scope: &str) -> Result<(), String> {
        let entity = self
            .endpoint(endpoint)?
            .sys_id
            .clone()
            .ok_or("this target cannot map endpoints to scopes")?;
        let scope_sys_id = text(&self.auth_scope(scope).await?, "sys_id");
        let record = json!({ "oauth_entity": entity, "auth_scope": scope_sys_id });
        let created = self
            .create("oauth_entity_auth_scope_mapping", record)
            .await?;
        self.scope_mappings
            .insert((endpoint.to_owned(), scope.to_owned()), created);
        Ok(())
    }

    /// Binds an auth scope to the suite's own table (a `sys_api_access_scope`, undone at the end), for
    /// one method or, with `None`, all. A binding is instance-wide state: only a scenario tagged
    /// `@instance-wide` (which runs alone) may make one, and only ever on the suite's own table.
    pub async fn protect_own_table(
        &mut self,
        scope: &str,
        method: Option<&str>,
    ) -> Result<(), String> {
        if !self.instance_wide {
            return Err(format!(
                "{} binds an auth scope to an API but is not tagged @instance-wide",
                self.scenario_id
            ));
        }
        let table = self.own_table().await?;
        let scope_sys_id = text(&self.auth_scope(scope).await?, "sys_id");
        let record = json!({
            "auth_scope": scope_sys_id,
            "api_path": format!("now/table/{table}"),
            "http_method": method.unwrap_or_default(),
            "apply_all_methods": method.is_none().to_string(),
            "apply_all_resources": "true",
            "apply_all_versions": "true",
            "active": "true",
        });
        self.create("sys_api_access_scope", record).await.map(drop)
    }

    /// Removes a mapping the scenario made.
    pub async fn unmap_from_scope(&mut self, endpoint: &str, scope: &str) -> Result<(), String> {
        let key = (endpoint.to_owned(), scope.to_owned());
        let mapping = self.scope_mappings.remove(&key).ok_or_else(|| {
            format!("\"{endpoint}\" was not mapped to \"{scope}\" in this scenario")
        })?;
        let sys_id = text(&mapping, "sys_id");
        self.delete("oauth_entity_auth_scope_mapping", &sys_id, mapping)
            .await
    }

    /// The name the instance knows an auth scope by.
    pub async fn auth_scope_name(&mut self, logical: &str) -> Result<String, String> {
        Ok(text(&self.auth_scope(logical).await?, "name"))
    }

    /// Changes an endpoint's fields.
    pub async fn update_endpoint(&mut self, logical: &str, changes: Value) -> Result<(), String> {
        let sys_id = self
            .endpoint(logical)?
            .sys_id
            .clone()
            .ok_or("this target cannot change endpoints")?;
        self.update("oauth_entity", &sys_id, changes).await
    }

    /// Gives an endpoint a new client secret, and uses it from then on.
    pub async fn set_client_secret(&mut self, logical: &str, secret: String) -> Result<(), String> {
        let secret = SecretString::from(secret);
        self.servicenow.recorder().know_secret(&secret);
        self.update_endpoint(logical, json!({ "client_secret": secret.expose_secret() }))
            .await?;
        if let Some(endpoint) = self.endpoints.get_mut(logical) {
            endpoint.client_secret = secret;
        }
        Ok(())
    }

    /// Changes a user's fields.
    pub async fn update_user(&mut self, logical: &str, changes: Value) -> Result<(), String> {
        let sys_id = self
            .user(logical)?
            .sys_id
            .clone()
            .ok_or("this target cannot change users")?;
        self.update("sys_user", &sys_id, changes).await
    }

    // --- Tokens and REST calls --------------------------------------------------------------

    /// Sends a token request and keeps the response.
    pub async fn request_token(&mut self, request: TokenRequest) -> Result<(), String> {
        let reply = self
            .servicenow
            .request_token(&request)
            .await
            .map_err(|e| e.to_string())?;
        self.replies.push(reply);
        Ok(())
    }

    /// The last token response.
    pub fn last_reply(&self) -> Result<&Reply, String> {
        self.replies
            .last()
            .ok_or_else(|| "no token was requested yet".to_owned())
    }

    /// The first access token issued in this scenario.
    pub fn first_token(&self) -> Result<SecretString, String> {
        self.replies
            .iter()
            .find_map(access_token)
            .ok_or_else(|| "no token was issued in this scenario".to_owned())
    }

    /// The newest access token issued in this scenario.
    pub fn current_token(&self) -> Result<SecretString, String> {
        self.replies
            .iter()
            .rev()
            .find_map(access_token)
            .ok_or_else(|| "no token was issued in this scenario".to_owned())
    }

    pub fn record_fact(&mut self, name: &str, value: Value) {
        self.facts.insert(name.to_owned(), value);
    }

    /// Hands the scenario's facts and redacted exchanges to the reports.
    pub fn take_observation(&mut self) -> Observation {
        Observation {
            facts: std::mem::take(&mut self.facts),
            exchanges: self.servicenow.recorder().exchanges(),
            inconclusive: None,
        }
    }

    /// Brings every record the scenario changed on a real instance back to its state before the
    /// scenario, marking its changes undone in the journal. Returns what could not be undone (it stays in
    /// the journal for the end of the run); a create whose answer was lost is left for the end of the run,
    /// which waits for late writes.
    pub async fn restore(&mut self) -> Vec<String> {
        let (Some(journal), Ok(admin)) = (self.context.journal.clone(), self.admin().cloned())
        else {
            return Vec::new();
        };
        let numbers = std::mem::take(&mut self.changes);
        if numbers.is_empty() {
            return Vec::new();
        }
        let grace = Grace {
            period: self.context.late_write_grace,
            wait: false,
        };
        changes::restore(
            &self.servicenow,
            &admin,
            &journal,
            Scope::Changes(&numbers),
            grace,
        )
        .await
        .problems
    }
}

/// The announcement of a create: a query that finds the record again, in case its answer is lost.
fn created_change(table: &str, record: &Value) -> InstanceChange {
    InstanceChange::Created {
        table: table.into(),
        sys_id: None,
        find_by: find_by(record),
    }
}

fn journal_error(journal: &changes::ChangeJournal, error: std::io::Error) -> String {
    format!(
        "cannot write the change journal {}: {error}",
        journal.path().display()
    )
}

/// An encoded query that finds a record again by what identifies it (for a create journaled before it
/// happened, in case the run dies before learning the sys_id).
fn find_by(record: &Value) -> String {
    [
        "user_name",
        "name",
        "user",
        "role",
        "short_description",
        "oauth_entity",
        "auth_scope",
        "api_path",
    ]
    .iter()
    .filter_map(|field| {
        let value = record.get(*field)?.as_str()?;
        Some(format!("{field}={value}"))
    })
    .collect::<Vec<_>>()
    .join("^")
}

/// The access token in a token response, if one was issued.
pub fn access_token(reply: &Reply) -> Option<SecretString> {
    let token = reply.json()?.get("access_token")?.as_str()?.to_owned();
    (reply.status == 200 && !token.is_empty()).then(|| SecretString::from(token))
}

/// A field of a record as text (references rendered without links).
pub fn text(record: &Value, field: &str) -> String {
    match &record[field] {
        Value::String(value) => value.clone(),
        Value::Object(reference) => reference
            .get("value")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    }
}

/// The `result` of a Table API reply with the expected status, or an error saying what went wrong.
pub fn expect_result(reply: &Reply, status: u16, what: &str) -> Result<Value, String> {
    if reply.status != status {
        return Err(format!(
            "could not {what}: the instance answered {} {}",
            reply.status, reply.body
        ));
    }
    reply
        .result()
        .ok_or_else(|| format!("could not {what}: no result in {}", reply.body))
}

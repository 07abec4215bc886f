//! The instance's records as the scenario's admin, through the Table API: on a real instance every write
//! is journaled before it is made, with what it replaces (secrets left out), read back (catalogue §15: a
//! record that does not hold what was written is a failed setup), and undone at the scenario's end, or at
//! the run's.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::changes::{self, ChangeEntry, ChangeJournal, Grace, InstanceChange, Scope};
use crate::client::{Credentials, Reply, ServiceNow, TransportError};
use crate::support::redact;

use crate::suite::table_reply::{expect_result, text};

/// Where a change to a real instance is undone: at the end of the scenario, or at the end of the run
/// (the grant property brought to the run's baseline, which every scenario beside it relies on).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum UndoAt {
    ScenarioEnd,
    RunEnd,
}

/// The Table API as the scenario's admin, each write journaled on a real instance and undone afterwards.
pub(crate) struct JournaledRecords {
    servicenow: ServiceNow,
    admin: Option<Credentials>,
    /// Where changes to a real instance are journaled before they are made (admin targets only).
    journal: Option<Arc<ChangeJournal>>,
    /// How long a create whose answer was lost may take to appear (`--late-write-grace`).
    late_write_grace: Duration,
    /// The numbers of the journaled changes this scenario made to a real instance (undone at its end), but
    /// those to [`INSTANCE_WIDE_TABLES`].
    changes: Vec<u64>,
    /// The numbers of its changes to [`INSTANCE_WIDE_TABLES`], undone first, within its turn.
    instance_wide: Vec<u64>,
    /// Records as last seen (created, found or updated), by sys_id: their old values are journaled
    /// without reading them again.
    seen: HashMap<String, Value>,
    /// How many writes the scenario has made (every target): a request after one may have to wait for the
    /// instance to see it (catalogue §15).
    writes: u64,
    /// Writes on a real instance whose record did not hold what was written: the scenario's setup failed,
    /// whatever step made them (catalogue §15).
    faults: Vec<String>,
}

impl JournaledRecords {
    pub(super) fn new(
        servicenow: ServiceNow,
        admin: Option<Credentials>,
        journal: Option<Arc<ChangeJournal>>,
        late_write_grace: Duration,
    ) -> JournaledRecords {
        JournaledRecords {
            servicenow,
            admin,
            journal,
            late_write_grace,
            changes: Vec::new(),
            instance_wide: Vec::new(),
            seen: HashMap::new(),
            writes: 0,
            faults: Vec::new(),
        }
    }

    /// How many writes the scenario has made so far.
    pub(crate) fn writes(&self) -> u64 {
        self.writes
    }

    /// The failed setups the scenario's writes met (records that did not hold what was written), taken.
    pub(crate) fn take_faults(&mut self) -> Vec<String> {
        std::mem::take(&mut self.faults)
    }

    /// catalogue §15: on a real instance, the record as the write's answer shows it must hold every field
    /// written (secrets, which read back masked, and directives to the instance aside); a record that does
    /// not is a failed setup, kept as a fault of the scenario and returned as the step's error.
    fn read_back(&mut self, table: &str, written: &Value, record: &Value) -> Result<(), String> {
        if self.journal.is_none() {
            return Ok(());
        }
        let differing: Vec<String> = redact::without_secrets(written)
            .iter()
            .filter(|(name, _)| !DIRECTIVES.contains(&name.as_str()))
            .filter_map(|(name, value)| {
                let wanted = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_owned);
                let held = record.get(name).map(|_| text(record, name));
                match held {
                    Some(held) if held == wanted => None,
                    Some(held) => Some(format!("{name} is \"{held}\", not \"{wanted}\"")),
                    None => Some(format!("{name} is not there")),
                }
            })
            .collect();
        if differing.is_empty() {
            return Ok(());
        }
        let fault = format!(
            "setup failed: the {table} record {} does not hold what was written: {}",
            text(record, "sys_id"),
            differing.join(", ")
        );
        self.faults.push(fault.clone());
        Err(fault)
    }

    /// Admin credentials, or why this target has none.
    pub(crate) fn admin(&self) -> Result<&Credentials, String> {
        self.admin
            .as_ref()
            .ok_or_else(|| "this step changes the instance and needs an admin target".to_owned())
    }

    /// Whether writes are journaled (a real instance with an admin): the mock needs no undoing.
    pub(crate) fn is_journaled(&self) -> bool {
        self.journal.is_some()
    }

    /// Writes a change to the run's journal before it is made (real instances only); returns its number.
    /// A change undone at the scenario's end is kept in the scenario's list.
    fn announce(&mut self, at: UndoAt, pending: &InstanceChange) -> Result<Option<u64>, String> {
        let Some(journal) = &self.journal else {
            return Ok(None);
        };
        let number = journal
            .announce(pending)
            .map_err(|error| journal_error(journal, error))?;
        if at == UndoAt::ScenarioEnd {
            match INSTANCE_WIDE_TABLES.contains(&table_of(pending)) {
                true => self.instance_wide.push(number),
                false => self.changes.push(number),
            }
        }
        Ok(Some(number))
    }

    /// Journals how an announced create ended: its sys_id, refused (a 4xx: nothing was made), or unknown
    /// (no answer, a 5xx, or a `202`, catalogue §15: the platform queued it, and a search settles it when the
    /// change is undone).
    fn settle_create(
        &self,
        change: Option<u64>,
        reply: &Result<Reply, TransportError>,
    ) -> Result<(), String> {
        let (Some(journal), Some(change)) = (&self.journal, change) else {
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

    /// Creates a record and returns it; on a real instance, journaled first and deleted afterwards.
    pub(crate) async fn create(&mut self, table: &str, record: Value) -> Result<Value, String> {
        self.create_undone_at(UndoAt::ScenarioEnd, table, record, &[])
            .await
    }

    pub(super) async fn create_undone_at(
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
        self.writes += 1;
        let reply = reply.map_err(|e| e.to_string())?;
        let created = expect_result(&reply, 201, &format!("create a {table} record"))?;
        self.seen.insert(text(&created, "sys_id"), created.clone());
        self.read_back(table, &record, &created)?;
        Ok(created)
    }

    /// Journals, before the write that makes the instance create them, records the run will own (a new
    /// table's role and access controls) as creates found by `find_by`: a run killed before it adopts them by
    /// sys_id leaves `sncc restore` a search that deletes every match. Gives the change's number, to
    /// [`Self::adopted`] once they are adopted.
    pub(super) fn foresee(
        &mut self,
        at: UndoAt,
        table: &str,
        find_by: String,
    ) -> Result<Option<u64>, String> {
        let foreseen = InstanceChange::Created {
            table: table.into(),
            sys_id: None,
            find_by,
        };
        self.announce(at, &foreseen)
    }

    /// Settles foreseen creates whose records are now adopted one by one: nothing is left for their searches.
    pub(super) fn adopted(&mut self, foreseen: &[u64]) -> Result<(), String> {
        let Some(journal) = &self.journal else {
            return Ok(());
        };
        for &change in foreseen {
            self.changes.retain(|number| *number != change);
            journal
                .append(&ChangeEntry::Undone { change })
                .map_err(|error| journal_error(journal, error))?;
        }
        Ok(())
    }

    /// Journals a record the instance made because of the run's write (a new table's role and access
    /// controls) as one the run created, so it is deleted with the run's own.
    pub(super) fn adopt(&mut self, at: UndoAt, table: &str, sys_id: &str) -> Result<(), String> {
        let adopted = InstanceChange::Created {
            table: table.into(),
            sys_id: None,
            find_by: format!("sys_id={sys_id}"),
        };
        let (Some(change), Some(journal)) = (self.announce(at, &adopted)?, &self.journal) else {
            return Ok(());
        };
        journal
            .created(change, sys_id)
            .map_err(|error| journal_error(journal, error))
    }

    /// Changes a record's fields; on a real instance, their old values (secrets left out) are journaled
    /// first.
    pub(crate) async fn update(
        &mut self,
        table: &str,
        sys_id: &str,
        changes: Value,
    ) -> Result<(), String> {
        self.update_undone_at(UndoAt::ScenarioEnd, table, sys_id, changes)
            .await
    }

    pub(super) async fn update_undone_at(
        &mut self,
        at: UndoAt,
        table: &str,
        sys_id: &str,
        changes: Value,
    ) -> Result<(), String> {
        self.update_with(at, table, sys_id, changes, &[]).await
    }

    /// Changes a record's fields with `sysparm_*` parameters (`sysparm_input_display_value=true`), journaled
    /// and read back like any update.
    pub(super) async fn update_with(
        &mut self,
        at: UndoAt,
        table: &str,
        sys_id: &str,
        changes: Value,
        query: &[(&str, &str)],
    ) -> Result<(), String> {
        if self.journal.is_some() {
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
            let previous = redact::without_secrets(&changes)
                .keys()
                .map(|name| (name.clone(), json!(text(&before, name))))
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
            .update_with(self.admin()?, table, sys_id, &changes, query)
            .await;
        self.writes += 1;
        let reply = reply.map_err(|e| e.to_string())?;
        let updated = expect_result(&reply, 200, &format!("update {table} {sys_id}"))?;
        self.seen.insert(sys_id.to_owned(), updated.clone());
        self.read_back(table, &changes, &updated)
    }

    /// Deletes a record; on a real instance, its values (secrets left out) are journaled first.
    pub(crate) async fn delete(
        &mut self,
        table: &str,
        sys_id: &str,
        keep: Value,
    ) -> Result<(), String> {
        let previous = redact::without_secrets(&keep);
        self.announce(
            UndoAt::ScenarioEnd,
            &InstanceChange::Deleted {
                table: table.into(),
                sys_id: sys_id.into(),
                previous,
            },
        )?;
        let reply = self.servicenow.delete(self.admin()?, table, sys_id).await;
        self.writes += 1;
        let reply = reply.map_err(|e| e.to_string())?;
        if reply.status != 204 {
            return Err(format!(
                "deleting {table} {sys_id} answered {}: {}",
                reply.status, reply.body
            ));
        }
        Ok(())
    }

    /// Deletes a record that must stay deleted (revoked tokens): nothing to restore.
    pub(crate) async fn delete_for_good(
        &mut self,
        table: &str,
        sys_id: &str,
    ) -> Result<(), String> {
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

    /// Creates a record with other credentials than the admin's (the scenario's token: an incident, for
    /// D4). On a real instance it is journaled first, like an admin create, so it is deleted afterwards.
    pub(crate) async fn create_as(
        &mut self,
        credentials: &Credentials,
        table: &str,
        record: Value,
    ) -> Result<Reply, String> {
        let change = self.announce(UndoAt::ScenarioEnd, &created_change(table, &record))?;
        let reply = self.servicenow.create(credentials, table, &record).await;
        self.writes += 1;
        self.settle_create(change, &reply)?;
        reply.map_err(|e| e.to_string())
    }

    /// Records matching an encoded query, as admin (remembered as seen).
    pub(crate) async fn find(&mut self, table: &str, query: &str) -> Result<Vec<Value>, String> {
        self.find_fields(table, query, None).await
    }

    /// Records matching an encoded query, as admin, only the named fields when `fields` is given
    /// (remembered as seen).
    pub(crate) async fn find_fields(
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

    /// Brings every record of [`INSTANCE_WIDE_TABLES`] the scenario changed on a real instance back to its
    /// state before the scenario, like [`Self::restore`]: done first, before the scenario's turn ends.
    pub(crate) async fn restore_instance_wide(&mut self) -> Vec<String> {
        let numbers = std::mem::take(&mut self.instance_wide);
        self.restore_changes(numbers).await
    }

    /// Brings every other record the scenario changed on a real instance back to its state before the
    /// scenario, marking its changes undone in the journal. Returns what could not be undone (it stays in
    /// the journal for the end of the run); a create whose answer was lost is left for the end of the run,
    /// which waits for late writes.
    pub(crate) async fn restore(&mut self) -> Vec<String> {
        let numbers = std::mem::take(&mut self.changes);
        self.restore_changes(numbers).await
    }

    async fn restore_changes(&self, numbers: Vec<u64>) -> Vec<String> {
        let (Some(journal), Ok(admin)) = (self.journal.clone(), self.admin().cloned()) else {
            return Vec::new();
        };
        if numbers.is_empty() {
            return Vec::new();
        }
        let grace = Grace {
            period: self.late_write_grace,
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

/// Tables whose records every scenario shares: the system properties (the grant property, the scope check's
/// switch) and the bindings of APIs to scopes. A scenario's changes to them are undone before its turn ends;
/// the rest of its undo (its own users, entities, their tokens and roles) overlaps the next scenario's turn.
/// Kept for what it buys: an `@instance-wide` scenario's private undo (5 to 8 requests of each) left the path
/// every other scenario waits on (the latency bench, 150 ms a request: see benches/latency.rs).
const INSTANCE_WIDE_TABLES: [&str; 2] = ["sys_properties", "sys_api_access_scope"];

/// The table a change is made to.
fn table_of(change: &InstanceChange) -> &str {
    match change {
        InstanceChange::Created { table, .. }
        | InstanceChange::Updated { table, .. }
        | InstanceChange::Deleted { table, .. } => table,
    }
}

/// Fields a write gives the instance that are not stored as written: `sys_db_object`'s
/// `create_access_controls` (an instruction) and `user_role` (a role name, stored as the role's sys_id).
const DIRECTIVES: [&str; 2] = ["create_access_controls", "user_role"];

/// The announcement of a create: a query that finds the record again, in case its answer is lost.
fn created_change(table: &str, record: &Value) -> InstanceChange {
    InstanceChange::Created {
        table: table.into(),
        sys_id: None,
        find_by: find_by(record),
    }
}

fn journal_error(journal: &ChangeJournal, error: std::io::Error) -> String {
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
        "api_access_policy",
    ]
    .iter()
    .filter_map(|field| {
        let value = record.get(*field)?.as_str()?;
        Some(format!("{field}={value}"))
    })
    .collect::<Vec<_>>()
    .join("^")
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    /// Records journaled to a file of their own, against an instance that answers a create with `answer`.
    async fn instance_answering(
        answer: Value,
        journal: &std::path::Path,
    ) -> (MockServer, JournaledRecords) {
        crate::support::crypto::install_default_crypto_provider();
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/api/now/table/sys_user"))
            .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "result": answer })))
            .mount(&server)
            .await;
        let servicenow = ServiceNow::new(reqwest::Client::new(), &server.uri());
        let admin = Credentials::Basic {
            user: "admin".into(),
            password: SecretString::from("pw"),
        };
        let journal = Arc::new(ChangeJournal::create(journal).expect("a journal"));
        let records = JournaledRecords::new(servicenow, Some(admin), Some(journal), Duration::ZERO);
        (server, records)
    }

    #[tokio::test]
    async fn a_record_that_does_not_hold_what_was_written_is_a_failed_setup() {
        let dir = std::env::temp_dir().join(format!("sncc-read-back-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a folder");
        let written = json!({
            "user_name": "sncc-x-1-u",
            "web_service_access_only": "true",
            "user_password": "Secret+16chars/Aa7!",
        });

        let held = json!({ "sys_id": "u1", "user_name": "sncc-x-1-u", "web_service_access_only": "true",
                           "user_password": "********" });
        let (_server, mut records) = instance_answering(held, &dir.join("held.jsonl")).await;
        assert!(records.create("sys_user", written.clone()).await.is_ok());
        assert!(
            records.take_faults().is_empty(),
            "a secret reads back masked"
        );

        let dropped = json!({ "sys_id": "u2", "user_name": "sncc-x-1-u", "web_service_access_only": "false",
                              "user_password": "********" });
        let (_server, mut records) = instance_answering(dropped, &dir.join("dropped.jsonl")).await;
        let error = records.create("sys_user", written).await.unwrap_err();
        assert!(
            error
                .starts_with("setup failed: the sys_user record u2 does not hold what was written")
                && error.contains("web_service_access_only is \"false\", not \"true\""),
            "{error}"
        );
        assert!(!error.contains("Secret+16chars"), "{error}");
        assert_eq!(records.take_faults(), [error]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

//! The change journal of a run against a real instance: every change is written to a file before it is
//! made, with what it replaces, so it can be undone at the end of the run or by `sncc restore` after a crash.
//!
//! Undoing consolidates the outstanding changes per record and brings each record to its state before
//! them: a record the run created is deleted (never re-created), a record that existed gets its earliest
//! journaled values back (re-created with its sys_id if the run deleted it). A create whose outcome is
//! unknown (no answer, or the run died) is settled only by a search, and only once a grace period for a
//! late write has passed.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::{Credentials, Reply, ServiceNow, TransportError};
use crate::redact;

/// How long, by default, a create that got no answer may still land on the instance.
pub const DEFAULT_LATE_WRITE_GRACE: Duration = Duration::from_secs(10);

/// One line of the journal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "entry", rename_all = "snake_case")]
pub enum ChangeEntry {
    /// The first line: which instance the changes are made to.
    Begin { instance: String, prefix: String },
    /// A record is about to be created; `find_by` (an encoded query) finds it if the run dies before `Created`.
    Create {
        change: u64,
        table: String,
        find_by: String,
        /// When it was announced (unix seconds); absent in journals of older versions.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<u64>,
    },
    /// The record of change `change` was created with this sys_id.
    Created { change: u64, sys_id: String },
    /// The create of change `change` was refused (a 4xx answer): nothing was made.
    Refused { change: u64 },
    /// The create of change `change` got no answer, or a 5xx one: it may still land.
    Unanswered {
        change: u64,
        /// When the client gave up (unix seconds).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<u64>,
    },
    /// These fields of a record are about to change; their values before.
    Update {
        change: u64,
        table: String,
        sys_id: String,
        previous: Map<String, Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<u64>,
    },
    /// A record is about to be deleted; its values before (secrets left out).
    Delete {
        change: u64,
        table: String,
        sys_id: String,
        previous: Map<String, Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<u64>,
    },
    /// Change `change` was undone.
    Undone { change: u64 },
}

/// A change still to undo.
#[derive(Clone, Debug, PartialEq)]
pub enum InstanceChange {
    Created {
        table: String,
        sys_id: Option<String>,
        find_by: String,
    },
    Updated {
        table: String,
        sys_id: String,
        previous: Map<String, Value>,
    },
    Deleted {
        table: String,
        sys_id: String,
        previous: Map<String, Value>,
    },
}

impl InstanceChange {
    /// The journal line announcing this change before it is made.
    fn announcement(&self, change: u64, at: Option<u64>) -> ChangeEntry {
        match self.clone() {
            InstanceChange::Created { table, find_by, .. } => ChangeEntry::Create {
                change,
                table,
                find_by,
                at,
            },
            InstanceChange::Updated {
                table,
                sys_id,
                previous,
            } => ChangeEntry::Update {
                change,
                table,
                sys_id,
                previous,
                at,
            },
            InstanceChange::Deleted {
                table,
                sys_id,
                previous,
            } => ChangeEntry::Delete {
                change,
                table,
                sys_id,
                previous,
                at,
            },
        }
    }

    fn table(&self) -> &str {
        match self {
            InstanceChange::Created { table, .. }
            | InstanceChange::Updated { table, .. }
            | InstanceChange::Deleted { table, .. } => table,
        }
    }
}

/// An append-only journal file, flushed to disk line by line.
pub struct ChangeJournal {
    path: PathBuf,
    file: Mutex<File>,
    next_change: AtomicU64,
}

impl ChangeJournal {
    /// Starts a new journal; refuses to overwrite an existing file (it may hold changes still to undo).
    pub fn create(path: &Path) -> std::io::Result<ChangeJournal> {
        let file = OpenOptions::new().write(true).create_new(true).open(path)?;
        Ok(ChangeJournal {
            path: path.to_owned(),
            file: Mutex::new(file),
            next_change: AtomicU64::new(1),
        })
    }

    /// Reopens an existing journal to append to it (`sncc restore`); new changes get numbers after its own.
    pub fn reopen(path: &Path) -> std::io::Result<ChangeJournal> {
        let last = read(path)?
            .iter()
            .filter_map(ChangeEntry::change)
            .max()
            .unwrap_or(0);
        let file = OpenOptions::new().append(true).open(path)?;
        Ok(ChangeJournal {
            path: path.to_owned(),
            file: Mutex::new(file),
            next_change: AtomicU64::new(last + 1),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Numbers the change, journals its announcement (with a timestamp) and syncs; the change may then be made.
    pub fn announce(&self, change: &InstanceChange) -> std::io::Result<u64> {
        let number = self.next_change.fetch_add(1, Ordering::Relaxed);
        self.append(&change.announcement(number, Some(unix_now())))?;
        Ok(number)
    }

    /// The announced create `change` made a record with this sys_id.
    pub fn created(&self, change: u64, sys_id: &str) -> std::io::Result<()> {
        self.append(&ChangeEntry::Created {
            change,
            sys_id: sys_id.to_owned(),
        })
    }

    /// The announced create `change` was refused (a 4xx answer): nothing was made, nothing to undo.
    pub fn refused(&self, change: u64) -> std::io::Result<()> {
        self.append(&ChangeEntry::Refused { change })
    }

    /// The announced create `change` got no answer or a 5xx one: whether it was made is unknown.
    pub fn unanswered(&self, change: u64) -> std::io::Result<()> {
        self.append(&ChangeEntry::Unanswered {
            change,
            at: Some(unix_now()),
        })
    }

    /// Writes one entry and syncs it to disk before returning.
    pub fn append(&self, entry: &ChangeEntry) -> std::io::Result<()> {
        let mut line = serde_json::to_string(entry).map_err(std::io::Error::other)?;
        line.push('\n');
        let mut file = crate::lock(&self.file);
        file.write_all(line.as_bytes())?;
        file.sync_data()
    }
}

impl ChangeEntry {
    /// The number of the change this entry is about.
    fn change(&self) -> Option<u64> {
        match self {
            ChangeEntry::Begin { .. } => None,
            ChangeEntry::Create { change, .. }
            | ChangeEntry::Created { change, .. }
            | ChangeEntry::Refused { change }
            | ChangeEntry::Unanswered { change, .. }
            | ChangeEntry::Update { change, .. }
            | ChangeEntry::Delete { change, .. }
            | ChangeEntry::Undone { change } => Some(*change),
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

fn unix_now_f64() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |elapsed| elapsed.as_secs_f64())
}

/// The instance a journal's changes were made to.
pub fn instance(entries: &[ChangeEntry]) -> Option<&str> {
    entries.iter().find_map(|entry| match entry {
        ChangeEntry::Begin { instance, .. } => Some(instance.as_str()),
        _ => None,
    })
}

/// Reads a journal file; a torn last line (the run died while writing it) is ignored.
pub fn read(path: &Path) -> std::io::Result<Vec<ChangeEntry>> {
    let reader = BufReader::new(File::open(path)?);
    let mut entries = Vec::new();
    for line in reader.lines() {
        match serde_json::from_str(&line?) {
            Ok(entry) => entries.push(entry),
            Err(_) => break,
        }
    }
    Ok(entries)
}

/// A change not yet undone, with when a create of unknown outcome was last possibly in flight.
#[derive(Clone, Debug)]
struct Pending {
    number: u64,
    change: InstanceChange,
    /// For a create whose outcome is unknown: when it was sent or given up on (unix seconds; `None` in
    /// journals of older versions).
    since: Option<u64>,
}

/// The changes not yet undone, oldest first; a refused create made nothing and is not among them.
fn pending(entries: &[ChangeEntry]) -> Vec<Pending> {
    let mut undone = HashSet::new();
    let mut refused = HashSet::new();
    for entry in entries {
        match entry {
            ChangeEntry::Undone { change } => {
                undone.insert(*change);
            }
            ChangeEntry::Refused { change } => {
                refused.insert(*change);
            }
            _ => {}
        }
    }
    let created_id = |wanted: u64| {
        entries.iter().find_map(|entry| match entry {
            ChangeEntry::Created { change, sys_id } if *change == wanted => Some(sys_id.clone()),
            _ => None,
        })
    };
    let gave_up = |wanted: u64| {
        entries.iter().find_map(|entry| match entry {
            ChangeEntry::Unanswered { change, at } if *change == wanted => Some(*at),
            _ => None,
        })
    };
    let mut changes: Vec<Pending> = entries
        .iter()
        .filter_map(|entry| match entry {
            ChangeEntry::Create {
                change,
                table,
                find_by,
                at,
            } => {
                let sys_id = created_id(*change);
                if sys_id.is_none() && refused.contains(change) {
                    return None;
                }
                Some(Pending {
                    number: *change,
                    since: gave_up(*change).flatten().or(*at),
                    change: InstanceChange::Created {
                        table: table.clone(),
                        sys_id,
                        find_by: find_by.clone(),
                    },
                })
            }
            ChangeEntry::Update {
                change,
                table,
                sys_id,
                previous,
                ..
            } => Some(Pending {
                number: *change,
                since: None,
                change: InstanceChange::Updated {
                    table: table.clone(),
                    sys_id: sys_id.clone(),
                    previous: previous.clone(),
                },
            }),
            ChangeEntry::Delete {
                change,
                table,
                sys_id,
                previous,
                ..
            } => Some(Pending {
                number: *change,
                since: None,
                change: InstanceChange::Deleted {
                    table: table.clone(),
                    sys_id: sys_id.clone(),
                    previous: previous.clone(),
                },
            }),
            _ => None,
        })
        .filter(|pending| !undone.contains(&pending.number))
        .collect();
    changes.sort_by_key(|pending| pending.number);
    changes
}

/// The changes not yet undone, newest first, each with its number (a refused create is not one).
pub fn outstanding(entries: &[ChangeEntry]) -> Vec<(u64, InstanceChange)> {
    pending(entries)
        .into_iter()
        .rev()
        .map(|pending| (pending.number, pending.change))
        .collect()
}

/// A record's values fit for the journal: secret fields left out.
pub fn without_secrets(record: &Value) -> Map<String, Value> {
    record
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(name, _)| !redact::is_secret_name(name) && name.as_str() != "client_secret")
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

/// Which outstanding changes to undo.
#[derive(Clone, Copy, Debug)]
pub enum Scope<'a> {
    /// Every outstanding change of the journal (the end of a run, `sncc restore`).
    All,
    /// Only these changes (a scenario's own), where still outstanding.
    Changes(&'a [u64]),
}

/// How long a create of unknown outcome may still land, and whether to wait that long for it.
#[derive(Clone, Copy, Debug)]
pub struct Grace {
    pub period: Duration,
    /// Wait until the period has passed and search again (the end of a run, `sncc restore`); without
    /// waiting, such a create stays outstanding.
    pub wait: bool,
}

/// What a restore did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RestoreReport {
    /// Changes marked undone.
    pub undone: usize,
    /// Why records could not be brought back (their changes stay outstanding).
    pub problems: Vec<String>,
    /// Creates of unknown outcome, not found, whose grace period has not passed (they stay outstanding).
    pub awaiting_late_writes: usize,
}

impl RestoreReport {
    /// Nothing in scope is left outstanding.
    pub fn complete(&self) -> bool {
        self.problems.is_empty() && self.awaiting_late_writes == 0
    }
}

/// Why a record could not be brought back. Never holds a secret: bodies are of error answers, cut short.
#[derive(Debug, thiserror::Error)]
pub enum UndoError {
    #[error("{doing}: no answer ({error})")]
    NoAnswer {
        doing: String,
        error: TransportError,
    },
    #[error("{doing} answered {status}: {body}")]
    Answered {
        doing: String,
        status: u16,
        body: String,
    },
    #[error("{doing}: the answer ({bytes} bytes) is not a readable {{\"result\":[…]}} list")]
    Unreadable { doing: String, bytes: usize },
    #[error(
        "{table} {sys_id} is gone: the run only updated it, so its other fields are not journaled"
    )]
    Gone { table: String, sys_id: String },
    #[error("a {table} record created with no answer has no query to find it by")]
    Unsearchable { table: String },
    #[error("cannot write the journal: {0}")]
    Journal(std::io::Error),
}

/// The start of an answer's body, for a message.
fn excerpt(body: &str) -> String {
    const LONGEST: usize = 200;
    match body.char_indices().nth(LONGEST) {
        Some((end, _)) => format!("{}…", &body[..end]),
        None => body.to_owned(),
    }
}

/// How a record is known: by sys_id, or (a create of unknown outcome) by its `find_by` query.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Key {
    SysId(String),
    Query(String),
}

/// The outstanding changes of one record, oldest first.
#[derive(Debug)]
struct RecordChanges {
    table: String,
    key: Key,
    changes: Vec<Pending>,
}

/// The state a record must be brought to.
#[derive(Debug, PartialEq)]
enum RecordState {
    /// The run created it: it must not exist.
    Absent,
    /// It existed: with these values (earliest journaled value of each field).
    Present {
        sys_id: String,
        /// Every field journaled, for re-creating it.
        values: Map<String, Value>,
        /// The fields the run updated, for patching it.
        patch: Map<String, Value>,
        /// The run deleted it.
        deleted: bool,
    },
}

impl RecordChanges {
    fn describe(&self) -> String {
        match &self.key {
            Key::SysId(sys_id) => format!("{} {sys_id}", self.table),
            Key::Query(query) => format!("{} matching {query}", self.table),
        }
    }

    /// `created`: (table, sys_id) of the records the whole journal says the run created. Undoing the
    /// whole run, such a record must be absent; undoing one scenario, it keeps its state before the
    /// scenario, except that one the scenario deleted is never re-created.
    fn target(&self, created: &HashSet<(String, String)>, whole_run: bool) -> RecordState {
        let sys_id = match &self.key {
            Key::Query(_) => return RecordState::Absent,
            Key::SysId(sys_id) => sys_id,
        };
        let first_is_create = self
            .changes
            .first()
            .is_some_and(|first| matches!(first.change, InstanceChange::Created { .. }));
        let deleted = || {
            self.changes
                .iter()
                .any(|pending| matches!(pending.change, InstanceChange::Deleted { .. }))
        };
        let run_created = created.contains(&(self.table.clone(), sys_id.clone()));
        if first_is_create || (run_created && (whole_run || deleted())) {
            return RecordState::Absent;
        }
        let mut values = Map::new();
        let mut updated = Vec::new();
        let mut deleted = false;
        for pending in &self.changes {
            let previous = match &pending.change {
                InstanceChange::Updated { previous, .. } => {
                    updated.extend(previous.keys().cloned());
                    previous
                }
                InstanceChange::Deleted { previous, .. } => {
                    deleted = true;
                    previous
                }
                InstanceChange::Created { .. } => continue,
            };
            for (field, value) in previous {
                values.entry(field.clone()).or_insert_with(|| value.clone());
            }
        }
        values.remove("sys_id");
        let patch = updated
            .into_iter()
            .filter_map(|field| Some((field.clone(), values.get(&field)?.clone())))
            .collect();
        RecordState::Present {
            sys_id: sys_id.clone(),
            values,
            patch,
            deleted,
        }
    }

    /// Creates among the changes whose outcome is unknown.
    fn unknown_creates(&self) -> usize {
        self.changes
            .iter()
            .filter(|pending| {
                matches!(pending.change, InstanceChange::Created { sys_id: None, .. })
            })
            .count()
    }

    /// When (unix seconds) no create of unknown outcome can land any more: a period after the latest
    /// was sent or given up on (journal seconds are whole, so one more). Old journals: long past.
    fn deadline(&self, period: Duration) -> f64 {
        self.changes
            .iter()
            .filter(|pending| {
                matches!(pending.change, InstanceChange::Created { sys_id: None, .. })
            })
            .filter_map(|pending| pending.since)
            .map(|since| since as f64 + 1.0 + period.as_secs_f64())
            .fold(0.0, f64::max)
    }
}

/// The records the journal says the run created, by table and sys_id (whether undone or not).
fn created_records(entries: &[ChangeEntry]) -> HashSet<(String, String)> {
    entries
        .iter()
        .filter_map(|entry| match entry {
            ChangeEntry::Created { change, sys_id } => {
                entries.iter().find_map(|create| match create {
                    ChangeEntry::Create {
                        change: number,
                        table,
                        ..
                    } if number == change => Some((table.clone(), sys_id.clone())),
                    _ => None,
                })
            }
            _ => None,
        })
        .collect()
}

/// The records the journal shows existed (it updated or deleted them, and did not create them), each with
/// the number of the first change that shows it: a search for a create of unknown outcome never takes a
/// record that existed before that create for it. One first seen after the create may be the create
/// itself, landed late.
fn pre_existing_records(
    entries: &[ChangeEntry],
    created: &HashSet<(String, String)>,
) -> HashMap<(String, String), u64> {
    let mut first_seen = HashMap::new();
    for entry in entries {
        if let ChangeEntry::Update {
            change,
            table,
            sys_id,
            ..
        }
        | ChangeEntry::Delete {
            change,
            table,
            sys_id,
            ..
        } = entry
        {
            let record = (table.clone(), sys_id.clone());
            if !created.contains(&record) {
                first_seen.entry(record).or_insert(*change);
            }
        }
    }
    first_seen
}

/// The outstanding changes in scope, per record, records in the order of their first change.
fn consolidate(entries: &[ChangeEntry], scope: Scope<'_>) -> Vec<RecordChanges> {
    let mut records: Vec<RecordChanges> = Vec::new();
    for pending in pending(entries) {
        if let Scope::Changes(numbers) = scope
            && !numbers.contains(&pending.number)
        {
            continue;
        }
        let key = match &pending.change {
            InstanceChange::Created {
                sys_id: Some(sys_id),
                ..
            }
            | InstanceChange::Updated { sys_id, .. }
            | InstanceChange::Deleted { sys_id, .. } => Key::SysId(sys_id.clone()),
            InstanceChange::Created {
                sys_id: None,
                find_by,
                ..
            } => Key::Query(find_by.clone()),
        };
        let table = pending.change.table().to_owned();
        match records
            .iter_mut()
            .find(|record| record.table == table && record.key == key)
        {
            Some(record) => record.changes.push(pending),
            None => records.push(RecordChanges {
                table,
                key,
                changes: vec![pending],
            }),
        }
    }
    records
}

/// The Table API calls undoing needs, each answer read strictly.
struct Undoer<'a> {
    servicenow: &'a ServiceNow,
    admin: &'a Credentials,
    /// Records that existed before the run, by table and sys_id: never deleted as a late create.
    pre_existing: HashMap<(String, String), u64>,
}

impl Undoer<'_> {
    fn answered(doing: String, reply: &Reply) -> UndoError {
        UndoError::Answered {
            doing,
            status: reply.status,
            body: excerpt(&reply.body),
        }
    }

    /// The sys_ids of the records a query finds; an answer that is not a readable list is an error.
    async fn find(&self, table: &str, query: &str) -> Result<Vec<String>, UndoError> {
        let doing = format!("looking up {table} matching {query}");
        let params = [("sysparm_query", query), ("sysparm_fields", "sys_id")];
        let reply = self
            .servicenow
            .list(self.admin, table, &params)
            .await
            .map_err(|error| UndoError::NoAnswer {
                doing: doing.clone(),
                error,
            })?;
        if reply.status != 200 {
            return Err(Self::answered(doing, &reply));
        }
        let ids = serde_json::from_str::<Value>(&reply.body)
            .ok()
            .and_then(|json| {
                json.get("result")?
                    .as_array()?
                    .iter()
                    .map(|record| record.get("sys_id")?.as_str().map(str::to_owned))
                    .collect::<Option<Vec<String>>>()
            });
        ids.ok_or(UndoError::Unreadable {
            doing,
            bytes: reply.body.len(),
        })
    }

    /// Deletes a record; one already gone is fine.
    async fn delete(&self, table: &str, sys_id: &str) -> Result<(), UndoError> {
        let doing = format!("deleting {table} {sys_id}");
        let reply = self
            .servicenow
            .delete(self.admin, table, sys_id)
            .await
            .map_err(|error| UndoError::NoAnswer {
                doing: doing.clone(),
                error,
            })?;
        match reply.status {
            200 | 204 | 404 => Ok(()),
            _ => Err(Self::answered(doing, &reply)),
        }
    }

    /// Deletes a record the run created; an OAuth endpoint's tokens (there only because the endpoint
    /// was) go first.
    async fn delete_created(&self, table: &str, sys_id: &str) -> Result<(), UndoError> {
        if table == "oauth_entity" {
            for token in self
                .find("oauth_credential", &format!("peer={sys_id}"))
                .await?
            {
                self.delete("oauth_credential", &token).await?;
            }
        }
        self.delete(table, sys_id).await
    }

    /// Whether a record exists: only a 404 says it does not; any other answer than 200 is an error.
    async fn exists(&self, table: &str, sys_id: &str) -> Result<bool, UndoError> {
        let doing = format!("checking whether {table} {sys_id} exists");
        let reply = self
            .servicenow
            .get(self.admin, table, sys_id)
            .await
            .map_err(|error| UndoError::NoAnswer {
                doing: doing.clone(),
                error,
            })?;
        match reply.status {
            200 => Ok(true),
            404 => Ok(false),
            _ => Err(Self::answered(doing, &reply)),
        }
    }

    async fn recreate(
        &self,
        table: &str,
        sys_id: &str,
        values: &Map<String, Value>,
    ) -> Result<(), UndoError> {
        let doing = format!("re-creating {table} {sys_id}");
        let mut record = values.clone();
        record.insert("sys_id".into(), Value::from(sys_id));
        let reply = self
            .servicenow
            .create(self.admin, table, &Value::Object(record))
            .await
            .map_err(|error| UndoError::NoAnswer {
                doing: doing.clone(),
                error,
            })?;
        match reply.status {
            201 => Ok(()),
            _ => Err(Self::answered(doing, &reply)),
        }
    }

    async fn patch(
        &self,
        table: &str,
        sys_id: &str,
        fields: &Map<String, Value>,
    ) -> Result<(), UndoError> {
        let doing = format!("restoring fields of {table} {sys_id}");
        let reply = self
            .servicenow
            .update(self.admin, table, sys_id, &Value::Object(fields.clone()))
            .await
            .map_err(|error| UndoError::NoAnswer {
                doing: doing.clone(),
                error,
            })?;
        match reply.status {
            200 => Ok(()),
            404 => Err(UndoError::Gone {
                table: table.to_owned(),
                sys_id: sys_id.to_owned(),
            }),
            _ => Err(Self::answered(doing, &reply)),
        }
    }

    /// Makes sure a record the run created is gone. `Some(deadline)`: a create of unknown outcome was not
    /// found (or not all of them were) and may still land until then. A record found for such a create is
    /// journaled as that create's before it is deleted, and added to `found_late`: whatever else the run
    /// did to it is settled by its deletion, in this restore and any later one.
    async fn remove(
        &self,
        record: &RecordChanges,
        period: Duration,
        journal: &ChangeJournal,
        found_late: &mut HashSet<(String, String)>,
    ) -> Result<Option<f64>, UndoError> {
        let query = match &record.key {
            Key::SysId(sys_id) => {
                self.delete_created(&record.table, sys_id).await?;
                return Ok(None);
            }
            Key::Query(query) if query.is_empty() => {
                return Err(UndoError::Unsearchable {
                    table: record.table.clone(),
                });
            }
            Key::Query(query) => query,
        };
        let mut found = self.find(&record.table, query).await?;
        let first_create = record.changes.first().map_or(0, |pending| pending.number);
        found.retain(|sys_id| {
            self.pre_existing
                .get(&(record.table.clone(), sys_id.clone()))
                .is_none_or(|first_seen| *first_seen > first_create)
        });
        let unknown = record.changes.iter().filter(|pending| {
            matches!(pending.change, InstanceChange::Created { sys_id: None, .. })
        });
        for (sys_id, create) in found.iter().zip(unknown) {
            journal
                .created(create.number, sys_id)
                .map_err(UndoError::Journal)?;
        }
        for sys_id in &found {
            found_late.insert((record.table.clone(), sys_id.clone()));
            self.delete_created(&record.table, sys_id).await?;
        }
        let deadline = record.deadline(period);
        if found.len() < record.unknown_creates() && unix_now_f64() < deadline {
            Ok(Some(deadline))
        } else {
            Ok(None)
        }
    }
}

impl RestoreReport {
    /// Marks every change of a record that is at its target state undone.
    fn settle(&mut self, journal: &ChangeJournal, record: &RecordChanges) {
        for pending in &record.changes {
            match journal.append(&ChangeEntry::Undone {
                change: pending.number,
            }) {
                Ok(()) => self.undone += 1,
                Err(error) => {
                    self.problems.push(format!(
                        "cannot write the journal {}: {error}",
                        journal.path().display()
                    ));
                    return;
                }
            }
        }
    }

    fn failed(&mut self, record: &RecordChanges, error: UndoError) {
        self.problems
            .push(format!("{} stays changed: {error}", record.describe()));
    }
}

/// Reads the journal file, consolidates the outstanding changes in scope per record, brings each record
/// to its state before them, marks what it finished Undone.
///
/// The work goes in an order that keeps unique fields unique: first the records the run created are
/// deleted (waiting out the grace period for creates of unknown outcome if `grace.wait`), then deleted
/// records that existed before are re-created with their sys_id, then updated fields are patched back.
pub async fn restore(
    servicenow: &ServiceNow,
    admin: &Credentials,
    journal: &ChangeJournal,
    scope: Scope<'_>,
    grace: Grace,
) -> RestoreReport {
    let mut report = RestoreReport::default();
    let entries = match read(journal.path()) {
        Ok(entries) => entries,
        Err(error) => {
            report.problems.push(format!(
                "cannot read the journal {}: {error}",
                journal.path().display()
            ));
            return report;
        }
    };
    let created_by_run = created_records(&entries);
    let undoer = Undoer {
        servicenow,
        admin,
        pre_existing: pre_existing_records(&entries, &created_by_run),
    };
    let whole_run = matches!(scope, Scope::All);
    let records = consolidate(&entries, scope);
    let mut absent = Vec::new();
    let mut present = Vec::new();
    for record in &records {
        match record.target(&created_by_run, whole_run) {
            RecordState::Absent => absent.push(record),
            RecordState::Present {
                sys_id,
                values,
                patch,
                deleted,
            } => present.push((record, sys_id, values, patch, deleted)),
        }
    }

    let mut awaiting = Vec::new();
    let mut found_late = HashSet::new();
    for record in absent {
        match undoer
            .remove(record, grace.period, journal, &mut found_late)
            .await
        {
            Ok(None) => report.settle(journal, record),
            Ok(Some(deadline)) => awaiting.push((record, deadline)),
            Err(error) => report.failed(record, error),
        }
    }
    if grace.wait && !awaiting.is_empty() {
        let deadline = awaiting
            .iter()
            .map(|(_, deadline)| *deadline)
            .fold(0.0, f64::max);
        let wait = deadline - unix_now_f64();
        if wait > 0.0 {
            tokio::time::sleep(Duration::from_secs_f64(wait)).await;
        }
        for (record, _) in std::mem::take(&mut awaiting) {
            match undoer
                .remove(record, grace.period, journal, &mut found_late)
                .await
            {
                Ok(None) => report.settle(journal, record),
                Ok(Some(deadline)) => awaiting.push((record, deadline)),
                Err(error) => report.failed(record, error),
            }
        }
    }
    report.awaiting_late_writes = awaiting
        .iter()
        .map(|(record, _)| record.unknown_creates())
        .sum();

    let mut to_patch = Vec::new();
    for (record, sys_id, values, patch, deleted) in present {
        if found_late.contains(&(record.table.clone(), sys_id.clone())) {
            // The record was a create whose answer was lost, deleted above: nothing else to undo.
            report.settle(journal, record);
            continue;
        }
        if !deleted {
            to_patch.push((record, sys_id, patch));
            continue;
        }
        match undoer.exists(&record.table, &sys_id).await {
            Ok(true) => to_patch.push((record, sys_id, patch)),
            Ok(false) => match undoer.recreate(&record.table, &sys_id, &values).await {
                Ok(()) => report.settle(journal, record),
                Err(error) => report.failed(record, error),
            },
            Err(error) => report.failed(record, error),
        }
    }
    for (record, sys_id, patch) in to_patch {
        if patch.is_empty() {
            report.settle(journal, record);
            continue;
        }
        match undoer.patch(&record.table, &sys_id, &patch).await {
            Ok(()) => report.settle(journal, record),
            Err(error) => report.failed(record, error),
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    fn create(change: u64, table: &str, find_by: &str) -> ChangeEntry {
        ChangeEntry::Create {
            change,
            table: table.into(),
            find_by: find_by.into(),
            at: None,
        }
    }

    fn created(change: u64, sys_id: &str) -> ChangeEntry {
        ChangeEntry::Created {
            change,
            sys_id: sys_id.into(),
        }
    }

    fn update(change: u64, sys_id: &str, previous: Value) -> ChangeEntry {
        ChangeEntry::Update {
            change,
            table: "sys_properties".into(),
            sys_id: sys_id.into(),
            previous: map(previous),
            at: None,
        }
    }

    fn delete(change: u64, table: &str, sys_id: &str, previous: Value) -> ChangeEntry {
        ChangeEntry::Delete {
            change,
            table: table.into(),
            sys_id: sys_id.into(),
            previous: map(previous),
            at: None,
        }
    }

    fn targets(entries: &[ChangeEntry], scope: Scope<'_>) -> Vec<(Key, RecordState)> {
        let created = created_records(entries);
        let whole_run = matches!(scope, Scope::All);
        consolidate(entries, scope)
            .iter()
            .map(|record| (record.key.clone(), record.target(&created, whole_run)))
            .collect()
    }

    #[test]
    fn outstanding_changes_come_newest_first_without_the_undone_or_the_refused() {
        let entries = vec![
            create(1, "sys_user", "user_name=a"),
            created(1, "u1"),
            update(2, "p1", json!({"value":"false"})),
            create(3, "oauth_entity", "name=x"),
            ChangeEntry::Undone { change: 2 },
            create(4, "incident", "short_description=y"),
            ChangeEntry::Refused { change: 4 },
        ];
        let pending = outstanding(&entries);
        assert_eq!(
            pending
                .iter()
                .map(|(change, _)| *change)
                .collect::<Vec<_>>(),
            [3, 1]
        );
        assert_eq!(
            pending[0].1,
            InstanceChange::Created {
                table: "oauth_entity".into(),
                sys_id: None,
                find_by: "name=x".into()
            }
        );
        assert!(
            matches!(&pending[1].1, InstanceChange::Created { sys_id: Some(id), .. } if id == "u1")
        );
    }

    #[test]
    fn the_file_round_trips_and_a_torn_last_line_is_ignored() {
        let path = std::env::temp_dir().join(format!(
            "sncc-journal-test-{}.jsonl",
            crate::random::sys_id()
        ));
        let journal = ChangeJournal::create(&path).unwrap();
        assert!(
            ChangeJournal::create(&path).is_err(),
            "never overwrites a journal"
        );
        let change = InstanceChange::Deleted {
            table: "sys_properties".into(),
            sys_id: "p".into(),
            previous: map(json!({"name":"n","value":"true"})),
        };
        let number = journal.announce(&change).unwrap();
        journal.unanswered(number).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"entry\":\"undo")
            .unwrap();
        let entries = read(&path).unwrap();
        assert_eq!(entries.len(), 2);
        assert!(
            matches!(&entries[0], ChangeEntry::Delete { change: 1, at: Some(at), .. } if *at > 1_700_000_000)
        );
        assert!(matches!(
            &entries[1],
            ChangeEntry::Unanswered {
                change: 1,
                at: Some(_)
            }
        ));
        assert_eq!(outstanding(&entries), vec![(1, change)]);
        let reopened = ChangeJournal::reopen(&path).unwrap();
        let next = reopened
            .announce(&InstanceChange::Created {
                table: "sys_user".into(),
                sys_id: None,
                find_by: "user_name=b".into(),
            })
            .unwrap();
        assert_eq!(
            next, 2,
            "a reopened journal numbers on from its last change"
        );
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_journal_without_timestamps_still_parses() {
        let line = r#"{"entry":"create","change":1,"table":"sys_user","find_by":"user_name=a"}"#;
        let entry: ChangeEntry = serde_json::from_str(line).unwrap();
        assert_eq!(entry, create(1, "sys_user", "user_name=a"));
        let line = r#"{"entry":"delete","change":2,"table":"t","sys_id":"s","previous":{}}"#;
        assert!(matches!(
            serde_json::from_str::<ChangeEntry>(line).unwrap(),
            ChangeEntry::Delete { at: None, .. }
        ));
        let pending = pending(&[entry]);
        assert_eq!(pending[0].since, None);
        let record = RecordChanges {
            table: "sys_user".into(),
            key: Key::Query("user_name=a".into()),
            changes: pending,
        };
        assert_eq!(record.deadline(Duration::from_secs(10)), 0.0, "long past");
    }

    #[test]
    fn a_record_first_journaled_after_a_lost_create_may_be_that_create() {
        let entries = vec![
            update(1, "p0", json!({"value":"false"})),
            create(2, "sys_properties", "name=grant"),
            ChangeEntry::Unanswered {
                change: 2,
                at: None,
            },
            update(3, "p2", json!({"value":"true"})),
        ];
        let first_seen = pre_existing_records(&entries, &HashSet::new());
        assert_eq!(first_seen[&("sys_properties".into(), "p0".into())], 1);
        assert_eq!(first_seen[&("sys_properties".into(), "p2".into())], 3);
    }

    #[test]
    fn a_record_the_run_created_and_deleted_is_to_be_absent() {
        let entries = vec![
            create(1, "sys_properties", "name=grant"),
            created(1, "p1"),
            update(2, "p1", json!({"value":"true"})),
            delete(
                3,
                "sys_properties",
                "p1",
                json!({"name":"grant","value":"false"}),
            ),
        ];
        assert_eq!(
            targets(&entries, Scope::All),
            vec![(Key::SysId("p1".into()), RecordState::Absent)]
        );
        // Undoing one scenario: the one that deleted it never re-creates it (the run created it); the one
        // that updated it patches it back.
        assert_eq!(
            targets(&entries, Scope::Changes(&[3])),
            vec![(Key::SysId("p1".into()), RecordState::Absent)]
        );
        let scenario = targets(&entries, Scope::Changes(&[2]));
        let [(_, RecordState::Present { patch, deleted, .. })] = scenario.as_slice() else {
            panic!("an update within a scenario is patched back: {scenario:?}");
        };
        assert_eq!(
            (Value::Object(patch.clone()), *deleted),
            (json!({"value":"true"}), false)
        );
        // An older restore undid the create but not the delete: still absent, never re-created.
        let mut partly = entries.clone();
        partly.push(ChangeEntry::Undone { change: 1 });
        partly.push(ChangeEntry::Undone { change: 2 });
        assert_eq!(
            targets(&partly, Scope::All),
            vec![(Key::SysId("p1".into()), RecordState::Absent)]
        );
    }

    #[test]
    fn a_record_that_existed_gets_its_earliest_values_back() {
        let entries = vec![
            update(1, "p1", json!({"value":"true"})),
            update(2, "p1", json!({"value":"false","description":"d0"})),
            delete(
                3,
                "sys_properties",
                "p1",
                json!({"sys_id":"p1","name":"grant","value":"maybe","description":"d1"}),
            ),
        ];
        assert_eq!(
            targets(&entries, Scope::All),
            vec![(
                Key::SysId("p1".into()),
                RecordState::Present {
                    sys_id: "p1".into(),
                    values: map(json!({"value":"true","description":"d0","name":"grant"})),
                    patch: map(json!({"value":"true","description":"d0"})),
                    deleted: true,
                }
            )]
        );
        // A scenario's own restore: only its changes, from the state before them.
        let RecordState::Present { values, .. } =
            targets(&entries, Scope::Changes(&[2, 3])).remove(0).1
        else {
            panic!("present")
        };
        assert_eq!(values["value"], "false");
    }

    #[test]
    fn creates_of_unknown_outcome_are_keyed_by_their_query() {
        let entries = vec![
            create(1, "sys_user", "user_name=a"),
            ChangeEntry::Unanswered {
                change: 1,
                at: Some(1_000),
            },
            create(2, "sys_user", "user_name=a"),
            create(3, "sys_user", "user_name=b"),
            created(3, "u3"),
        ];
        let records = consolidate(&entries, Scope::All);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].key, Key::Query("user_name=a".into()));
        assert_eq!(records[0].unknown_creates(), 2);
        assert_eq!(records[0].deadline(Duration::from_secs(10)), 1_011.0);
        assert_eq!(records[1].key, Key::SysId("u3".into()));
    }

    #[test]
    fn secrets_never_enter_the_journal() {
        let kept = without_secrets(
            &json!({"name":"svc","client_secret":"s","user_password":"p","token":"t","active":"true"}),
        );
        assert_eq!(Value::Object(kept), json!({"name":"svc","active":"true"}));
    }
}

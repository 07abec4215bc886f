//! The change journal of a run against a real instance: every change is written to a file before it is
//! made, with what it replaces, so it can be undone at the end of the run or by `sncc restore` after a crash.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::{Credentials, ServiceNow};
use crate::redact;

/// One line of the journal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "entry", rename_all = "snake_case")]
pub enum Entry {
    /// The first line: which instance the changes are made to.
    Begin { instance: String, prefix: String },
    /// A record is about to be created; `find_by` (an encoded query) finds it if the run dies before `Created`.
    Create {
        change: u64,
        table: String,
        find_by: String,
    },
    /// The record of change `change` was created with this sys_id.
    Created { change: u64, sys_id: String },
    /// These fields of a record are about to change; their values before.
    Update {
        change: u64,
        table: String,
        sys_id: String,
        previous: Map<String, Value>,
    },
    /// A record is about to be deleted; its values before (secrets left out).
    Delete {
        change: u64,
        table: String,
        sys_id: String,
        previous: Map<String, Value>,
    },
    /// Change `change` was undone.
    Undone { change: u64 },
}

/// A change still to undo.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
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

impl Change {
    /// The journal line announcing this change before it is made.
    pub fn announcement(&self, change: u64) -> Entry {
        match self.clone() {
            Change::Created { table, find_by, .. } => Entry::Create {
                change,
                table,
                find_by,
            },
            Change::Updated {
                table,
                sys_id,
                previous,
            } => Entry::Update {
                change,
                table,
                sys_id,
                previous,
            },
            Change::Deleted {
                table,
                sys_id,
                previous,
            } => Entry::Delete {
                change,
                table,
                sys_id,
                previous,
            },
        }
    }
}

/// An append-only journal file, flushed to disk line by line.
pub struct Journal {
    path: PathBuf,
    file: Mutex<File>,
    next_change: AtomicU64,
}

impl Journal {
    /// Starts a new journal; refuses to overwrite an existing file (it may hold changes still to undo).
    pub fn create(path: &Path) -> std::io::Result<Journal> {
        let file = OpenOptions::new().write(true).create_new(true).open(path)?;
        Ok(Journal {
            path: path.to_owned(),
            file: Mutex::new(file),
            next_change: AtomicU64::new(1),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A number for a new change.
    pub fn next_change(&self) -> u64 {
        self.next_change.fetch_add(1, Ordering::Relaxed)
    }

    /// Writes one entry and syncs it to disk before returning: the change may be made only after this.
    pub fn append(&self, entry: &Entry) -> std::io::Result<()> {
        let mut line = serde_json::to_string(entry).map_err(std::io::Error::other)?;
        line.push('\n');
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        file.write_all(line.as_bytes())?;
        file.sync_data()
    }
}

/// The instance a journal's changes were made to.
pub fn instance(entries: &[Entry]) -> Option<&str> {
    entries.iter().find_map(|entry| match entry {
        Entry::Begin { instance, .. } => Some(instance.as_str()),
        _ => None,
    })
}

/// Reads a journal file; a torn last line (the run died while writing it) is ignored.
pub fn read(path: &Path) -> std::io::Result<Vec<Entry>> {
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

/// The changes not yet undone, newest first, each with its number.
pub fn outstanding(entries: &[Entry]) -> Vec<(u64, Change)> {
    let undone: Vec<u64> = entries
        .iter()
        .filter_map(|entry| match entry {
            Entry::Undone { change } => Some(*change),
            _ => None,
        })
        .collect();
    let created_id = |wanted: u64| {
        entries.iter().find_map(|entry| match entry {
            Entry::Created { change, sys_id } if *change == wanted => Some(sys_id.clone()),
            _ => None,
        })
    };
    let mut changes: Vec<(u64, Change)> = entries
        .iter()
        .filter_map(|entry| match entry {
            Entry::Create {
                change,
                table,
                find_by,
            } => Some((
                *change,
                Change::Created {
                    table: table.clone(),
                    sys_id: created_id(*change),
                    find_by: find_by.clone(),
                },
            )),
            Entry::Update {
                change,
                table,
                sys_id,
                previous,
            } => Some((
                *change,
                Change::Updated {
                    table: table.clone(),
                    sys_id: sys_id.clone(),
                    previous: previous.clone(),
                },
            )),
            Entry::Delete {
                change,
                table,
                sys_id,
                previous,
            } => Some((
                *change,
                Change::Deleted {
                    table: table.clone(),
                    sys_id: sys_id.clone(),
                    previous: previous.clone(),
                },
            )),
            _ => None,
        })
        .filter(|(change, _)| !undone.contains(change))
        .collect();
    changes.sort_by_key(|(change, _)| std::cmp::Reverse(*change));
    changes
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

/// Undoes one change. Safe to repeat: a record already gone, or already back, is fine.
pub async fn undo(
    servicenow: &ServiceNow,
    admin: &Credentials,
    change: &Change,
) -> Result<(), String> {
    let failed =
        |what: &str, status: u16, body: &str| Err(format!("{what} answered {status}: {body}"));
    match change {
        Change::Created {
            table,
            sys_id,
            find_by,
        } => {
            let ids = match sys_id {
                Some(sys_id) => vec![sys_id.clone()],
                None => find(servicenow, admin, table, find_by).await?,
            };
            for sys_id in ids {
                if table == "oauth_entity" {
                    // Tokens exist only because the suite's endpoint did: they go with it.
                    for token in find(
                        servicenow,
                        admin,
                        "oauth_credential",
                        &format!("peer={sys_id}"),
                    )
                    .await?
                    {
                        delete(servicenow, admin, "oauth_credential", &token).await?;
                    }
                }
                delete(servicenow, admin, table, &sys_id).await?;
            }
            Ok(())
        }
        Change::Updated {
            table,
            sys_id,
            previous,
        } => {
            let reply = servicenow
                .update(admin, table, sys_id, &Value::Object(previous.clone()))
                .await
                .map_err(|error| error.to_string())?;
            match reply.status {
                200 | 404 => Ok(()),
                status => failed(&format!("restoring {table} {sys_id}"), status, &reply.body),
            }
        }
        Change::Deleted {
            table,
            sys_id,
            previous,
        } => {
            let existing = servicenow
                .get(admin, table, sys_id)
                .await
                .map_err(|error| error.to_string())?;
            if existing.status == 200 {
                return Ok(());
            }
            let mut record = previous.clone();
            record.insert("sys_id".into(), Value::from(sys_id.as_str()));
            let reply = servicenow
                .create(admin, table, &Value::Object(record))
                .await
                .map_err(|error| error.to_string())?;
            match reply.status {
                201 => Ok(()),
                status => failed(&format!("recreating {table} {sys_id}"), status, &reply.body),
            }
        }
    }
}

async fn find(
    servicenow: &ServiceNow,
    admin: &Credentials,
    table: &str,
    query: &str,
) -> Result<Vec<String>, String> {
    let params = [("sysparm_query", query), ("sysparm_fields", "sys_id")];
    let reply = servicenow
        .list(admin, table, &params)
        .await
        .map_err(|error| error.to_string())?;
    if reply.status != 200 {
        return Err(format!(
            "looking up {table} {query} answered {}: {}",
            reply.status, reply.body
        ));
    }
    Ok(reply
        .result()
        .and_then(|result| result.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|record| record["sys_id"].as_str().map(str::to_owned))
        .collect())
}

async fn delete(
    servicenow: &ServiceNow,
    admin: &Credentials,
    table: &str,
    sys_id: &str,
) -> Result<(), String> {
    let reply = servicenow
        .delete(admin, table, sys_id)
        .await
        .map_err(|error| error.to_string())?;
    match reply.status {
        204 | 404 => Ok(()),
        status => Err(format!(
            "deleting {table} {sys_id} answered {status}: {}",
            reply.body
        )),
    }
}

/// Undoes every outstanding change of a journal, newest first, marking each as undone. Returns the
/// number undone and the problems met (a change that failed stays outstanding for the next restore).
pub async fn restore(
    servicenow: &ServiceNow,
    admin: &Credentials,
    journal: &Journal,
    entries: &[Entry],
) -> (usize, Vec<String>) {
    let mut undone = 0;
    let mut problems = Vec::new();
    for (change, pending) in outstanding(entries) {
        match undo(servicenow, admin, &pending).await {
            Ok(()) => match journal.append(&Entry::Undone { change }) {
                Ok(()) => undone += 1,
                Err(error) => problems.push(format!("cannot write the journal: {error}")),
            },
            Err(problem) => problems.push(problem),
        }
    }
    (undone, problems)
}

impl Journal {
    /// Reopens an existing journal to append `Undone` entries (`sncc restore`).
    pub fn reopen(path: &Path) -> std::io::Result<Journal> {
        let file = OpenOptions::new().append(true).open(path)?;
        Ok(Journal {
            path: path.to_owned(),
            file: Mutex::new(file),
            next_change: AtomicU64::new(u64::MAX),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn outstanding_changes_come_newest_first_without_the_undone() {
        let entries = vec![
            Entry::Create {
                change: 1,
                table: "sys_user".into(),
                find_by: "user_name=a".into(),
            },
            Entry::Created {
                change: 1,
                sys_id: "u1".into(),
            },
            Entry::Update {
                change: 2,
                table: "sys_properties".into(),
                sys_id: "p1".into(),
                previous: map(json!({"value":"false"})),
            },
            Entry::Create {
                change: 3,
                table: "oauth_entity".into(),
                find_by: "name=x".into(),
            },
            Entry::Undone { change: 2 },
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
            Change::Created {
                table: "oauth_entity".into(),
                sys_id: None,
                find_by: "name=x".into()
            }
        );
        assert!(matches!(&pending[1].1, Change::Created { sys_id: Some(id), .. } if id == "u1"));
    }

    #[test]
    fn the_file_round_trips_and_a_torn_last_line_is_ignored() {
        let path = std::env::temp_dir().join(format!(
            "sncc-journal-test-{}.jsonl",
            crate::mock::random::sys_id()
        ));
        let journal = Journal::create(&path).unwrap();
        assert!(
            Journal::create(&path).is_err(),
            "never overwrites a journal"
        );
        let entry = Entry::Delete {
            change: journal.next_change(),
            table: "sys_properties".into(),
            sys_id: "p".into(),
            previous: map(json!({"name":"n","value":"true"})),
        };
        journal.append(&entry).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"entry\":\"undo")
            .unwrap();
        assert_eq!(read(&path).unwrap(), vec![entry]);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn secrets_never_enter_the_journal() {
        let kept = without_secrets(
            &json!({"name":"svc","client_secret":"s","user_password":"p","token":"t","active":"true"}),
        );
        assert_eq!(Value::Object(kept), json!({"name":"svc","active":"true"}));
    }
}

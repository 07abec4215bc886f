//! The change journal's format and file: one JSON line per entry, each change announced (with what it
//! replaces) and synced to disk before it is made, its outcome and its undoing appended after.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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

    pub(super) fn table(&self) -> &str {
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

/// Now, in whole unix seconds (as the journal stamps its entries).
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// Now, in unix seconds with their fraction (for waiting out a deadline).
pub(super) fn unix_now_f64() -> f64 {
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

#[cfg(test)]
mod tests {
    use super::super::consolidate::outstanding;
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn the_file_round_trips_and_a_torn_last_line_is_ignored() {
        let path = std::env::temp_dir().join(format!(
            "sncc-journal-test-{}.jsonl",
            crate::support::random::sys_id()
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
}

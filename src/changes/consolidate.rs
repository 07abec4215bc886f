//! From the journal's entries to the work of undoing: the changes still outstanding, and per record the
//! state it must be brought back to.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use serde_json::{Map, Value};

use super::journal::{ChangeEntry, InstanceChange};

/// A change not yet undone, with when a create of unknown outcome was last possibly in flight.
#[derive(Clone, Debug)]
pub(super) struct Pending {
    pub(super) number: u64,
    pub(super) change: InstanceChange,
    /// For a create whose outcome is unknown: when it was sent or given up on (unix seconds; `None` in
    /// journals of older versions).
    pub(super) since: Option<u64>,
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

/// Which outstanding changes to undo.
#[derive(Clone, Copy, Debug)]
pub enum Scope<'a> {
    /// Every outstanding change of the journal (the end of a run, `sncc restore`).
    All,
    /// Only these changes (a scenario's own), where still outstanding.
    Changes(&'a [u64]),
}

/// How a record is known: by sys_id, or (a create of unknown outcome) by its `find_by` query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Key {
    SysId(String),
    Query(String),
}

/// The outstanding changes of one record, oldest first.
#[derive(Debug)]
pub(super) struct RecordChanges {
    pub(super) table: String,
    pub(super) key: Key,
    pub(super) changes: Vec<Pending>,
}

/// The state a record must be brought to.
#[derive(Debug, PartialEq)]
pub(super) enum RecordState {
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
    pub(super) fn describe(&self) -> String {
        match &self.key {
            Key::SysId(sys_id) => format!("{} {sys_id}", self.table),
            Key::Query(query) => format!("{} matching {query}", self.table),
        }
    }

    /// `created`: (table, sys_id) of the records the whole journal says the run created. Undoing the
    /// whole run, such a record must be absent; undoing one scenario, it keeps its state before the
    /// scenario, except that one the scenario deleted is never re-created.
    pub(super) fn target(
        &self,
        created: &HashSet<(String, String)>,
        whole_run: bool,
    ) -> RecordState {
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
    pub(super) fn unknown_creates(&self) -> usize {
        self.changes
            .iter()
            .filter(|pending| {
                matches!(pending.change, InstanceChange::Created { sys_id: None, .. })
            })
            .count()
    }

    /// When (unix seconds) no create of unknown outcome can land any more: a period after the latest
    /// was sent or given up on (journal seconds are whole, so one more). Old journals: long past.
    pub(super) fn deadline(&self, period: Duration) -> f64 {
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
pub(super) fn created_records(entries: &[ChangeEntry]) -> HashSet<(String, String)> {
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

/// Every record the journal says the run wrote (created, updated or deleted), by table and sys_id, each once,
/// in the order of its first change: the records whose update set rows the run's writes left (catalogue §15).
pub fn written_records(entries: &[ChangeEntry]) -> Vec<(String, String)> {
    let table_of = |wanted: u64| {
        entries.iter().find_map(|entry| match entry {
            ChangeEntry::Create { change, table, .. } if *change == wanted => Some(table.clone()),
            _ => None,
        })
    };
    let mut written: Vec<(String, String)> = Vec::new();
    for entry in entries {
        let record = match entry {
            ChangeEntry::Created { change, sys_id } => {
                table_of(*change).map(|table| (table, sys_id.clone()))
            }
            ChangeEntry::Update { table, sys_id, .. }
            | ChangeEntry::Delete { table, sys_id, .. } => Some((table.clone(), sys_id.clone())),
            _ => None,
        };
        if let Some(record) = record.filter(|record| !written.contains(record)) {
            written.push(record);
        }
    }
    written
}

/// The records the journal shows existed (it updated or deleted them, and did not create them), each with
/// the number of the first change that shows it: a search for a create of unknown outcome never takes a
/// record that existed before that create for it. One first seen after the create may be the create
/// itself, landed late.
pub(super) fn pre_existing_records(
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
pub(super) fn consolidate(entries: &[ChangeEntry], scope: Scope<'_>) -> Vec<RecordChanges> {
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
}

//! Restoring: the outstanding changes in scope, consolidated per record, undone in an order that keeps
//! unique fields unique, each finished record's changes marked undone.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use crate::client::{Credentials, ServiceNow};

use super::consolidate::{
    RecordChanges, RecordState, Scope, consolidate, created_records, pre_existing_records,
};
use super::journal::{ChangeEntry, ChangeJournal, read, unix_now_f64};
use super::undo::{UndoError, Undoer};
use crate::support::at_once::at_once;

/// How long, by default, a create that got no answer may still land on the instance.
pub const DEFAULT_LATE_WRITE_GRACE: Duration = Duration::from_secs(10);

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
    let found_late = Mutex::new(HashSet::new());
    // Records of one table next to each other depend on nothing among them: removed together.
    for run in absent.chunk_by(|one, next| one.table == next.table) {
        let removals = run
            .iter()
            .map(|record| undoer.remove(record, grace.period, journal, &found_late));
        for (record, removal) in run.iter().zip(at_once(removals).await) {
            match removal {
                Ok(None) => report.settle(journal, record),
                Ok(Some(deadline)) => awaiting.push((*record, deadline)),
                Err(error) => report.failed(record, error),
            }
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
                .remove(record, grace.period, journal, &found_late)
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

    let found_late = found_late
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
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

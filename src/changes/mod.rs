//! The change journal of a run against a real instance: every change is written to a file before it is
//! made, with what it replaces, so it can be undone at the end of the run or by `sncc restore` after a crash.
//!
//! Undoing consolidates the outstanding changes per record and brings each record to its state before
//! them: a record the run created is deleted (never re-created), a record that existed gets its earliest
//! journaled values back (re-created with its sys_id if the run deleted it). A create whose outcome is
//! unknown (no answer, or the run died) is settled only by a search, and only once a grace period for a
//! late write has passed.

mod consolidate;
mod journal;
mod restore;
mod undo;

/// A record's values fit for the journal: secret fields left out.
pub use crate::support::redact::without_secrets;
pub use consolidate::{Scope, outstanding, written_records};
pub use journal::{ChangeEntry, ChangeJournal, InstanceChange, instance, read};
pub use restore::{DEFAULT_LATE_WRITE_GRACE, Grace, RestoreReport, restore};
pub use undo::UndoError;

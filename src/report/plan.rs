//! The plan of an admin run (catalogue §14), as printed before the first change and kept in every report: the
//! rows it runs and those it cannot, with why; the records it creates, by table; every write of a property
//! (each a cache flush on every node of the instance); the update set its writes land in; the requests it
//! expects to send, and how they were counted.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// The plan (`summary.json`'s `plan`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct RunPlan {
    /// The scenarios to run, as `CC-<id> <title> (line <n>)`.
    pub rows_to_run: Vec<String>,
    /// The scenarios the instance does not let the run run, and why.
    pub not_runnable: Vec<NotRunnable>,
    /// Records the run creates, by table.
    pub creates: BTreeMap<String, usize>,
    /// Writes of system properties (creates, updates, deletes), by property.
    pub property_writes: BTreeMap<String, usize>,
    /// The update set the run's writes land in.
    pub update_set: String,
    /// Requests the run sends, the preflight's included.
    pub requests_expected: usize,
    /// How the counts were made.
    pub counted_by: String,
}

/// A scenario the run cannot run on this instance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct NotRunnable {
    /// `CC-<id> <title> (line <n>)`.
    pub scenario: String,
    pub why: String,
}

/// What a property write costs the instance (catalogue §13).
pub(crate) const CACHE_FLUSH_NOTE: &str =
    "each flushes the property cache on every node of the instance";

impl RunPlan {
    /// The plan as the console prints it.
    pub(crate) fn lines(&self) -> String {
        let mut text = String::from("Plan:\n");
        let _ = writeln!(text, "  rows to run: {}", self.rows_to_run.len());
        match self.not_runnable.len() {
            0 => text.push_str("  not runnable: none\n"),
            count => {
                let _ = writeln!(text, "  not runnable: {count}");
                for row in &self.not_runnable {
                    let _ = writeln!(text, "    {}: {}", row.scenario, row.why);
                }
            }
        }
        let _ = writeln!(text, "  records to create: {}", counts(&self.creates));
        let writes: usize = self.property_writes.values().sum();
        let _ = writeln!(
            text,
            "  property writes: {writes} ({CACHE_FLUSH_NOTE}){}",
            match writes {
                0 => String::new(),
                _ => format!(": {}", counts(&self.property_writes)),
            }
        );
        let _ = writeln!(text, "  update set: {}", self.update_set);
        let _ = write!(
            text,
            "  requests expected: {} ({})",
            self.requests_expected, self.counted_by
        );
        text
    }
}

/// `sys_user 12, oauth_entity 9`, largest first, or `none`.
fn counts(by_name: &BTreeMap<String, usize>) -> String {
    let mut counted: Vec<(&String, &usize)> = by_name.iter().filter(|(_, n)| **n > 0).collect();
    if counted.is_empty() {
        return "none".to_owned();
    }
    counted.sort_by_key(|(_, count)| std::cmp::Reverse(**count));
    counted
        .iter()
        .map(|(name, count)| format!("{name} {count}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_console_shows_every_part_of_the_plan() {
        let plan = RunPlan {
            rows_to_run: vec!["CC-A3 x (line 3)".into(), "CC-B3 y (line 9)".into()],
            not_runnable: vec![NotRunnable {
                scenario: "CC-K1 z (line 5)".into(),
                why: "the Basic auth restriction does not enforce".into(),
            }],
            creates: BTreeMap::from([("sys_user".into(), 2), ("oauth_entity".into(), 3)]),
            property_writes: BTreeMap::from([("glide.x".into(), 1)]),
            update_set: "Default".into(),
            requests_expected: 42,
            counted_by: "a rehearsal".into(),
        };
        assert_eq!(
            plan.lines(),
            "Plan:\n  rows to run: 2\n  not runnable: 1\n    CC-K1 z (line 5): the Basic auth restriction does not enforce\n  \
             records to create: oauth_entity 3, sys_user 2\n  property writes: 1 (each flushes the property cache on every \
             node of the instance): glide.x 1\n  update set: Default\n  requests expected: 42 (a rehearsal)"
        );
        let none = RunPlan::default();
        assert!(none.lines().contains("records to create: none"));
        assert!(none.lines().contains("property writes: 0 (each"));
    }
}

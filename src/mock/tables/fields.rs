//! A record's fields as queries and `sysparm_fields` name them: a column, or a dot-walk across references
//! (`caller_id.email`, catalogue §12).

use super::query::Fields;
use super::schema::{Kind, Table};
use super::store::{RecordRef, Store};

/// A record with the store its references point into.
#[derive(Clone, Copy)]
pub(crate) struct Walkable<'s> {
    pub record: RecordRef<'s>,
    pub store: &'s Store,
}

impl Fields for Walkable<'_> {
    fn field(&self, name: &str) -> Option<&str> {
        walk(self.record, name, self.store)
    }
}

/// The value `path` names, as the Table API shows it: `None` when the path names no column (the condition
/// is ignored), empty when a reference on the way is empty or dangling.
pub(crate) fn walk<'s>(record: RecordRef<'s>, path: &str, store: &'s Store) -> Option<&'s str> {
    let Some((reference, rest)) = path.split_once('.') else {
        return record.shown(path);
    };
    let target = referenced_table(record.table(), reference, store)?;
    match store.get(&target.name, record.raw(reference)?) {
        Some(next) => walk(next, rest, store),
        None => resolves(target, rest, store).then_some(""),
    }
}

/// Whether `path` names a column of `table`, across references.
pub(crate) fn resolves(table: &Table, path: &str, store: &Store) -> bool {
    match path.split_once('.') {
        None => table.column(path).is_some(),
        Some((reference, rest)) => referenced_table(table, reference, store)
            .is_some_and(|target| resolves(target, rest, store)),
    }
}

/// The table a reference column of `table` points into.
pub(crate) fn referenced_table<'s>(
    table: &Table,
    column: &str,
    store: &'s Store,
) -> Option<&'s Table> {
    match &table.column(column)?.kind {
        Kind::Reference(target) => store.table(target),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::tables::schema::{INCIDENT, SYS_USER};

    #[test]
    fn dot_walks_follow_references_and_unknown_paths_are_none() {
        let mut store = Store::default();
        let user = store.insert(SYS_USER, &[("user_name", "abel"), ("email", "a@x")], "a", 0);
        let with_caller = store.insert(INCIDENT, &[("caller_id", user.as_str())], "a", 0);
        let without = store.insert(INCIDENT, &[("short_description", "x")], "a", 0);
        let field = |sys_id: &str, path: &str| {
            let record = store.get(INCIDENT, sys_id).unwrap();
            Walkable {
                record,
                store: &store,
            }
            .field(path)
            .map(str::to_owned)
        };
        assert_eq!(
            field(&with_caller, "caller_id.email").as_deref(),
            Some("a@x")
        );
        assert_eq!(field(&without, "caller_id.email").as_deref(), Some(""));
        assert_eq!(field(&with_caller, "caller_id.nope"), None);
        assert_eq!(field(&with_caller, "short_description.email"), None);
        assert_eq!(field(&with_caller, "nope"), None);
        let incident = store.table(INCIDENT).unwrap();
        assert!(resolves(incident, "assignment_group.manager.email", &store));
        assert!(!resolves(incident, "assignment_group.manager.nope", &store));
    }
}

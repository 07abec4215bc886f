//! The dictionary tables served from the schema (catalogue §12): a `sys_db_object` row per table (`super_class`
//! pointing at its parent's row), a `sys_dictionary` row per column a table defines itself (inherited ones
//! are the parent's), a `sys_choice` row per entry of the choice lists it defines or overrides.

use super::schema::{Default, Kind, SYS_CHOICE, SYS_DB_OBJECT, SYS_DICTIONARY, Table};
use super::store::SYSTEM_ACTOR;
use super::store::Store;
use crate::mock::clock::VirtualInstant;

/// Describes every table the store has (a new instance's dictionary).
pub(crate) fn describe_all(store: &mut Store, now: VirtualInstant) {
    let names: Vec<String> = store.tables().map(|table| table.name.clone()).collect();
    for name in &names {
        define(store, name, now);
    }
    for name in &names {
        describe_columns(store, name, now);
    }
}

/// Describes one table added after the others (its `sys_db_object` row may exist already).
pub(crate) fn describe(store: &mut Store, name: &str, now: VirtualInstant) {
    define(store, name, now);
    describe_columns(store, name, now);
}

/// The sys_id of the `sys_db_object` row defining `name`.
pub(crate) fn definition(store: &Store, name: &str) -> Option<String> {
    let row = store.find(SYS_DB_OBJECT, "name", name)?;
    Some(row.sys_id().to_owned())
}

/// The `sys_db_object` row of a table, unless one exists; its `super_class` once the parent's row exists.
fn define(store: &mut Store, name: &str, now: VirtualInstant) {
    let Some(table) = store.table(name) else {
        return;
    };
    let (label, parent) = (table.label.clone(), table.extends.clone());
    let super_class = parent.and_then(|parent| definition(store, &parent));
    let changes = [
        ("name", name),
        ("label", &label),
        ("super_class", super_class.as_deref().unwrap_or_default()),
    ];
    if definition(store, name).is_none() {
        store.insert(SYS_DB_OBJECT, &changes, SYSTEM_ACTOR, now);
    }
}

/// The `sys_dictionary` and `sys_choice` rows of a table's own columns and choice lists.
fn describe_columns(store: &mut Store, name: &str, now: VirtualInstant) {
    let Some(table) = store.table(name) else {
        return;
    };
    let (entries, choices) = (dictionary_rows(table), choice_rows(table));
    if let Some(super_class) = table.extends.clone().and_then(|p| definition(store, &p)) {
        let own = store
            .find(SYS_DB_OBJECT, "name", name)
            .expect("defined just before");
        if own.raw("super_class") != Some(super_class.as_str()) {
            let own = own.sys_id().to_owned();
            let changes = [("super_class", super_class)];
            store.update(SYS_DB_OBJECT, &own, &changes, SYSTEM_ACTOR, now);
        }
    }
    for entry in entries {
        store.insert(SYS_DICTIONARY, &entry, SYSTEM_ACTOR, now);
    }
    for choice in choices {
        store.insert(SYS_CHOICE, &choice, SYSTEM_ACTOR, now);
    }
}

type Row = Vec<(&'static str, String)>;

fn dictionary_rows(table: &Table) -> Vec<Row> {
    let own = table
        .all_columns()
        .filter(|column| column.defined_on == table.name);
    own.map(|column| {
        let reference = match &column.kind {
            Kind::Reference(target) => target.clone(),
            _ => String::new(),
        };
        let default = match &column.default {
            Default::Value(value) => value.clone(),
            _ => String::new(),
        };
        vec![
            ("name", table.name.clone()),
            ("element", column.name.clone()),
            ("internal_type", column.internal_type.clone()),
            ("column_label", column.label.clone()),
            ("max_length", column.max_length.to_string()),
            ("reference", reference),
            ("mandatory", column.mandatory.to_string()),
            ("default_value", default),
        ]
    })
    .collect()
}

fn choice_rows(table: &Table) -> Vec<Row> {
    let mut rows = Vec::new();
    for column in table.all_columns().filter(|c| c.choices_on == table.name) {
        for (at, choice) in column.choices.iter().flatten().enumerate() {
            rows.push(vec![
                ("name", table.name.clone()),
                ("element", column.name.clone()),
                ("value", choice.value.clone()),
                ("label", choice.label.clone()),
                ("sequence", (at + 1).to_string()),
            ]);
        }
    }
    rows
}

/// Removes a table's `sys_dictionary` and `sys_choice` rows (its `sys_db_object` row is the caller's).
pub(crate) fn forget(store: &mut Store, name: &str) {
    for described in [SYS_DICTIONARY, SYS_CHOICE] {
        let rows: Vec<String> = store
            .all(described)
            .filter(|row| row.raw("name") == Some(name))
            .map(|row| row.sys_id().to_owned())
            .collect();
        for sys_id in rows {
            store.delete(described, &sys_id);
        }
    }
}

/// Gives a table's own column a new default value (the next insert without one gets it) and its
/// `sys_dictionary` row the same `default_value` (catalogue §13: defaults that differ by kind and release).
pub(crate) fn change_default(
    store: &mut Store,
    table: &str,
    (column, value): (&str, &str),
    now: VirtualInstant,
) {
    if !store.set_default(table, column, value) {
        return;
    }
    let entry = store.all(SYS_DICTIONARY).find(|row| {
        row.raw("name") == Some(table)
            && row.raw("element") == Some(column)
            && row.raw("default_value") != Some(value)
    });
    if let Some(sys_id) = entry.map(|row| row.sys_id().to_owned()) {
        let changes = [("default_value", value)];
        store.update(SYS_DICTIONARY, &sys_id, &changes, SYSTEM_ACTOR, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::tables::schema::{INCIDENT, OAUTH_ENTITY};

    #[test]
    fn a_changed_default_reaches_inserts_and_the_dictionary_once() {
        let mut store = Store::default();
        describe_all(&mut store, 0);
        let column = ("scope_restriction_status", "restricted");
        change_default(&mut store, OAUTH_ENTITY, column, 5);
        let entity = store.insert(OAUTH_ENTITY, &[("name", "e")], "a", 0);
        let entity = store.get(OAUTH_ENTITY, &entity).unwrap();
        assert_eq!(entity.raw("scope_restriction_status"), Some("restricted"));
        let entry = |store: &Store, column: &str| {
            let row = store
                .all(SYS_DICTIONARY)
                .find(|row| row.raw("element") == Some("scope_restriction_status"));
            row.unwrap().raw(column).unwrap().to_owned()
        };
        assert_eq!(entry(&store, "default_value"), "restricted");
        assert_eq!(entry(&store, "sys_mod_count"), "1");
        change_default(&mut store, OAUTH_ENTITY, column, 9);
        assert_eq!(entry(&store, "sys_mod_count"), "1", "unchanged: no update");
        change_default(&mut store, OAUTH_ENTITY, ("no_such_column", "x"), 9);
    }

    #[test]
    fn the_dictionary_describes_own_columns_parents_and_choice_overrides() {
        let mut store = Store::default();
        describe_all(&mut store, 0);
        let incident = store.find(SYS_DB_OBJECT, "name", INCIDENT).unwrap();
        let task = definition(&store, "task").unwrap();
        assert_eq!(incident.raw("super_class"), Some(task.as_str()));
        let entry = |table: &str, element: &str| {
            store
                .all(SYS_DICTIONARY)
                .find(|row| row.raw("name") == Some(table) && row.raw("element") == Some(element))
                .map(|row| row.raw("internal_type").unwrap().to_owned())
        };
        assert_eq!(entry(INCIDENT, "caller_id").as_deref(), Some("reference"));
        assert_eq!(entry(INCIDENT, "short_description"), None, "inherited");
        assert_eq!(
            entry("task", "short_description").as_deref(),
            Some("string")
        );
        assert_eq!(entry("task", "sys_id").as_deref(), Some("GUID"));
        assert_eq!(entry(INCIDENT, "sys_id"), None);
        let label = |table: &str, value: &str| {
            store
                .all(SYS_CHOICE)
                .find(|row| {
                    row.raw("name") == Some(table)
                        && row.raw("element") == Some("state")
                        && row.raw("value") == Some(value)
                })
                .map(|row| row.raw("label").unwrap().to_owned())
        };
        assert_eq!(label(INCIDENT, "1").as_deref(), Some("New"));
        assert_eq!(label("task", "1").as_deref(), Some("Open"));
        let choices = store.count(SYS_CHOICE);
        forget(&mut store, INCIDENT);
        assert!(store.count(SYS_CHOICE) < choices);
        let left = |table: &str| {
            store
                .all(SYS_DICTIONARY)
                .any(|row| row.raw("name") == Some(table))
        };
        assert!(!left(INCIDENT));
        assert!(left("task"));
    }
}

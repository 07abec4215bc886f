//! Custom tables (catalogue §7): an admin's `sys_db_object` row named `u_…` adds a table to the instance's
//! schema (its parent's columns when `super_class` names one, else only the system columns; any
//! authenticated user may read and write it unless its parent says otherwise), described in the
//! dictionary; deleting the row (the last of that name) removes the table, its records and its dictionary.
//! An admin's `sys_dictionary` row naming a custom table and a new `element` adds that column to it (a type
//! the mock does not know is taken as `string`).
//!
//! A table created without a parent has no ACLs of its own: the instance's default mode decides who may use it,
//! unless its row asked for access controls (`create_access_controls=true`): then a role (`user_role`) and four
//! `sys_security_acl` rows requiring it come with it, and stay when the table goes (catalogue §13).

use super::declaration::{self, kind_of, label_of};
use super::dictionary;
use super::schema::{
    Column, Default, Kind, SYS_DB_OBJECT, SYS_DICTIONARY, SYS_SECURITY_ACL, SYS_SECURITY_ACL_ROLE,
    SYS_USER_ROLE, Table,
};
use super::store::{Changes, Store};
use crate::mock::clock::VirtualInstant;
use crate::mock::instance::Instance;

/// Custom table names start with it, as on an instance.
const PREFIX: &str = "u_";

/// After a `sys_db_object` write: adds the custom tables rows define, removes those no row defines.
pub(crate) fn reconcile(instance: &mut Instance, now: VirtualInstant) {
    let store = &mut instance.store;
    let defined: Vec<(String, String, String)> = store
        .all(SYS_DB_OBJECT)
        .filter_map(|row| {
            let name = row.raw("name")?;
            name.starts_with(PREFIX).then(|| {
                let label = row.raw("label").unwrap_or_default().to_owned();
                let parent = row.raw("super_class").unwrap_or_default().to_owned();
                (name.to_owned(), label, parent)
            })
        })
        .collect();
    let orphans: Vec<String> = store
        .tables()
        .map(|table| table.name.clone())
        .filter(|name| name.starts_with(PREFIX) && !defined.iter().any(|(d, _, _)| d == name))
        .collect();
    for name in orphans {
        store.remove_table(&name);
        dictionary::forget(store, &name);
    }
    for (name, label, parent) in defined {
        if store.table(&name).is_none() {
            let table = custom_table(store, name.clone(), label, &parent);
            store.add_table(table);
            dictionary::describe(store, &name, now);
        }
    }
}

/// The operations a table's access controls cover, one `sys_security_acl` row each.
const ACL_OPERATIONS: [&str; 4] = ["read", "write", "create", "delete"];

/// catalogue §13: before a Table API insert into `sys_db_object`: when it defines a custom table and asks for access
/// controls, the role they will require (its `user_role`: an existing role's sys_id, or a role name, created when
/// missing; empty: `<table>_user`), written into the insert's `user_role` as a reference. Gives the role's sys_id.
pub(crate) fn access_control_role(
    instance: &mut Instance,
    changes: &mut Changes,
    actor: &str,
    now: VirtualInstant,
) -> Option<String> {
    let given = |column: &str| {
        let found = changes.iter().find(|(name, _)| name == column);
        found.map_or("", |(_, value)| value.trim())
    };
    let asked = given("create_access_controls");
    let table = given("name");
    if !table.starts_with(PREFIX) || !(asked.eq_ignore_ascii_case("true") || asked == "1") {
        return None;
    }
    let store = &mut instance.store;
    let role = match given("user_role") {
        "" => format!("{table}_user"),
        named => named.to_owned(),
    };
    let existing = store
        .get(SYS_USER_ROLE, &role)
        .or_else(|| store.find(SYS_USER_ROLE, "name", &role))
        .map(|role| role.sys_id().to_owned());
    let role =
        existing.unwrap_or_else(|| store.insert(SYS_USER_ROLE, &[("name", role)], actor, now));
    changes.retain(|(name, _)| name != "user_role");
    changes.push(("user_role".to_owned(), role.clone()));
    Some(role)
}

/// catalogue §13: after that insert: the table's four access controls (read, write, create, delete), each requiring
/// `role` and letting `admin` override.
pub(crate) fn add_access_controls(
    instance: &mut Instance,
    definition: &str,
    role: &str,
    actor: &str,
    now: VirtualInstant,
) {
    let store = &mut instance.store;
    let Some(table) = store
        .get(SYS_DB_OBJECT, definition)
        .and_then(|row| row.raw("name"))
        .map(str::to_owned)
    else {
        return;
    };
    for operation in ACL_OPERATIONS {
        let description = format!("Created with the table {table}: {operation} requires its role");
        let acl: &[(&str, &str)] = &[
            ("name", &table),
            ("operation", operation),
            ("type", "record"),
            ("active", "true"),
            ("admin_overrides", "true"),
            ("description", &description),
        ];
        let acl = store.insert(SYS_SECURITY_ACL, acl, actor, now);
        let requires: &[(&str, &str)] = &[("sys_security_acl", &acl), ("sys_user_role", role)];
        store.insert(SYS_SECURITY_ACL_ROLE, requires, actor, now);
    }
}

/// After a `sys_dictionary` write: adds the columns its rows give custom tables that lack them.
pub(crate) fn add_dictionary_columns(instance: &mut Instance) {
    let store = &mut instance.store;
    let new: Vec<(String, Column)> = store
        .all(SYS_DICTIONARY)
        .filter_map(|row| {
            let (table, element) = (row.raw("name")?, row.raw("element")?);
            let custom = table.starts_with(PREFIX) && store.table(table)?.column(element).is_none();
            (custom && !element.is_empty()).then(|| {
                let text = |column: &str| row.raw(column).unwrap_or_default().to_owned();
                let internal_type = text("internal_type");
                let reference = text("reference");
                let kind = kind_of(
                    &internal_type,
                    Some(reference.as_str()).filter(|r| !r.is_empty()),
                )
                .unwrap_or(Kind::Text);
                let label = Some(text("column_label")).filter(|l| !l.is_empty());
                let default = Some(text("default_value")).filter(|d| !d.is_empty());
                let column = Column {
                    name: element.to_owned(),
                    label: label.unwrap_or_else(|| label_of(element)),
                    internal_type,
                    kind,
                    max_length: text("max_length").parse().unwrap_or(40),
                    mandatory: row.is_true("mandatory"),
                    default: default.map_or(Default::Empty, Default::Value),
                    computed: None,
                    choices: None,
                    defined_on: table.to_owned(),
                    choices_on: table.to_owned(),
                };
                (table.to_owned(), column)
            })
        })
        .collect();
    for (table, column) in new {
        if store
            .table(&table)
            .is_some_and(|t| t.column(&column.name).is_none())
        {
            store.add_column(&table, column);
        }
    }
}

/// A new custom table: its parent's columns (the `sys_db_object` row `super_class` names) or the system
/// columns, and its parent's display column and ACLs.
fn custom_table(store: &Store, name: String, label: String, super_class: &str) -> Table {
    let parent = store
        .get(SYS_DB_OBJECT, super_class)
        .and_then(|row| store.table(row.raw("name")?));
    let columns: Vec<Column> = match parent {
        Some(parent) => parent.all_columns().cloned().collect(),
        None => declaration::system_columns_of(&declaration::out_of_box().system_columns, &name),
    };
    let label = if label.is_empty() {
        name.clone()
    } else {
        label
    };
    let system_width = declaration::out_of_box().system_columns.len();
    let mut table = Table::new(
        name,
        label,
        parent.map(|p| p.name.clone()),
        columns,
        system_width,
    );
    if let Some(parent) = parent {
        table.access = parent.access.clone();
        table.display_column = parent.display_column.clone();
        table.number_prefix = parent.number_prefix.clone();
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    fn define(instance: &mut Instance, name: &str, parent: &str) -> String {
        let row: &[(&str, &str)] = &[("name", name), ("label", "X"), ("super_class", parent)];
        let sys_id = instance.store.insert(SYS_DB_OBJECT, row, "admin", 0);
        reconcile(instance, 0);
        sys_id
    }

    #[test]
    fn a_u_row_serves_a_table_and_other_names_do_not() {
        let mut instance = Instance::default();
        define(&mut instance, "u_sncc_x", "");
        define(&mut instance, "x_not_custom", "");
        let table = instance.store.table("u_sncc_x").unwrap();
        assert_eq!(table.position("sys_id"), Some(0));
        assert_eq!(
            table.width(),
            declaration::out_of_box().system_columns.len()
        );
        assert!(table.access.read.is_empty() && table.access.write.is_empty());
        assert!(instance.store.table("x_not_custom").is_none());
    }

    #[test]
    fn a_custom_table_may_extend_another() {
        let mut instance = Instance::default();
        dictionary::describe_all(&mut instance.store, 0);
        let task = dictionary::definition(&instance.store, "task").unwrap();
        define(&mut instance, "u_ticket", &task);
        let table = instance.store.table("u_ticket").unwrap();
        assert!(table.column("short_description").is_some());
        assert_eq!(table.access.read, ["itil"]);
        let dictionary_rows = instance
            .store
            .all(SYS_DICTIONARY)
            .filter(|row| row.raw("name") == Some("u_ticket"))
            .count();
        assert_eq!(dictionary_rows, 0, "every column is task's");
    }

    #[test]
    fn a_dictionary_row_adds_a_column_to_a_custom_table_only() {
        let mut instance = Instance::default();
        define(&mut instance, "u_x", "");
        instance.store.insert("u_x", &[] as &[(&str, &str)], "a", 0);
        for (table, element, kind) in [
            ("u_x", "u_size", "integer"),
            ("u_x", "u_owner", "reference"),
            ("incident", "u_extra", "string"),
        ] {
            let mut row = vec![
                ("name", table),
                ("element", element),
                ("internal_type", kind),
            ];
            if kind == "reference" {
                row.push(("reference", "sys_user"));
            }
            row.push(("default_value", if kind == "integer" { "7" } else { "" }));
            instance.store.insert(SYS_DICTIONARY, &row, "admin", 0);
        }
        add_dictionary_columns(&mut instance);
        let table = instance.store.table("u_x").unwrap();
        assert_eq!(table.column("u_size").unwrap().kind, Kind::Integer);
        assert_eq!(
            table.column("u_owner").unwrap().kind,
            Kind::Reference("sys_user".into())
        );
        let record = instance.store.all("u_x").next().unwrap();
        assert_eq!(record.raw("u_size"), Some("7"));
        let incident = instance.store.table("incident").unwrap();
        assert!(incident.column("u_extra").is_none());
    }

    #[test]
    fn deleting_the_definition_drops_only_that_table_and_its_records() {
        let mut instance = Instance::default();
        let x = define(&mut instance, "u_x", "");
        define(&mut instance, "u_y", "");
        for table in ["u_x", "u_y"] {
            let row: &[(&str, &str)] = &[];
            instance.store.insert(table, row, "a", 0);
        }
        instance.store.delete(SYS_DB_OBJECT, &x);
        reconcile(&mut instance, 0);
        assert!(instance.store.table("u_x").is_none());
        assert_eq!(instance.store.count("u_x"), 0);
        assert_eq!(instance.store.count("u_y"), 1);
        let described = |table: &str| {
            instance
                .store
                .all(SYS_DICTIONARY)
                .any(|row| row.raw("name") == Some(table))
        };
        assert!(!described("u_x"));
        assert!(described("u_y"));
    }
}

//! Update sets (catalogue §13): every Table API write of a tracked record is captured as one `sys_update_xml` row
//! per record per update set, in the writer's current update set (its preference `sys_update_set`, else
//! `Default`) and application (its preference `apps.current_app`, else `global`); a writer whose current
//! application is not global may not write a tracked record, all of which are global on the mock.

use super::schema::{
    OAUTH_ENTITY, OAUTH_ENTITY_AUTH_SCOPE_MAPPING, SYS_API_ACCESS_SCOPE, SYS_AUTH_SCOPE,
    SYS_DB_OBJECT, SYS_DICTIONARY, SYS_PROPERTIES, SYS_SCOPE, SYS_SECURITY_ACL, SYS_UPDATE_SET,
    SYS_UPDATE_XML, SYS_USER_PREFERENCE, SYS_USER_ROLE,
};
use super::store::Store;
use crate::mock::auth::authn::Caller;
use crate::mock::clock::VirtualInstant;

/// The preference naming the sys_id of a user's current update set.
pub(crate) const UPDATE_SET_PREFERENCE: &str = "sys_update_set";
/// The preference naming the sys_id of a user's current application (a `sys_scope`).
pub(crate) const CURRENT_APP_PREFERENCE: &str = "apps.current_app";
/// The update set every instance has, where writes go when the writer chose none.
pub(crate) const DEFAULT_UPDATE_SET: &str = "Default";
/// The sys_id (and `scope`) of the global application.
pub(crate) const GLOBAL_SCOPE: &str = "global";

/// catalogue §13: the tables whose records update sets carry (Scripted REST APIs' where the instance has them).
const TRACKED: [&str; 11] = [
    SYS_PROPERTIES,
    OAUTH_ENTITY,
    SYS_AUTH_SCOPE,
    SYS_API_ACCESS_SCOPE,
    OAUTH_ENTITY_AUTH_SCOPE_MAPPING,
    SYS_DB_OBJECT,
    SYS_DICTIONARY,
    SYS_SECURITY_ACL,
    SYS_USER_ROLE,
    "sys_ws_definition",
    "sys_ws_operation",
];

/// What a write did to a tracked record, as its `sys_update_xml` row says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    InsertOrUpdate,
    Delete,
}

impl Action {
    fn name(self) -> &'static str {
        match self {
            Action::InsertOrUpdate => "INSERT_OR_UPDATE",
            Action::Delete => "DELETE",
        }
    }
}

/// A tracked record as its update set shows it, read before a delete or after any other write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TrackedRecord {
    /// `<table>_<sys_id>`.
    name: String,
    /// The record's display value.
    target_name: String,
    /// The table's label.
    table_label: String,
}

/// catalogue §13: whether writes to `table` are captured in update sets.
pub(crate) fn is_tracked(table: &str) -> bool {
    TRACKED.contains(&table)
}

/// catalogue §13: the record as its update set would carry it, or `None` when update sets do not carry it (an
/// untracked table, or a property with `is_private=true`).
pub(crate) fn tracked_record(store: &Store, table: &str, sys_id: &str) -> Option<TrackedRecord> {
    if !is_tracked(table) {
        return None;
    }
    let record = store.get(table, sys_id)?;
    if table == SYS_PROPERTIES && record.is_true("is_private") {
        return None;
    }
    let schema = record.table();
    Some(TrackedRecord {
        name: format!("{table}_{sys_id}"),
        target_name: record
            .raw(&schema.display_column)
            .unwrap_or_default()
            .to_owned(),
        table_label: schema.label.clone(),
    })
}

/// The value of one of the caller's preferences.
fn preference<'s>(store: &'s Store, caller: &Caller, name: &str) -> Option<&'s str> {
    store
        .all(SYS_USER_PREFERENCE)
        .find(|row| {
            row.raw("user") == Some(caller.sys_id.as_str()) && row.raw("name") == Some(name)
        })
        .and_then(|row| row.raw("value"))
}

/// catalogue §13: the sys_id of the caller's current application: the `sys_scope` its preference names (one it
/// names that does not exist counts for nothing), else global.
pub(crate) fn current_application<'s>(store: &'s Store, caller: &Caller) -> &'s str {
    preference(store, caller, CURRENT_APP_PREFERENCE)
        .and_then(|sys_id| store.get(SYS_SCOPE, sys_id))
        .map_or(GLOBAL_SCOPE, |scope| scope.sys_id())
}

/// catalogue §13: the sys_id of the caller's current update set: the one its preference names, else the set named
/// `Default`; none when the instance has neither.
pub(crate) fn current_update_set<'s>(store: &'s Store, caller: &Caller) -> Option<&'s str> {
    let chosen = preference(store, caller, UPDATE_SET_PREFERENCE)
        .and_then(|sys_id| store.get(SYS_UPDATE_SET, sys_id));
    let set = chosen.or_else(|| store.find(SYS_UPDATE_SET, "name", DEFAULT_UPDATE_SET))?;
    Some(set.sys_id())
}

/// catalogue §13: a writer in a scoped application may not write a tracked record (every one the mock has is
/// global): the 403 ACL exception.
pub(crate) fn scoped_writer_refused(store: &Store, caller: &Caller, table: &str) -> bool {
    is_tracked(table) && current_application(store, caller) != GLOBAL_SCOPE
}

/// catalogue §13: captures a write of `record` in the caller's current update set: its `sys_update_xml` row in that
/// set, added or brought up to date; nothing when the instance has no update set to capture it in.
pub(crate) fn capture(
    store: &mut Store,
    caller: &Caller,
    record: TrackedRecord,
    action: Action,
    now: VirtualInstant,
) {
    let Some(update_set) = current_update_set(store, caller).map(str::to_owned) else {
        return;
    };
    let application = current_application(store, caller).to_owned();
    let existing = store
        .all(SYS_UPDATE_XML)
        .find(|row| {
            row.raw("name") == Some(record.name.as_str())
                && row.raw("update_set") == Some(update_set.as_str())
        })
        .map(|row| row.sys_id().to_owned());
    let changes = [
        ("name", record.name.as_str()),
        ("target_name", &record.target_name),
        ("type", &record.table_label),
        ("action", action.name()),
        ("update_set", &update_set),
        ("application", &application),
    ];
    let actor = caller.user_name.as_str();
    match existing {
        Some(sys_id) => {
            store.update(SYS_UPDATE_XML, &sys_id, &changes, actor, now);
        }
        None => {
            store.insert(SYS_UPDATE_XML, &changes, actor, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::tables::schema::{INCIDENT, SYS_USER};

    fn caller() -> Caller {
        Caller {
            sys_id: "c0ffee".into(),
            user_name: "admin".into(),
            name: "Admin".into(),
            roles: vec!["admin".into()],
        }
    }

    /// A store with the global application and the Default set, and a property.
    fn store() -> (Store, String, String) {
        let mut store = Store::default();
        let global: &[(&str, &str)] = &[("scope", GLOBAL_SCOPE), ("name", "Global")];
        store.insert_well_known(SYS_SCOPE, GLOBAL_SCOPE, global, "system", 0);
        let default: &[(&str, &str)] =
            &[("name", DEFAULT_UPDATE_SET), ("application", GLOBAL_SCOPE)];
        let default = store.insert(SYS_UPDATE_SET, default, "system", 0);
        let property = store.insert(SYS_PROPERTIES, &[("name", "x.y")], "admin", 0);
        (store, default, property)
    }

    fn prefer(store: &mut Store, name: &str, value: &str) {
        let row: &[(&str, &str)] = &[("user", "c0ffee"), ("name", name), ("value", value)];
        store.insert(SYS_USER_PREFERENCE, row, "admin", 0);
    }

    fn rows(store: &Store) -> Vec<(String, String, String)> {
        store
            .all(SYS_UPDATE_XML)
            .map(|row| {
                let text = |column| row.raw(column).unwrap_or_default().to_owned();
                (text("name"), text("action"), text("update_set"))
            })
            .collect()
    }

    #[test]
    fn one_row_per_record_per_set_in_the_default_set_unless_the_writer_prefers_another() {
        let (mut store, default, property) = store();
        let record = tracked_record(&store, SYS_PROPERTIES, &property).unwrap();
        assert_eq!(record.target_name, "x.y");
        assert_eq!(record.table_label, "System Property");
        capture(
            &mut store,
            &caller(),
            record.clone(),
            Action::InsertOrUpdate,
            0,
        );
        capture(
            &mut store,
            &caller(),
            record.clone(),
            Action::InsertOrUpdate,
            1,
        );
        let name = format!("sys_properties_{property}");
        assert_eq!(
            rows(&store),
            [(name.clone(), "INSERT_OR_UPDATE".into(), default.clone())]
        );
        let row = store.all(SYS_UPDATE_XML).next().unwrap();
        assert_eq!(row.raw("application"), Some(GLOBAL_SCOPE));
        assert_eq!(row.raw("category"), Some("customer"));
        assert_eq!(row.raw("type"), Some("System Property"));
        assert_eq!(row.raw("sys_created_by"), Some("admin"));
        let other = store.insert(SYS_UPDATE_SET, &[("name", "Mine")], "admin", 0);
        prefer(&mut store, UPDATE_SET_PREFERENCE, &other);
        capture(&mut store, &caller(), record, Action::Delete, 2);
        assert_eq!(
            rows(&store),
            [
                (name.clone(), "INSERT_OR_UPDATE".into(), default),
                (name, "DELETE".into(), other),
            ]
        );
    }

    #[test]
    fn private_properties_and_untracked_tables_are_not_carried() {
        let (mut store, _, property) = store();
        store.update(SYS_PROPERTIES, &property, &[("is_private", "true")], "a", 0);
        assert_eq!(tracked_record(&store, SYS_PROPERTIES, &property), None);
        let user = store.insert(SYS_USER, &[("user_name", "u")], "a", 0);
        assert_eq!(tracked_record(&store, SYS_USER, &user), None);
        let incident = store.insert(INCIDENT, &[] as &[(&str, &str)], "a", 0);
        assert_eq!(tracked_record(&store, INCIDENT, &incident), None);
        assert!(!is_tracked(SYS_UPDATE_XML) && !is_tracked(SYS_USER_PREFERENCE));
        assert!(is_tracked("sys_ws_definition"));
    }

    #[test]
    fn a_scoped_writer_is_refused_tracked_tables_only_and_unknown_choices_count_for_nothing() {
        let (mut store, default, _) = store();
        prefer(&mut store, UPDATE_SET_PREFERENCE, "no-such-set");
        prefer(&mut store, CURRENT_APP_PREFERENCE, "no-such-app");
        assert_eq!(
            current_update_set(&store, &caller()),
            Some(default.as_str())
        );
        assert!(!scoped_writer_refused(&store, &caller(), SYS_PROPERTIES));
        let mut scoped = store.clone();
        let app = scoped.insert(SYS_SCOPE, &[("scope", "x_acme")], "admin", 0);
        let preference = scoped
            .find(SYS_USER_PREFERENCE, "name", CURRENT_APP_PREFERENCE)
            .unwrap()
            .sys_id()
            .to_owned();
        scoped.update(
            SYS_USER_PREFERENCE,
            &preference,
            &[("value", app.as_str())],
            "a",
            0,
        );
        assert_eq!(current_application(&scoped, &caller()), app);
        assert!(scoped_writer_refused(&scoped, &caller(), SYS_PROPERTIES));
        assert!(!scoped_writer_refused(&scoped, &caller(), INCIDENT));
        let mut bare = Store::default();
        let property = bare.insert(SYS_PROPERTIES, &[("name", "x")], "a", 0);
        let record = tracked_record(&bare, SYS_PROPERTIES, &property).unwrap();
        capture(&mut bare, &caller(), record, Action::InsertOrUpdate, 0);
        assert_eq!(
            bare.count(SYS_UPDATE_XML),
            0,
            "no update set, nothing captured"
        );
    }
}

//! Custom tables (SPEC §7, §12): an admin's `sys_db_object` row named `u_…` makes a table the Table API
//! serves, readable and writable by any authenticated user; deleting the row (the last one of that name)
//! deletes the table and its records. Their records live in [`CUSTOM_RECORDS`], each naming its table.

use super::instance::Instance;
use super::schema::{self, CUSTOM_RECORDS, SYS_DB_OBJECT, Table};
use super::store::RecordRef;

/// Custom table names start with it, as on an instance.
const PREFIX: &str = "u_";
/// The column of [`CUSTOM_RECORDS`] that names a record's table.
pub(crate) const CLASS_COLUMN: &str = "sys_class_name";

/// A table the Table API serves: a built-in one, or a custom table among [`CUSTOM_RECORDS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Served<'n> {
    pub table: &'static Table,
    /// The custom table's name; `None` for a built-in table.
    pub class: Option<&'n str>,
}

impl Served<'_> {
    /// Whether a record of [`Served::table`] belongs to this table.
    pub(crate) fn holds(&self, record: &RecordRef<'_>) -> bool {
        self.class
            .is_none_or(|class| record.raw(CLASS_COLUMN) == Some(class))
    }
}

/// The table the Table API serves under `name`, if any.
pub(crate) fn resolve<'n>(instance: &Instance, name: &'n str) -> Option<Served<'n>> {
    if let Some(table) = schema::table(name) {
        return Some(Served { table, class: None });
    }
    defined(instance, name).then_some(Served {
        table: &CUSTOM_RECORDS,
        class: Some(name),
    })
}

/// Whether a `sys_db_object` row defines the custom table `name`.
fn defined(instance: &Instance, name: &str) -> bool {
    name.starts_with(PREFIX)
        && instance
            .store
            .all(&SYS_DB_OBJECT)
            .any(|row| row.raw("name") == Some(name))
}

/// After a `sys_db_object` write: deletes the records of custom tables no row defines any more.
pub(crate) fn drop_undefined(instance: &mut Instance) {
    let orphans: Vec<String> = instance
        .store
        .all(&CUSTOM_RECORDS)
        .filter(|record| !defined(instance, record.raw(CLASS_COLUMN).unwrap_or_default()))
        .map(|record| record.sys_id().to_owned())
        .collect();
    for sys_id in orphans {
        instance.store.delete(&CUSTOM_RECORDS, &sys_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn define(instance: &mut Instance, name: &str) -> String {
        let row: &[(&str, &str)] = &[("name", name), ("label", "X")];
        instance.store.insert(&SYS_DB_OBJECT, row, "admin", 0)
    }

    #[test]
    fn a_u_row_serves_a_table_and_other_names_do_not() {
        let mut instance = Instance::default();
        assert_eq!(resolve(&instance, "u_sncc_x"), None);
        define(&mut instance, "u_sncc_x");
        define(&mut instance, "x_not_custom");
        let served = resolve(&instance, "u_sncc_x").unwrap();
        assert_eq!(served.class, Some("u_sncc_x"));
        assert_eq!(served.table.name, CUSTOM_RECORDS.name);
        assert_eq!(resolve(&instance, "x_not_custom"), None);
        assert_eq!(resolve(&instance, "u_*"), None);
        assert_eq!(resolve(&instance, "incident").unwrap().class, None);
    }

    #[test]
    fn deleting_the_definition_drops_only_that_tables_records() {
        let mut instance = Instance::default();
        let x = define(&mut instance, "u_x");
        define(&mut instance, "u_y");
        for class in ["u_x", "u_y"] {
            let row: &[(&str, &str)] = &[(CLASS_COLUMN, class)];
            instance.store.insert(&CUSTOM_RECORDS, row, "a", 0);
        }
        instance.store.delete(&SYS_DB_OBJECT, &x);
        drop_undefined(&mut instance);
        let left: Vec<_> = instance
            .store
            .all(&CUSTOM_RECORDS)
            .map(|record| record.raw(CLASS_COLUMN).unwrap().to_owned())
            .collect();
        assert_eq!(left, ["u_y"]);
        let served = resolve(&instance, "u_y").unwrap();
        let record = instance.store.all(&CUSTOM_RECORDS).next().unwrap();
        assert!(served.holds(&record));
    }
}

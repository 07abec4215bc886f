//! Records of every served table, kept in insertion order with a sys_id index; the one place rows change.
//! The store also holds the tables' schema, so a table added at run time (catalogue §7) lives beside its rows.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::computed;
use super::declaration;
use super::schema::{Column, Default, Generated, Kind, Table};
use crate::mock::clock::VirtualInstant;
use crate::servicenow::glide_time::glide_datetime;
use crate::support::random;

/// The user the instance itself acts as when it changes records.
pub(crate) const SYSTEM_ACTOR: &str = "system";

/// How a secret column reads back through the Table API: set or not, never its value.
pub(crate) const MASKED_SECRET: &str = "********";
/// The first number a table's generated numbers count from (`INC0010001`).
const FIRST_NUMBER: u64 = 10001;

/// One row: values in the order of [`Table::all_columns`]. Deliberately not `Debug`: it holds secrets.
#[derive(Clone)]
struct Record {
    values: Box<[Box<str>]>,
}

impl Record {
    fn new(values: &[Cow<'_, str>]) -> Record {
        Record {
            values: values.iter().map(|value| Box::from(&**value)).collect(),
        }
    }

    fn value(&self, position: usize) -> &str {
        &self.values[position]
    }

    /// Every value, borrowed, ready to be changed and stored again.
    fn values(&self) -> Vec<Cow<'_, str>> {
        self.values
            .iter()
            .map(|value| Cow::Borrowed(&**value))
            .collect()
    }
}

/// A record's place in the store: its table's rows keep records in the order of these, oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct RowId(u64);

#[derive(Clone)]
struct Rows {
    table: Arc<Table>,
    by_row: BTreeMap<RowId, Record>,
    by_sys_id: HashMap<String, RowId>,
    /// By the table's unique column (see [`Table::unique_column`]), when it has one and it is not empty.
    by_unique: HashMap<String, RowId>,
    /// The number the next generated number takes.
    next_number: u64,
}

impl Rows {
    fn new(table: Arc<Table>) -> Self {
        Rows {
            table,
            by_row: BTreeMap::new(),
            by_sys_id: HashMap::new(),
            by_unique: HashMap::new(),
            next_number: FIRST_NUMBER,
        }
    }

    /// A stored row, for reading.
    fn view(&self, row: RowId) -> Option<RecordRef<'_>> {
        Some(RecordRef {
            table: &self.table,
            record: self.by_row.get(&row)?,
        })
    }

    fn unique_position(&self) -> Option<usize> {
        self.table.position(self.table.unique_column.as_deref()?)
    }

    fn find_sys_id(&self, sys_id: &str) -> Option<RowId> {
        self.by_sys_id.get(sys_id).copied()
    }

    fn find_unique(&self, value: &str) -> Option<RowId> {
        self.by_unique.get(value).copied()
    }

    /// Adds a stored row to the indexes; a key another row had now points at this one.
    fn index(&mut self, row: RowId) {
        let record = &self.by_row[&row];
        self.by_sys_id.insert(record.value(0).to_owned(), row);
        if let Some(position) = self.unique_position() {
            let value = record.value(position);
            if !value.is_empty() {
                self.by_unique.insert(value.to_owned(), row);
            }
        }
    }

    /// Takes a row out of the indexes (it stays stored); a key that points at another row stays.
    fn unindex(&mut self, row: RowId) {
        let Some(record) = self.by_row.get(&row) else {
            return;
        };
        forget(&mut self.by_sys_id, record.value(0), row);
        if let Some(position) = self.unique_position() {
            forget(&mut self.by_unique, record.value(position), row);
        }
    }
}

/// Removes `key` from an index if it points at `row`.
fn forget(index: &mut HashMap<String, RowId>, key: &str, row: RowId) {
    if index.get(key) == Some(&row) {
        index.remove(key);
    }
}

/// A read-only view of one record.
#[derive(Clone, Copy)]
pub(crate) struct RecordRef<'a> {
    table: &'a Table,
    record: &'a Record,
}

impl<'a> RecordRef<'a> {
    pub(crate) fn table(&self) -> &'a Table {
        self.table
    }

    pub(crate) fn sys_id(&self) -> &'a str {
        self.record.value(0)
    }

    /// The stored value, secrets included: for the instance's own rules, never for output.
    pub(crate) fn raw(&self, column: &str) -> Option<&'a str> {
        let position = self.table.position(column)?;
        Some(self.record.value(position))
    }

    /// The value as the Table API shows it: secrets masked.
    pub(crate) fn shown(&self, column: &str) -> Option<&'a str> {
        let position = self.table.position(column)?;
        Some(self.shown_at(position))
    }

    /// The value of the column at `position` as the Table API shows it.
    pub(crate) fn shown_at(&self, position: usize) -> &'a str {
        let value = self.record.value(position);
        if self.table.column_at(position).kind == Kind::Secret && !value.is_empty() {
            MASKED_SECRET
        } else {
            value
        }
    }

    /// A boolean column read as ServiceNow does (`"true"`, any case); absent or other values are false.
    pub(crate) fn is_true(&self, column: &str) -> bool {
        self.raw(column)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
}

/// The values a write gives, by column name, as strings.
pub(crate) type Changes = Vec<(String, String)>;

/// One value a write gives: a column name and its value, owned or borrowed.
pub(crate) trait Change {
    fn column(&self) -> &str;
    fn value(&self) -> &str;
}

impl<N: AsRef<str>, V: AsRef<str>> Change for (N, V) {
    fn column(&self) -> &str {
        self.0.as_ref()
    }

    fn value(&self) -> &str {
        self.1.as_ref()
    }
}

/// Every table's schema and rows. A table's rows are shared with the store it was cloned from until either
/// writes to them: every mock starts as a clone of a seed's store, and most of its tables are never written.
/// (Sharing took a whole `sncc run` on the mock, 84 mocks, from 0.34 to 0.25 s of CPU and 0.23 to 0.17 s wall,
/// medians of 10, and its peak memory from 75 to 48 MiB.)
#[derive(Clone)]
pub(crate) struct Store {
    tables: Vec<Arc<Rows>>,
    by_name: HashMap<String, usize>,
    next_row: u64,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut counts = f.debug_map();
        for rows in &self.tables {
            counts.entry(&rows.table.name, &rows.by_row.len());
        }
        counts.finish()
    }
}

impl std::default::Default for Store {
    /// The out-of-box tables, without records.
    fn default() -> Self {
        Store::new(&declaration::out_of_box().tables)
    }
}

impl Store {
    /// These tables, without records.
    pub(crate) fn new(tables: &[Arc<Table>]) -> Store {
        let mut store = Store {
            tables: Vec::new(),
            by_name: HashMap::new(),
            next_row: 0,
        };
        for table in tables {
            store.add_table(Table::clone(table));
        }
        store
    }

    /// The schema of a served table.
    pub(crate) fn table(&self, name: &str) -> Option<&Table> {
        self.rows(name).map(|rows| &*rows.table)
    }

    /// Every table, in the order they were added.
    pub(crate) fn tables(&self) -> impl Iterator<Item = &Table> {
        self.tables.iter().map(|rows| &*rows.table)
    }

    /// Adds an empty table (one of the same name is replaced, records and all).
    pub(crate) fn add_table(&mut self, table: Table) {
        let name = table.name.clone();
        match self.by_name.get(&name) {
            Some(&at) => self.tables[at] = Arc::new(Rows::new(Arc::new(table))),
            None => {
                self.by_name.insert(name, self.tables.len());
                self.tables.push(Arc::new(Rows::new(Arc::new(table))));
            }
        }
    }

    /// Removes a table and its records; false when there was none.
    pub(crate) fn remove_table(&mut self, name: &str) -> bool {
        let Some(at) = self.by_name.remove(name) else {
            return false;
        };
        self.tables.remove(at);
        for position in self.by_name.values_mut() {
            if *position > at {
                *position -= 1;
            }
        }
        true
    }

    /// Adds a column to a table; its records take the column's default value.
    pub(crate) fn add_column(&mut self, name: &str, column: Column) {
        let Some(rows) = self.rows_mut(name) else {
            return;
        };
        let value = match &column.default {
            Default::Value(value) => value.clone(),
            _ => String::new(),
        };
        let mut table = Table::clone(&rows.table);
        table.push_column(column);
        rows.table = Arc::new(table);
        for record in rows.by_row.values_mut() {
            let mut values = record.values.to_vec();
            values.push(Box::from(value.as_str()));
            record.values = values.into_boxed_slice();
        }
    }

    /// Gives a column of a table a new default value for the inserts to come; false when the table has no such
    /// column of its own (one it inherits is its parent's).
    pub(crate) fn set_default(&mut self, name: &str, column: &str, value: &str) -> bool {
        let Some(rows) = self.rows_mut(name) else {
            return false;
        };
        let Some(position) = rows.table.position(column) else {
            return false;
        };
        let current = rows.table.column_at(position);
        if current.defined_on != name {
            return false;
        }
        let default = Default::Value(value.to_owned());
        if current.default != default {
            let mut table = Table::clone(&rows.table);
            table.set_default(position, default);
            rows.table = Arc::new(table);
        }
        true
    }

    fn rows(&self, table: &str) -> Option<&Rows> {
        Some(&self.tables[*self.by_name.get(table)?])
    }

    fn rows_mut(&mut self, table: &str) -> Option<&mut Rows> {
        Some(Arc::make_mut(&mut self.tables[*self.by_name.get(table)?]))
    }

    /// Every record of a table, oldest first (none for a table the store does not have).
    pub(crate) fn all<'s>(&'s self, table: &str) -> impl DoubleEndedIterator<Item = RecordRef<'s>> {
        self.rows(table).into_iter().flat_map(|rows| {
            rows.by_row.values().map(move |record| RecordRef {
                table: &rows.table,
                record,
            })
        })
    }

    pub(crate) fn count(&self, table: &str) -> usize {
        self.rows(table).map_or(0, |rows| rows.by_row.len())
    }

    pub(crate) fn get<'s>(&'s self, table: &str, sys_id: &str) -> Option<RecordRef<'s>> {
        let rows = self.rows(table)?;
        rows.view(rows.find_sys_id(sys_id)?)
    }

    /// The record at `row`, unless it was deleted.
    pub(crate) fn row<'s>(&'s self, table: &str, row: RowId) -> Option<RecordRef<'s>> {
        self.rows(table)?.view(row)
    }

    /// The record whose unique column (see [`Table::unique_column`]) holds `value`.
    pub(crate) fn find_unique<'s>(&'s self, table: &str, value: &str) -> Option<RecordRef<'s>> {
        let rows = self.rows(table)?;
        rows.view(rows.find_unique(value)?)
    }

    /// The oldest record whose `column` equals `value` exactly.
    pub(crate) fn find<'s>(
        &'s self,
        table: &str,
        column: &str,
        value: &str,
    ) -> Option<RecordRef<'s>> {
        self.all(table)
            .find(|record| record.raw(column) == Some(value))
    }

    /// Inserts a record; unknown and system columns are ignored, except a well-formed unused `sys_id`.
    /// Returns the new sys_id.
    pub(crate) fn insert(
        &mut self,
        table: &str,
        changes: &[impl Change],
        actor: &str,
        now: VirtualInstant,
    ) -> String {
        let row = self.insert_row(table, changes, actor, now);
        let record = self.row(table, row).expect("just inserted");
        record.sys_id().to_owned()
    }

    /// Inserts a record as [`Store::insert`] does; returns where it is. The table must be one the store has.
    pub(crate) fn insert_row(
        &mut self,
        table: &str,
        changes: &[impl Change],
        actor: &str,
        now: VirtualInstant,
    ) -> RowId {
        let requested_id = changes
            .iter()
            .find(|change| change.column() == "sys_id")
            .map(|change| change.value().to_ascii_lowercase())
            .filter(|id| is_sys_id(id) && self.get(table, id).is_none());
        let sys_id = requested_id.unwrap_or_else(random::sys_id);
        self.insert_row_as(table, &sys_id, changes, actor, now)
    }

    /// Inserts a record under a sys_id the instance gives it, as an instance's own well-known records have
    /// (`global`); returns false, inserting nothing, when the table already has that sys_id.
    pub(crate) fn insert_well_known(
        &mut self,
        table: &str,
        sys_id: &str,
        changes: &[impl Change],
        actor: &str,
        now: VirtualInstant,
    ) -> bool {
        if self.get(table, sys_id).is_some() {
            return false;
        }
        self.insert_row_as(table, sys_id, changes, actor, now);
        true
    }

    fn insert_row_as(
        &mut self,
        table: &str,
        sys_id: &str,
        changes: &[impl Change],
        actor: &str,
        now: VirtualInstant,
    ) -> RowId {
        let stamp = glide_datetime(now);
        self.next_row += 1;
        let row = RowId(self.next_row);
        let rows = self
            .rows_mut(table)
            .unwrap_or_else(|| panic!("insert into {table}, which the store does not have"));
        let schema = Arc::clone(&rows.table);
        let mut values: Vec<Cow<'_, str>> = Vec::with_capacity(schema.width());
        for column in schema.all_columns() {
            values.push(match &column.default {
                Default::Empty => Cow::Borrowed(""),
                Default::Value(value) => Cow::Borrowed(value),
                Default::Generated(Generated::ClientId) => Cow::Owned(random::client_id()),
                Default::Generated(Generated::Secret) => Cow::Owned(random::secret()),
                Default::Generated(Generated::Now) => Cow::Borrowed(&stamp),
                Default::Generated(Generated::Number) => {
                    rows.next_number += 1;
                    let number = rows.next_number - 1;
                    Cow::Owned(format!("{}{number:07}", schema.number_prefix))
                }
            });
        }
        values[0] = Cow::Borrowed(sys_id);
        for (name, value) in [
            ("sys_created_on", stamp.as_str()),
            ("sys_updated_on", &stamp),
            ("sys_created_by", actor),
            ("sys_updated_by", actor),
        ] {
            values[schema.position(name).expect("system column")] = Cow::Borrowed(value);
        }
        apply(&schema, &mut values, changes);
        let record = Record::new(&values);
        rows.by_row.insert(row, record);
        rows.index(row);
        row
    }

    /// Applies changes to a record; returns false when there is no such record.
    pub(crate) fn update(
        &mut self,
        table: &str,
        sys_id: &str,
        changes: &[impl Change],
        actor: &str,
        now: VirtualInstant,
    ) -> bool {
        let Some(rows) = self.rows_mut(table) else {
            return false;
        };
        let Some(row) = rows.find_sys_id(sys_id) else {
            return false;
        };
        rows.unindex(row);
        let schema = Arc::clone(&rows.table);
        let record = rows.by_row.get_mut(&row).expect("indexed record");
        let mut values = record.values();
        apply(&schema, &mut values, changes);
        let position = |name: &str| schema.position(name).expect("system column");
        let count = values[position("sys_mod_count")]
            .parse::<u64>()
            .unwrap_or(0);
        values[position("sys_mod_count")] = Cow::Owned((count + 1).to_string());
        values[position("sys_updated_on")] = Cow::Owned(glide_datetime(now));
        values[position("sys_updated_by")] = Cow::Borrowed(actor);
        *record = Record::new(&values);
        rows.index(row);
        true
    }

    /// Writes a value the instance derives from other records (catalogue §17: a resource's `operation_uri`, a
    /// binding's `api_path`) as part of the write that caused it: not an update of its own, so the record's
    /// system columns stay. Returns false when there is no such record or column.
    pub(crate) fn set_derived(
        &mut self,
        table: &str,
        sys_id: &str,
        column: &str,
        value: &str,
    ) -> bool {
        let Some(rows) = self.rows_mut(table) else {
            return false;
        };
        let (Some(row), Some(position)) = (rows.find_sys_id(sys_id), rows.table.position(column))
        else {
            return false;
        };
        rows.unindex(row);
        let record = rows.by_row.get_mut(&row).expect("indexed record");
        record.values[position] = Box::from(value);
        rows.index(row);
        true
    }

    /// Deletes a record; returns false when there was none.
    pub(crate) fn delete(&mut self, table: &str, sys_id: &str) -> bool {
        let row = self.rows(table).and_then(|rows| rows.find_sys_id(sys_id));
        row.is_some_and(|row| self.delete_row(table, row))
    }

    /// Deletes the record at `row`; returns false when there was none.
    pub(crate) fn delete_row(&mut self, table: &str, row: RowId) -> bool {
        let Some(rows) = self.rows_mut(table) else {
            return false;
        };
        rows.unindex(row);
        rows.by_row.remove(&row).is_some()
    }
}

fn is_sys_id(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Writes the given values of a record's own (non-system) columns, normalised to their kinds, then its
/// computed columns.
fn apply<'v>(table: &Table, values: &mut [Cow<'v, str>], changes: &'v [impl Change]) {
    for change in changes {
        let (name, value) = (change.column(), change.value());
        let Some(position) = table.position(name) else {
            continue;
        };
        if table.is_system(position) {
            continue;
        }
        let kind = &table.column(name).expect("positioned column").kind;
        values[position] = Cow::Borrowed(normalise(kind, value));
    }
    let written = |column: &str| changes.iter().any(|change| change.column() == column);
    for (position, column) in table.all_columns().enumerate() {
        let Some(rule) = column.computed else {
            continue;
        };
        let read = |name: &str| -> &str { table.position(name).map_or("", |at| &values[at]) };
        if let Some(value) = computed::compute(rule, read, written) {
            values[position] = Cow::Owned(value);
        }
    }
}

/// Coerces a written value the way an instance stores it for the column's kind.
fn normalise<'v>(kind: &Kind, value: &'v str) -> &'v str {
    match kind {
        Kind::Boolean if value.eq_ignore_ascii_case("true") || value == "1" => "true",
        Kind::Boolean => "false",
        // catalogue §12: journal fields read back "" (the entry is not kept).
        Kind::Journal => "",
        Kind::Integer => {
            let trimmed = value.trim();
            if trimmed.is_empty() || trimmed.parse::<i64>().is_ok() {
                trimmed
            } else {
                "0"
            }
        }
        _ => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::tables::schema::{INCIDENT, OAUTH_CREDENTIAL, OAUTH_ENTITY, SYS_USER};

    fn changes(pairs: &[(&str, &str)]) -> Changes {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn insert_fills_defaults_system_columns_and_generated_values() {
        let mut store = Store::default();
        let id = store.insert(OAUTH_ENTITY, &changes(&[("name", "svc")]), "admin", 0);
        let entity = store.get(OAUTH_ENTITY, &id).unwrap();
        assert_eq!(entity.raw("access_token_lifespan"), Some("1800"));
        assert_eq!(entity.raw("active"), Some("true"));
        assert_eq!(entity.raw("client_id").unwrap().len(), 32);
        assert_eq!(entity.raw("sys_created_by"), Some("admin"));
        assert_eq!(entity.raw("sys_created_on"), Some("1970-01-01 00:00:00"));
        assert_eq!(entity.shown("client_secret"), Some(MASKED_SECRET));
        assert!(entity.raw("client_secret").unwrap().len() >= 20);
    }

    #[test]
    fn values_are_normalised_and_unknown_or_system_columns_ignored() {
        let mut store = Store::default();
        let id = store.insert(
            SYS_USER,
            &changes(&[
                ("active", "FALSE"),
                ("locked_out", "1"),
                ("bogus", "x"),
                ("sys_created_by", "mallory"),
            ]),
            "admin",
            0,
        );
        let user = store.get(SYS_USER, &id).unwrap();
        assert_eq!(user.raw("active"), Some("false"));
        assert_eq!(user.raw("locked_out"), Some("true"));
        assert_eq!(user.raw("bogus"), None);
        assert_eq!(user.raw("sys_created_by"), Some("admin"));
    }

    #[test]
    fn a_users_name_follows_first_and_last_name_unless_set() {
        let mut store = Store::default();
        let id = store.insert(
            SYS_USER,
            &changes(&[("first_name", "Ada"), ("last_name", "Lovelace")]),
            "a",
            0,
        );
        assert_eq!(
            store.get(SYS_USER, &id).unwrap().raw("name"),
            Some("Ada Lovelace")
        );
        store.update(SYS_USER, &id, &changes(&[("last_name", "King")]), "a", 0);
        assert_eq!(
            store.get(SYS_USER, &id).unwrap().raw("name"),
            Some("Ada King")
        );
        store.update(SYS_USER, &id, &changes(&[("name", "Countess")]), "a", 0);
        assert_eq!(
            store.get(SYS_USER, &id).unwrap().raw("name"),
            Some("Countess")
        );
    }

    #[test]
    fn a_given_sys_id_is_kept_when_well_formed_and_unused() {
        let mut store = Store::default();
        let wanted = "0123456789abcdef0123456789abcdef";
        assert_eq!(
            store.insert(SYS_USER, &changes(&[("sys_id", wanted)]), "a", 0),
            wanted
        );
        assert_ne!(
            store.insert(SYS_USER, &changes(&[("sys_id", wanted)]), "a", 0),
            wanted
        );
        assert_ne!(
            store.insert(SYS_USER, &changes(&[("sys_id", "short")]), "a", 0),
            "short"
        );
    }

    #[test]
    fn update_counts_modifications_and_delete_removes() {
        let mut store = Store::default();
        let id = store.insert(SYS_USER, &changes(&[("user_name", "a")]), "admin", 0);
        assert!(store.update(SYS_USER, &id, &changes(&[("user_name", "b")]), "bob", 60));
        let user = store.get(SYS_USER, &id).unwrap();
        assert_eq!(user.raw("user_name"), Some("b"));
        assert_eq!(user.raw("sys_mod_count"), Some("1"));
        assert_eq!(user.raw("sys_updated_by"), Some("bob"));
        assert_eq!(user.raw("sys_updated_on"), Some("1970-01-01 00:01:00"));
        assert!(store.delete(SYS_USER, &id));
        assert!(!store.delete(SYS_USER, &id));
        assert!(!store.update(SYS_USER, &id, &Changes::new(), "bob", 0));
    }

    #[test]
    fn a_derived_value_is_written_without_counting_as_an_update() {
        let mut store = Store::default();
        let id = store.insert(SYS_USER, &changes(&[("user_name", "a")]), "admin", 0);
        assert!(store.set_derived(SYS_USER, &id, "email", "a@example.com"));
        let user = store.get(SYS_USER, &id).unwrap();
        assert_eq!(user.raw("email"), Some("a@example.com"));
        assert_eq!(user.raw("sys_mod_count"), Some("0"));
        assert!(!store.set_derived(SYS_USER, &id, "nope", "x"));
        assert!(!store.set_derived(SYS_USER, "missing", "email", "x"));
        assert!(!store.set_derived("no_table", &id, "email", "x"));
    }

    #[test]
    fn unique_column_is_indexed_through_updates_and_deletes() {
        let mut store = Store::default();
        let id = store.insert(OAUTH_CREDENTIAL, &changes(&[("token", "t1")]), "a", 0);
        assert_eq!(
            store.find_unique(OAUTH_CREDENTIAL, "t1").unwrap().sys_id(),
            id
        );
        store.update(OAUTH_CREDENTIAL, &id, &changes(&[("token", "t2")]), "a", 0);
        assert!(store.find_unique(OAUTH_CREDENTIAL, "t1").is_none());
        assert!(store.find_unique(OAUTH_CREDENTIAL, "t2").is_some());
        store.delete(OAUTH_CREDENTIAL, &id);
        assert!(store.find_unique(OAUTH_CREDENTIAL, "t2").is_none());
    }

    #[test]
    fn a_unique_value_finds_its_newest_record_until_that_one_goes() {
        let mut store = Store::default();
        let token: &[(&str, &str)] = &[("token", "same")];
        let older = store.insert(OAUTH_CREDENTIAL, token, "a", 0);
        let newer = store.insert(OAUTH_CREDENTIAL, token, "a", 0);
        let found = |store: &Store| {
            let record = store.find_unique(OAUTH_CREDENTIAL, "same");
            record.map(|record| record.sys_id().to_owned())
        };
        assert_eq!(found(&store), Some(newer.clone()));
        store.delete(OAUTH_CREDENTIAL, &older);
        assert_eq!(found(&store), Some(newer.clone()));
        store.delete(OAUTH_CREDENTIAL, &newer);
        assert_eq!(found(&store), None);
    }

    #[test]
    fn incident_numbers_count_up_and_debug_shows_no_values() {
        let mut store = Store::default();
        let first = store.insert(INCIDENT, &Changes::new(), "a", 0);
        let second = store.insert(INCIDENT, &Changes::new(), "a", 0);
        assert_eq!(
            store.get(INCIDENT, &first).unwrap().raw("number"),
            Some("INC0010001")
        );
        assert_eq!(
            store.get(INCIDENT, &second).unwrap().raw("number"),
            Some("INC0010002")
        );
        let id = store.insert(SYS_USER, &changes(&[("user_password", "hunter2")]), "a", 0);
        assert!(store.get(SYS_USER, &id).is_some());
        assert!(!format!("{store:?}").contains("hunter2"));
    }
}

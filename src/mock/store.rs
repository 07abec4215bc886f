//! Records of every served table, kept in insertion order with a sys_id index; the one place rows change.

use std::borrow::Cow;
use std::collections::BTreeMap;

// foldhash, not SipHash: keys are sys_ids and tokens, hashed on every token request (and rehashed as a
// table grows) while the instance is locked.
use foldhash::HashMap;

use super::clock::{Instant, glide_datetime};
use super::query::Fields;
use super::random;
use super::schema::{self, Default, Kind, Table};

/// How a secret column reads back through the Table API: set or not, never its value.
pub const MASKED_SECRET: &str = "********";

/// One row: values in the order of [`Table::all_columns`], packed into one string (two allocations a row
/// however wide the table). Deliberately not `Debug`: it holds secrets.
#[derive(Clone)]
struct Record {
    text: String,
    /// Where each value ends in `text`.
    ends: Vec<usize>,
}

impl Record {
    fn pack(values: &[Cow<'_, str>]) -> Record {
        let mut text = String::with_capacity(values.iter().map(|value| value.len()).sum());
        let ends = values
            .iter()
            .map(|value| {
                text.push_str(value);
                text.len()
            })
            .collect();
        Record { text, ends }
    }

    fn value(&self, position: usize) -> &str {
        let start = position
            .checked_sub(1)
            .map_or(0, |before| self.ends[before]);
        &self.text[start..self.ends[position]]
    }

    /// Every value, borrowed, ready to be changed and packed again.
    fn values(&self) -> Vec<Cow<'_, str>> {
        (0..self.ends.len())
            .map(|position| Cow::Borrowed(self.value(position)))
            .collect()
    }
}

#[derive(Clone)]
struct Rows {
    table: &'static Table,
    by_sequence: BTreeMap<u64, Record>,
    sequence_of: HashMap<String, u64>,
    unique: HashMap<String, u64>,
}

impl Rows {
    fn new(table: &'static Table) -> Self {
        Rows {
            table,
            by_sequence: BTreeMap::new(),
            sequence_of: HashMap::default(),
            unique: HashMap::default(),
        }
    }

    fn unique_value<'r>(&self, record: &'r Record) -> Option<&'r str> {
        let position = self.table.position(self.table.unique_column?)?;
        Some(record.value(position)).filter(|value| !value.is_empty())
    }

    fn index(&mut self, sequence: u64) {
        let record = &self.by_sequence[&sequence];
        if let Some(value) = self.unique_value(record) {
            self.unique.insert(value.to_owned(), sequence);
        }
    }

    fn unindex(&mut self, sequence: u64) {
        if let Some(value) = self
            .by_sequence
            .get(&sequence)
            .and_then(|r| self.unique_value(r))
        {
            let value = value.to_owned();
            self.unique.remove(&value);
        }
    }
}

/// A read-only view of one record.
#[derive(Clone, Copy)]
pub struct RecordRef<'a> {
    table: &'static Table,
    record: &'a Record,
}

impl<'a> RecordRef<'a> {
    pub fn table(&self) -> &'static Table {
        self.table
    }

    pub fn sys_id(&self) -> &'a str {
        self.record.value(0)
    }

    /// The stored value, secrets included: for the instance's own rules, never for output.
    pub fn raw(&self, column: &str) -> Option<&'a str> {
        let position = self.table.position(column)?;
        Some(self.record.value(position))
    }

    /// The value as the Table API shows it: secrets masked.
    pub fn shown(&self, column: &str) -> Option<&'a str> {
        let found = self.table.column(column)?;
        let value = self.raw(column)?;
        Some(if found.kind == Kind::Secret && !value.is_empty() {
            MASKED_SECRET
        } else {
            value
        })
    }

    /// A boolean column read as ServiceNow does (`"true"`, any case); absent or other values are false.
    pub fn is_true(&self, column: &str) -> bool {
        self.raw(column)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
}

impl Fields for RecordRef<'_> {
    fn field(&self, name: &str) -> Option<&str> {
        self.shown(name)
    }
}

/// The values a write gives, by column name, as strings.
pub type Changes = Vec<(String, String)>;

/// One value a write gives: a column name and its value, owned or borrowed.
pub trait Change {
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

/// Every table's rows.
#[derive(Clone)]
pub struct Store {
    tables: Vec<Rows>,
    next_sequence: u64,
    next_incident: u64,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut counts = f.debug_map();
        for rows in &self.tables {
            counts.entry(&rows.table.name, &rows.by_sequence.len());
        }
        counts.finish()
    }
}

impl std::default::Default for Store {
    fn default() -> Self {
        Store {
            tables: schema::TABLES.into_iter().map(Rows::new).collect(),
            next_sequence: 0,
            next_incident: 10001,
        }
    }
}

impl Store {
    fn rows(&self, table: &Table) -> &Rows {
        self.tables
            .iter()
            .find(|rows| rows.table.name == table.name)
            .expect("every schema table has rows")
    }

    fn rows_mut(&mut self, table: &Table) -> &mut Rows {
        self.tables
            .iter_mut()
            .find(|rows| rows.table.name == table.name)
            .expect("every schema table has rows")
    }

    /// Every record of a table, oldest first.
    pub fn all<'s>(&'s self, table: &Table) -> impl DoubleEndedIterator<Item = RecordRef<'s>> {
        let rows = self.rows(table);
        rows.by_sequence.values().map(move |record| RecordRef {
            table: rows.table,
            record,
        })
    }

    pub fn count(&self, table: &Table) -> usize {
        self.rows(table).by_sequence.len()
    }

    pub fn get<'s>(&'s self, table: &Table, sys_id: &str) -> Option<RecordRef<'s>> {
        let rows = self.rows(table);
        let sequence = rows.sequence_of.get(sys_id)?;
        Some(RecordRef {
            table: rows.table,
            record: &rows.by_sequence[sequence],
        })
    }

    /// The record whose unique column (see [`Table::unique_column`]) holds `value`.
    pub fn find_unique<'s>(&'s self, table: &Table, value: &str) -> Option<RecordRef<'s>> {
        let rows = self.rows(table);
        let sequence = rows.unique.get(value)?;
        Some(RecordRef {
            table: rows.table,
            record: &rows.by_sequence[sequence],
        })
    }

    /// The oldest record whose `column` equals `value` exactly.
    pub fn find<'s>(&'s self, table: &Table, column: &str, value: &str) -> Option<RecordRef<'s>> {
        self.all(table)
            .find(|record| record.raw(column) == Some(value))
    }

    /// Inserts a record; unknown and system columns are ignored, except a well-formed unused `sys_id`.
    /// Returns the new sys_id.
    pub fn insert(
        &mut self,
        table: &Table,
        changes: &[impl Change],
        actor: &str,
        now: Instant,
    ) -> String {
        let schema = self.rows(table).table;
        let mut values: Vec<Cow<'_, str>> = Vec::with_capacity(schema.width());
        for column in schema.all_columns() {
            values.push(match column.default {
                Default::Empty => Cow::Borrowed(""),
                Default::Value(value) => Cow::Borrowed(value),
                Default::ClientId => Cow::Owned(random::client_id()),
                Default::Secret => Cow::Owned(random::secret()),
                Default::IncidentNumber => {
                    self.next_incident += 1;
                    Cow::Owned(format!("INC{:07}", self.next_incident - 1))
                }
            });
        }
        let requested_id = changes
            .iter()
            .find(|change| change.column() == "sys_id")
            .map(|change| change.value().to_ascii_lowercase())
            .filter(|id| is_sys_id(id) && self.get(table, id).is_none());
        let sys_id = requested_id.unwrap_or_else(random::sys_id);
        let stamp = glide_datetime(now);
        values[0] = Cow::Borrowed(&sys_id);
        for (name, value) in [
            ("sys_created_on", stamp.as_str()),
            ("sys_updated_on", &stamp),
            ("sys_created_by", actor),
            ("sys_updated_by", actor),
        ] {
            values[schema.position(name).expect("system column")] = Cow::Borrowed(value);
        }
        apply(schema, &mut values, changes);
        let record = Record::pack(&values);

        self.next_sequence += 1;
        let sequence = self.next_sequence;
        let rows = self.rows_mut(table);
        rows.by_sequence.insert(sequence, record);
        rows.sequence_of.insert(sys_id.clone(), sequence);
        rows.index(sequence);
        sys_id
    }

    /// Applies changes to a record; returns false when there is no such record.
    pub fn update(
        &mut self,
        table: &Table,
        sys_id: &str,
        changes: &[impl Change],
        actor: &str,
        now: Instant,
    ) -> bool {
        let rows = self.rows_mut(table);
        let Some(&sequence) = rows.sequence_of.get(sys_id) else {
            return false;
        };
        rows.unindex(sequence);
        let schema = rows.table;
        let record = rows.by_sequence.get_mut(&sequence).expect("indexed record");
        let mut values = record.values();
        apply(schema, &mut values, changes);
        let position = |name: &str| schema.position(name).expect("system column");
        let count = values[position("sys_mod_count")]
            .parse::<u64>()
            .unwrap_or(0);
        values[position("sys_mod_count")] = Cow::Owned((count + 1).to_string());
        values[position("sys_updated_on")] = Cow::Owned(glide_datetime(now));
        values[position("sys_updated_by")] = Cow::Borrowed(actor);
        *record = Record::pack(&values);
        rows.index(sequence);
        true
    }

    /// Deletes a record; returns false when there was none.
    pub fn delete(&mut self, table: &Table, sys_id: &str) -> bool {
        let rows = self.rows_mut(table);
        let Some(sequence) = rows.sequence_of.remove(sys_id) else {
            return false;
        };
        rows.unindex(sequence);
        rows.by_sequence.remove(&sequence);
        true
    }
}

fn is_sys_id(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Writes the given values of a record's own (non-system) columns, normalised to their kinds.
fn apply<'v>(table: &Table, values: &mut [Cow<'v, str>], changes: &'v [impl Change]) {
    for change in changes {
        let (name, value) = (change.column(), change.value());
        let Some(position) = table.position(name) else {
            continue;
        };
        if position < schema::SYSTEM_COLUMNS.len() {
            continue;
        }
        let kind = table.column(name).expect("positioned column").kind;
        values[position] = Cow::Borrowed(normalise(kind, value));
    }
    derive_full_name(table, values, changes);
}

/// A user's `name` follows first and last name unless the write sets it, as on an instance.
fn derive_full_name(table: &Table, values: &mut [Cow<'_, str>], changes: &[impl Change]) {
    let written = |column: &str| changes.iter().any(|change| change.column() == column);
    if table.name != schema::SYS_USER.name
        || written("name")
        || !(written("first_name") || written("last_name"))
    {
        return;
    }
    let value = |column: &str| &values[table.position(column).expect("user column")];
    let full = format!("{} {}", value("first_name"), value("last_name"));
    values[table.position("name").expect("user column")] = Cow::Owned(full.trim().to_owned());
}

/// Coerces a written value the way an instance stores it for the column's kind.
fn normalise(kind: Kind, value: &str) -> &str {
    match kind {
        Kind::Boolean if value.eq_ignore_ascii_case("true") || value == "1" => "true",
        Kind::Boolean => "false",
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
    use crate::mock::schema::{INCIDENT, OAUTH_CREDENTIAL, OAUTH_ENTITY, SYS_USER};

    fn changes(pairs: &[(&str, &str)]) -> Changes {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn insert_fills_defaults_system_columns_and_generated_values() {
        let mut store = Store::default();
        let id = store.insert(&OAUTH_ENTITY, &changes(&[("name", "svc")]), "admin", 0);
        let entity = store.get(&OAUTH_ENTITY, &id).unwrap();
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
            &SYS_USER,
            &changes(&[
                ("active", "FALSE"),
                ("locked_out", "1"),
                ("bogus", "x"),
                ("sys_created_by", "mallory"),
            ]),
            "admin",
            0,
        );
        let user = store.get(&SYS_USER, &id).unwrap();
        assert_eq!(user.raw("active"), Some("false"));
        assert_eq!(user.raw("locked_out"), Some("true"));
        assert_eq!(user.raw("bogus"), None);
        assert_eq!(user.raw("sys_created_by"), Some("admin"));
    }

    #[test]
    fn a_users_name_follows_first_and_last_name_unless_set() {
        let mut store = Store::default();
        let id = store.insert(
            &SYS_USER,
            &changes(&[("first_name", "Ada"), ("last_name", "Lovelace")]),
            "a",
            0,
        );
        assert_eq!(
            store.get(&SYS_USER, &id).unwrap().raw("name"),
            Some("Ada Lovelace")
        );
        store.update(&SYS_USER, &id, &changes(&[("last_name", "King")]), "a", 0);
        assert_eq!(
            store.get(&SYS_USER, &id).unwrap().raw("name"),
            Some("Ada King")
        );
        store.update(&SYS_USER, &id, &changes(&[("name", "Countess")]), "a", 0);
        assert_eq!(
            store.get(&SYS_USER, &id).unwrap().raw("name"),
            Some("Countess")
        );
    }

    #[test]
    fn a_given_sys_id_is_kept_when_well_formed_and_unused() {
        let mut store = Store::default();
        let wanted = "0123456789abcdef0123456789abcdef";
        assert_eq!(
            store.insert(&SYS_USER, &changes(&[("sys_id", wanted)]), "a", 0),
            wanted
        );
        assert_ne!(
            store.insert(&SYS_USER, &changes(&[("sys_id", wanted)]), "a", 0),
            wanted
        );
        assert_ne!(
            store.insert(&SYS_USER, &changes(&[("sys_id", "short")]), "a", 0),
            "short"
        );
    }

    #[test]
    fn update_counts_modifications_and_delete_removes() {
        let mut store = Store::default();
        let id = store.insert(&SYS_USER, &changes(&[("user_name", "a")]), "admin", 0);
        assert!(store.update(&SYS_USER, &id, &changes(&[("user_name", "b")]), "bob", 60));
        let user = store.get(&SYS_USER, &id).unwrap();
        assert_eq!(user.raw("user_name"), Some("b"));
        assert_eq!(user.raw("sys_mod_count"), Some("1"));
        assert_eq!(user.raw("sys_updated_by"), Some("bob"));
        assert_eq!(user.raw("sys_updated_on"), Some("1970-01-01 00:01:00"));
        assert!(store.delete(&SYS_USER, &id));
        assert!(!store.delete(&SYS_USER, &id));
        assert!(!store.update(&SYS_USER, &id, &Changes::new(), "bob", 0));
    }

    #[test]
    fn unique_column_is_indexed_through_updates_and_deletes() {
        let mut store = Store::default();
        let id = store.insert(&OAUTH_CREDENTIAL, &changes(&[("token", "t1")]), "a", 0);
        assert_eq!(
            store.find_unique(&OAUTH_CREDENTIAL, "t1").unwrap().sys_id(),
            id
        );
        store.update(&OAUTH_CREDENTIAL, &id, &changes(&[("token", "t2")]), "a", 0);
        assert!(store.find_unique(&OAUTH_CREDENTIAL, "t1").is_none());
        assert!(store.find_unique(&OAUTH_CREDENTIAL, "t2").is_some());
        store.delete(&OAUTH_CREDENTIAL, &id);
        assert!(store.find_unique(&OAUTH_CREDENTIAL, "t2").is_none());
    }

    #[test]
    fn incident_numbers_count_up_and_debug_shows_no_values() {
        let mut store = Store::default();
        let first = store.insert(&INCIDENT, &Changes::new(), "a", 0);
        let second = store.insert(&INCIDENT, &Changes::new(), "a", 0);
        assert_eq!(
            store.get(&INCIDENT, &first).unwrap().raw("number"),
            Some("INC0010001")
        );
        assert_eq!(
            store.get(&INCIDENT, &second).unwrap().raw("number"),
            Some("INC0010002")
        );
        let id = store.insert(&SYS_USER, &changes(&[("user_password", "hunter2")]), "a", 0);
        assert!(store.get(&SYS_USER, &id).is_some());
        assert!(!format!("{store:?}").contains("hunter2"));
    }
}

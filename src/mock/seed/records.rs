//! A seed's `[records.<table>]` entries: checked against the instance's schema (table, columns, value types,
//! references) and inserted, tables referenced by others first. A reference names its record by sys_id,
//! by the value of the target table's display column, or, for a user, by `user_name`.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::Spanned;

use crate::mock::clock::VirtualInstant;
use crate::mock::tables::declaration::{Problem, check_value};
use crate::mock::tables::schema::{Kind, SYS_USER, Table};
use crate::mock::tables::store::SYSTEM_ACTOR;
use crate::mock::tables::store::Store;

/// The records a seed gives, by table, each value with its place in the seed's text.
pub(crate) type RecordSeeds =
    BTreeMap<String, Vec<Spanned<BTreeMap<String, Spanned<toml::Value>>>>>;

/// Why a seeded record cannot be loaded; `at` is its place in the seed's text.
#[derive(Debug, thiserror::Error)]
#[error("{problem}")]
pub(crate) struct RecordError {
    pub at: Range<usize>,
    pub problem: RecordProblem,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum RecordProblem {
    #[error("records for table {0}, which does not exist")]
    UnknownTable(String),
    #[error("table {table} has no column {column}")]
    UnknownColumn { table: String, column: String },
    #[error("{table}.{column} is maintained by the instance and cannot be seeded")]
    SystemColumn { table: String, column: String },
    #[error("{table}.{column}: a value is text, a number or a boolean, not an array or a table")]
    NotAValue { table: String, column: String },
    #[error(transparent)]
    BadValue(Problem),
    #[error("{table}.{column}: no {target} record has the sys_id or display value {value:?}")]
    UnknownReference {
        table: String,
        column: String,
        target: String,
        value: String,
    },
}

/// Inserts every seeded record, or says which one is wrong (the store may then hold some: it is thrown away).
pub(crate) fn insert_all(
    store: &mut Store,
    records: &RecordSeeds,
    now: VirtualInstant,
) -> Result<(), RecordError> {
    for (name, entries) in records {
        if store.table(name).is_none() {
            let at = entries.first().map_or(0..0, Spanned::span);
            return Err(RecordError {
                at,
                problem: RecordProblem::UnknownTable(name.clone()),
            });
        }
    }
    for name in load_order(store, records) {
        for entry in &records[name] {
            let changes = changes(store, name, entry.get_ref())?;
            store.insert(name, &changes, SYSTEM_ACTOR, now);
        }
    }
    Ok(())
}

/// The seeded tables, each after the tables its references point into (a cycle keeps file order). A `domain_id`
/// column (`sys_domain`, a reference to `sys_user_group` whose value is `global`) names no seeded record, so it
/// orders nothing: were it counted, every group whose manager is a seeded user would wait on that user.
fn load_order<'r>(store: &Store, records: &'r RecordSeeds) -> Vec<&'r str> {
    let mut left: Vec<&str> = records.keys().map(String::as_str).collect();
    let mut order = Vec::with_capacity(left.len());
    while !left.is_empty() {
        let references_left = |name: &str| {
            let table = store.table(name).expect("checked before");
            table.all_columns().any(|column| match &column.kind {
                Kind::Reference(_) if column.internal_type == "domain_id" => false,
                Kind::Reference(target) => target != name && left.contains(&target.as_str()),
                _ => false,
            })
        };
        let next = left
            .iter()
            .position(|name| !references_left(name))
            .unwrap_or(0);
        order.push(left.remove(next));
    }
    order
}

/// One record's values as a write gives them, every value checked and references resolved.
fn changes(
    store: &Store,
    name: &str,
    entry: &BTreeMap<String, Spanned<toml::Value>>,
) -> Result<Vec<(String, String)>, RecordError> {
    let table = store.table(name).expect("checked before");
    let mut changes = Vec::with_capacity(entry.len());
    for (column_name, value) in entry {
        let fail = |problem| RecordError {
            at: value.span(),
            problem,
        };
        let (table_name, column_owned) = (table.name.clone(), column_name.clone());
        let Some(position) = table.position(column_name) else {
            return Err(fail(RecordProblem::UnknownColumn {
                table: table_name,
                column: column_owned,
            }));
        };
        if table.is_system(position) && column_name != "sys_id" {
            return Err(fail(RecordProblem::SystemColumn {
                table: table_name,
                column: column_owned,
            }));
        }
        let column = table.column_at(position);
        let text = match value.get_ref() {
            toml::Value::String(text) => text.clone(),
            toml::Value::Integer(number) => number.to_string(),
            toml::Value::Float(number) => number.to_string(),
            toml::Value::Boolean(flag) => flag.to_string(),
            toml::Value::Datetime(when) => when.to_string().replacen('T', " ", 1),
            toml::Value::Array(_) | toml::Value::Table(_) => {
                return Err(fail(RecordProblem::NotAValue {
                    table: table_name,
                    column: column_owned,
                }));
            }
        };
        check_value(
            &column.kind,
            &column.internal_type,
            &text,
            name,
            column_name,
        )
        .map_err(|problem| fail(RecordProblem::BadValue(problem)))?;
        let text = match &column.kind {
            Kind::Reference(target) if !text.is_empty() => resolve_reference(store, target, &text)
                .ok_or_else(|| {
                    fail(RecordProblem::UnknownReference {
                        table: table_name,
                        column: column_owned,
                        target: target.clone(),
                        value: text.clone(),
                    })
                })?,
            _ => text,
        };
        changes.push((column_name.clone(), text));
    }
    Ok(changes)
}

/// The sys_id of the record a seeded reference names.
fn resolve_reference(store: &Store, target: &str, value: &str) -> Option<String> {
    if let Some(record) = store.get(target, value) {
        return Some(record.sys_id().to_owned());
    }
    let table: &Table = store.table(target)?;
    let by = |column: &str| store.find(target, column, value);
    let record = by(&table.display_column)
        .or_else(|| (target == SYS_USER).then(|| by("user_name")).flatten())?;
    Some(record.sys_id().to_owned())
}

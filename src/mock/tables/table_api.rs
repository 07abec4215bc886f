//! The Table API's rules (catalogue §2): parameters, ACLs, listing, reading and writing records, without HTTP.
//! Every table the instance's schema holds is served alike: out-of-box, seeded and custom `u_` ones (catalogue §7,
//! §12). A write also answers to a property's `write_roles` and the writer's application, and is captured in the
//! writer's update set (catalogue §13).

use serde_json::Value;

use super::acl::{self, Access, Operation};
use super::custom_tables;
use super::fields::{Walkable, resolves};
use super::lenient_json;
use super::path_form::PathForm;
use super::query::{EncodedQuery, QueryContext};
use super::render::{DisplayValue, Rendering};
use super::schema::{
    CHANGE_REQUEST, OAUTH_ENTITY, SYS_DB_OBJECT, SYS_DICTIONARY, SYS_PROPERTIES, Table,
};
use super::store::Changes;
use super::update_sets::{self, Action};
use crate::mock::apis::derived_paths;
use crate::mock::auth::authn::Caller;
use crate::mock::auth::write_roles;
use crate::mock::breaks::Break;
use crate::mock::clock::VirtualInstant;
use crate::mock::instance::{Instance, SYSTEM_ACTOR};
use crate::mock::seed::provisioned;

/// The most records one page returns, whatever `sysparm_limit` asks (also the default).
pub(crate) const MAX_LIMIT: usize = 10_000;
/// When true, a query naming an unknown field matches nothing instead of ignoring the condition.
pub(crate) const INVALID_QUERY_PROPERTY: &str = "glide.invalid_query.returns_no_rows";

/// The `sysparm_*` parameters the mock's Table API reads (catalogue §2); any other `sysparm_*` is ignored, as an
/// instance ignores one it does not know, and journaled as not modelled (catalogue §12).
pub(crate) const MODELLED_PARAMETERS: [&str; 7] = [
    "sysparm_query",
    "sysparm_fields",
    "sysparm_limit",
    "sysparm_offset",
    "sysparm_display_value",
    "sysparm_exclude_reference_link",
    "sysparm_suppress_pagination_header",
];

/// The `sysparm_*` parameters of a request that the mock ignores, each once, in order.
pub(crate) fn unmodelled_parameters(pairs: &[(String, String)]) -> Vec<&str> {
    let mut ignored: Vec<&str> = Vec::new();
    for (name, _) in pairs {
        let unmodelled =
            name.starts_with("sysparm_") && !MODELLED_PARAMETERS.contains(&name.as_str());
        if unmodelled && !ignored.contains(&name.as_str()) {
            ignored.push(name);
        }
    }
    ignored
}

/// The `sysparm_*` parameters of one request.
#[derive(Clone, Debug, Default)]
pub(crate) struct Params {
    pub query: EncodedQuery,
    pub limit: Option<usize>,
    pub offset: usize,
    pub rendering: Rendering,
    pub suppress_pagination_header: bool,
    /// The path form the request used (catalogue §12).
    pub path_form: PathForm,
}

impl Params {
    /// Reads the parameters from query-string pairs of a request in `path_form` to the instance at `base_url`;
    /// the first of a repeated name wins, bad numbers are ignored.
    pub(crate) fn from_pairs(
        pairs: &[(String, String)],
        base_url: &str,
        path_form: PathForm,
    ) -> Params {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        let flag = |name: &str| get(name).is_some_and(|value| value.eq_ignore_ascii_case("true"));
        let fields = get("sysparm_fields").map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|field| !field.is_empty())
                .map(str::to_owned)
                .collect()
        });
        // catalogue §12: any other `name=value` parameter filters like `sysparm_query=name=value`, ANDed.
        let query = pairs
            .iter()
            .filter(|(name, _)| !name.starts_with("sysparm_") && !name.is_empty())
            .fold(
                EncodedQuery::parse(get("sysparm_query").unwrap_or_default()),
                |query, (name, value)| query.and_equal(name, value),
            );
        Params {
            query,
            limit: get("sysparm_limit").and_then(|text| text.trim().parse().ok()),
            offset: get("sysparm_offset")
                .and_then(|text| text.trim().parse().ok())
                .unwrap_or(0),
            rendering: Rendering {
                fields,
                display_value: DisplayValue::parse(
                    get("sysparm_display_value").unwrap_or_default(),
                ),
                exclude_reference_link: flag("sysparm_exclude_reference_link"),
                table_root: path_form.table_root(base_url),
            },
            suppress_pagination_header: flag("sysparm_suppress_pagination_header"),
            path_form,
        }
    }

    /// The page size: `sysparm_limit` clamped to 1..=[`MAX_LIMIT`].
    pub(crate) fn page_size(&self) -> usize {
        self.limit.unwrap_or(MAX_LIMIT).clamp(1, MAX_LIMIT)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TableError {
    InvalidTable(String),
    ReadDenied,
    WriteDenied(Operation),
    NotFound,
    /// catalogue §12: a `v1` list that matched nothing.
    NoRecordsMatched,
    InvalidJson,
}

/// One page of a listing, with the number of records that matched in all.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Page {
    pub records: Vec<Value>,
    pub total: usize,
}

/// The name of a table the caller may read, as the instance serves it.
fn readable<'i>(
    instance: &'i Instance,
    name: &str,
    caller: &Caller,
) -> Result<&'i Table, TableError> {
    let table = served(instance, name)?;
    if acl::allows(instance, caller, table, Access::Read) {
        Ok(table)
    } else {
        Err(TableError::ReadDenied)
    }
}

/// Whether the caller may make this write to `name`: its ACLs (catalogue §2, §13), then, for a tracked table, the
/// writer's application (catalogue §13).
fn writable(
    instance: &Instance,
    name: &str,
    caller: &Caller,
    operation: Operation,
) -> Result<(), TableError> {
    let table = served(instance, name)?;
    let allowed = acl::allows(instance, caller, table, Access::Write(operation))
        && !update_sets::scoped_writer_refused(&instance.store, caller, name);
    if allowed {
        Ok(())
    } else {
        Err(TableError::WriteDenied(operation))
    }
}

/// catalogue §13: a write of a property whose `write_roles` the caller's roles do not cover is refused with the ACL
/// exception; an insert is held to the roles it lists and, for a High Security name, `security_admin`.
fn property_writable(
    instance: &Instance,
    caller: &Caller,
    operation: Operation,
    sys_id: Option<&str>,
    changes: &Changes,
) -> Result<(), TableError> {
    let given = |column: &str| {
        changes
            .iter()
            .find(|(name, _)| name == column)
            .map_or("", |(_, value)| value.as_str())
    };
    let covered = match sys_id.and_then(|sys_id| instance.store.get(SYS_PROPERTIES, sys_id)) {
        Some(stored) => write_roles::covers(caller, stored.raw("write_roles").unwrap_or_default()),
        None => write_roles::insert_covered(caller, given("name"), given("write_roles")),
    };
    if covered {
        Ok(())
    } else {
        Err(TableError::WriteDenied(operation))
    }
}

/// What a caller may do with a table's records (the Attachment API's parent check, catalogue §12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rights {
    pub read: bool,
    pub write: bool,
}

/// The caller's rights on `table`; an unknown table is invalid.
pub(crate) fn rights(
    instance: &Instance,
    caller: &Caller,
    table: &str,
) -> Result<Rights, TableError> {
    let table = served(instance, table)?;
    Ok(Rights {
        read: acl::allows(instance, caller, table, Access::Read),
        write: acl::allows(instance, caller, table, Access::Write(Operation::Update)),
    })
}

/// Whether `table` holds a record with this sys_id.
pub(crate) fn has_record(instance: &Instance, table: &str, sys_id: &str) -> bool {
    instance.store.get(table, sys_id).is_some()
}

fn served<'i>(instance: &'i Instance, name: &str) -> Result<&'i Table, TableError> {
    instance
        .store
        .table(name)
        .ok_or_else(|| TableError::InvalidTable(name.to_owned()))
}

/// After a write: a changed `sys_db_object` may have added or removed custom tables, a `sys_dictionary`
/// row added a column to one; a changed REST API, resource, binding or policy changes derived paths (catalogue
/// §17; Break [`Break::BindingByPath`]: bindings' and policies' `api_path` stays as written).
fn after_write(instance: &mut Instance, table: &str, now: VirtualInstant) {
    match table {
        SYS_DB_OBJECT => custom_tables::reconcile(instance, now),
        SYS_DICTIONARY => custom_tables::add_dictionary_columns(instance),
        _ if derived_paths::SOURCES.contains(&table) => {
            let fill_api_path = !instance.breaks.has(Break::BindingByPath);
            derived_paths::refresh(&mut instance.store, fill_api_path);
        }
        _ => {}
    }
}

/// catalogue §13: captures a write of a tracked record in the caller's update set (`record` is `None` for a record
/// update sets do not carry).
fn capture(
    instance: &mut Instance,
    caller: &Caller,
    record: Option<update_sets::TrackedRecord>,
    action: Action,
    now: VirtualInstant,
) {
    if let Some(record) = record {
        update_sets::capture(&mut instance.store, caller, record, action, now);
    }
}

/// `GET /api/now/table/<table>`.
pub(crate) fn list(
    instance: &Instance,
    caller: &Caller,
    table: &str,
    params: &Params,
) -> Result<Page, TableError> {
    let table = readable(instance, table, caller)?;
    let store = &instance.store;
    let context = QueryContext {
        user_sys_id: &caller.sys_id,
        user_name: &caller.user_name,
    };
    // catalogue §2: only a field the table does not have is ignored (or, with the property, matches nothing).
    let names_unknown_field = params
        .query
        .field_names()
        .iter()
        .any(|name| !resolves(table, name, store));
    let returns_no_rows = instance
        .property(INVALID_QUERY_PROPERTY)
        .is_some_and(|value| value.eq_ignore_ascii_case("true"));
    if names_unknown_field && returns_no_rows {
        v1_nothing_matched(params.path_form, true)?;
        return Ok(Page {
            records: Vec::new(),
            total: 0,
        });
    }
    let mut matching: Vec<Walkable<'_>> = store
        .all(&table.name)
        .map(|record| Walkable { record, store })
        .filter(|record| params.query.matches(record, &context))
        .collect();
    params.query.sort(&mut matching);
    let records: Vec<Value> = matching
        .iter()
        .skip(params.offset)
        .take(params.page_size())
        .map(|walkable| params.rendering.render(walkable.record, store))
        .collect();
    v1_nothing_matched(params.path_form, records.is_empty())?;
    Ok(Page {
        records,
        total: matching.len(),
    })
}

/// catalogue §12: `/api/now/v1/table/…` answers a page with no records (nothing matched, or the offset is past
/// the last) with 404 "No Record found"; v2 and the unversioned path answer `200 {"result":[]}`.
fn v1_nothing_matched(path_form: PathForm, empty: bool) -> Result<(), TableError> {
    if path_form == PathForm::V1 && empty {
        Err(TableError::NoRecordsMatched)
    } else {
        Ok(())
    }
}

/// `GET /api/now/table/<table>/<sys_id>`: a record the caller may not read is "not found", as on an instance.
pub(crate) fn get(
    instance: &Instance,
    caller: &Caller,
    table: &str,
    sys_id: &str,
    params: &Params,
) -> Result<Value, TableError> {
    match readable(instance, table, caller) {
        Err(TableError::ReadDenied) => return Err(TableError::NotFound),
        other => other?,
    };
    let record = instance
        .store
        .get(table, sys_id)
        .ok_or(TableError::NotFound)?;
    Ok(params.rendering.render(record, &instance.store))
}

/// `POST /api/now/table/<table>`: returns the new record's sys_id and rendering.
pub(crate) fn create(
    instance: &mut Instance,
    caller: &Caller,
    table: &str,
    body: &[u8],
    params: &Params,
    now: VirtualInstant,
) -> Result<(String, Value), TableError> {
    writable(instance, table, caller, Operation::Insert)?;
    let mut changes = changes_from_json(body)?;
    opened_by_the_caller(instance, table, caller, &mut changes);
    if table == SYS_PROPERTIES {
        property_writable(instance, caller, Operation::Insert, None, &changes)?;
    }
    if table == OAUTH_ENTITY {
        provisioned::s1_entity_insert(&mut changes, &instance.breaks);
    }
    // Break (D4): records are created by `system`.
    let actor = if instance.breaks.has(Break::RecordsCreatedBySystem) {
        SYSTEM_ACTOR
    } else {
        &caller.user_name
    };
    let access_role = (table == SYS_DB_OBJECT)
        .then(|| custom_tables::access_control_role(instance, &mut changes, actor, now))
        .flatten();
    let sys_id = instance.store.insert(table, &changes, actor, now);
    after_write(instance, table, now);
    if let Some(role) = access_role {
        custom_tables::add_access_controls(instance, &sys_id, &role, actor, now);
    }
    let tracked = update_sets::tracked_record(&instance.store, table, &sys_id);
    capture(instance, caller, tracked, Action::InsertOrUpdate, now);
    let record = instance.store.get(table, &sys_id).expect("just inserted");
    let shown = params.rendering.render(record, &instance.store);
    Ok((sys_id, shown))
}

/// catalogue §12: a record of a table with `opened_by` (task and what extends it) inserted without one was opened
/// by the caller, as recorded inserts show, and a change request inserted without `requested_by` was requested by
/// the caller (a recorded insert shows its creator there). `caller_id` gets no such default: recorded Table API
/// inserts leave it `""` (only an instance's form fills it).
fn opened_by_the_caller(instance: &Instance, table: &str, caller: &Caller, changes: &mut Changes) {
    let Some(declared) = instance.store.table(table) else {
        return;
    };
    let requested = (table == CHANGE_REQUEST).then_some("requested_by");
    for column in std::iter::once("opened_by").chain(requested) {
        let has_column = declared.column(column).is_some();
        if has_column && !changes.iter().any(|(name, _)| name == column) {
            changes.push((column.to_owned(), caller.sys_id.clone()));
        }
    }
}

/// `PUT` and `PATCH /api/now/table/<table>/<sys_id>` (both change only the given fields).
pub(crate) fn update(
    instance: &mut Instance,
    caller: &Caller,
    table: &str,
    sys_id: &str,
    body: &[u8],
    params: &Params,
    now: VirtualInstant,
) -> Result<Value, TableError> {
    writable(instance, table, caller, Operation::Update)?;
    let changes = changes_from_json(body)?;
    if instance.store.get(table, sys_id).is_none() {
        return Err(TableError::NotFound);
    }
    if table == SYS_PROPERTIES {
        property_writable(instance, caller, Operation::Update, Some(sys_id), &changes)?;
    }
    // Break (D2): an entity's application user is remembered before its first change (see grant).
    if table == OAUTH_ENTITY {
        let record = instance.store.get(table, sys_id);
        let user = record.and_then(|entity| entity.raw("user"));
        let breaks = &instance.breaks;
        instance
            .break_state
            .before_entity_update(breaks, sys_id, user);
    }
    if !instance
        .store
        .update(table, sys_id, &changes, &caller.user_name, now)
    {
        return Err(TableError::NotFound);
    }
    after_write(instance, table, now);
    let tracked = update_sets::tracked_record(&instance.store, table, sys_id);
    capture(instance, caller, tracked, Action::InsertOrUpdate, now);
    let record = instance.store.get(table, sys_id).expect("just updated");
    Ok(params.rendering.render(record, &instance.store))
}

/// `DELETE /api/now/table/<table>/<sys_id>`.
pub(crate) fn delete(
    instance: &mut Instance,
    caller: &Caller,
    table: &str,
    sys_id: &str,
    now: VirtualInstant,
) -> Result<(), TableError> {
    writable(instance, table, caller, Operation::Delete)?;
    if instance.store.get(table, sys_id).is_none() {
        return Err(TableError::NotFound);
    }
    if table == SYS_PROPERTIES {
        property_writable(
            instance,
            caller,
            Operation::Delete,
            Some(sys_id),
            &Changes::new(),
        )?;
    }
    let tracked = update_sets::tracked_record(&instance.store, table, sys_id);
    instance.store.delete(table, sys_id);
    after_write(instance, table, now);
    capture(instance, caller, tracked, Action::Delete, now);
    Ok(())
}

/// A JSON object's members as string values: strings as they are, numbers and booleans as text, null as
/// empty, a reference object by its `value`. Strings may be single-quoted (catalogue §12: the lenient JSON an
/// instance reads); anything but an object is not a valid payload.
fn changes_from_json(body: &[u8]) -> Result<Changes, TableError> {
    let Ok(Value::Object(members)) = lenient_json::parse(body) else {
        return Err(TableError::InvalidJson);
    };
    let text = |value: &Value| match value {
        Value::String(text) => Some(text.clone()),
        Value::Null => Some(String::new()),
        Value::Bool(_) | Value::Number(_) => Some(value.to_string()),
        Value::Object(reference) => reference
            .get("value")
            .and_then(Value::as_str)
            .map(str::to_owned),
        Value::Array(_) => None,
    };
    Ok(members
        .iter()
        .filter_map(|(name, value)| Some((name.clone(), text(value)?)))
        .collect())
}

#[cfg(test)]
mod tests;

//! The paths an instance derives from its REST APIs' records (catalogue §17): a resource's `operation_uri` (its
//! API's `base_uri` and its `relative_path`), and the `api_path` of an auth scope binding or access policy that
//! names an API (its `base_uri` after `/api/`: `now/table` for the Table API). They are kept up to date after
//! every write of those tables, as part of that write; a row naming no API keeps the `api_path` it was given,
//! as data only.

use crate::mock::tables::schema::{
    SYS_API_ACCESS_POLICY, SYS_API_ACCESS_SCOPE, SYS_WS_DEFINITION, SYS_WS_OPERATION,
};
use crate::mock::tables::store::Store;

/// The tables whose writes change a derived path.
pub(crate) const SOURCES: [&str; 4] = [
    SYS_WS_DEFINITION,
    SYS_WS_OPERATION,
    SYS_API_ACCESS_SCOPE,
    SYS_API_ACCESS_POLICY,
];

/// Brings every derived path up to date. `fill_api_path` false leaves bindings' and policies' `api_path` as
/// written (only [`crate::mock::breaks::Break::BindingByPath`] asks that).
pub(crate) fn refresh(store: &mut Store, fill_api_path: bool) {
    let mut changes: Vec<(&'static str, String, &'static str, String)> = Vec::new();
    for operation in store.all(SYS_WS_OPERATION) {
        let base = operation
            .raw("web_service_definition")
            .and_then(|definition| store.get(SYS_WS_DEFINITION, definition))
            .and_then(|definition| definition.raw("base_uri"))
            .unwrap_or_default();
        let relative = operation.raw("relative_path").unwrap_or_default();
        let uri = operation_uri(base, relative);
        if operation.raw("operation_uri") != Some(uri.as_str()) {
            let sys_id = operation.sys_id().to_owned();
            changes.push((SYS_WS_OPERATION, sys_id, "operation_uri", uri));
        }
    }
    for table in [SYS_API_ACCESS_SCOPE, SYS_API_ACCESS_POLICY]
        .into_iter()
        .filter(|_| fill_api_path)
    {
        for row in store.all(table) {
            let api = row
                .raw("api")
                .and_then(|api| store.get(SYS_WS_DEFINITION, api));
            let Some(base) = api.and_then(|api| api.raw("base_uri")) else {
                continue;
            };
            let path = base.trim_start_matches("/api/").to_owned();
            if row.raw("api_path") != Some(path.as_str()) {
                changes.push((table, row.sys_id().to_owned(), "api_path", path));
            }
        }
    }
    for (table, sys_id, column, value) in changes {
        store.set_derived(table, &sys_id, column, &value);
    }
}

/// A resource's full path: its API's `base_uri` and its `relative_path` (empty without an API).
fn operation_uri(base_uri: &str, relative_path: &str) -> String {
    if base_uri.is_empty() {
        return String::new();
    }
    let relative = relative_path.trim().trim_start_matches('/');
    if relative.is_empty() {
        base_uri.to_owned()
    } else {
        format!("{}/{relative}", base_uri.trim_end_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_api_they_name() {
        let mut store = Store::default();
        let api: &[(&str, &str)] = &[("name", "sncc x"), ("service_id", "sncc_x")];
        let api = store.insert(SYS_WS_DEFINITION, api, "admin", 0);
        let probe: &[(&str, &str)] =
            &[("web_service_definition", &api), ("relative_path", "probe")];
        let probe = store.insert(SYS_WS_OPERATION, probe, "admin", 0);
        let binding: &[(&str, &str)] = &[("api", &api), ("api_path", "now/table")];
        let binding = store.insert(SYS_API_ACCESS_SCOPE, binding, "admin", 0);
        let path_only: &[(&str, &str)] = &[("api_path", "now/table/u_x")];
        let path_only = store.insert(SYS_API_ACCESS_SCOPE, path_only, "admin", 0);
        let orphan: &[(&str, &str)] = &[("relative_path", "/x")];
        let orphan = store.insert(SYS_WS_OPERATION, orphan, "admin", 0);

        refresh(&mut store, true);
        let value = |store: &Store, table: &str, sys_id: &str, column: &str| {
            let record = store.get(table, sys_id).unwrap();
            record.raw(column).unwrap().to_owned()
        };
        assert_eq!(
            value(&store, SYS_WS_OPERATION, &probe, "operation_uri"),
            "/api/global/sncc_x/probe"
        );
        assert_eq!(
            value(&store, SYS_WS_OPERATION, &orphan, "operation_uri"),
            ""
        );
        assert_eq!(
            value(&store, SYS_API_ACCESS_SCOPE, &binding, "api_path"),
            "global/sncc_x"
        );
        assert_eq!(
            value(&store, SYS_API_ACCESS_SCOPE, &path_only, "api_path"),
            "now/table/u_x"
        );
        assert_eq!(
            value(&store, SYS_API_ACCESS_SCOPE, &binding, "sys_mod_count"),
            "0"
        );

        store.update(
            SYS_WS_DEFINITION,
            &api,
            &[("service_id", "renamed")],
            "admin",
            0,
        );
        refresh(&mut store, false);
        assert_eq!(
            value(&store, SYS_WS_OPERATION, &probe, "operation_uri"),
            "/api/global/renamed/probe"
        );
        assert_eq!(
            value(&store, SYS_API_ACCESS_SCOPE, &binding, "api_path"),
            "global/sncc_x",
            "left as it was"
        );
    }

    #[test]
    fn an_operation_uri_joins_its_parts_once() {
        assert_eq!(
            operation_uri("/api/now/table", "/{tableName}"),
            "/api/now/table/{tableName}"
        );
        assert_eq!(operation_uri("/api/g/x", ""), "/api/g/x");
        assert_eq!(operation_uri("/api/g/x/", "//y"), "/api/g/x/y");
        assert_eq!(operation_uri("", "/y"), "");
    }
}

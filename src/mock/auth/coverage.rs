//! Which requests a row naming a REST API covers (catalogue §17, §18): an auth scope binding
//! (`sys_api_access_scope`) or an access policy (`sys_api_access_policy`) covers a call of the API its `api`
//! names, all of its resources or (`apply_all_resources=false`) only `api_resource`, for its methods and
//! versions; a policy on the Table API also for its tables. A row without `api` covers nothing.

use super::api_path::covers_method;
use crate::mock::apis::api_call::ApiCall;
use crate::mock::tables::store::RecordRef;

/// Whether a binding or policy covers `call` by `method`.
pub(crate) fn covers(row: RecordRef<'_>, call: &ApiCall<'_>, method: &str) -> bool {
    names_the_api(row, call)
        && covers_the_resource(row, call)
        && covers_method(
            row.is_true("apply_all_methods"),
            row.raw("http_method").unwrap_or_default(),
            method,
        )
        && covers_the_version(row, call)
}

/// Whether a policy covers the table a call of the Table API names (`apply_all_tables`, or `api_tablename`);
/// a call of another API names no table and is covered.
pub(crate) fn covers_the_table(policy: RecordRef<'_>, call: &ApiCall<'_>) -> bool {
    let Some(table) = call.table() else {
        return true;
    };
    let named = policy.raw("api_tablename").unwrap_or_default().trim();
    policy.is_true("apply_all_tables") || named.is_empty() || named == table
}

/// Whether the row's `api` is the called API.
pub(crate) fn names_the_api(row: RecordRef<'_>, call: &ApiCall<'_>) -> bool {
    row.raw("api") == Some(call.definition.sys_id())
}

/// `apply_all_resources`, or `api_resource` is the resource that serves the call (none named: no resource).
fn covers_the_resource(row: RecordRef<'_>, call: &ApiCall<'_>) -> bool {
    row.is_true("apply_all_resources")
        || call
            .operation
            .is_some_and(|operation| row.raw("api_resource") == Some(operation.sys_id()))
}

/// `apply_all_versions`, an empty `version`, or the version the path names (`v2` and `2` alike, inferred).
fn covers_the_version(row: RecordRef<'_>, call: &ApiCall<'_>) -> bool {
    let number = |version: &str| version.trim().trim_start_matches('v').to_owned();
    let version = row.raw("version").unwrap_or_default();
    row.is_true("apply_all_versions")
        || version.trim().is_empty()
        || call
            .version
            .is_some_and(|called| number(called) == number(version))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::apis::api_call::{TABLE_API_SYS_ID, resolve};
    use crate::mock::seed::rest_apis::add_out_of_box;
    use crate::mock::tables::schema::{
        SYS_API_ACCESS_POLICY, SYS_API_ACCESS_SCOPE, SYS_WS_OPERATION,
    };
    use crate::mock::tables::store::Store;

    fn store() -> Store {
        let mut store = Store::default();
        add_out_of_box(&mut store, 0);
        store
    }

    fn covered(store: &Store, table: &str, row: &[(&str, &str)], method: &str, path: &str) -> bool {
        let mut store = store.clone();
        let sys_id = store.insert(table, row, "admin", 0);
        let row = store.get(table, &sys_id).unwrap();
        let call = resolve(&store, method, path).unwrap();
        covers(row, &call, method)
            && (table != SYS_API_ACCESS_POLICY || covers_the_table(row, &call))
    }

    #[test]
    fn a_binding_of_the_table_api_covers_every_table_and_one_without_api_nothing() {
        let store = store();
        let api = ("api", TABLE_API_SYS_ID);
        let all = ("apply_all_methods", "true");
        for path in ["/api/now/table/incident", "/api/now/v2/table/sys_user/abc"] {
            assert!(
                covered(&store, SYS_API_ACCESS_SCOPE, &[api, all], "GET", path),
                "{path}"
            );
            let path_only = [("api_path", "now/table"), all];
            assert!(
                !covered(&store, SYS_API_ACCESS_SCOPE, &path_only, "GET", path),
                "{path}"
            );
        }
        let other = [("api", "0123456789abcdef0123456789abcdef"), all];
        assert!(!covered(
            &store,
            SYS_API_ACCESS_SCOPE,
            &other,
            "GET",
            "/api/now/table/incident"
        ));
    }

    #[test]
    fn resources_methods_and_versions_narrow_a_binding() {
        let store = store();
        let delete = store
            .find(SYS_WS_OPERATION, "http_method", "DELETE")
            .unwrap()
            .sys_id()
            .to_owned();
        let api = ("api", TABLE_API_SYS_ID);
        let one = [
            api,
            ("apply_all_resources", "false"),
            ("api_resource", &delete),
            ("apply_all_methods", "true"),
        ];
        let path = "/api/now/table/incident/abc";
        assert!(covered(&store, SYS_API_ACCESS_SCOPE, &one, "DELETE", path));
        assert!(!covered(&store, SYS_API_ACCESS_SCOPE, &one, "GET", path));
        let none_named = [
            api,
            ("apply_all_resources", "false"),
            ("apply_all_methods", "true"),
        ];
        assert!(!covered(
            &store,
            SYS_API_ACCESS_SCOPE,
            &none_named,
            "DELETE",
            path
        ));
        let get_only = [api, ("http_method", "GET")];
        assert!(covered(
            &store,
            SYS_API_ACCESS_SCOPE,
            &get_only,
            "get",
            path
        ));
        assert!(!covered(
            &store,
            SYS_API_ACCESS_SCOPE,
            &get_only,
            "PATCH",
            path
        ));
        let v2 = [api, ("version", "v2")];
        assert!(covered(
            &store,
            SYS_API_ACCESS_SCOPE,
            &v2,
            "GET",
            "/api/now/v2/table/incident"
        ));
        assert!(!covered(
            &store,
            SYS_API_ACCESS_SCOPE,
            &v2,
            "GET",
            "/api/now/v1/table/incident"
        ));
        assert!(!covered(
            &store,
            SYS_API_ACCESS_SCOPE,
            &v2,
            "GET",
            "/api/now/table/incident"
        ));
        let any_version = [api, ("version", "2"), ("apply_all_versions", "true")];
        assert!(covered(
            &store,
            SYS_API_ACCESS_SCOPE,
            &any_version,
            "GET",
            "/api/now/table/incident"
        ));
    }

    #[test]
    fn a_policy_on_the_table_api_covers_its_tables() {
        let store = store();
        let api = ("api", TABLE_API_SYS_ID);
        let incident = [
            api,
            ("apply_all_tables", "false"),
            ("api_tablename", "incident"),
        ];
        assert!(covered(
            &store,
            SYS_API_ACCESS_POLICY,
            &incident,
            "GET",
            "/api/now/table/incident"
        ));
        assert!(!covered(
            &store,
            SYS_API_ACCESS_POLICY,
            &incident,
            "GET",
            "/api/now/table/sys_user"
        ));
        assert!(covered(
            &store,
            SYS_API_ACCESS_POLICY,
            &[api],
            "POST",
            "/api/now/table/sys_user"
        ));
    }
}

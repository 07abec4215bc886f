//! Scripted REST APIs (catalogue §17): a request to an active resource of an API created through
//! `sys_ws_definition` and `sys_ws_operation` runs the resource's script as the caller (signed in unless the
//! resource has `requires_authentication=false`); the mock runs no script, and any answers
//! `200 {"result":{"ok":true}}`. The APIs the mock serves itself (the Table API) are not run this way.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::api_call::{self, TABLE_API_SYS_ID};
use crate::mock::tables::store::Store;
use crate::mock::wire;

/// How a request to a Scripted REST API is served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Resource {
    /// An active resource that requires authentication: the caller must be let in first.
    SignedIn,
    /// An active resource with `requires_authentication=false`: anyone may call it.
    Open,
}

/// The resource that serves `method path`, if a Scripted REST API has one.
pub(crate) fn resource(store: &Store, method: &str, path: &str) -> Option<Resource> {
    let call = api_call::resolve(store, method, path)?;
    if call.definition.sys_id() == TABLE_API_SYS_ID {
        return None;
    }
    let operation = call.operation?;
    // An empty flag is the column's default: true.
    let open = operation
        .raw("requires_authentication")
        .is_some_and(|flag| flag.eq_ignore_ascii_case("false"));
    Some(if open {
        Resource::Open
    } else {
        Resource::SignedIn
    })
}

/// What any resource's script answers on the mock.
pub(crate) fn answer() -> Response {
    let response = wire::result(StatusCode::OK, json!({ "ok": true }));
    wire::with_outcome(response, "scripted REST resource: its script is not run")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::tables::schema::{SYS_WS_DEFINITION, SYS_WS_OPERATION};

    #[test]
    fn an_active_resource_serves_its_method_and_path_signed_in_unless_open() {
        let mut store = Store::default();
        let api: &[(&str, &str)] = &[("name", "x"), ("service_id", "sncc_x")];
        let api = store.insert(SYS_WS_DEFINITION, api, "admin", 0);
        let probe: &[(&str, &str)] = &[
            ("web_service_definition", &api),
            ("relative_path", "/probe"),
        ];
        let probe = store.insert(SYS_WS_OPERATION, probe, "admin", 0);
        let path = "/api/global/sncc_x/probe";
        assert_eq!(resource(&store, "GET", path), Some(Resource::SignedIn));
        assert_eq!(resource(&store, "POST", path), None);
        store.update(
            SYS_WS_OPERATION,
            &probe,
            &[("requires_authentication", "false")],
            "a",
            0,
        );
        assert_eq!(resource(&store, "GET", path), Some(Resource::Open));
        store.update(SYS_WS_OPERATION, &probe, &[("active", "false")], "a", 0);
        assert_eq!(resource(&store, "GET", path), None);
    }

    #[test]
    fn the_table_api_is_not_a_scripted_one() {
        let mut store = Store::default();
        let table_api: &[(&str, &str)] = &[
            ("sys_id", TABLE_API_SYS_ID),
            ("service_id", "table"),
            ("namespace", "now"),
        ];
        store.insert(SYS_WS_DEFINITION, table_api, "system", 0);
        let list: &[(&str, &str)] = &[
            ("web_service_definition", TABLE_API_SYS_ID),
            ("relative_path", "/{tableName}"),
        ];
        store.insert(SYS_WS_OPERATION, list, "system", 0);
        assert_eq!(resource(&store, "GET", "/api/now/table/incident"), None);
    }
}

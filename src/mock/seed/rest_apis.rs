//! The REST API records every instance has out of the box (catalogue §17, §18): the Table API's
//! `sys_ws_definition` (`/api/now/table`) with its resources, the inactive "Table GET API Access Policy", and the
//! Basic Auth inbound authentication profile.

use crate::mock::apis::api_call::TABLE_API_SYS_ID;
use crate::mock::apis::derived_paths;
use crate::mock::clock::VirtualInstant;
use crate::mock::tables::schema::{
    STD_HTTP_AUTH, SYS_API_ACCESS_POLICY, SYS_WS_DEFINITION, SYS_WS_OPERATION,
};
use crate::mock::tables::store::SYSTEM_ACTOR;
use crate::mock::tables::store::Store;

/// The Table API's resources: name, method and path below `/api/now/table`.
const TABLE_API_RESOURCES: [(&str, &str, &str); 6] = [
    ("Retrieve records from a table", "GET", "/{tableName}"),
    ("Create a record", "POST", "/{tableName}"),
    ("Retrieve a record", "GET", "/{tableName}/{sys_id}"),
    ("Modify a record", "PUT", "/{tableName}/{sys_id}"),
    ("Update a record", "PATCH", "/{tableName}/{sys_id}"),
    ("Delete a record", "DELETE", "/{tableName}/{sys_id}"),
];

/// The out-of-box policy on the Table API (catalogue §18: it ships inactive).
pub(crate) const TABLE_GET_POLICY: &str = "Table GET API Access Policy";
/// The out-of-box Basic Auth profile's name (the mock's choice).
pub(crate) const BASIC_AUTH_PROFILE: &str = "Basic Auth";

/// Adds the out-of-box REST API records, their derived paths filled in.
pub(crate) fn add_out_of_box(store: &mut Store, now: VirtualInstant) {
    let table_api: &[(&str, &str)] = &[
        ("name", "Table API"),
        ("service_id", "table"),
        ("namespace", "now"),
        (
            "short_description",
            "Create, read, update and delete records of any table",
        ),
    ];
    store.insert_well_known(
        SYS_WS_DEFINITION,
        TABLE_API_SYS_ID,
        table_api,
        SYSTEM_ACTOR,
        now,
    );
    for (name, method, path) in TABLE_API_RESOURCES {
        let resource: &[(&str, &str)] = &[
            ("web_service_definition", TABLE_API_SYS_ID),
            ("name", name),
            ("http_method", method),
            ("relative_path", path),
            ("operation_script", "(the Table API)"),
        ];
        store.insert(SYS_WS_OPERATION, resource, SYSTEM_ACTOR, now);
    }
    let policy: &[(&str, &str)] = &[
        ("name", TABLE_GET_POLICY),
        ("active", "false"),
        ("api", TABLE_API_SYS_ID),
        ("http_method", "GET"),
        ("apply_all_methods", "false"),
    ];
    store.insert(SYS_API_ACCESS_POLICY, policy, SYSTEM_ACTOR, now);
    let basic: &[(&str, &str)] = &[("name", BASIC_AUTH_PROFILE), ("type", "basic_auth")];
    store.insert(STD_HTTP_AUTH, basic, SYSTEM_ACTOR, now);
    derived_paths::refresh(store, true);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::apis::api_call;

    #[test]
    fn the_table_api_is_a_rest_api_with_its_resources() {
        let mut store = Store::default();
        add_out_of_box(&mut store, 0);
        let call = api_call::resolve(&store, "PATCH", "/api/now/v1/table/incident/abc").unwrap();
        assert_eq!(call.definition.raw("base_uri"), Some("/api/now/table"));
        let operation = call.operation.unwrap();
        assert_eq!(operation.raw("name"), Some("Update a record"));
        assert_eq!(
            operation.raw("operation_uri"),
            Some("/api/now/table/{tableName}/{sys_id}")
        );
        let policy = store
            .find(SYS_API_ACCESS_POLICY, "name", TABLE_GET_POLICY)
            .unwrap();
        assert!(!policy.is_true("active"));
        assert_eq!(policy.raw("api_path"), Some("now/table"));
        assert!(store.find(STD_HTTP_AUTH, "type", "basic_auth").is_some());
    }
}

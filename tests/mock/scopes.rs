//! The mock's REST API auth scopes (catalogue §7, H1–H7) and request details (catalogue §11, L1–L3) over real HTTP:
//! scopes bound by `api_path` to a custom `u_` table created through `sys_db_object`, catalogue §7's superseded
//! model, which the mock keeps under the switch `path_only_bindings=cover_their_path` (real instances and the
//! mock's default bind by `api` only, catalogue §17: `tests/mock/scripted_rest.rs`).

use crate::common;

use common::Mock;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const TABLE: &str = "u_sncc_x";
const TABLE_PATH: &str = "/api/now/table/u_sncc_x";
const CURRENT_USER: &str = "/api/now/ui/user/current_user";
const CHECK_PROPERTY: &str = "com.glide.rest.api.auth.scope.check.enable";

fn sys_id(record: &Value) -> String {
    record["sys_id"].as_str().expect("a sys_id").to_owned()
}

async fn new_table(mock: &Mock) -> String {
    let table = mock
        .create("sys_db_object", json!({ "name": TABLE, "label": "sncc x" }))
        .await;
    sys_id(&table)
}

async fn new_scope(mock: &Mock, name: &str) -> String {
    let scope = json!({ "name": name, "description": "sncc test scope" });
    sys_id(&mock.create("sys_auth_scope", scope).await)
}

/// Makes the mock cover a binding's `api_path`, as catalogue §7 had it (not the default).
async fn bindings_by_path(mock: &Mock) {
    let switches = mock
        .switch(json!({ "path_only_bindings": "cover_their_path" }))
        .await;
    assert_eq!(switches["path_only_bindings"], "cover_their_path");
}

async fn bind(mock: &Mock, scope: &str, api_path: &str) -> String {
    let binding = json!({ "auth_scope": scope, "api_path": api_path });
    sys_id(&mock.create("sys_api_access_scope", binding).await)
}

async fn map(mock: &Mock, entity: &str, scope: &str) -> String {
    let mapping = json!({ "oauth_entity": entity, "auth_scope": scope });
    sys_id(
        &mock
            .create("oauth_entity_auth_scope_mapping", mapping)
            .await,
    )
}

async fn status(mock: &Mock, method: Method, path: &str, token: &str) -> StatusCode {
    let response = mock.bearer(method, path, token).send().await.unwrap();
    response.status()
}

async fn assert_missing_scope(mock: &Mock, path: &str, token: &str, scope: &str) {
    let response = mock.bearer(Method::GET, path, token).send().await.unwrap();
    assert_eq!(response.status(), 403, "{path}");
    let body: Value = response.json().await.unwrap();
    let expected = json!({
        "error": {
            "message": "User Not Authorized",
            "detail": format!("Missing required API access scope: {scope}"),
        },
        "status": "failure",
    });
    assert_eq!(body, expected);
}

/// The `ready` mock binding by path, with the custom table, scopes A and B, the entity mapped to A and the table bound to B;
/// gives the entity and B's sys_id.
async fn h1_setup(mock: &Mock) -> (String, String) {
    bindings_by_path(mock).await;
    new_table(mock).await;
    let entity = mock.entity_sys_id().await;
    let a = new_scope(mock, "sncc-a").await;
    let b = new_scope(mock, "sncc-b").await;
    map(mock, &entity, &a).await;
    bind(mock, &b, "now/table/u_sncc_x").await;
    (entity, b)
}

#[tokio::test]
async fn the_useraccount_scope_is_seeded_and_named_by_its_property() {
    let mock = common::start("untouched").await;
    let property = mock
        .records("sys_properties", "name=glide.oauth.token.scope.useraccount")
        .await;
    let scopes = mock.records("sys_auth_scope", "name=useraccount").await;
    assert_eq!(scopes.len(), 1);
    assert_eq!(property[0]["value"], scopes[0]["sys_id"]);
}

#[tokio::test]
async fn the_scope_tables_are_admin_only() {
    let mock = common::start("ready").await;
    let token = mock.token().await;
    for table in [
        "sys_auth_scope",
        "sys_api_access_scope",
        "oauth_entity_auth_scope_mapping",
        "sys_db_object",
    ] {
        let path = format!("/api/now/table/{table}");
        assert_eq!(
            status(&mock, Method::GET, &path, &token).await,
            403,
            "{table}"
        );
        let request = mock
            .bearer(Method::POST, &path, &token)
            .json(&json!({ "name": "x" }));
        assert_eq!(request.send().await.unwrap().status(), 403, "{table}");
    }
}

#[tokio::test]
async fn an_admins_u_table_is_served_to_any_user_until_its_row_is_deleted() {
    let mock = common::start("ready").await;
    let token = mock.token().await;
    assert_eq!(status(&mock, Method::GET, TABLE_PATH, &token).await, 400);
    let definition = new_table(&mock).await;
    let request = mock
        .bearer(Method::POST, TABLE_PATH, &token)
        .json(&json!({}));
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 201);
    let record: Value = response.json().await.unwrap();
    let record = sys_id(&record["result"]);
    let listed = mock
        .bearer(Method::GET, TABLE_PATH, &token)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.headers()["x-total-count"], "1");
    let one = format!("{TABLE_PATH}/{record}");
    let patched = mock
        .bearer(Method::PATCH, &one, &token)
        .json(&json!({ "sys_class_name": "u_other" }));
    assert_eq!(patched.send().await.unwrap().status(), 200);
    assert_eq!(
        status(&mock, Method::GET, &one, &token).await,
        200,
        "the record stays in its table"
    );
    let incident_path = format!("/api/now/table/incident/{record}");
    assert_eq!(
        mock.admin(Method::GET, &incident_path)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    mock.delete("sys_db_object", &definition).await;
    assert_eq!(status(&mock, Method::GET, TABLE_PATH, &token).await, 400);
    new_table(&mock).await;
    let listed = mock
        .bearer(Method::GET, TABLE_PATH, &token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        listed.headers()["x-total-count"],
        "0",
        "deleting the table deleted its records"
    );
}

#[tokio::test]
async fn h1_a_token_without_the_bound_scope_gets_403_naming_it() {
    let mock = common::start("ready").await;
    let token = mock.token().await;
    h1_setup(&mock).await;
    assert_missing_scope(&mock, TABLE_PATH, &token, "sncc-b").await;
    assert_missing_scope(
        &mock,
        "/api/now/table/u_sncc_x/0123456789abcdef0123456789abcdef",
        &token,
        "sncc-b",
    )
    .await;
    assert_eq!(status(&mock, Method::GET, CURRENT_USER, &token).await, 200);
}

#[tokio::test]
async fn h2_the_same_token_follows_the_mappings_live() {
    let mock = common::start("ready").await;
    let token = mock.token().await;
    let (entity, b) = h1_setup(&mock).await;
    assert_missing_scope(&mock, TABLE_PATH, &token, "sncc-b").await;
    let mapping = map(&mock, &entity, &b).await;
    assert_eq!(status(&mock, Method::GET, TABLE_PATH, &token).await, 200);
    mock.delete("oauth_entity_auth_scope_mapping", &mapping)
        .await;
    assert_missing_scope(&mock, TABLE_PATH, &token, "sncc-b").await;
}

#[tokio::test]
async fn h3_a_mapping_to_useraccount_or_the_useraccount_status_opens_the_api() {
    let mock = common::start("ready").await;
    let token = mock.token().await;
    let (entity, _) = h1_setup(&mock).await;
    let useraccount = mock.records("sys_auth_scope", "name=useraccount").await;
    let mapping = map(&mock, &entity, &sys_id(&useraccount[0])).await;
    assert_eq!(status(&mock, Method::GET, TABLE_PATH, &token).await, 200);
    mock.delete("oauth_entity_auth_scope_mapping", &mapping)
        .await;
    mock.patch(
        "oauth_entity",
        &entity,
        json!({ "scope_restriction_status": "useraccount" }),
    )
    .await;
    assert_eq!(status(&mock, Method::GET, TABLE_PATH, &token).await, 200);
}

#[tokio::test]
async fn h4_the_property_switches_the_check_off() {
    let mock = common::start("ready").await;
    let token = mock.token().await;
    h1_setup(&mock).await;
    mock.set_property(CHECK_PROPERTY, "false").await;
    assert_eq!(status(&mock, Method::GET, TABLE_PATH, &token).await, 200);
}

#[tokio::test]
async fn h5_basic_auth_is_not_checked() {
    let mock = common::start("ready").await;
    h1_setup(&mock).await;
    let response = mock.admin(Method::GET, TABLE_PATH).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn h6_restricted_refuses_an_unprotected_api_too() {
    let mock = common::start("ready").await;
    let token = mock.token().await;
    let (entity, b) = h1_setup(&mock).await;
    map(&mock, &entity, &b).await;
    mock.patch(
        "oauth_entity",
        &entity,
        json!({ "scope_restriction_status": "restricted" }),
    )
    .await;
    assert_eq!(status(&mock, Method::GET, TABLE_PATH, &token).await, 200);
    let response = mock
        .bearer(Method::GET, CURRENT_USER, &token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    let expected = json!({
        "error": {
            "message": "User Not Authorized",
            "detail": "Access to unscoped api is not allowed",
        },
        "status": "failure",
    });
    assert_eq!(body, expected, "catalogue §13's captured body");
}

#[tokio::test]
async fn h6_a_restricted_entity_mapped_to_no_scope_is_refused_every_api() {
    let mock = common::start("ready").await;
    let token = mock.token().await;
    bindings_by_path(&mock).await;
    new_table(&mock).await;
    let entity = mock.entity_sys_id().await;
    let b = new_scope(&mock, "sncc-b").await;
    bind(&mock, &b, "now/table/u_sncc_x").await;
    assert_eq!(status(&mock, Method::GET, TABLE_PATH, &token).await, 200);
    mock.patch(
        "oauth_entity",
        &entity,
        json!({ "scope_restriction_status": "restricted" }),
    )
    .await;
    // Not `useraccount` (which opens every API): a restricted entity has only its own scopes, here none.
    assert_missing_scope(&mock, TABLE_PATH, &token, "sncc-b").await;
    let response = mock
        .bearer(Method::GET, CURRENT_USER, &token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["error"]["detail"], "Access to unscoped api is not allowed",
        "{body}"
    );
}

#[tokio::test]
async fn h7_the_token_response_names_the_mapped_scopes_in_name_order() {
    let mock = common::start("ready").await;
    let (entity, b) = h1_setup(&mock).await;
    map(&mock, &entity, &b).await;
    let response = mock.post_token(mock.token_form()).await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["scope"], "sncc-a sncc-b");
    let form = format!("{}&scope=sncc-b", mock.token_form());
    let body: Value = mock.post_token(form).await.json().await.unwrap();
    assert_eq!(
        body["scope"], "sncc-a sncc-b",
        "a mapped scope may be requested"
    );
    let form = format!("{}&scope=sncc-c", mock.token_form());
    common::assert_generic_refusal(mock.post_token(form).await, "an unmapped scope").await;
}

#[tokio::test]
async fn bad_bindings_protect_nothing_and_break_nothing() {
    let mock = common::start("ready").await;
    let token = mock.token().await;
    bindings_by_path(&mock).await;
    new_table(&mock).await;
    let entity = mock.entity_sys_id().await;
    let a = new_scope(&mock, "sncc-a").await;
    let b = new_scope(&mock, "sncc-b").await;
    map(&mock, &entity, &a).await;
    bind(&mock, "0123456789abcdef0123456789abcdef", "now/table").await;
    bind(&mock, &b, "now/v2/table/u_sncc_x").await;
    bind(&mock, &b, "now/table/*").await;
    bind(&mock, &b, "").await;
    map(&mock, &entity, "fedcba9876543210fedcba9876543210").await;
    assert_eq!(status(&mock, Method::GET, TABLE_PATH, &token).await, 200);
    let body: Value = mock
        .post_token(mock.token_form())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        body["scope"], "sncc-a",
        "a mapping to no scope names nothing"
    );
    bind(&mock, &b, "now/table/u_sncc_x").await;
    assert_missing_scope(&mock, TABLE_PATH, &token, "sncc-b").await;
    mock.delete("sys_auth_scope", &b).await;
    assert_eq!(
        status(&mock, Method::GET, TABLE_PATH, &token).await,
        200,
        "a binding of a deleted scope"
    );
}

#[tokio::test]
async fn l1_a_form_content_type_with_a_charset_issues_a_token() {
    let mock = common::start("ready").await;
    let response = mock
        .http
        .post(mock.url("/oauth_token.do"))
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=UTF-8",
        )
        .body(mock.token_form())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn l2_a_4096_character_secret_works_through_create_and_token() {
    let mock = common::start("ready").await;
    let secret: String = "s3cr+t/%:[~".chars().cycle().take(4096).collect();
    let user = mock.records("sys_user", "user_name=svc.cc").await;
    let entity = json!({ "name": "long", "client_secret": secret, "user": sys_id(&user[0]) });
    let entity = mock.create("oauth_entity", entity).await;
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        entity["client_id"].as_str().unwrap(),
        common::urlencode(&secret)
    );
    assert_eq!(mock.post_token(form).await.status(), 200);
}

#[tokio::test]
async fn l3_inbound_grant_type_is_stored_and_not_acted_on() {
    let mock = common::start("ready").await;
    let entity = mock.entity_sys_id().await;
    mock.patch(
        "oauth_entity",
        &entity,
        json!({ "inbound_grant_type": "authz_code" }),
    )
    .await;
    let stored = mock
        .records("oauth_entity", &format!("sys_id={entity}"))
        .await;
    assert_eq!(stored[0]["inbound_grant_type"], "authz_code");
    assert_eq!(stored[0]["scope_restriction_status"], "unrestricted");
    let token = mock.token().await;
    assert_eq!(token.len(), 86, "still an opaque token");
}

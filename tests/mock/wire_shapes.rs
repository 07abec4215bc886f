//! Every wire shape in catalogue §1–§3 and §13, taken over real HTTP from a fresh in-process mock per test: the mock's
//! answer equals the recorded response in `fixtures/responses/` where there is one, and an insta snapshot
//! elsewhere.
//!
//! Bodies are compared as sent, byte for byte (key order is part of the contract), except where captures differ
//! in key order; only what changes from run to run (tokens, sys_ids, date-times, the base URL) is replaced with
//! placeholders, by pattern.

use crate::common;

use common::Mock;
use regex::Regex;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use sncc::servicenow::captured::{self, Captured, GRANT_PROPERTY};

/// The response headers a snapshot shows, in this order, when present.
const SHOWN_HEADERS: [&str; 8] = [
    "content-type",
    "cache-control",
    "pragma",
    "expires",
    "www-authenticate",
    "x-total-count",
    "link",
    "location",
];

/// What changes from run to run, by pattern, and its placeholder.
const PLACEHOLDERS: [(&str, &str); 4] = [
    (r#""[A-Za-z0-9_-]{86}""#, r#""[TOKEN]""#),
    (r"\b[0-9a-f]{32}\b", "[SYS_ID]"),
    (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", "[DATETIME]"),
    (
        r"http://127\.0\.0\.1:\d+|https://dev12345\.service-now\.com",
        "[BASE_URL]",
    ),
];
/// The secret of the client the `unauthorized_client` tests register.
const USERLESS_SECRET: &str = "userless-secret";

/// A response reduced to what the catalogue fixes: the status, the headers that matter, and the body as sent.
struct Shape {
    head: String,
    body: String,
}

impl Shape {
    async fn of(response: Response) -> Shape {
        let mut head = format!("{}\n", response.status());
        for name in SHOWN_HEADERS {
            for value in response.headers().get_all(name) {
                let value = value.to_str().expect("ASCII header value");
                head.push_str(&format!("{name}: {value}\n"));
            }
        }
        let body = response.text().await.expect("response body");
        Shape { head, body }
    }

    /// A recorded response as a shape, with its status replaced when given.
    fn captured(captured: &Captured, status: Option<u16>) -> Shape {
        let status = StatusCode::from_u16(status.unwrap_or(captured.status)).expect("a status");
        let mut head = format!("{status}\n");
        for name in SHOWN_HEADERS {
            if let Some(value) = captured.header(name) {
                head.push_str(&format!("{name}: {value}\n"));
            }
        }
        let body = captured.body.clone();
        Shape { head, body }
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("JSON body")
    }

    /// The shape with what changes from run to run replaced by placeholders.
    fn stable(&self) -> Shape {
        let replace = |text: &str| {
            PLACEHOLDERS
                .iter()
                .fold(text.to_owned(), |text, (pattern, placeholder)| {
                    let pattern = Regex::new(pattern).expect("a pattern");
                    pattern.replace_all(&text, *placeholder).into_owned()
                })
        };
        Shape {
            head: replace(&self.head),
            body: replace(&self.body),
        }
    }
}

/// How a body must equal its recorded response.
#[derive(Clone, Copy)]
enum Order {
    /// Byte for byte: the capture fixes the key order.
    Captured,
    /// As JSON: captures differ in key order (catalogue §3).
    Free,
}

/// The mock's answer is the recorded response, but for what changes from run to run.
fn assert_captured(shape: &Shape, captured: &Captured, status: Option<u16>, order: Order) {
    let expected = Shape::captured(captured, status).stable();
    let shape = shape.stable();
    assert_eq!(shape.head, expected.head);
    match order {
        Order::Captured => assert_eq!(shape.body, expected.body),
        Order::Free => assert_eq!(shape.json(), expected.json()),
    }
}

async fn send(request: RequestBuilder) -> Shape {
    Shape::of(request.send().await.expect("mock answers")).await
}

/// Snapshot settings that replace run-dependent values with placeholders (seeded client ids first,
/// so the sys_id pattern does not claim them).
fn stable(mock: &Mock) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    for client in &mock.clients {
        settings.add_filter(&client.client_id, "[CLIENT_ID]");
    }
    for (pattern, placeholder) in PLACEHOLDERS {
        settings.add_filter(pattern, placeholder);
    }
    settings
}

fn assert_shape(mock: &Mock, name: &str, shape: &Shape) {
    let text = format!("{}\n{}", shape.head, shape.body);
    stable(mock).bind(|| insta::assert_snapshot!(name, text));
}

/// Checks the token's shape before a filter hides it: `^[A-Za-z0-9_-]{86}$` (catalogue §1).
fn assert_token_shape(token: &str) {
    let base64url = |byte: u8| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_';
    assert!(
        token.len() == 86 && token.bytes().all(base64url),
        "not a base64url token of 86 characters: {token:?}"
    );
}

/// Creates a record as `admin` and returns it as the Table API shows it.
async fn admin_create(mock: &Mock, table: &str, record: Value) -> Value {
    let path = format!("/api/now/table/{table}");
    let shape = send(mock.admin(Method::POST, &path).json(&record)).await;
    assert!(
        shape.head.starts_with("201"),
        "{}{}",
        shape.head,
        shape.body
    );
    shape.json()["result"].take()
}

/// Enables the grant and registers a client with a secret and no OAuth Application User, as an admin
/// would on an untouched instance; returns the entity's sys_id and a correct token request for it.
async fn userless_client(mock: &Mock) -> (String, String) {
    let property = json!({ "name": GRANT_PROPERTY, "type": "boolean", "value": "true" });
    admin_create(mock, "sys_properties", property).await;
    let entity = json!({ "name": "userless", "client_secret": USERLESS_SECRET });
    let entity = admin_create(mock, "oauth_entity", entity).await;
    let field = |name: &str| entity[name].as_str().expect("string field").to_owned();
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={USERLESS_SECRET}",
        field("client_id")
    );
    (field("sys_id"), form)
}

/// B1 on a fresh untouched instance, with the `unauthorized_client` status switched first when given; the
/// answer is the captured body with `status` (400 unless switched: catalogue §1).
async fn assert_unauthorized_client(switched: Option<u16>) {
    let mock = common::start("untouched").await;
    if let Some(status) = switched {
        mock.switch(json!({ "unauthorized_client_status": status }))
            .await;
    }
    let status = Some(switched.unwrap_or(400));
    let (entity, form) = userless_client(&mock).await;
    let shape = Shape::of(mock.post_token(form).await).await;
    assert!(
        shape.body.ends_with(&format!(":{entity}\"}}")),
        "{}",
        shape.body
    );
    let captured = &captured::TOKEN_UNAUTHORIZED_CLIENT;
    assert_captured(&shape, captured, status, Order::Captured);
}

/// The sys_id of the `ready` seed's client, for reading its `oauth_entity` record.
async fn seeded_entity(mock: &Mock) -> String {
    let path = format!(
        "/api/now/table/oauth_entity?sysparm_query=client_id={}&sysparm_fields=sys_id",
        mock.client_id()
    );
    let found = send(mock.admin(Method::GET, &path)).await.json();
    let sys_id = found["result"][0]["sys_id"].as_str();
    sys_id.expect("the seeded entity").to_owned()
}

async fn an_incident(mock: &Mock) -> String {
    let incident = admin_create(mock, "incident", json!({ "short_description": "wire" })).await;
    incident["sys_id"].as_str().expect("sys_id").to_owned()
}

#[tokio::test]
async fn c1_c2_token_success() {
    let mock = common::start("ready").await;
    let shape = Shape::of(mock.post_token(mock.token_form()).await).await;
    assert_token_shape(shape.json()["access_token"].as_str().expect("access_token"));
    assert_captured(&shape, &captured::TOKEN_SUCCESS, None, Order::Captured);
}

#[tokio::test]
async fn c6_generic_token_error() {
    let mock = common::start("ready").await;
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret=wrong",
        mock.client_id()
    );
    let shape = Shape::of(mock.post_token(form).await).await;
    assert_captured(&shape, &captured::TOKEN_GENERIC_401, None, Order::Captured);
}

#[tokio::test]
async fn b1_unauthorized_client_at_400_by_default() {
    assert_unauthorized_client(None).await;
}

#[tokio::test]
async fn b1_unauthorized_client_at_401_when_switched() {
    assert_unauthorized_client(Some(401)).await;
}

#[tokio::test]
async fn e2_rest_401_without_credentials() {
    let mock = common::start("ready").await;
    let shape = send(mock.http.get(mock.url("/api/now/table/incident"))).await;
    assert_captured(&shape, &captured::REST_401, None, Order::Free);
}

#[tokio::test]
async fn e3_rest_401_for_a_made_up_bearer_token() {
    let mock = common::start("ready").await;
    let made_up = "A".repeat(86);
    let shape = send(mock.bearer(Method::GET, "/api/now/table/incident", &made_up)).await;
    assert_captured(&shape, &captured::REST_401, None, Order::Free);
}

#[tokio::test]
async fn d3_read_denied_403() {
    let mock = common::start("ready").await;
    let token = mock.token().await;
    let shape = send(mock.bearer(Method::GET, "/api/now/table/sys_properties", &token)).await;
    let captured = &captured::TABLE_403_INSUFFICIENT_RIGHTS;
    assert_captured(&shape, captured, None, Order::Captured);
}

#[tokio::test]
async fn write_denied_403() {
    let mock = common::start("ready").await;
    let token = mock.token().await;
    let request = mock.bearer(Method::POST, "/api/now/table/sys_properties", &token);
    let shape = send(request.json(&json!({ "name": "x", "value": "y" }))).await;
    assert_shape(&mock, "write_denied_403", &shape);
}

#[tokio::test]
async fn invalid_table_400() {
    let mock = common::start("ready").await;
    let shape = send(mock.admin(Method::GET, "/api/now/table/no_such_table")).await;
    let captured = &captured::TABLE_400_INVALID_TABLE;
    assert_captured(&shape, captured, None, Order::Captured);
}

#[tokio::test]
async fn record_not_found_404() {
    let mock = common::start("ready").await;
    let path = "/api/now/table/sys_user/0123456789abcdef0123456789abcdef";
    let shape = send(mock.admin(Method::GET, path)).await;
    assert_captured(
        &shape,
        &captured::TABLE_404_NO_RECORD,
        None,
        Order::Captured,
    );
}

#[tokio::test]
async fn invalid_json_400() {
    let mock = common::start("ready").await;
    let request = mock.admin(Method::POST, "/api/now/table/incident");
    let request = request.header("content-type", "application/json");
    let shape = send(request.body("{not json")).await;
    assert_shape(&mock, "invalid_json_400", &shape);
}

#[tokio::test]
async fn list_with_total_count_and_link() {
    let mock = common::start("ready").await;
    let path = "/api/now/table/sys_user?sysparm_query=ORDERBYuser_name&sysparm_fields=user_name,name&sysparm_limit=1";
    let shape = send(mock.admin(Method::GET, path)).await;
    assert_shape(&mock, "list_with_total_count_and_link", &shape);
}

#[tokio::test]
async fn single_record_with_reference_link() {
    let mock = common::start("ready").await;
    let entity = seeded_entity(&mock).await;
    let path = format!("/api/now/table/oauth_entity/{entity}");
    let shape = send(mock.admin(Method::GET, &path)).await;
    let record = shape.json();
    let user = &record["result"]["user"];
    let value = user["value"].as_str().expect("user sys_id");
    let link = format!("{}/api/now/table/sys_user/{value}", mock.url(""));
    assert_eq!(user["link"], link);
    assert_shape(&mock, "single_record_with_reference_link", &shape);
}

#[tokio::test]
async fn record_with_display_value_all() {
    let mock = common::start("ready").await;
    let entity = seeded_entity(&mock).await;
    let path = format!("/api/now/table/oauth_entity/{entity}?sysparm_display_value=all");
    let shape = send(mock.admin(Method::GET, &path)).await;
    assert_shape(&mock, "record_with_display_value_all", &shape);
}

#[tokio::test]
async fn record_with_exclude_reference_link() {
    let mock = common::start("ready").await;
    let entity = seeded_entity(&mock).await;
    let path = format!("/api/now/table/oauth_entity/{entity}?sysparm_exclude_reference_link=true");
    let shape = send(mock.admin(Method::GET, &path)).await;
    assert_shape(&mock, "record_with_exclude_reference_link", &shape);
}

#[tokio::test]
async fn create_201_with_location() {
    let mock = common::start("ready").await;
    let request = mock.admin(Method::POST, "/api/now/table/incident");
    let shape = send(request.json(&json!({ "short_description": "wire shapes" }))).await;
    let sys_id = shape.json()["result"]["sys_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let location = format!(
        "location: {}/api/now/table/incident/{sys_id}\n",
        mock.url("")
    );
    assert!(shape.head.contains(&location), "{}", shape.head);
    assert_shape(&mock, "create_201_with_location", &shape);
}

#[tokio::test]
async fn patch_200() {
    let mock = common::start("ready").await;
    let path = format!("/api/now/table/incident/{}", an_incident(&mock).await);
    let request = mock.admin(Method::PATCH, &path);
    let shape = send(request.json(&json!({ "short_description": "patched" }))).await;
    assert_shape(&mock, "patch_200", &shape);
}

#[tokio::test]
async fn delete_204_without_body() {
    let mock = common::start("ready").await;
    let path = format!("/api/now/table/incident/{}", an_incident(&mock).await);
    let shape = send(mock.admin(Method::DELETE, &path)).await;
    assert!(shape.body.is_empty());
    assert_shape(&mock, "delete_204_without_body", &shape);
}

#[tokio::test]
async fn d1_current_user() {
    let mock = common::start("ready").await;
    let token = mock.token().await;
    let path = "/api/now/ui/user/current_user";
    let shape = send(mock.bearer(Method::GET, path, &token)).await;
    assert_captured(&shape, &captured::CURRENT_USER, None, Order::Captured);
}

#[tokio::test]
async fn method_not_supported_405() {
    let mock = common::start("ready").await;
    let shape = send(mock.admin(Method::DELETE, "/api/now/table/incident")).await;
    assert_shape(&mock, "method_not_supported_405", &shape);
}

#[tokio::test]
async fn unknown_api_path_400() {
    let mock = common::start("ready").await;
    let shape = send(mock.admin(Method::GET, "/api/now/no/such/api")).await;
    assert_shape(&mock, "unknown_api_path_400", &shape);
}

#[tokio::test]
async fn body_over_1_mib_413() {
    let mock = common::start("ready").await;
    let long = "x".repeat(1024 * 1024);
    let request = mock.admin(Method::POST, "/api/now/table/incident");
    let shape = send(request.json(&json!({ "short_description": long }))).await;
    assert_shape(&mock, "body_over_1_mib_413", &shape);
}

#[tokio::test]
async fn control_plane_journal_entry_for_a_token_request() {
    let mock = common::start("ready").await;
    let token = mock.token().await;
    assert_token_shape(&token);
    let journal: Value = mock.control_json("/journal").await;
    let [entry] = journal["entries"].as_array().expect("entries").as_slice() else {
        panic!("one journal entry expected: {journal}");
    };
    let shown = entry.to_string();
    assert!(!shown.contains(&token) && !shown.contains(&mock.client_secret()));
    stable(&mock).bind(|| {
        insta::assert_json_snapshot!("control_plane_journal_entry_for_a_token_request", entry)
    });
}

#[tokio::test]
async fn control_plane_status_document() {
    let mock = common::start("ready").await;
    let shape = send(mock.control(Method::GET, "")).await;
    assert_shape(&mock, "control_plane_status_document", &shape);
}

#[tokio::test]
async fn control_plane_status_of_a_new_instance() {
    let seed = sncc::mock::Seed::load("ready").expect("built-in seed");
    let mock = common::start_seed(seed.provisioned_as(sncc::mock::Provisioned::New)).await;
    let shape = send(mock.control(Method::GET, "")).await;
    assert_eq!(shape.json()["provisioned"], "new");
    assert_shape(&mock, "control_plane_status_of_a_new_instance", &shape);
}

/// catalogue §13: the ACL exception of a write of a property whose `write_roles` (`security_admin`) the admin's
/// roles do not cover, by operation.
#[tokio::test]
async fn property_write_roles_403() {
    let mock = common::start("ready").await;
    let path = "/api/now/table/sys_properties";
    let enforce = "glide.authenticate.basic_auth.restriction.enforce";
    let insert = mock
        .admin(Method::POST, path)
        .json(&json!({ "name": enforce, "value": "true" }));
    assert_shape(
        &mock,
        "property_write_roles_insert_403",
        &send(insert).await,
    );
    let mode = mock
        .records("sys_properties", "name=glide.sm.default_mode")
        .await;
    let mode = format!("{path}/{}", mode[0]["sys_id"].as_str().unwrap());
    let update = mock
        .admin(Method::PATCH, &mode)
        .json(&json!({ "value": "deny" }));
    assert_shape(
        &mock,
        "property_write_roles_update_403",
        &send(update).await,
    );
    let delete = mock.admin(Method::DELETE, &mode);
    assert_shape(
        &mock,
        "property_write_roles_delete_403",
        &send(delete).await,
    );
}

/// catalogue §13: the `sys_update_xml` row a tracked write leaves in the writer's update set.
#[tokio::test]
async fn sys_update_xml_row() {
    let mock = common::start("ready").await;
    let created = mock
        .create(
            "sys_properties",
            json!({ "name": "x.sncc.shape", "value": "1" }),
        )
        .await;
    let name = format!("sys_properties_{}", created["sys_id"].as_str().unwrap());
    let path = format!("/api/now/table/sys_update_xml?sysparm_query=name={name}");
    let shape = send(mock.admin(Method::GET, &path)).await;
    let text = format!("{}\n{}", shape.head, shape.body);
    let mut settings = stable(&mock);
    settings.add_filter(r"sys_properties_[0-9a-f]{32}", "sys_properties_[SYS_ID]");
    settings.bind(|| insta::assert_snapshot!("sys_update_xml_row", text));
}

/// The `ready` mock with a custom table bound by path to a scope its client is not mapped to; gives a token.
async fn token_missing_a_scope(mock: &Mock) -> String {
    let token = mock.token().await;
    mock.create("sys_db_object", json!({ "name": "u_sncc_x", "label": "x" }))
        .await;
    let scope = mock
        .create("sys_auth_scope", json!({ "name": "sncc-b" }))
        .await;
    let other = mock
        .create("sys_auth_scope", json!({ "name": "sncc-a" }))
        .await;
    // catalogue §7's binding by path, which the mock keeps under a switch (real instances bind by `api`).
    mock.switch(json!({ "path_only_bindings": "cover_their_path" }))
        .await;
    let binding = json!({ "auth_scope": scope["sys_id"], "api_path": "now/table/u_sncc_x" });
    mock.create("sys_api_access_scope", binding).await;
    let entity = mock.entity_sys_id().await;
    let mapping = json!({ "oauth_entity": entity, "auth_scope": other["sys_id"] });
    mock.create("oauth_entity_auth_scope_mapping", mapping)
        .await;
    token
}

#[tokio::test]
async fn h1_missing_scope_403() {
    let mock = common::start("ready").await;
    let token = token_missing_a_scope(&mock).await;
    let shape = send(mock.bearer(Method::GET, "/api/now/table/u_sncc_x", &token)).await;
    assert_shape(&mock, "h1_missing_scope_403", &shape);
}

#[tokio::test]
async fn i1_revoke_200_empty() {
    let mock = common::start("ready").await;
    let token = mock.token().await;
    let request = mock.http.post(mock.url("/oauth_revoke_token.do"));
    let request = request.header("content-type", common::FORM);
    let shape = send(request.body(format!("token={token}"))).await;
    assert!(shape.body.is_empty());
    assert_shape(&mock, "i1_revoke_200_empty", &shape);
}

#[tokio::test]
async fn revoke_without_token_400() {
    let mock = common::start("ready").await;
    let shape = send(mock.http.get(mock.url("/oauth_revoke_token.do"))).await;
    assert_shape(&mock, "revoke_without_token_400", &shape);
}

/// The `Set-Cookie` values of an answer, with the session ids replaced.
fn cookies(response: &Response) -> String {
    let ids = Regex::new(r"=(glide\.)?[0-9A-Fa-f]{32};").expect("a pattern");
    let cookies = response.headers().get_all("set-cookie").iter();
    let cookies = cookies.map(|value| value.to_str().expect("ASCII cookie"));
    let cookies = cookies.map(|cookie| ids.replace(cookie, "=${1}[SESSION_ID];").into_owned());
    cookies.collect::<Vec<_>>().join("\n")
}

#[tokio::test]
async fn i3_session_cookies_of_a_bearer_answer() {
    let mock = common::start("ready").await;
    let token = mock.token().await;
    let path = "/api/now/ui/user/current_user";
    let response = mock.bearer(Method::GET, path, &token).send().await.unwrap();
    insta::assert_snapshot!("i3_session_cookies_of_a_bearer_answer", cookies(&response));
}

#[tokio::test]
async fn i4_cookie_401_after_revocation() {
    let mock = common::start("ready").await;
    let token = mock.token().await;
    let path = "/api/now/ui/user/current_user";
    let response = mock.bearer(Method::GET, path, &token).send().await.unwrap();
    let cookie = cookies(&response);
    assert!(!cookie.is_empty());
    let sent: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| {
            value
                .to_str()
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    let revoke = mock
        .http
        .get(mock.url(&format!("/oauth_revoke_token.do?token={token}")));
    assert_eq!(revoke.send().await.unwrap().status(), 200);
    let shape = send(
        mock.http
            .get(mock.url(path))
            .header("cookie", sent.join("; ")),
    )
    .await;
    assert_captured(&shape, &captured::REST_401, None, Order::Free);
    assert_shape(&mock, "i4_cookie_401_after_revocation", &shape);
}

//! The mock instance through real HTTP where no catalogue scenario looks: its control plane, faults and journal,
//! isolation between mocks, and the details the scenarios leave open (the suite runs every scenario against the
//! mock, and `tests/suite_can_fail.rs` proves each can fail).

use crate::common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::{ADMIN_PASSWORD, FORM, Mock, assert_generic_refusal, urlencode};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use sncc::servicenow::captured::{BUILDTAG_PROPERTY, GRANT_PROPERTY, REST_401};

/// Asserts the REST 401 of catalogue §3 (E2): the captured envelope, compared as JSON, and the BASIC challenge.
async fn assert_not_authenticated(response: Response, why: &str) {
    assert_eq!(response.status(), REST_401.status, "{why}");
    let challenge = REST_401.header("www-authenticate");
    assert_eq!(
        response.headers()["www-authenticate"],
        challenge.unwrap(),
        "{why}"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, REST_401.json(), "{why}");
}

/// Sends a Table API request as `admin`, with an optional JSON body; returns status and JSON body (null when empty).
async fn admin_call(
    mock: &Mock,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = mock.admin(method, path);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    };
    (status, value)
}

/// The records of `table` matching an encoded query, read as `admin`, references as plain sys_ids.
async fn records(mock: &Mock, table: &str, query: &str) -> Vec<Value> {
    let path = format!(
        "/api/now/table/{table}?sysparm_exclude_reference_link=true&sysparm_query={}",
        urlencode(query)
    );
    let (status, body) = admin_call(mock, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body["result"].as_array().unwrap().clone()
}

/// The sys_id of the one record matching a query.
async fn sys_id_of(mock: &Mock, table: &str, query: &str) -> String {
    let found = records(mock, table, query).await;
    assert_eq!(found.len(), 1, "{table} {query}: {found:?}");
    found[0]["sys_id"].as_str().unwrap().to_owned()
}

/// Creates a record as `admin`; returns its sys_id.
async fn create(mock: &Mock, table: &str, fields: Value) -> String {
    let (status, body) = admin_call(
        mock,
        Method::POST,
        &format!("/api/now/table/{table}"),
        Some(fields),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{table}: {body}");
    body["result"]["sys_id"].as_str().unwrap().to_owned()
}

/// Changes a record as `admin`.
async fn patch(mock: &Mock, table: &str, sys_id: &str, fields: Value) {
    let path = format!("/api/now/table/{table}/{sys_id}");
    let (status, body) = admin_call(mock, Method::PATCH, &path, Some(fields)).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
}

/// Deletes a record as `admin`.
async fn delete(mock: &Mock, table: &str, sys_id: &str) {
    let path = format!("/api/now/table/{table}/{sys_id}");
    let (status, body) = admin_call(mock, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{path}: {body}");
}

async fn user_sys_id(mock: &Mock, user_name: &str) -> String {
    sys_id_of(mock, "sys_user", &format!("user_name={user_name}")).await
}

async fn set_grant_property(mock: &Mock, value: &str) {
    let property = sys_id_of(mock, "sys_properties", &format!("name={GRANT_PROPERTY}")).await;
    patch(mock, "sys_properties", &property, json!({ "value": value })).await;
}

/// The successful token response body, asserting C1's shape.
async fn issued(response: Response) -> Value {
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["access_token", "scope", "token_type", "expires_in"]);
    assert_eq!(body["token_type"], "Bearer");
    body
}

async fn control_json(mock: &Mock, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
    let response = mock.control(method, path).json(&body).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

async fn arm_fault(mock: &Mock, fault: Value) {
    let (status, body) = control_json(mock, Method::POST, "/faults", fault).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn armed_faults(mock: &Mock) -> Vec<Value> {
    let response = mock.control(Method::GET, "/faults").send().await.unwrap();
    let body: Value = response.json().await.unwrap();
    body["faults"].as_array().unwrap().clone()
}

async fn switches(mock: &Mock) -> Value {
    mock.control_json("/switches").await
}

async fn journal_text(mock: &Mock) -> String {
    let response = mock.control(Method::GET, "/journal").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

async fn advance_clock(mock: &Mock, seconds: i64) {
    let (status, body) = control_json(
        mock,
        Method::POST,
        "/clock/advance",
        json!({ "seconds": seconds }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// `X-Total-Count` of a table as `admin` sees it.
async fn total(mock: &Mock, table: &str) -> usize {
    let response = mock
        .admin(
            Method::GET,
            &format!("/api/now/table/{table}?sysparm_limit=1"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.headers()["x-total-count"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_token_user_without_itil_cannot_create_incidents_until_granted() {
    let mock = common::start("ready").await;
    let user = user_sys_id(&mock, "svc.cc").await;
    // The ready seed grants svc.cc `itil`; take it away first, so the grant below is what allows the insert.
    let seeded = sys_id_of(&mock, "sys_user_has_role", &format!("user={user}")).await;
    delete(&mock, "sys_user_has_role", &seeded).await;
    let token = mock.token().await;
    let incident = json!({ "short_description": "printer on fire" });
    let denied = mock
        .bearer(Method::POST, "/api/now/table/incident", &token)
        .json(&incident)
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);

    let itil = sys_id_of(&mock, "sys_user_role", "name=itil").await;
    create(
        &mock,
        "sys_user_has_role",
        json!({ "user": user, "role": itil }),
    )
    .await;
    let created = mock
        .bearer(Method::POST, "/api/now/table/incident", &token)
        .json(&incident)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let body: Value = created.json().await.unwrap();
    assert_eq!(body["result"]["sys_created_by"], "svc.cc");
    assert_eq!(body["result"]["short_description"], "printer on fire");
}

#[tokio::test]
async fn a_token_works_until_its_lifespan_has_elapsed_and_not_after() {
    let mock = common::start("ready").await;
    let token = mock.token().await;
    advance_clock(&mock, 1700).await;
    assert_eq!(mock.current_user(&token).await["user_name"], "svc.cc");
    advance_clock(&mock, 101).await;
    let response = mock
        .bearer(Method::GET, "/api/now/table/incident", &token)
        .send()
        .await
        .unwrap();
    assert_not_authenticated(response, "expired token").await;
}

#[tokio::test]
async fn control_switching_basic_client_auth_off_refuses_http_basic() {
    let mock = common::start("ready").await;
    let basic = || {
        mock.http
            .post(mock.url("/oauth_token.do"))
            .basic_auth(mock.client_id(), Some(mock.client_secret()))
            .header("content-type", FORM)
            .body("grant_type=client_credentials")
    };
    issued(basic().send().await.unwrap()).await;
    mock.switch(json!({ "basic_client_auth": false })).await;
    assert_generic_refusal(basic().send().await.unwrap(), "Basic switched off").await;
}

#[tokio::test]
async fn control_release_rewrites_the_buildtag_and_refuses_malformed_releases() {
    let mock = common::start("ready").await;
    let buildtag = || async {
        records(
            &mock,
            "sys_properties",
            &format!("name={BUILDTAG_PROPERTY}"),
        )
        .await[0]["value"]
            .clone()
    };
    for (release, issues) in [
        ("vancouver", false),
        ("washingtondc", true),
        ("zurich-p4", true),
    ] {
        let (status, body) = control_json(
            &mock,
            Method::PUT,
            "/release",
            json!({ "release": release }),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["release"], release);
        let tag = buildtag().await;
        let (family, patch) = release.split_once("-p").unwrap_or((release, "0"));
        let tag = tag.as_str().unwrap();
        assert!(tag.starts_with(&format!("glide-{family}-")), "{tag}");
        assert!(tag.contains(&format!("__patch{patch}-")), "{tag}");
        let response = mock.post_token(mock.token_form()).await;
        if issues {
            issued(response).await;
        } else {
            assert_generic_refusal(response, release).await;
        }
    }
    let (status, body) = control_json(
        &mock,
        Method::PUT,
        "/release",
        json!({ "release": "zurich-p" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"].as_str().unwrap().contains("zurich-p"),
        "{body}"
    );
}

#[tokio::test]
async fn requests_the_grant_does_not_allow_get_the_captured_generic_401() {
    // The scenarios (F1–F3, F5–F7) require only that no token is issued; the mock refuses them all with the
    // captured generic error, as an instance does.
    let mock = common::start("ready").await;
    let token = mock.url("/oauth_token.do");
    let in_query = format!("{token}?{}", mock.token_form());
    let json_body = json!({
        "grant_type": "client_credentials",
        "client_id": mock.client_id(),
        "client_secret": mock.client_secret(),
    });
    let form = |body: String| {
        mock.http
            .post(&token)
            .header("content-type", FORM)
            .body(body)
    };
    let without_secret = format!(
        "grant_type=client_credentials&client_id={}",
        mock.client_id()
    );
    let requests = [
        ("JSON body", mock.http.post(&token).json(&json_body)),
        (
            "query string only",
            mock.http.post(&in_query).header("content-type", FORM),
        ),
        (
            "query string and grant type",
            mock.http
                .post(&in_query)
                .header("content-type", FORM)
                .body("grant_type=client_credentials"),
        ),
        ("GET", mock.http.get(&in_query)),
        (
            "grant_type=password",
            form(mock.token_form().replace("client_credentials", "password")),
        ),
        ("no secret", form(without_secret)),
        (
            "scope=admin",
            form(format!("{}&scope=admin", mock.token_form())),
        ),
    ];
    for (why, request) in requests {
        assert_generic_refusal(request.send().await.unwrap(), why).await;
    }
}

#[tokio::test]
async fn control_status_answers_at_the_address_sncc_mock_prints_and_without_the_slash() {
    let mock = common::start("ready").await;
    for path in ["/__mock", "/__mock/"] {
        let response = mock.http.get(mock.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let summary: Value = response.json().await.unwrap();
        assert_eq!(
            summary["release"],
            sncc::mock::DEFAULT_RELEASE.name(),
            "{path}"
        );
        assert_eq!(summary["records"]["oauth_entity"], 1, "{path}");
    }
}

#[tokio::test]
async fn control_reset_restores_the_seed_and_clears_journal_and_faults() {
    let mock = common::start("ready").await;
    set_grant_property(&mock, "false").await;
    create(
        &mock,
        "incident",
        json!({ "short_description": "gone after reset" }),
    )
    .await;
    arm_fault(&mock, json!({ "path": "/nowhere", "action": "close" })).await;
    advance_clock(&mock, 3600).await;

    let response = mock.control(Method::POST, "/reset").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let summary: Value = response.json().await.unwrap();
    assert_eq!(summary["armed_faults"], 0);
    assert_eq!(summary["clock_offset_seconds"], 0);
    assert_eq!(summary["records"]["incident"], 0);
    let journal: Value = serde_json::from_str(&journal_text(&mock).await).unwrap();
    assert_eq!(journal, json!({ "entries": [] }));
    assert!(armed_faults(&mock).await.is_empty());
    issued(mock.post_token(mock.token_form()).await).await;
    assert_eq!(total(&mock, "incident").await, 0);
}

#[tokio::test]
async fn control_patch_switches_is_partial_and_refuses_bad_values_with_a_message() {
    let mock = common::start("ready").await;
    let before = switches(&mock).await;
    let after = mock.switch(json!({ "repeat_token": "current" })).await;
    let mut expected = before.clone();
    expected["repeat_token"] = json!("current");
    assert_eq!(after, expected);

    for (bad, says) in [
        (json!({ "unauthorized_client_status": 500 }), "400 or 401"),
        (json!({ "basic_client_auth": "yes" }), "invalid switches"),
        (json!({ "typo": true }), "unknown field"),
        (json!(["repeat_token"]), "JSON object"),
    ] {
        let (status, body) = control_json(&mock, Method::PATCH, "/switches", bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        let message = body["error"].as_str().unwrap();
        assert!(message.contains(says), "{bad}: {message}");
        assert_eq!(switches(&mock).await, expected, "{bad} changed nothing");
    }
}

#[tokio::test]
async fn control_repeat_token_current_returns_the_live_token() {
    let mock = common::start("ready").await;
    mock.switch(json!({ "repeat_token": "current" })).await;
    let first = issued(mock.post_token(mock.token_form()).await).await;
    advance_clock(&mock, 100).await;
    let second = issued(mock.post_token(mock.token_form()).await).await;
    assert_eq!(second["access_token"], first["access_token"]);
    let left = second["expires_in"].as_i64().unwrap();
    assert!((1697..=1699).contains(&left), "expires_in {left}");
}

#[tokio::test]
async fn control_journal_never_holds_the_secret_the_admin_password_or_a_token() {
    let mock = common::start("ready").await;
    let token = mock.token().await;
    let basic_token = issued(
        mock.http
            .post(mock.url("/oauth_token.do"))
            .basic_auth(mock.client_id(), Some(mock.client_secret()))
            .header("content-type", FORM)
            .body("grant_type=client_credentials")
            .send()
            .await
            .unwrap(),
    )
    .await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let query_secret = format!("{}?{}", mock.url("/oauth_token.do"), mock.token_form());
    mock.http
        .post(query_secret)
        .header("content-type", FORM)
        .send()
        .await
        .unwrap();
    let json_body = json!({ "grant_type": "client_credentials", "client_id": mock.client_id(), "client_secret": mock.client_secret() });
    mock.http
        .post(mock.url("/oauth_token.do"))
        .json(&json_body)
        .send()
        .await
        .unwrap();
    mock.current_user(&token).await;
    let query_token = format!(
        "{}?access_token={token}",
        mock.url("/api/now/table/incident")
    );
    mock.http.get(query_token).send().await.unwrap();
    let new_secret = "journal-must-not-see-this-secret";
    create(
        &mock,
        "oauth_entity",
        json!({ "name": "j", "client_secret": new_secret }),
    )
    .await;
    records(&mock, "oauth_credential", "").await;

    let journal = journal_text(&mock).await;
    assert!(
        journal.contains("/oauth_token.do") && journal.contains("issued"),
        "{journal}"
    );
    let admin_basic = STANDARD.encode(format!("admin:{ADMIN_PASSWORD}"));
    for secret in [
        mock.client_secret().as_str(),
        ADMIN_PASSWORD,
        admin_basic.as_str(),
        &token,
        &basic_token,
        new_secret,
    ] {
        assert!(!journal.contains(secret), "{secret} is in the journal");
    }
    let response = mock
        .control(Method::DELETE, "/journal")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(journal_text(&mock).await, r#"{"entries":[]}"#);
}

#[tokio::test]
async fn fault_respond_503_with_retry_after_for_two_requests_then_normal() {
    let mock = common::start("ready").await;
    arm_fault(
        &mock,
        json!({ "path": "/oauth_token.do", "times": 2, "action": "respond", "status": 503,
                "headers": { "Retry-After": "7" }, "body": "down for maintenance" }),
    )
    .await;
    for remaining in [1, 0] {
        let response = mock.post_token(mock.token_form()).await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()["retry-after"], "7");
        assert_eq!(response.text().await.unwrap(), "down for maintenance");
        let armed = armed_faults(&mock).await;
        assert_eq!(armed.len(), remaining);
    }
    issued(mock.post_token(mock.token_form()).await).await;
}

#[tokio::test]
async fn fault_delay_still_answers_correctly() {
    let mock = common::start("ready").await;
    arm_fault(
        &mock,
        json!({ "path": "/oauth_token.do", "action": "delay", "millis": 50 }),
    )
    .await;
    let body = issued(mock.post_token(mock.token_form()).await).await;
    assert_eq!(
        mock.current_user(body["access_token"].as_str().unwrap())
            .await["user_name"],
        "svc.cc"
    );
    assert!(armed_faults(&mock).await.is_empty());
}

#[tokio::test]
async fn fault_close_drops_the_connection_and_the_next_request_works() {
    let mock = common::start("ready").await;
    arm_fault(
        &mock,
        json!({ "path": "/oauth_token.do", "action": "close" }),
    )
    .await;
    let error = mock
        .http
        .post(mock.url("/oauth_token.do"))
        .header("content-type", FORM)
        .body(mock.token_form())
        .send()
        .await
        .expect_err("the connection is closed without an answer");
    assert!(error.is_request() || error.is_connect(), "{error:?}");
    issued(mock.post_token(mock.token_form()).await).await;
}

#[tokio::test]
async fn fault_on_a_prefix_applies_to_every_path_under_it() {
    let mock = common::start("ready").await;
    let token = mock.token().await;
    arm_fault(
        &mock,
        json!({ "path": "/api/*", "times": 2, "action": "respond", "status": 500 }),
    )
    .await;
    issued(mock.post_token(mock.token_form()).await).await;
    for path in ["/api/now/table/incident", "/api/now/ui/user/current_user"] {
        let response = mock.bearer(Method::GET, path, &token).send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{path}"
        );
    }
    assert_eq!(mock.current_user(&token).await["user_name"], "svc.cc");
    let (status, body) = control_json(
        &mock,
        Method::POST,
        "/faults",
        json!({ "path": "/__mock/*", "action": "close" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn fault_delete_disarms_every_fault() {
    let mock = common::start("ready").await;
    arm_fault(
        &mock,
        json!({ "path": "/oauth_token.do", "times": 5, "action": "close" }),
    )
    .await;
    arm_fault(
        &mock,
        json!({ "path": "/api/*", "action": "respond", "status": 502 }),
    )
    .await;
    assert_eq!(armed_faults(&mock).await.len(), 2);
    let response = mock
        .control(Method::DELETE, "/faults")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(armed_faults(&mock).await.is_empty());
    let token = mock.token().await;
    assert_eq!(mock.current_user(&token).await["user_name"], "svc.cc");
}

#[tokio::test]
async fn two_mocks_in_one_test_do_not_share_state() {
    let (first, second) = (common::start("ready").await, common::start("ready").await);
    assert_ne!(first.server.base_url(), second.server.base_url());
    set_grant_property(&first, "false").await;
    assert_generic_refusal(first.post_token(first.token_form()).await, "first disabled").await;
    let token = second.token().await;
    let on_first = first
        .bearer(Method::GET, "/api/now/table/incident", &token)
        .send()
        .await
        .unwrap();
    assert_not_authenticated(on_first, "a token from the other mock").await;
    assert_eq!(total(&first, "oauth_credential").await, 0);
    assert_eq!(total(&second, "oauth_credential").await, 1);
}

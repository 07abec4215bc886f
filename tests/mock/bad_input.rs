//! Bad input through real HTTP never panics the mock and never corrupts its state: after each, it still issues tokens.

use crate::common;

use common::{FORM, Mock, assert_generic_refusal, urlencode};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::header::HeaderValue;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

/// A body one byte larger than the mock reads (`observe::MAX_BODY_BYTES`).
const TOO_LARGE: usize = 1024 * 1024 + 1;

/// The mock is healthy: it issues a token for the seeded client, and the token acts as `svc.cc`.
async fn assert_still_serving(mock: &Mock) {
    let token = mock.token().await;
    assert_eq!(mock.current_user(&token).await["user_name"], "svc.cc");
}

/// Asserts a Table API failure envelope: status, message and detail.
async fn assert_failure(response: Response, status: StatusCode, message: &str, detail: Value) {
    assert_eq!(response.status(), status, "{message}");
    let body: Value = response.json().await.unwrap();
    let expected =
        json!({ "error": { "message": message, "detail": detail }, "status": "failure" });
    assert_eq!(body, expected);
}

/// A Table API request as `admin` with a raw JSON-typed body.
async fn admin_send(
    mock: &Mock,
    method: Method,
    path: &str,
    body: impl Into<reqwest::Body>,
) -> Response {
    mock.admin(method, path)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
}

/// A list as `admin`: status, `X-Total-Count` and the records.
async fn admin_list(
    mock: &Mock,
    table: &str,
    query: &[(&str, &str)],
) -> (StatusCode, usize, Vec<Value>) {
    let response = mock
        .admin(Method::GET, &format!("/api/now/table/{table}"))
        .query(query)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let total = response
        .headers()
        .get("x-total-count")
        .map_or(0, |value| value.to_str().unwrap().parse().unwrap());
    let body: Value = response.json().await.unwrap();
    let records = body["result"].as_array().cloned().unwrap_or_default();
    (status, total, records)
}

async fn total(mock: &Mock, table: &str) -> usize {
    let (status, total, _) = admin_list(mock, table, &[("sysparm_limit", "1")]).await;
    assert_eq!(status, StatusCode::OK);
    total
}

/// The one record matching a query, as `admin` sees it.
async fn record(mock: &Mock, table: &str, query: &str) -> Value {
    let (status, _, records) = admin_list(mock, table, &[("sysparm_query", query)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(records.len(), 1, "{table} {query}");
    records[0].clone()
}

async fn control(mock: &Mock, method: Method, path: &str, body: &str) -> StatusCode {
    let response = mock
        .control(method, path)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    response.status()
}

/// The control plane's summary, without what [`assert_still_serving`] changes (time, issued tokens).
async fn control_summary(mock: &Mock) -> Value {
    let response = mock.control(Method::GET, "/").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut summary: Value = response.json().await.unwrap();
    summary.as_object_mut().unwrap().remove("now");
    summary["records"]
        .as_object_mut()
        .unwrap()
        .remove("oauth_credential");
    summary
}

#[tokio::test]
async fn bodies_over_one_mib_are_413_and_create_nothing() {
    let mock = common::start("ready").await;
    let huge_form = format!("{}&pad={}", mock.token_form(), "a".repeat(TOO_LARGE));
    let response = mock.post_token(huge_form).await;
    assert_failure(
        response,
        StatusCode::PAYLOAD_TOO_LARGE,
        "Request entity too large",
        Value::Null,
    )
    .await;
    assert_eq!(total(&mock, "oauth_credential").await, 0);

    let huge_incident = json!({ "short_description": "x".repeat(TOO_LARGE) }).to_string();
    let response = admin_send(
        &mock,
        Method::POST,
        "/api/now/table/incident",
        huge_incident,
    )
    .await;
    assert_failure(
        response,
        StatusCode::PAYLOAD_TOO_LARGE,
        "Request entity too large",
        Value::Null,
    )
    .await;
    assert_eq!(total(&mock, "incident").await, 0);
    assert_still_serving(&mock).await;
}

#[tokio::test]
async fn undecodable_form_pairs_are_skipped_like_tomcat() {
    let mock = common::start("ready").await;
    let id = mock.client_id().to_owned();
    for body in [
        format!("grant_type=client_credentials&client_id={id}&client_secret=%zz"),
        format!("grant_type=client_credentials&client_id={id}&client_secret=%ff%fe"),
        format!(
            "grant_type=%zz&client_id={id}&client_secret={}",
            mock.client_secret()
        ),
        format!(
            "grant_type=client_credentials&client_id=%ff{id}&client_secret={}",
            mock.client_secret()
        ),
        "%".to_owned(),
        "&&&===&&".to_owned(),
    ] {
        assert_generic_refusal(mock.post_token(body.clone()).await, &body).await;
        assert_still_serving(&mock).await;
    }
    let around = format!("%zz=1&bad=%ff%fe&{}&tail=%4", mock.token_form());
    assert_eq!(
        mock.post_token(around).await.status(),
        StatusCode::OK,
        "the decodable pairs still count"
    );
}

#[tokio::test]
async fn duplicate_parameters_first_value_wins() {
    let mock = common::start("ready").await;
    let good_then_wrong = format!("{}&client_secret=wrong", mock.token_form());
    assert_eq!(
        mock.post_token(good_then_wrong).await.status(),
        StatusCode::OK
    );
    let wrong_then_good = format!(
        "grant_type=client_credentials&client_id={}&client_secret=wrong&client_secret={}",
        mock.client_id(),
        urlencode(&mock.client_secret())
    );
    assert_generic_refusal(mock.post_token(wrong_then_good).await, "wrong secret first").await;
    assert_still_serving(&mock).await;
}

#[tokio::test]
async fn bad_json_on_table_api_writes_is_400_and_writes_nothing() {
    let mock = common::start("ready").await;
    let svc = record(&mock, "sys_user", "user_name=svc.cc").await;
    let svc_path = format!(
        "/api/now/table/sys_user/{}",
        svc["sys_id"].as_str().unwrap()
    );
    let bodies: [&[u8]; 7] = [
        b"{",
        b"[]",
        br#"[{"short_description":"x"}]"#,
        b"",
        b"\"text\"",
        b"null",
        b"\xff\xfe{}",
    ];
    for body in bodies {
        let response = admin_send(
            &mock,
            Method::POST,
            "/api/now/table/incident",
            body.to_vec(),
        )
        .await;
        let detail = json!("The payload is not valid JSON.");
        assert_failure(
            response,
            StatusCode::BAD_REQUEST,
            "Exception while reading request",
            detail.clone(),
        )
        .await;
        let response = admin_send(&mock, Method::PATCH, &svc_path, body.to_vec()).await;
        assert_failure(
            response,
            StatusCode::BAD_REQUEST,
            "Exception while reading request",
            detail,
        )
        .await;
    }
    assert_eq!(total(&mock, "incident").await, 0);
    assert_eq!(
        record(&mock, "sys_user", "user_name=svc.cc").await,
        svc,
        "svc.cc unchanged"
    );
    assert_still_serving(&mock).await;
}

#[tokio::test]
async fn unknown_tables_are_400_invalid_table() {
    let mock = common::start("ready").await;
    for method in [Method::GET, Method::POST] {
        let response = admin_send(&mock, method.clone(), "/api/now/table/u_nope", "{}").await;
        let detail = json!("Table u_nope does not exist");
        assert_failure(
            response,
            StatusCode::BAD_REQUEST,
            "Invalid table u_nope",
            detail,
        )
        .await;
    }
    assert_still_serving(&mock).await;
}

#[tokio::test]
async fn unknown_fields_in_a_post_body_are_ignored() {
    let mock = common::start("ready").await;
    let body =
        json!({ "short_description": "kept", "u_bogus": "dropped", "sys_created_by": "mallory" });
    let response = admin_send(
        &mock,
        Method::POST,
        "/api/now/table/incident",
        body.to_string(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    let created = &created["result"];
    assert_eq!(created["short_description"], "kept");
    assert_eq!(
        created["sys_created_by"], "admin",
        "system columns are the instance's"
    );
    assert!(created.get("u_bogus").is_none(), "{created}");
    assert_eq!(total(&mock, "incident").await, 1);
    assert_still_serving(&mock).await;
}

#[tokio::test]
async fn unknown_query_fields_are_ignored_unless_invalid_query_returns_no_rows() {
    let mock = common::start("ready").await;
    let users = total(&mock, "sys_user").await;
    assert_eq!(users, 2, "admin and svc.cc");
    let query = [("sysparm_query", "u_bogus=1^user_name=svc.cc")];
    let (status, count, records) = admin_list(&mock, "sys_user", &query).await;
    assert_eq!((status, count), (StatusCode::OK, 1));
    assert_eq!(records[0]["user_name"], "svc.cc");

    let property = json!({ "name": "glide.invalid_query.returns_no_rows", "type": "boolean", "value": "true" });
    let response = admin_send(
        &mock,
        Method::POST,
        "/api/now/table/sys_properties",
        property.to_string(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let (status, count, records) = admin_list(&mock, "sys_user", &query).await;
    assert_eq!((status, count, records.len()), (StatusCode::OK, 0, 0));
    assert_still_serving(&mock).await;
}

#[tokio::test]
async fn huge_limits_and_garbage_offsets_are_handled() {
    let mock = common::start("ready").await;
    let huge = "99999999999999999999";
    let usize_max = usize::MAX.to_string();
    for (limit, offset, rows) in [
        (huge, "0", 2),
        ("-1", "0", 2),
        ("lots", "0", 2),
        ("0", "0", 1),
        ("1", "-5", 1),
        ("1", "abc", 1),
        ("10", huge, 2),
        ("10", "1", 1),
        ("10", "2", 0),
        (huge, usize_max.as_str(), 0),
    ] {
        let query = [("sysparm_limit", limit), ("sysparm_offset", offset)];
        let (status, total, records) = admin_list(&mock, "sys_user", &query).await;
        assert_eq!(status, StatusCode::OK, "limit {limit} offset {offset}");
        assert_eq!(total, 2, "limit {limit} offset {offset}");
        assert_eq!(records.len(), rows, "limit {limit} offset {offset}");
        assert_still_serving(&mock).await;
    }
}

#[tokio::test]
async fn garbage_authorization_headers_are_refused_not_crashed_on() {
    let mock = common::start("ready").await;
    let long = format!("Bearer {}", "x".repeat(60_000));
    let garbage: [&[u8]; 11] = [
        b"Bearer",
        b"Bearer ",
        b"bearer \t ",
        b"Basic",
        b"Basic !!!",
        b"Basic YWRtaW4=",
        b"Basic \xff\xfe",
        b"Negotiate abc",
        b"\xc3\x28",
        b"Bearer a b c",
        long.as_bytes(),
    ];
    for value in garbage {
        let header = HeaderValue::from_bytes(value).unwrap();
        let response = mock
            .http
            .get(mock.url("/api/now/table/sys_user"))
            .header("authorization", header.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{header:?}");
        assert_eq!(
            response.headers()["www-authenticate"],
            r#"BASIC realm="Service-now""#
        );
        let refused = mock
            .http
            .post(mock.url("/oauth_token.do"))
            .header("authorization", header.clone())
            .header("content-type", FORM)
            .body("grant_type=client_credentials")
            .send()
            .await
            .unwrap();
        assert_generic_refusal(refused, &format!("{header:?}")).await;
    }
    assert_still_serving(&mock).await;
}

#[tokio::test]
async fn control_plane_bad_bodies_are_400_and_change_nothing() {
    let mock = common::start("ready").await;
    let before = control_summary(&mock).await;
    for (method, path, body) in [
        (Method::PUT, "/release", ""),
        (Method::PUT, "/release", r#"{"release":"zurich-p"}"#),
        (Method::PUT, "/release", r#"{"release":"tokyo","extra":1}"#),
        (Method::POST, "/clock/advance", r#"{"seconds":-1}"#),
        (Method::POST, "/clock/advance", r#"{"seconds":"soon"}"#),
        (Method::POST, "/clock/advance", r#"{"seconds":1e308}"#),
        (
            Method::POST,
            "/clock/advance",
            r#"{"seconds":9223372036854775807}"#,
        ),
        (Method::POST, "/faults", "\u{0}"),
        (
            Method::POST,
            "/faults",
            r#"{"path":"/oauth_token.do","action":"respond","status":99}"#,
        ),
        (
            Method::POST,
            "/faults",
            r#"{"path":"/oauth_token.do","action":"delay","millis":-1}"#,
        ),
        (
            Method::POST,
            "/faults",
            r#"{"path":"/oauth_token.do","times":-1,"action":"close"}"#,
        ),
        (Method::PATCH, "/switches", "null"),
    ] {
        let status = control(&mock, method.clone(), path, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {path} {body}");
        assert_eq!(
            control_summary(&mock).await,
            before,
            "{method} {path} {body}"
        );
        assert_still_serving(&mock).await;
    }
}

#[tokio::test]
async fn absurd_entity_lifespans_never_break_issuing() {
    let mock = common::start("ready").await;
    let entity = record(
        &mock,
        "oauth_entity",
        &format!("client_id={}", mock.client_id()),
    )
    .await;
    let path = format!(
        "/api/now/table/oauth_entity/{}",
        entity["sys_id"].as_str().unwrap()
    );
    for lifespan in ["9223372036854775807", "2147483648", "-5", "0", "soon", ""] {
        let change = json!({ "access_token_lifespan": lifespan }).to_string();
        assert_eq!(
            admin_send(&mock, Method::PATCH, &path, change)
                .await
                .status(),
            StatusCode::OK
        );
        let response = mock.post_token(mock.token_form()).await;
        assert_eq!(response.status(), StatusCode::OK, "lifespan {lifespan}");
        let body: Value = response.json().await.unwrap();
        let expires_in = body["expires_in"].as_i64().unwrap();
        assert!(
            expires_in > 0,
            "lifespan {lifespan}: expires_in {expires_in}"
        );
        assert_still_serving(&mock).await;
    }
}

#[tokio::test]
async fn odd_paths_and_methods_get_an_answer() {
    let mock = common::start("ready").await;
    for (method, path, expected) in [
        (Method::GET, "/api/now/table/%ff", StatusCode::BAD_REQUEST),
        (
            Method::GET,
            "/api/now/nothing/here",
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::DELETE,
            "/api/now/table/incident",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            Method::GET,
            "/api/now/table/incident/not-a-sys-id",
            StatusCode::NOT_FOUND,
        ),
        (Method::PUT, "/oauth_token.do", StatusCode::UNAUTHORIZED),
    ] {
        let response = mock.admin(method.clone(), path).send().await.unwrap();
        assert_eq!(response.status(), expected, "{method} {path}");
        assert_still_serving(&mock).await;
    }
}

#[tokio::test]
async fn malformed_bodies_carrying_a_secret_stay_out_of_the_journal() {
    let mock = common::start("ready").await;
    let secret = mock.client_secret();
    let form = format!("{}\n", mock.token_form());
    let broken_json = format!(r#"{{"client_secret":"{secret}""#);
    for body in [form, broken_json] {
        mock.post_token(body).await;
    }
    let journal = mock
        .control(Method::GET, "/journal")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(journal.contains("oauth_token.do"), "{journal}");
    assert!(
        !journal.contains(&secret),
        "the secret is in the journal: {journal}"
    );
    assert_still_serving(&mock).await;
}

/// Runs `cases` generated inputs against one mock, each on the mock's own runtime.
fn check_over_http<S: Strategy>(
    strategy: S,
    case: impl Fn(&tokio::runtime::Runtime, &Mock, S::Value) -> Result<(), TestCaseError>,
) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mock = runtime.block_on(common::start("ready"));
    let config = Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new(config)
        .run(&strategy, |input| case(&runtime, &mock, input))
        .unwrap();
    runtime.block_on(assert_still_serving(&mock));
}

#[test]
fn arbitrary_token_bodies_get_the_generic_401_and_the_mock_keeps_serving() {
    check_over_http(vec(any::<u8>(), 0..512), |runtime, mock, body| {
        runtime.block_on(async {
            let response = mock
                .post_token(String::from_utf8_lossy(&body).into_owned())
                .await;
            let generic = &sncc::servicenow::captured::TOKEN_GENERIC_401;
            prop_assert_eq!(response.status(), generic.status);
            prop_assert_eq!(response.text().await.unwrap(), generic.body.as_str());
            let raw = mock
                .http
                .post(mock.url("/oauth_token.do"))
                .header("content-type", FORM)
                .body(body)
                .send()
                .await
                .unwrap();
            prop_assert_eq!(raw.status(), StatusCode::UNAUTHORIZED);
            assert_still_serving(mock).await;
            Ok(())
        })
    });
}

#[test]
fn arbitrary_sysparm_values_list_consistently_and_the_mock_keeps_serving() {
    let text = || any::<String>().prop_map(|text| text.chars().take(64).collect::<String>());
    check_over_http(
        (text(), text(), text(), text()),
        |runtime, mock, (query, fields, limit, offset)| {
            runtime.block_on(async {
                let params = [
                    ("sysparm_query", query.as_str()),
                    ("sysparm_fields", fields.as_str()),
                    ("sysparm_limit", limit.as_str()),
                    ("sysparm_offset", offset.as_str()),
                ];
                let (status, total, records) = admin_list(mock, "sys_user", &params).await;
                prop_assert_eq!(status, StatusCode::OK);
                prop_assert!(total <= 2, "total {}", total);
                prop_assert!(records.len() <= total);
                assert_still_serving(mock).await;
                Ok(())
            })
        },
    );
}

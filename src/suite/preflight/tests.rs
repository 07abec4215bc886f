//! The preflight against wiremock: it sends GETs only (and the password grant for an admin on a token), never
//! retries a refused sign-in, reads every fact catalogue §14 lists, and stops with one sentence as §14 says.

use std::sync::Arc;

use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param_contains};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::client::PasswordGrant;
use crate::report::preflight::HostKind;
use crate::servicenow::captured::{BASIC_RESTRICTION_ENFORCE_PROPERTY, GRANT_PROPERTY};

fn basic() -> Credentials {
    Credentials::Basic {
        user: "admin".into(),
        password: SecretString::from("pw"),
    }
}

fn token_admin() -> Credentials {
    let secret = || SecretString::from("s3cret");
    let grant = PasswordGrant::new("c1".into(), secret(), "admin".into(), secret());
    Credentials::PasswordGrant(Arc::new(grant))
}

fn servicenow(server: &MockServer) -> ServiceNow {
    crate::support::crypto::install_default_crypto_provider();
    ServiceNow::new(reqwest::Client::new(), &server.uri())
}

fn list(records: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "result": records }))
}

async fn table(server: &MockServer, table: &str, records: Value) {
    Mock::given(method("GET"))
        .and(path(format!("/api/now/table/{table}")))
        .respond_with(list(records))
        .mount(server)
        .await;
}

/// An instance whose admin holds `admin`, in Default and global, with the given properties and preferences.
async fn instance(properties: Value, preferences: Value) -> MockServer {
    let server = MockServer::start().await;
    table(&server, "sys_properties", properties).await;
    table(
        &server,
        "sys_user",
        json!([{"sys_id": "a1", "locked_out": "false", "password_needs_reset": "false",
                "web_service_access_only": "false"}]),
    )
    .await;
    table(
        &server,
        "sys_user_has_role",
        json!([{"role": "admin"}, {"role": {"display_value": "itil"}}]),
    )
    .await;
    table(&server, "sys_user_preference", preferences).await;
    Mock::given(method("GET"))
        .and(path("/api/now/table/sys_update_set"))
        .and(query_param_contains("sysparm_query", "Feature"))
        .respond_with(list(json!([{"sys_id": "f1", "name": "Feature work"}])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/now/table/sys_update_set"))
        .and(query_param_contains("sysparm_query", "f1"))
        .respond_with(list(json!([{"sys_id": "f1", "name": "Feature work"}])))
        .mount(&server)
        .await;
    table(
        &server,
        "sys_update_set",
        json!([{"sys_id": "d1", "name": "Default"}]),
    )
    .await;
    table(
        &server,
        "sys_scope",
        json!([{"scope": "x_acme_app", "name": "Acme"}]),
    )
    .await;
    table(
        &server,
        "sys_dictionary",
        json!([
            {"element": "scope_restriction_status", "column_label": "Scope restriction", "default_value": "restricted"},
            {"element": "token_format", "column_label": "Token format", "default_value": "opaque"},
            {"element": "u_enforce", "column_label": "Enforce Token Restriction", "default_value": "false"},
            {"element": "name", "column_label": "Name", "default_value": ""},
        ]),
    )
    .await;
    server
}

fn properties() -> Value {
    json!([
        {"name": "glide.buildtag", "value": "glide-zurich-07-15-2025__patch4-x", "write_roles": ""},
        {"name": "instance_name", "value": "acme", "write_roles": ""},
        {"name": GRANT_PROPERTY, "value": "true", "write_roles": ""},
        {"name": BASIC_RESTRICTION_ENFORCE_PROPERTY, "value": "true", "write_roles": "security_admin"},
    ])
}

async fn methods(server: &MockServer) -> Vec<String> {
    let requests = server.received_requests().await.unwrap_or_default();
    requests
        .iter()
        .map(|request| format!("{} {}", request.method, request.url.path()))
        .collect()
}

#[tokio::test]
async fn the_preflight_reads_every_fact_with_gets_only() {
    let server = instance(properties(), json!([])).await;
    let client = servicenow(&server);
    let facts = run(&client, &basic(), None, &Safeguards::default())
        .await
        .unwrap();
    assert_eq!(facts.instance_name.as_deref(), Some("acme"));
    assert_eq!(facts.host, HostKind::Loopback);
    assert_eq!(facts.admin.roles, ["admin", "itil"]);
    assert_eq!(facts.admin.signs_in_with, "basic");
    assert_eq!(facts.update_set.name, "Default");
    assert_eq!(facts.update_set.sys_id, "d1");
    assert_eq!(facts.application, "global");
    assert_eq!(
        facts.settings[GRANT_PROPERTY].value.as_deref(),
        Some("true")
    );
    assert_eq!(facts.settings[POST_BODY_ONLY_PROPERTY].value, None);
    let enforce = &facts.settings[BASIC_RESTRICTION_ENFORCE_PROPERTY];
    assert_eq!(enforce.write_roles, ["security_admin"]);
    assert_eq!(
        facts.entity_columns["scope_restriction_status"].default,
        "restricted"
    );
    assert_eq!(
        facts.entity_columns[ENFORCE_TOKEN_RESTRICTION].element,
        "u_enforce"
    );
    assert!(!facts.entity_columns.contains_key("name"));
    let sent = methods(&server).await;
    assert_eq!(facts.requests, sent.len());
    assert!(
        sent.iter().all(|request| request.starts_with("GET ")),
        "{sent:?}"
    );
    assert!(
        sent[0].ends_with("sys_properties"),
        "the first read proves the sign-in"
    );

    let settings = InstanceSettings::new(facts);
    assert!(settings.restriction_enforcing());
    assert!(settings.entity_has("token_format"));
    assert!(settings.may_write(GRANT_PROPERTY).is_ok());
    let refused = settings
        .may_write(BASIC_RESTRICTION_ENFORCE_PROPERTY)
        .unwrap_err();
    assert!(refused.contains("security_admin"), "{refused}");
}

#[tokio::test]
async fn a_refused_basic_sign_in_stops_at_the_first_request_and_is_never_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"error": {"message": "User Not Authenticated", "detail": "Required to provide Auth information"}, "status": "failure"}),
        ))
        .mount(&server)
        .await;
    let error = run(&servicenow(&server), &basic(), None, &Safeguards::default())
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains(BASIC_RESTRICTION_ENFORCE_PROPERTY)
    );
    assert_eq!(
        methods(&server).await.len(),
        1,
        "one request, never retried"
    );
}

#[tokio::test]
async fn a_refused_password_grant_stops_before_any_table_read() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth_token.do"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(
                json!({"error_description": "access_denied", "error": "server_error"}),
            ),
        )
        .mount(&server)
        .await;
    let error = run(
        &servicenow(&server),
        &token_admin(),
        None,
        &Safeguards::default(),
    )
    .await
    .unwrap_err();
    assert!(
        error.to_string().contains("issued no token to the admin"),
        "{error}"
    );
    assert_eq!(methods(&server).await, ["POST /oauth_token.do"]);
}

#[tokio::test]
async fn a_restricted_admin_client_is_named_by_its_scope_restriction() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth_token.do"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": "t0k3n", "token_type": "Bearer", "expires_in": 1799}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403).set_body_json(
            json!({"error": {"message": "User Not Authorized", "detail": "Access to unscoped api is not allowed"}, "status": "failure"}),
        ))
        .mount(&server)
        .await;
    let error = run(
        &servicenow(&server),
        &token_admin(),
        None,
        &Safeguards::default(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("Scope Restriction") && error.contains("c1"),
        "{error}"
    );
    assert!(!error.contains("t0k3n") && !error.contains("s3cret"));
    let sent = methods(&server).await;
    assert_eq!(sent.len(), 2, "the token and one read: {sent:?}");
}

#[tokio::test]
async fn the_admins_update_set_and_application_come_from_its_preferences() {
    let feature = json!([{"name": "sys_update_set", "value": "f1"}]);
    let server = instance(properties(), feature).await;
    let client = servicenow(&server);
    let error = run(&client, &basic(), None, &Safeguards::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("\"Feature work\", not Default"), "{error}");
    let named = Safeguards {
        update_set: Some("Feature work".into()),
        ..Safeguards::default()
    };
    let facts = run(&client, &basic(), None, &named).await.unwrap();
    assert_eq!(facts.update_set.name, "Feature work");
    assert!(facts.update_set.named_by_flag);

    let scoped = json!([{"name": "apps.current_app", "value": "s1"}]);
    let server = instance(properties(), scoped).await;
    let error = run(&servicenow(&server), &basic(), None, &Safeguards::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("x_acme_app, not Global"), "{error}");
}

#[tokio::test]
async fn an_update_set_that_does_not_exist_is_a_clear_stop() {
    let server = instance(properties(), json!([])).await;
    Mock::given(method("GET"))
        .and(path("/api/now/table/sys_update_set"))
        .and(query_param_contains("sysparm_query", "Nonesuch"))
        .respond_with(list(json!([])))
        .with_priority(1)
        .mount(&server)
        .await;
    let named = Safeguards {
        update_set: Some("Nonesuch".into()),
        ..Safeguards::default()
    };
    let error = run(&servicenow(&server), &basic(), None, &named)
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("has no update set of that name"), "{error}");
}

/// The production-host stop through the whole preflight over HTTP: a `*.service-now.com` name that is no
/// personal developer instance, resolved to the test's server (the test's own client; sncc's refuses plain
/// http to anything but loopback, so `sncc run` cannot be pointed at it end to end).
#[tokio::test]
async fn a_host_that_may_be_production_stops_the_run_unless_its_instance_name_is_confirmed() {
    let server = instance(properties(), json!([])).await;
    crate::support::crypto::install_default_crypto_provider();
    let http = reqwest::Client::builder()
        .resolve("acme.service-now.com", *server.address())
        .build()
        .unwrap();
    let url = format!("http://acme.service-now.com:{}", server.address().port());
    let client = ServiceNow::new(http, &url);

    let stop = run(&client, &basic(), None, &Safeguards::default())
        .await
        .unwrap_err();
    let text = stop.to_string();
    assert!(
        text.contains(&url) && text.contains("--confirm-instance acme"),
        "{text}"
    );
    let sent = methods(&server).await;
    assert!(
        sent.iter().all(|request| request.starts_with("GET ")),
        "{sent:?}"
    );

    let confirmed = Safeguards {
        confirm_instance: Some("acme".into()),
        ..Safeguards::default()
    };
    let facts = run(&client, &basic(), None, &confirmed).await.unwrap();
    assert_eq!(facts.host, HostKind::Other);
}

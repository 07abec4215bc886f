//! Token lifecycle and hardening over real HTTP (catalogue §18, rows O1, O2, R1): the `repeat_token` switch's
//! sliding expiry, a token already issued after its entity's secret, active flag and user change (and the
//! `inactive_entity_tokens` switch), and the ROPC switch set through the control plane; and the restricted
//! entity's unscoped 403 as captured (catalogue §17).

use crate::common;
use crate::scripted_rest::{call, own_api, ready_of, sys_id};

use common::{ADMIN_PASSWORD, Mock, urlencode};
use reqwest::Method;
use serde_json::{Value, json};
use sncc::mock::Provisioned;
use sncc::servicenow::captured::REST_403_UNSCOPED_API;

async fn token_response(mock: &Mock) -> Value {
    let response = mock.post_token(mock.token_form()).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// The `expires` of every access token the seeded client's entity has, oldest first.
async fn expiries(mock: &Mock) -> Vec<String> {
    let query = format!("peer={}^ORDERBYsys_created_on", mock.entity_sys_id().await);
    let credentials = mock.records("oauth_credential", &query).await;
    credentials
        .iter()
        .map(|c| c["expires"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn o1_by_default_a_fresh_token_and_no_expiry_moves() {
    let mock = common::start("ready").await;
    let first = token_response(&mock).await;
    let before = expiries(&mock).await;
    mock.advance_clock(100).await;
    let second = token_response(&mock).await;
    assert_ne!(second["access_token"], first["access_token"]);
    let after = expiries(&mock).await;
    assert_eq!(
        (after.len(), &after[0]),
        (2, &before[0]),
        "the first token's expiry stays"
    );
}

#[tokio::test]
async fn o1_the_sliding_switch_gives_the_same_token_a_full_lifespan_again() {
    let mock = common::start("ready").await;
    mock.switch(json!({ "repeat_token": "sliding" })).await;
    let first = token_response(&mock).await;
    let before = expiries(&mock).await;
    mock.advance_clock(100).await;
    let again = token_response(&mock).await;
    assert_eq!(again["access_token"], first["access_token"]);
    assert_eq!(again["expires_in"], 1799);
    let after = expiries(&mock).await;
    assert_eq!(after.len(), 1);
    assert_ne!(after, before, "its expiry moved");
    mock.advance_clock(1750).await;
    let token = again["access_token"].as_str().unwrap();
    let (status, _) = call(&mock, Method::GET, "/api/now/table/incident", Some(token)).await;
    assert_eq!(status, 200, "past its first expiry");
}

#[tokio::test]
async fn o2_a_token_outlives_its_entitys_changes_and_acts_as_issued() {
    let mock = common::start("ready").await;
    let token = mock.token().await;
    let entity = mock.entity_sys_id().await;
    let issued_for = mock.current_user(&token).await["user_name"].clone();
    assert_eq!(issued_for, "svc.cc");
    mock.patch(
        "oauth_entity",
        &entity,
        json!({ "client_secret": "a-new-secret" }),
    )
    .await;
    assert_eq!(
        mock.current_user(&token).await["user_name"],
        "svc.cc",
        "after the secret"
    );
    let other = mock
        .create("sys_user", json!({ "user_name": "sncc.other" }))
        .await;
    mock.patch("oauth_entity", &entity, json!({ "user": sys_id(&other) }))
        .await;
    assert_eq!(
        mock.current_user(&token).await["user_name"],
        "svc.cc",
        "after the user"
    );
    mock.patch("oauth_entity", &entity, json!({ "active": "false" }))
        .await;
    assert_eq!(
        mock.current_user(&token).await["user_name"],
        "svc.cc",
        "after the active flag"
    );
    mock.switch(json!({ "inactive_entity_tokens": "refused" }))
        .await;
    let (status, _) = call(
        &mock,
        Method::GET,
        "/api/now/ui/user/current_user",
        Some(&token),
    )
    .await;
    assert_eq!(
        status, 401,
        "the switch refuses an inactive entity's tokens"
    );
    mock.patch("oauth_entity", &entity, json!({ "active": "true" }))
        .await;
    assert_eq!(mock.current_user(&token).await["user_name"], "svc.cc");
}

#[tokio::test]
async fn r1_the_ropc_switch_refuses_the_password_grant_only_on_both_kinds() {
    for kind in Provisioned::ALL {
        let mock = ready_of(kind, "r1").await;
        let password_form = format!(
            "grant_type=password&client_id={}&client_secret={}&username=admin&password={}",
            mock.client_id(),
            urlencode(&mock.client_secret()),
            urlencode(ADMIN_PASSWORD)
        );
        assert_eq!(
            mock.post_token(password_form.clone()).await.status(),
            200,
            "{kind}"
        );
        let property = "glide.oauth.inbound.ropc.grant_type.disabled";
        mock.control_properties(json!({ property: "true" })).await;
        let refused = mock.post_token(password_form.clone()).await;
        assert_eq!(refused.status(), 401, "{kind}");
        let body: Value = refused.json().await.unwrap();
        let generic = json!({ "error_description": "access_denied", "error": "server_error" });
        assert_eq!(body, generic, "{kind}");
        let client_credentials = mock.post_token(mock.token_form()).await;
        assert_eq!(
            client_credentials.status(),
            200,
            "{kind}: client credentials still"
        );
        let write = json!({ "name": property, "type": "boolean", "value": "false" });
        let path = "/api/now/table/sys_properties";
        let admin_write = mock
            .admin(Method::POST, path)
            .json(&write)
            .send()
            .await
            .unwrap();
        assert_eq!(
            admin_write.status(),
            403,
            "{kind}: the admin may not switch it (security_admin)"
        );
        mock.control_properties(json!({ property: "false" })).await;
        assert_eq!(mock.post_token(password_form).await.status(), 200, "{kind}");
    }
}

#[tokio::test]
async fn h6_the_unscoped_403_is_the_captured_one() {
    let mock = common::start("ready").await;
    let api = own_api(&mock, "sncc_h6").await;
    let token = mock.token().await;
    let entity = mock.entity_sys_id().await;
    let scope = sys_id(
        &mock
            .create("sys_auth_scope", json!({ "name": "sncc-h6" }))
            .await,
    );
    let binding = json!({ "name": "sncc", "api": api.sys_id, "auth_scope": scope });
    mock.create("sys_api_access_scope", binding).await;
    let mapping = json!({ "oauth_entity": entity, "auth_scope": scope });
    mock.create("oauth_entity_auth_scope_mapping", mapping)
        .await;
    mock.patch(
        "oauth_entity",
        &entity,
        json!({ "scope_restriction_status": "restricted" }),
    )
    .await;
    assert_eq!(
        call(&mock, Method::GET, &api.probe_path(), Some(&token))
            .await
            .0,
        200
    );
    let response = mock
        .bearer(Method::GET, "/api/now/table/incident", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), REST_403_UNSCOPED_API.status);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        Some(content_type.as_str()),
        REST_403_UNSCOPED_API.header("content-type")
    );
    assert_eq!(response.text().await.unwrap(), REST_403_UNSCOPED_API.body);
}

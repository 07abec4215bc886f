//! Access policies and Enforce Token Restriction over real HTTP (catalogue §18, rows N1 and N2), on both kinds of
//! instance: a policy on the suite's own Scripted REST API mapped to an OAuth profile linked to one entity and to
//! the out-of-box Basic profile; the flag read live; the gate; bad policies; the 401's wire shape.

use crate::common;
use crate::scripted_rest::{OwnApi, call, column_labelled, own_api, ready_of, sys_id};

use common::{Mock, urlencode};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sncc::mock::Provisioned;

/// A second OAuth entity of the seeded client's user, and a token of its own.
async fn second_client(mock: &Mock) -> (String, String) {
    let user = mock.records("sys_user", "user_name=svc.cc").await;
    let entity = json!({
        "name": "sncc-b",
        "client_id": "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0",
        "client_secret": "second-secret",
        "user": sys_id(&user[0]),
        "scope_restriction_status": "unrestricted",
    });
    let entity = mock.create("oauth_entity", entity).await;
    let form = format!(
        "grant_type=client_credentials&client_id=b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0&client_secret={}",
        urlencode("second-secret")
    );
    let response = mock.post_token(form).await;
    assert_eq!(response.status(), 200, "the second client's token");
    let body: Value = response.json().await.unwrap();
    (
        sys_id(&entity),
        body["access_token"].as_str().unwrap().to_owned(),
    )
}

/// The column that links a profile to its entity, found by its label as the suite finds it.
async fn entity_column(mock: &Mock) -> String {
    let entry = column_labelled(mock, "std_http_auth", "OAuth Entity").await;
    entry["element"].as_str().expect("a column name").to_owned()
}

/// A policy on `api` mapped to an OAuth profile linked to `entity`, then to the out-of-box Basic profile.
async fn policy_for(mock: &Mock, api: &OwnApi, entity: &str) -> String {
    let policy = json!({ "name": "sncc policy", "api": api.sys_id });
    let policy = sys_id(&mock.create("sys_api_access_policy", policy).await);
    let mut profile = json!({ "name": "sncc oauth", "type": "oauth" });
    profile[entity_column(mock).await] = json!(entity);
    let oauth = sys_id(&mock.create("std_http_auth", profile).await);
    let basic = mock.records("std_http_auth", "type=basic_auth").await;
    for profile in [oauth, sys_id(&basic[0])] {
        let mapping = json!({ "api_access_policy": policy, "inbound_auth_profile": profile });
        mock.create("sys_auth_profile_mapping", mapping).await;
    }
    policy
}

fn refusal_body() -> Value {
    json!({
        "error": {
            "message": "User Not Authenticated",
            "detail": "Required to provide Auth information",
        },
        "status": "failure",
    })
}

#[tokio::test]
async fn n2_a_policy_admits_its_entitys_token_and_basic_and_refuses_another_entity_on_both_kinds() {
    for kind in Provisioned::ALL {
        let mock = ready_of(kind, "n2").await;
        let api = own_api(&mock, "sncc_n2").await;
        let token_a = mock.token().await;
        let (_, token_b) = second_client(&mock).await;
        assert_eq!(
            call(&mock, Method::GET, &api.probe_path(), Some(&token_b))
                .await
                .0,
            200,
            "{kind}"
        );
        policy_for(&mock, &api, &mock.entity_sys_id().await).await;
        let (status, _) = call(&mock, Method::GET, &api.probe_path(), Some(&token_a)).await;
        assert_eq!(status, 200, "{kind}: A's token");
        let response = mock
            .bearer(Method::GET, &api.probe_path(), &token_b)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{kind}: B's token");
        let challenge = response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            challenge, r#"BEARER realm="Service-now""#,
            "{kind}: the first profile is OAuth"
        );
        assert_eq!(
            response.json::<Value>().await.unwrap(),
            refusal_body(),
            "{kind}"
        );
        let basic = mock
            .admin(Method::GET, &api.probe_path())
            .send()
            .await
            .unwrap();
        assert_eq!(basic.status(), 200, "{kind}: the admin's Basic");
        let (status, _) = call(
            &mock,
            Method::GET,
            "/api/now/table/incident",
            Some(&token_b),
        )
        .await;
        assert_eq!(status, 200, "{kind}: another API is not covered");
    }
}

#[tokio::test]
async fn n2_an_inactive_policy_or_one_before_xanadu_restricts_nothing() {
    let mock = common::start("ready").await;
    let api = own_api(&mock, "sncc_n2_off").await;
    let (_, token_b) = second_client(&mock).await;
    let policy = policy_for(&mock, &api, &mock.entity_sys_id().await).await;
    assert_eq!(
        call(&mock, Method::GET, &api.probe_path(), Some(&token_b))
            .await
            .0,
        401
    );
    let release = mock
        .control(Method::PUT, "/release")
        .json(&json!({ "release": "washingtondc" }));
    assert_eq!(release.send().await.unwrap().status(), 200);
    assert_eq!(
        call(&mock, Method::GET, &api.probe_path(), Some(&token_b))
            .await
            .0,
        200,
        "no policies before Xanadu"
    );
    let release = mock
        .control(Method::PUT, "/release")
        .json(&json!({ "release": "xanadu" }));
    assert_eq!(release.send().await.unwrap().status(), 200);
    assert_eq!(
        call(&mock, Method::GET, &api.probe_path(), Some(&token_b))
            .await
            .0,
        401
    );
    mock.patch(
        "sys_api_access_policy",
        &policy,
        json!({ "active": "false" }),
    )
    .await;
    assert_eq!(
        call(&mock, Method::GET, &api.probe_path(), Some(&token_b))
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn n2_bad_policies_are_stored_and_restrict_nothing() {
    let mock = common::start("ready").await;
    let api = own_api(&mock, "sncc_bad").await;
    let token = mock.token().await;
    let oauth = sys_id(
        &mock
            .create("std_http_auth", json!({ "name": "o", "type": "oauth" }))
            .await,
    );
    for policy in [
        json!({ "name": "no such api", "api": "0123456789abcdef0123456789abcdef" }),
        json!({ "name": "no api" }),
        json!({ "name": "not a reference", "api": "Table API" }),
    ] {
        let policy = sys_id(&mock.create("sys_api_access_policy", policy).await);
        let mapping = json!({ "api_access_policy": policy, "inbound_auth_profile": oauth });
        mock.create("sys_auth_profile_mapping", mapping).await;
    }
    let unmapped = json!({ "name": "unmapped", "api": api.sys_id });
    mock.create("sys_api_access_policy", unmapped).await;
    let nowhere = json!({ "api_access_policy": "0123456789abcdef0123456789abcdef", "inbound_auth_profile": "x" });
    mock.create("sys_auth_profile_mapping", nowhere).await;
    let (_, token_b) = second_client(&mock).await;
    for token in [&token, &token_b] {
        assert_eq!(
            call(&mock, Method::GET, &api.probe_path(), Some(token))
                .await
                .0,
            200
        );
        assert_eq!(
            call(&mock, Method::GET, "/api/now/table/incident", Some(token))
                .await
                .0,
            200
        );
    }
}

#[tokio::test]
async fn n1_a_flagged_entitys_token_needs_a_policy_that_admits_it_read_live_on_both_kinds() {
    for kind in Provisioned::ALL {
        let mock = ready_of(kind, "n1").await;
        let api = own_api(&mock, "sncc_n1").await;
        let token = mock.token().await;
        let entity = mock.entity_sys_id().await;
        let flag = column_labelled(&mock, "oauth_entity", "Enforce token restriction").await;
        let flag = flag["element"].as_str().unwrap().to_owned();
        mock.patch("oauth_entity", &entity, json!({ flag.clone(): "true" }))
            .await;
        let response = mock
            .bearer(Method::GET, &api.probe_path(), &token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{kind}");
        assert!(
            response.headers().contains_key("www-authenticate"),
            "{kind}"
        );
        assert_eq!(
            response.json::<Value>().await.unwrap(),
            refusal_body(),
            "{kind}"
        );
        mock.patch("oauth_entity", &entity, json!({ flag.clone(): "false" }))
            .await;
        assert_eq!(
            call(&mock, Method::GET, &api.probe_path(), Some(&token))
                .await
                .0,
            200,
            "{kind}: read live"
        );
        mock.patch("oauth_entity", &entity, json!({ flag.clone(): "true" }))
            .await;
        policy_for(&mock, &api, &entity).await;
        assert_eq!(
            call(&mock, Method::GET, &api.probe_path(), Some(&token))
                .await
                .0,
            200,
            "{kind}: admitted"
        );
        let (status, _) = call(&mock, Method::GET, "/api/now/table/incident", Some(&token)).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{kind}: no policy opens the Table API to it"
        );
    }
}

#[tokio::test]
async fn n2_policy_401_wire_shape() {
    let mock = common::start("ready").await;
    let api = own_api(&mock, "sncc_shape").await;
    let (_, token_b) = second_client(&mock).await;
    policy_for(&mock, &api, &mock.entity_sys_id().await).await;
    let response = mock
        .bearer(Method::GET, &api.probe_path(), &token_b)
        .send()
        .await
        .unwrap();
    let text = crate::scripted_rest::shape(response, &["www-authenticate"]).await;
    insta::assert_snapshot!("n2_policy_401", text);
}

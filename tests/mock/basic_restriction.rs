//! The mock's Basic auth restriction (catalogue §10, K1–K3) and password grant over real HTTP: tracking until
//! enforced on Brazil, who keeps Basic, what the token endpoint and tokens keep, and the password grant's
//! body and refusals on every release.

use crate::common;

use common::{ADMIN_PASSWORD, Mock, assert_generic_refusal, urlencode};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sncc::servicenow::captured::{
    BASIC_ALLOWED_USERS_PROPERTY, BASIC_AUTH_ROLE, BASIC_RESTRICTION_ENFORCE_PROPERTY,
    GRANT_PROPERTY, REST_401,
};

const USERS: &str = "/api/now/table/sys_user?sysparm_limit=1";
const USER_PASSWORD: &str = "us+er/pw%3D";

/// Creates a user with [`USER_PASSWORD`]; gives its sys_id.
async fn user_with_password(mock: &Mock, name: &str, web_service_only: bool) -> String {
    let user = json!({
        "user_name": name,
        "user_password": USER_PASSWORD,
        "web_service_access_only": web_service_only.to_string(),
    });
    mock.create("sys_user", user).await["sys_id"]
        .as_str()
        .expect("a sys_id")
        .to_owned()
}

async fn basic_status(mock: &Mock, user: &str, password: &str) -> StatusCode {
    let request = mock
        .http
        .get(mock.url(USERS))
        .basic_auth(user, Some(password));
    request.send().await.unwrap().status()
}

/// Enforces the restriction through the control plane: its property's `write_roles` are `security_admin`, which
/// no REST caller holds (catalogue §13).
async fn enforce(mock: &Mock) {
    mock.control_properties(json!({ BASIC_RESTRICTION_ENFORCE_PROPERTY: "true" }))
        .await;
}

/// The mock's journal entries for Basic Table API reads, newest last.
async fn basic_outcomes(mock: &Mock) -> Vec<Value> {
    let journal = mock.control_json("/journal").await;
    let entries = journal["entries"].as_array().cloned().unwrap_or_default();
    entries
        .into_iter()
        .filter(|entry| entry["path"] == "/api/now/table/sys_user")
        .map(|entry| entry["outcome"].clone())
        .collect()
}

#[tokio::test]
async fn brazil_tracks_until_enforced_then_refuses_the_admin_with_the_rest_401() {
    let mock = common::start("ready").await;
    assert_eq!(
        basic_status(&mock, "admin", ADMIN_PASSWORD).await,
        StatusCode::OK
    );
    assert_eq!(
        basic_outcomes(&mock).await.last(),
        Some(&json!(
            "basic_auth_tracked: refused once the restriction enforces"
        ))
    );
    enforce(&mock).await;
    let response = mock
        .http
        .get(mock.url(USERS))
        .basic_auth("admin", Some(ADMIN_PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()["www-authenticate"],
        REST_401.header("www-authenticate").unwrap()
    );
    assert_eq!(response.json::<Value>().await.unwrap(), REST_401.json());
    assert_eq!(
        basic_outcomes(&mock).await.last(),
        Some(&json!("unauthenticated: basic_auth_restricted"))
    );
}

#[tokio::test]
async fn k3_web_service_users_role_holders_and_listed_users_keep_basic() {
    let mock = common::start("ready").await;
    let plain = user_with_password(&mock, "plain", false).await;
    user_with_password(&mock, "ws", true).await;
    let holder = user_with_password(&mock, "holder", false).await;
    let role = mock
        .records("sys_user_role", &format!("name={BASIC_AUTH_ROLE}"))
        .await;
    let role = role[0]["sys_id"].as_str().expect("the seeded role");
    let grant = json!({ "user": holder, "role": role });
    mock.create("sys_user_has_role", grant).await;
    // The admin is listed too, so it can take the listing of `plain` away again.
    let admin = mock.records("sys_user", "user_name=admin").await;
    let admin = admin[0]["sys_id"].as_str().unwrap().to_owned();
    let listing = json!({ BASIC_ALLOWED_USERS_PROPERTY: format!("{plain}, {admin}") });
    mock.control_properties(listing).await;
    enforce(&mock).await;
    for user in ["ws", "holder", "plain"] {
        let status = basic_status(&mock, user, USER_PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{user}");
    }
    mock.control_properties(json!({ BASIC_ALLOWED_USERS_PROPERTY: admin }))
        .await;
    assert_eq!(
        basic_status(&mock, "plain", USER_PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "no longer listed"
    );
    assert_eq!(
        basic_status(&mock, "ws", "wrong").await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn k2_tokens_and_basic_client_auth_at_the_token_endpoint_are_unaffected() {
    let mock = common::start("ready").await;
    enforce(&mock).await;
    let token = mock.token().await;
    assert_eq!(mock.current_user(&token).await["user_name"], "svc.cc");
    let response = mock
        .http
        .post(mock.url("/oauth_token.do"))
        .basic_auth(mock.client_id(), Some(mock.client_secret()))
        .header("content-type", common::FORM)
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn before_brazil_the_restriction_properties_mean_nothing() {
    let mock = common::start("ready").await;
    enforce(&mock).await;
    let release = mock.control(Method::PUT, "/release");
    let response = release.json(&json!({ "release": "australia-p9" })).send();
    assert_eq!(response.await.unwrap().status(), 200);
    let user = mock
        .http
        .get(mock.url(USERS))
        .basic_auth("admin", Some(ADMIN_PASSWORD));
    assert_eq!(user.send().await.unwrap().status(), 200);
    assert_eq!(basic_outcomes(&mock).await.last(), Some(&Value::Null));
}

/// The password grant's form for `user`, through the seeded client.
fn password_form(mock: &Mock, user: &str, password: &str) -> String {
    format!(
        "grant_type=password&client_id={}&client_secret={}&username={user}&password={}",
        mock.client_id(),
        urlencode(&mock.client_secret()),
        urlencode(password)
    )
}

#[tokio::test]
async fn the_password_grant_gives_the_section_1_body_with_a_refresh_token_acting_as_the_user() {
    let mock = common::start("ready").await;
    let user = user_with_password(&mock, "owner", false).await;
    let response = mock
        .post_token(password_form(&mock, "owner", USER_PASSWORD))
        .await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let keys: Vec<String> = serde_json::from_str::<serde_json::Map<String, Value>>(&text)
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(
        keys,
        [
            "access_token",
            "refresh_token",
            "scope",
            "token_type",
            "expires_in"
        ],
        "this key order"
    );
    let body: Value = serde_json::from_str(&text).unwrap();
    insta::assert_json_snapshot!("password_grant_success", body, {
        ".access_token" => "[access_token]",
        ".refresh_token" => "[refresh_token]",
    });
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(mock.current_user(token).await["user_sys_id"], user);
}

#[tokio::test]
async fn the_password_grant_works_on_every_release_whatever_the_client_credentials_property() {
    let mock = common::start("ready").await;
    user_with_password(&mock, "owner", false).await;
    let property = mock
        .records("sys_properties", &format!("name={GRANT_PROPERTY}"))
        .await;
    let property = property[0]["sys_id"].as_str().unwrap().to_owned();
    mock.patch("sys_properties", &property, json!({ "value": "false" }))
        .await;
    let release = mock.control(Method::PUT, "/release");
    let response = release.json(&json!({ "release": "vancouver" })).send();
    assert_eq!(response.await.unwrap().status(), 200);
    let response = mock
        .post_token(password_form(&mock, "owner", USER_PASSWORD))
        .await;
    assert_eq!(response.status(), 200);
    assert_generic_refusal(
        mock.post_token(mock.token_form()).await,
        "client credentials",
    )
    .await;
}

#[tokio::test]
async fn the_password_grant_refuses_generically() {
    let mock = common::start("ready").await;
    user_with_password(&mock, "owner", false).await;
    let right = password_form(&mock, "owner", USER_PASSWORD);
    let cases = [
        ("a wrong password", password_form(&mock, "owner", "nope")),
        (
            "an unknown user",
            password_form(&mock, "nobody", USER_PASSWORD),
        ),
        (
            "a user without a password",
            password_form(&mock, "svc.cc", ""),
        ),
        (
            "a wrong client secret",
            right.replace(&urlencode(&mock.client_secret()), "wrong"),
        ),
        (
            "an unknown client",
            right.replace(mock.client_id(), "0123456789abcdef0123456789abcdef"),
        ),
    ];
    for (why, form) in cases {
        assert_generic_refusal(mock.post_token(form).await, why).await;
    }
    let owner = mock.records("sys_user", "user_name=owner").await;
    let owner = owner[0]["sys_id"].as_str().unwrap().to_owned();
    mock.patch("sys_user", &owner, json!({ "locked_out": "true" }))
        .await;
    assert_generic_refusal(mock.post_token(right).await, "a locked-out user").await;
}

//! The refresh token grant (catalogue §19, after the password grant of catalogue §10) over real HTTP: a
//! password-grant token's refresh token gets a new access token in the password grant's answer shape; an unknown,
//! revoked or expired refresh token, another client's, or a wrong secret gets the token endpoint's generic 401;
//! a client credentials token never has a refresh token.

use crate::common;

use common::{ADMIN_PASSWORD, FORM, Mock, urlencode};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

/// The `oauth_entity.refresh_token_lifespan` default (catalogue §13): 100 days.
const REFRESH_LIFESPAN: i64 = 8_640_000;

/// The password grant's form for the seeded client, signing in as `admin`.
fn password_form(mock: &Mock) -> String {
    format!(
        "grant_type=password&client_id={}&client_secret={}&username=admin&password={}",
        mock.client_id(),
        urlencode(&mock.client_secret()),
        urlencode(ADMIN_PASSWORD)
    )
}

/// The refresh token grant's form presenting `refresh_token` as the client `client_id` with `secret`.
fn refresh_form(client_id: &str, secret: &str, refresh_token: &str) -> String {
    format!(
        "grant_type=refresh_token&client_id={client_id}&client_secret={}&refresh_token={}",
        urlencode(secret),
        urlencode(refresh_token)
    )
}

/// A password grant's answer (panics unless it is a 200).
async fn password_grant(mock: &Mock) -> Value {
    let response = mock.post_token(password_form(mock)).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn assert_generic_401(response: Response, why: &str) {
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{why}");
    let body: Value = response.json().await.unwrap();
    let generic = json!({ "error_description": "access_denied", "error": "server_error" });
    assert_eq!(body, generic, "{why}");
}

fn keys(body: &Value) -> Vec<&str> {
    body.as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

#[tokio::test]
async fn s19_a_refresh_token_gets_a_new_access_token_for_the_same_user_and_keeps_working() {
    let mock = common::start("ready").await;
    let signed_in = password_grant(&mock).await;
    let refresh_token = signed_in["refresh_token"].as_str().unwrap();
    let form = refresh_form(mock.client_id(), &mock.client_secret(), refresh_token);
    let response = mock.post_token(form.clone()).await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let refreshed: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        keys(&refreshed),
        keys(&signed_in),
        "the password grant's shape"
    );
    assert_ne!(refreshed["access_token"], signed_in["access_token"]);
    assert_eq!(refreshed["refresh_token"], refresh_token, "not rotated");
    assert_eq!(refreshed["scope"], signed_in["scope"]);
    assert_eq!(refreshed["token_type"], "Bearer");
    let access_token = refreshed["access_token"].as_str().unwrap();
    assert_eq!(mock.current_user(access_token).await["user_name"], "admin");
    let old = signed_in["access_token"].as_str().unwrap();
    assert_eq!(
        mock.current_user(old).await["user_name"],
        "admin",
        "the old token still lives"
    );
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"[A-Za-z0-9_-]{86}", "[TOKEN]");
    settings.bind(|| insta::assert_snapshot!("refresh_token_grant_200", text));
    let again = mock.post_token(form).await;
    assert_eq!(
        again.status(),
        200,
        "a refresh token is exchanged until it expires"
    );
}

#[tokio::test]
async fn s19_unknown_revoked_expired_or_another_client_s_refresh_token_gets_the_generic_401() {
    let mock = common::start("ready").await;
    let (client_id, secret) = (mock.client_id().to_owned(), mock.client_secret());
    let signed_in = password_grant(&mock).await;
    let refresh_token = signed_in["refresh_token"].as_str().unwrap().to_owned();
    let refresh = |token: &str| refresh_form(&client_id, &secret, token);
    assert_generic_401(
        mock.post_token(refresh("not-a-refresh-token")).await,
        "unknown",
    )
    .await;
    assert_generic_401(mock.post_token(refresh("")).await, "empty").await;
    let missing = format!(
        "grant_type=refresh_token&client_id={client_id}&client_secret={}",
        urlencode(&secret)
    );
    assert_generic_401(mock.post_token(missing).await, "missing").await;
    let access_token = signed_in["access_token"].as_str().unwrap();
    assert_generic_401(
        mock.post_token(refresh(access_token)).await,
        "an access token",
    )
    .await;
    let wrong_secret = refresh_form(&client_id, "wrong-secret", &refresh_token);
    assert_generic_401(mock.post_token(wrong_secret).await, "wrong secret").await;
    let other = mock
        .create(
            "oauth_entity",
            json!({ "name": "other client", "client_secret": "other-client-secret" }),
        )
        .await;
    let other_id = other["client_id"].as_str().unwrap();
    let other_client = refresh_form(other_id, "other-client-secret", &refresh_token);
    assert_generic_401(mock.post_token(other_client).await, "another client").await;
    assert_eq!(
        mock.post_token(refresh(&refresh_token)).await.status(),
        200,
        "still live"
    );

    let revoke = mock.http.post(mock.url("/oauth_revoke_token.do"));
    let revoke = revoke.header("content-type", FORM);
    let revoked = revoke.body(format!("token={}", urlencode(&refresh_token)));
    assert_eq!(revoked.send().await.unwrap().status(), 200);
    assert_generic_401(mock.post_token(refresh(&refresh_token)).await, "revoked").await;

    let later = password_grant(&mock).await;
    let later_token = later["refresh_token"].as_str().unwrap().to_owned();
    mock.advance_clock(REFRESH_LIFESPAN - 1).await;
    assert_eq!(
        mock.post_token(refresh(&later_token)).await.status(),
        200,
        "a second before"
    );
    mock.advance_clock(1).await;
    assert_generic_401(mock.post_token(refresh(&later_token)).await, "expired").await;
}

#[tokio::test]
async fn s19_a_client_credentials_token_never_has_a_refresh_token() {
    let mock = common::start("ready").await;
    let response = mock.post_token(mock.token_form()).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert!(body.get("refresh_token").is_none(), "{body}");
    let credentials = mock.records("oauth_credential", "type=refresh_token").await;
    assert!(credentials.is_empty(), "{credentials:?}");
    let form = refresh_form(
        mock.client_id(),
        &mock.client_secret(),
        body["access_token"].as_str().unwrap(),
    );
    assert_generic_401(mock.post_token(form).await, "its access token").await;
}

//! The mock's revocation, session cookies and sign-in records (catalogue §8, I1–I5) over real HTTP, and the bad
//! input revocation must survive without a panic or a changed state.

use crate::common;

use common::{FORM, Mock};
use reqwest::{Method, Response};
use serde_json::Value;

const CURRENT_USER: &str = "/api/now/ui/user/current_user";

async fn revoke_form(mock: &Mock, body: impl Into<String>) -> Response {
    let request = mock.http.post(mock.url("/oauth_revoke_token.do"));
    let request = request.header("content-type", FORM).body(body.into());
    request.send().await.unwrap()
}

async fn assert_revoke_answer(response: Response) {
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "");
}

async fn bearer_status(mock: &Mock, token: &str) -> u16 {
    let response = mock.bearer(Method::GET, CURRENT_USER, token);
    response.send().await.unwrap().status().as_u16()
}

/// The `Cookie` header a client sends back from a Bearer answer's `Set-Cookie`s.
fn cookie_header(response: &Response) -> String {
    let cookies: Vec<&str> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap().split(';').next().unwrap())
        .collect();
    cookies.join("; ")
}

async fn with_cookie(mock: &Mock, cookie: &str) -> Response {
    let request = mock
        .http
        .get(mock.url(CURRENT_USER))
        .header("cookie", cookie);
    request.send().await.unwrap()
}

async fn credentials_of_entity(mock: &Mock) -> Vec<Value> {
    let entity = mock.entity_sys_id().await;
    mock.records("oauth_credential", &format!("peer={entity}"))
        .await
}

async fn last_login(mock: &Mock) -> String {
    let user = mock.records("sys_user", "user_name=svc.cc").await;
    user[0]["last_login_time"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn i1_i2_a_revoked_token_is_refused_and_its_row_kept_expired() {
    let mock = common::start("ready").await;
    let token = mock.token().await;
    assert_eq!(bearer_status(&mock, &token).await, 200);
    assert_revoke_answer(revoke_form(&mock, format!("token={token}")).await).await;
    assert_eq!(bearer_status(&mock, &token).await, 401);
    let rows = credentials_of_entity(&mock).await;
    assert_eq!(rows.len(), 1, "the row is kept");
    let status: Value = mock.control_json("").await;
    assert!(rows[0]["expires"].as_str().unwrap() <= status["now"].as_str().unwrap());
}

#[tokio::test]
async fn i1_revocation_by_get_query_and_by_post_query() {
    let mock = common::start("ready").await;
    for method in [Method::GET, Method::POST] {
        let token = mock.token().await;
        let url = format!("{}?token={token}", mock.url("/oauth_revoke_token.do"));
        assert_revoke_answer(mock.http.request(method, url).send().await.unwrap()).await;
        assert_eq!(bearer_status(&mock, &token).await, 401);
    }
}

#[tokio::test]
async fn revocation_bad_input_changes_nothing() {
    let mock = common::start("ready").await;
    let token = mock.token().await;
    let missing = revoke_form(&mock, "").await;
    assert_eq!(missing.status(), 400);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(revoke_form(&mock, "token=").await.status(), 400);
    assert_revoke_answer(revoke_form(&mock, "token=not-a-token").await).await;
    let huge = format!("token={}", "A".repeat(512 * 1024));
    assert_revoke_answer(revoke_form(&mock, huge).await).await;
    assert_eq!(revoke_form(&mock, "token=%ZZ&x=%").await.status(), 400);
    let put = mock
        .http
        .put(mock.url("/oauth_revoke_token.do"))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 405);
    assert_eq!(
        bearer_status(&mock, &token).await,
        200,
        "the live token is untouched"
    );

    assert_revoke_answer(revoke_form(&mock, format!("token={token}")).await).await;
    let first = credentials_of_entity(&mock).await[0]["expires"].clone();
    mock.advance_clock(60).await;
    assert_revoke_answer(revoke_form(&mock, format!("token={token}")).await).await;
    assert_eq!(
        credentials_of_entity(&mock).await[0]["expires"],
        first,
        "twice is once"
    );
}

#[tokio::test]
async fn i3_a_bearer_answer_carries_a_session_cookie_that_authenticates_alone() {
    let mock = common::start("ready").await;
    let token = mock.token().await;
    let response = mock
        .bearer(Method::GET, CURRENT_USER, &token)
        .send()
        .await
        .unwrap();
    let cookie = cookie_header(&response);
    for name in ["JSESSIONID=", "glide_user_route=", "glide_session_store="] {
        assert!(cookie.contains(name), "{cookie}");
    }
    let again = mock
        .bearer(Method::GET, CURRENT_USER, &token)
        .send()
        .await
        .unwrap();
    assert_eq!(cookie_header(&again), cookie, "one session a token");
    let alone = with_cookie(&mock, &cookie).await;
    assert_eq!(alone.status(), 200);
    let user: Value = alone.json().await.unwrap();
    assert_eq!(user["result"]["user_name"], "svc.cc");
    assert!(with_cookie(&mock, "JSESSIONID=made-up").await.status() == 401);
    // catalogue §12: a Basic sign-in opens its user's own session, not the token's.
    let basic = mock.admin(Method::GET, CURRENT_USER).send().await.unwrap();
    let basic = cookie_header(&basic);
    assert!(basic.starts_with("JSESSIONID="), "{basic}");
    assert_ne!(basic, cookie, "Basic has a session of its own");
}

#[tokio::test]
async fn i4_the_cookie_dies_with_its_token_revoked_or_expired() {
    let mock = common::start("ready").await;
    let revoked = mock.token().await;
    let expiring = mock.token().await;
    let revoked_cookie = {
        let response = mock
            .bearer(Method::GET, CURRENT_USER, &revoked)
            .send()
            .await
            .unwrap();
        cookie_header(&response)
    };
    let expiring_cookie = {
        let response = mock
            .bearer(Method::GET, CURRENT_USER, &expiring)
            .send()
            .await
            .unwrap();
        cookie_header(&response)
    };
    assert_revoke_answer(revoke_form(&mock, format!("token={revoked}")).await).await;
    assert_eq!(with_cookie(&mock, &revoked_cookie).await.status(), 401);
    assert_eq!(with_cookie(&mock, &expiring_cookie).await.status(), 200);
    mock.advance_clock(1800).await;
    let _ = mock.token().await; // issuing purges the expired tokens
    let response = with_cookie(&mock, &expiring_cookie).await;
    assert_eq!(response.status(), 401);
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("BASIC")
    );
}

#[tokio::test]
async fn i4_with_the_property_false_the_cookie_outlives_its_token() {
    let mock = common::start("ready").await;
    let name = "glide.authenticate.oauth.post.token.expiration.cookie_auth.disabled";
    mock.set_property(name, "false").await;
    let token = mock.token().await;
    let response = mock
        .bearer(Method::GET, CURRENT_USER, &token)
        .send()
        .await
        .unwrap();
    let cookie = cookie_header(&response);
    assert_revoke_answer(revoke_form(&mock, format!("token={token}")).await).await;
    assert_eq!(bearer_status(&mock, &token).await, 401);
    assert_eq!(with_cookie(&mock, &cookie).await.status(), 200);
}

#[tokio::test]
async fn i5_a_bearer_call_sets_last_login_time_unless_switched_off() {
    let mock = common::start("ready").await;
    assert_eq!(last_login(&mock).await, "");
    let token = mock.token().await;
    assert_eq!(bearer_status(&mock, &token).await, 200);
    let first = last_login(&mock).await;
    assert_eq!(first.len(), 19, "{first}");
    mock.set_property("glide.oauth.update_last_login_time", "false")
        .await;
    mock.advance_clock(60).await;
    assert_eq!(bearer_status(&mock, &token).await, 200);
    assert_eq!(last_login(&mock).await, first);
}

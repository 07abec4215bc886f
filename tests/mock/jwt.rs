//! The mock's JWT access tokens (catalogue §9, J1–J4) over real HTTP: the JWKS, a JWT's header and claims, its use
//! as a Bearer token, revocation, expiry, release gating and an unknown `token_format`.

use crate::common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::Mock;
use reqwest::{Method, StatusCode};
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use serde_json::{Value, json};

const JWKS: &str = "/api/now/oauth/jwks";
const SYS_USER: &str = "/api/now/table/sys_user?sysparm_limit=1";

/// The `ready` mock (the newest release) with its client's entity set to `token_format`.
async fn with_token_format(token_format: &str) -> Mock {
    let mock = common::start("ready").await;
    let entity = mock.entity_sys_id().await;
    mock.patch(
        "oauth_entity",
        &entity,
        json!({ "token_format": token_format }),
    )
    .await;
    mock
}

async fn jwks(mock: &Mock) -> Value {
    let response = mock.http.get(mock.url(JWKS)).send().await.unwrap();
    assert_eq!(response.status(), 200, "the JWKS is served anonymously");
    response.json().await.unwrap()
}

/// A JWS part decoded as JSON.
fn part(token: &str, index: usize) -> Value {
    let encoded = token.split('.').nth(index).expect("a compact JWS part");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(encoded).unwrap()).unwrap()
}

fn is_jwt(token: &str) -> bool {
    token.split('.').count() == 3
}

/// Whether the token's signature verifies with the JWKS key of its `kid`.
fn verifies(token: &str, key_set: &Value) -> bool {
    let kid = part(token, 0)["kid"].clone();
    let keys = key_set["keys"].as_array().unwrap();
    let Some(key) = keys.iter().find(|key| key["kid"] == kid) else {
        return false;
    };
    let decode = |text: &Value| URL_SAFE_NO_PAD.decode(text.as_str().unwrap()).unwrap();
    let public = RsaPublicKeyComponents {
        n: decode(&key["n"]),
        e: decode(&key["e"]),
    };
    let (message, signature) = token.rsplit_once('.').unwrap();
    let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
    public
        .verify(&RSA_PKCS1_2048_8192_SHA256, message.as_bytes(), &signature)
        .is_ok()
}

async fn issue(mock: &Mock) -> Value {
    let response = mock.post_token(mock.token_form()).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn rest_status(mock: &Mock, token: &str) -> StatusCode {
    let response = mock.bearer(Method::GET, SYS_USER, token).send().await;
    response.unwrap().status()
}

async fn set_release(mock: &Mock, release: &str) {
    let request = mock.control(Method::PUT, "/release");
    let response = request.json(&json!({ "release": release })).send().await;
    assert_eq!(response.unwrap().status(), 200, "{release}");
}

#[tokio::test]
async fn the_jwks_is_served_anonymously_with_one_rs256_signing_key() {
    let mock = common::start("ready").await;
    let response = mock.http.get(mock.url(JWKS)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/json;charset=UTF-8"
    );
    let key_set: Value = response.json().await.unwrap();
    let n = URL_SAFE_NO_PAD
        .decode(key_set["keys"][0]["n"].as_str().unwrap())
        .unwrap();
    assert_eq!(n.len(), 256, "a 2048-bit modulus");
    insta::assert_json_snapshot!("jwks", key_set, {
        ".keys[].n" => "[N]",
        ".keys[].kid" => "[KID]",
    });
}

#[tokio::test]
async fn j1_j3_a_jwt_token_is_signed_by_the_published_key_with_the_documented_claims() {
    let mock = with_token_format("jwt").await;
    let body = issue(&mock).await;
    let members: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        members,
        ["access_token", "scope", "token_type", "expires_in"]
    );
    assert_eq!(body["expires_in"], 1799, "J2: expires_in unchanged");
    let token = body["access_token"].as_str().unwrap();
    let key_set = jwks(&mock).await;
    assert!(verifies(token, &key_set));

    let (header, claims) = (part(token, 0), part(token, 1));
    assert_eq!(header["kid"], key_set["keys"][0]["kid"]);
    assert_eq!(claims["iss"], mock.server.base_url());
    assert_eq!(claims["aud"], mock.client_id());
    assert_eq!(claims["sub"], common_user_sys_id(&mock).await);
    let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert_eq!(lifetime, 1800);
    let credential = &mock.records("oauth_credential", "").await[0];
    assert_eq!(claims["jti"], credential["sys_id"]);
    insta::assert_json_snapshot!("jwt_header_and_claims", json!({ "header": header, "claims": claims }), {
        ".header.kid" => "[KID]",
        ".claims.iss" => "[INSTANCE_URL]",
        ".claims.sub" => "[USER_SYS_ID]",
        ".claims.aud" => "[CLIENT_ID]",
        ".claims.iat" => "[IAT]",
        ".claims.exp" => "[IAT + 1800]",
        ".claims.jti" => "[CREDENTIAL_SYS_ID]",
    });
}

/// The seeded application user's sys_id.
async fn common_user_sys_id(mock: &Mock) -> Value {
    let users = mock.records("sys_user", "user_name=svc.cc").await;
    users[0]["sys_id"].clone()
}

#[tokio::test]
async fn j1_the_issuer_is_the_host_the_token_request_came_to() {
    let mock = with_token_format("jwt").await;
    let response = mock
        .http
        .post(mock.url("/oauth_token.do"))
        .header("host", "dev1.service-now.com")
        .header("content-type", common::FORM)
        .body(mock.token_form())
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    let claims = part(body["access_token"].as_str().unwrap(), 1);
    assert_eq!(claims["iss"], "http://dev1.service-now.com");
}

#[tokio::test]
async fn j2_a_jwt_acts_as_the_application_user_on_the_rest_api() {
    let mock = with_token_format("jwt").await;
    let token = issue(&mock).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(is_jwt(&token));
    let user = mock.current_user(&token).await;
    assert_eq!(user["user_name"], "svc.cc");
    assert_eq!(rest_status(&mock, &token).await, 200);
    let credentials = mock.records("oauth_credential", "").await;
    assert_eq!(credentials.len(), 1, "a JWT is an oauth_credential row");
    assert_eq!(credentials[0]["type"], "access_token");
}

#[tokio::test]
async fn j2_a_jwt_is_revoked_at_oauth_revoke_token_do_and_by_deleting_its_row() {
    let mock = with_token_format("jwt").await;
    let token = issue(&mock).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let revoke = mock
        .http
        .post(mock.url("/oauth_revoke_token.do"))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), 200);
    assert_eq!(rest_status(&mock, &token).await, 401);

    let other = issue(&mock).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(rest_status(&mock, &other).await, 200);
    for row in mock.records("oauth_credential", "").await {
        mock.delete("oauth_credential", row["sys_id"].as_str().unwrap())
            .await;
    }
    assert_eq!(rest_status(&mock, &other).await, 401);
}

#[tokio::test]
async fn j2_a_jwt_expires_with_its_lifespan_on_the_virtual_clock() {
    let mock = with_token_format("jwt").await;
    let entity = mock.entity_sys_id().await;
    mock.patch(
        "oauth_entity",
        &entity,
        json!({ "access_token_lifespan": "60" }),
    )
    .await;
    let body = issue(&mock).await;
    assert_eq!(body["expires_in"], 59);
    let token = body["access_token"].as_str().unwrap();
    let claims = part(token, 1);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        60
    );
    mock.advance_clock(59).await;
    assert_eq!(rest_status(&mock, token).await, 200);
    mock.advance_clock(1).await;
    assert_eq!(rest_status(&mock, token).await, 401);
}

#[tokio::test]
async fn j4_before_the_gate_token_format_is_ignored_and_from_it_on_it_counts() {
    let mock = with_token_format("jwt").await;
    for (release, jwt) in [
        ("yokohama-p6", false),
        ("yokohama-p7", true),
        ("zurich", false),
        ("zurich-p1", true),
        ("australia", true),
    ] {
        set_release(&mock, release).await;
        let token = issue(&mock).await["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(is_jwt(&token), jwt, "{release}");
        if !jwt {
            assert_eq!(token.len(), 86, "{release}: the §1 opaque token");
        }
    }
}

#[tokio::test]
async fn an_unknown_token_format_is_stored_and_gives_opaque_tokens() {
    let mock = with_token_format("JWT-please").await;
    let entity = mock.entity_sys_id().await;
    let stored = mock
        .records("oauth_entity", &format!("sys_id={entity}"))
        .await;
    assert_eq!(stored[0]["token_format"], "JWT-please");
    let token = issue(&mock).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!is_jwt(&token));
    assert_eq!(token.len(), 86);
}

#[tokio::test]
async fn the_subject_claim_names_the_user_field_that_becomes_sub() {
    let mock = with_token_format("jwt").await;
    let entity = mock.entity_sys_id().await;
    for (column, field, sub) in [
        ("sub_claim", "user_name", json!("svc.cc")),
        (
            "subject_claim",
            "user_password",
            common_user_sys_id(&mock).await,
        ),
    ] {
        mock.patch("oauth_entity", &entity, json!({ column: field }))
            .await;
        let token = issue(&mock).await["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(part(&token, 1)["sub"], sub, "{column}={field}");
    }
}

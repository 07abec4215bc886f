//! JWT access tokens (catalogue §9): a token that must be a JWT, its signature checked against the keys the
//! instance publishes, how its `expires_in` compares, and what it is made of, recorded.
//!
//! Only the documented part is asserted (J1, J2, J4); the header, the claims and whether the JWKS needs
//! authentication are recorded (J3). The token itself is never recorded: only its header, claim names and
//! the claims the catalogue names.

use cucumber::{given, then};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use crate::client::{Credentials, Reply};
use crate::suite::jws::Jws;
use crate::suite::world::{SuiteWorld, access_token};

/// The newest access token of the scenario, read as a JWS.
fn current_jws(world: &SuiteWorld) -> Result<Jws, String> {
    let token = world.replies.current_token()?;
    Jws::parse(token.expose_secret()).map_err(|error| error.to_string())
}

#[given(expr = "{string} holds a JWT access token")]
async fn holds_a_jwt(world: &mut SuiteWorld, endpoint: String) -> Result<(), String> {
    super::tokens::holds_a_token(world, endpoint).await?;
    current_jws(world).map(drop)
}

/// The instance's JWKS: fetched without authentication, else (when that is refused) with the admin's
/// credentials. Records whether it needed them.
async fn published_keys(world: &mut SuiteWorld) -> Result<Value, String> {
    let servicenow = world.servicenow.clone();
    let transport = |error: crate::client::TransportError| error.to_string();
    let anonymous = servicenow
        .jwks(&Credentials::Anonymous)
        .await
        .map_err(transport)?;
    world.record_fact("jwks_anonymous_status", json!(anonymous.status));
    let admin = world.records.admin().ok().cloned();
    let reply = match admin {
        Some(admin) if anonymous.status != 200 => {
            let authenticated = servicenow.jwks(&admin).await.map_err(transport)?;
            world.record_fact("jwks_admin_status", json!(authenticated.status));
            authenticated
        }
        _ => anonymous.clone(),
    };
    let needs_authentication = match (anonymous.status, reply.status) {
        (200, _) => json!(false),
        (_, 200) => json!(true),
        _ => json!("unknown: the JWKS was not served"),
    };
    world.record_fact("jwks_needs_authentication", needs_authentication);
    key_set(&reply)
}

fn key_set(reply: &Reply) -> Result<Value, String> {
    match reply.json() {
        Some(keys) if reply.status == 200 && keys["keys"].is_array() => Ok(keys),
        _ => Err(format!(
            "GET /api/now/oauth/jwks answered {} {}",
            reply.status, reply.body
        )),
    }
}

#[then("the access token is a JWS that verifies with the key the JWKS publishes under its kid")]
async fn verifies_with_published_key(world: &mut SuiteWorld) -> Result<(), String> {
    let jws = current_jws(world)?;
    let keys = published_keys(world).await?;
    jws.verify(&keys).map_err(|error| error.to_string())
}

#[then("the JWT access token's expires_in is that of the opaque token before it")]
async fn expires_in_unchanged(world: &mut SuiteWorld) -> Result<(), String> {
    let expires_in = |reply: &Reply| {
        reply
            .json()
            .map_or(Value::Null, |body| body["expires_in"].clone())
    };
    let issued: Vec<Value> = world
        .replies
        .token_replies()
        .iter()
        .filter(|reply| access_token(reply).is_some())
        .map(expires_in)
        .collect();
    let [before, .., now] = issued.as_slice() else {
        return Err("the scenario holds no opaque token before its JWT".into());
    };
    world.record_fact("expires_in_opaque", before.clone());
    world.record_fact("expires_in_jwt", now.clone());
    if before == now {
        Ok(())
    } else {
        Err(format!(
            "the JWT's expires_in is {now}, the opaque token's {before}"
        ))
    }
}

#[then("the access token is opaque, not a JWT")]
async fn opaque_not_jwt(world: &mut SuiteWorld) -> Result<(), String> {
    let token = world.replies.current_token()?;
    world.record_fact("token_length", json!(token.expose_secret().len()));
    match Jws::parse(token.expose_secret()) {
        Err(_) => Ok(()),
        Ok(jws) => Err(format!(
            "the access token is a JWT (alg {})",
            jws.header_text("alg").unwrap_or("not named")
        )),
    }
}

/// catalogue J3: the header as it is (`alg`, `kid`, `typ`: no secret), every claim's name, and the claims the catalogue
/// names, `exp − iat` for the two times; `aud` also compared with the endpoint's client id.
#[then("the JWT's header and claims are recorded")]
async fn header_and_claims_recorded(world: &mut SuiteWorld) -> Result<(), String> {
    let jws = match current_jws(world) {
        Ok(jws) => jws,
        Err(why) => {
            world.record_fact("jwt", json!(format!("no JWT: {why}")));
            return Ok(());
        }
    };
    let claims = jws.claims();
    let claim = |name: &str| claims.get(name).cloned().unwrap_or(Value::Null);
    let lifetime = match (claim("exp").as_i64(), claim("iat").as_i64()) {
        (Some(exp), Some(iat)) => exp.checked_sub(iat).map_or(Value::Null, Value::from),
        _ => Value::Null,
    };
    let client_ids = world.vocabulary.client_ids();
    let aud_is_client_id = match claim("aud") {
        Value::String(aud) => client_ids.contains(&aud),
        Value::Array(audiences) => audiences
            .iter()
            .filter_map(Value::as_str)
            .any(|aud| client_ids.iter().any(|id| id == aud)),
        _ => false,
    };
    let facts = [
        ("jwt_header", Value::Object(jws.header().clone())),
        ("jwt_claim_names", json!(claims.keys().collect::<Vec<_>>())),
        ("jwt_iss", claim("iss")),
        ("jwt_sub", claim("sub")),
        ("jwt_aud", claim("aud")),
        ("jwt_aud_is_client_id", json!(aud_is_client_id)),
        ("jwt_exp_minus_iat", lifetime),
        ("jwt_jti_present", json!(claims.contains_key("jti"))),
        ("jwt_scope", claim("scope")),
    ];
    for (name, value) in facts {
        world.record_fact(name, value);
    }
    Ok(())
}

#[then("whether the JWKS needs authentication is recorded")]
async fn jwks_authentication_recorded(world: &mut SuiteWorld) -> Result<(), String> {
    let keys = match published_keys(world).await {
        Ok(keys) => keys,
        Err(why) => {
            world.record_fact("jwks", json!(why));
            return Ok(());
        }
    };
    let listed: Vec<Value> = keys["keys"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|key| json!({ "kty": key["kty"], "alg": key["alg"], "use": key["use"] }))
        .collect();
    world.record_fact("jwks_keys", Value::Array(listed));
    let kid = current_jws(world)
        .ok()
        .and_then(|jws| jws.header_text("kid").map(str::to_owned));
    let listed_kid = kid.is_some_and(|kid| {
        keys["keys"]
            .as_array()
            .is_some_and(|all| all.iter().any(|key| key["kid"] == kid.as_str()))
    });
    world.record_fact("jwks_lists_the_jwt_kid", json!(listed_kid));
    Ok(())
}

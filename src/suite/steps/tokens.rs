//! Token requests, well-formed and not, and what a token response must look like (catalogue §1).

use cucumber::gherkin::Step;
use cucumber::{given, then, when};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use crate::client::{Placement, Reply, TokenRequest};
use crate::servicenow::captured::POST_BODY_ONLY_PROPERTY;
use crate::servicenow::captured::TOKEN_GENERIC_401 as GENERIC_ERROR;
use crate::suite::world::{SuiteWorld, access_token};

/// The fact F2 records `post.body.only` as (catalogue §16): its value, `null` when absent, or `unknown`.
const POST_BODY_ONLY_FACT: &str = "post_body_only";

fn request_for(world: &SuiteWorld, endpoint: &str) -> Result<TokenRequest, String> {
    let endpoint = world.vocabulary.endpoint(endpoint)?;
    Ok(TokenRequest::client_credentials(
        &endpoint.client_id,
        &endpoint.client_secret,
    ))
}

#[when(expr = "{string} requests a token with its client id and secret")]
async fn requests_a_token(world: &mut SuiteWorld, endpoint: String) -> Result<(), String> {
    let request = request_for(world, &endpoint)?;
    world.request_token(request).await
}

#[given(expr = "{string} holds a token")]
pub(super) async fn holds_a_token(world: &mut SuiteWorld, endpoint: String) -> Result<(), String> {
    requests_a_token(world, endpoint).await?;
    world
        .settled(|world| world.replies.current_token().map(drop))
        .await
}

#[when(expr = "{string} requests a token with a wrong client secret")]
async fn wrong_secret(world: &mut SuiteWorld, endpoint: String) -> Result<(), String> {
    let mut request = request_for(world, &endpoint)?;
    let wrong = format!(
        "{}-wrong",
        request
            .client_secret
            .as_ref()
            .map(|s| s.expose_secret().to_owned())
            .unwrap_or_default()
    );
    request.client_secret = Some(SecretString::from(wrong));
    world.request_token(request).await
}

#[when("a token is requested for an unknown client id")]
async fn unknown_client(world: &mut SuiteWorld) -> Result<(), String> {
    let unknown = format!("{:032x}", 0x5cc_u128);
    let request =
        TokenRequest::client_credentials(&unknown, &SecretString::from("sncc-not-a-secret"));
    world.request_token(request).await
}

#[when(expr = "{string} requests a token with the grant type {string}")]
async fn other_grant_type(
    world: &mut SuiteWorld,
    endpoint: String,
    grant_type: String,
) -> Result<(), String> {
    let mut request = request_for(world, &endpoint)?;
    request.grant_type = grant_type;
    world.request_token(request).await
}

#[when(expr = "{string} requests a token without its client secret")]
async fn without_secret(world: &mut SuiteWorld, endpoint: String) -> Result<(), String> {
    let mut request = request_for(world, &endpoint)?;
    request.client_secret = None;
    world.request_token(request).await
}

#[when(expr = "{string} requests a token with the scope {string}")]
async fn with_scope(world: &mut SuiteWorld, endpoint: String, scope: String) -> Result<(), String> {
    let mut request = request_for(world, &endpoint)?;
    request.scope = Some(scope);
    world.request_token(request).await
}

#[when(expr = "{string} requests a token with the content type {string}")]
async fn with_content_type(
    world: &mut SuiteWorld,
    endpoint: String,
    content_type: String,
) -> Result<(), String> {
    let mut request = request_for(world, &endpoint)?;
    request.content_type = Some(content_type);
    world.request_token(request).await
}

#[when(expr = "{string} sends its client id and secret as a JSON body")]
async fn as_json(world: &mut SuiteWorld, endpoint: String) -> Result<(), String> {
    placed(world, &endpoint, Method::POST, Placement::JsonBody).await
}

#[when(expr = "{string} sends its client id and secret in the query string only")]
async fn in_query(world: &mut SuiteWorld, endpoint: String) -> Result<(), String> {
    placed(world, &endpoint, Method::POST, Placement::QueryString).await
}

#[when(expr = "{string} requests a token with GET")]
async fn with_get(world: &mut SuiteWorld, endpoint: String) -> Result<(), String> {
    placed(world, &endpoint, Method::GET, Placement::QueryString).await
}

#[when(expr = "{string} authenticates with HTTP Basic")]
async fn with_basic(world: &mut SuiteWorld, endpoint: String) -> Result<(), String> {
    placed(world, &endpoint, Method::POST, Placement::HttpBasic).await
}

async fn placed(
    world: &mut SuiteWorld,
    endpoint: &str,
    method: Method,
    placement: Placement,
) -> Result<(), String> {
    let mut request = request_for(world, endpoint)?;
    request.method = method;
    request.placement = placement;
    world.request_token(request).await
}

#[when(expr = "{string} requests {int} tokens in a row")]
async fn several_tokens(
    world: &mut SuiteWorld,
    endpoint: String,
    count: usize,
) -> Result<(), String> {
    for _ in 0..count {
        requests_a_token(world, endpoint.clone()).await?;
    }
    Ok(())
}

fn body_of(reply: &Reply) -> Result<serde_json::Map<String, Value>, String> {
    match reply.json() {
        Some(Value::Object(members)) => Ok(members),
        _ => Err(format!(
            "the response is not a JSON object: {} {}",
            reply.status, reply.body
        )),
    }
}

#[then("a token is issued")]
async fn token_issued(world: &mut SuiteWorld) -> Result<(), String> {
    world.settled(issued).await
}

fn issued(world: &SuiteWorld) -> Result<(), String> {
    let reply = world.replies.last_token_reply()?;
    access_token(reply).map(drop).ok_or_else(|| {
        format!(
            "expected a token, the instance answered {} {}",
            reply.status, reply.body
        )
    })
}

#[then("no token is issued")]
async fn no_token(world: &mut SuiteWorld) -> Result<(), String> {
    world.settled(none_issued).await
}

fn none_issued(world: &SuiteWorld) -> Result<(), String> {
    let reply = world.replies.last_token_reply()?;
    match access_token(reply) {
        Some(_) => Err(format!("a token was issued (status {})", reply.status)),
        // A refusal is a 4xx; a 5xx (or a 429 past the retries) says nothing about the grant, and the
        // report shows such a scenario as inconclusive.
        None if (400..500).contains(&reply.status) && reply.status != 429 => Ok(()),
        None => Err(format!(
            "the instance answered {}, which is not a refusal",
            reply.status
        )),
    }
}

/// catalogue F2, §16: with `glide.oauth.allow.parameters.in.post.body.only` true, credentials in the query string
/// only get no token (a must); absent or false, the instance is configured to read them, and whether they got a
/// token is recorded, not judged. Unknown (a client target cannot read it): the expectation stands, as for
/// every instance provisioned since Madrid.
#[then("no token is issued where the instance reads token parameters from the POST body only")]
async fn no_token_where_body_only(world: &mut SuiteWorld) -> Result<(), String> {
    let setting = world.instance_setting(POST_BODY_ONLY_PROPERTY).await;
    let reply = world.replies.last_token_reply()?.clone();
    world.record_fact(
        "query_string_token_issued",
        json!(access_token(&reply).is_some()),
    );
    world.record_fact("query_string_token_status", json!(reply.status));
    let body_only = match &setting {
        Ok(value) => {
            world.record_fact(POST_BODY_ONLY_FACT, json!(value));
            value
                .as_deref()
                .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"))
        }
        Err(_) => {
            world.record_fact(POST_BODY_ONLY_FACT, json!("unknown"));
            true
        }
    };
    if !body_only {
        return Ok(());
    }
    world.settled(none_issued).await
}

#[then("the request is refused with ServiceNow's generic error")]
async fn generic_error(world: &mut SuiteWorld) -> Result<(), String> {
    world.settled(refused_generically).await
}

fn refused_generically(world: &SuiteWorld) -> Result<(), String> {
    let reply = world.replies.last_token_reply()?;
    if reply.status != GENERIC_ERROR.status || reply.json() != Some(GENERIC_ERROR.json()) {
        return Err(format!(
            "expected {} {}, got {} {}",
            GENERIC_ERROR.status, GENERIC_ERROR.body, reply.status, reply.body
        ));
    }
    Ok(())
}

#[then(expr = "the request is refused as unauthorized_client naming the endpoint {string}")]
async fn unauthorized_client(world: &mut SuiteWorld, endpoint: String) -> Result<(), String> {
    let reply = world.replies.last_token_reply()?.clone();
    let body = body_of(&reply)?;
    if body.get("error").and_then(Value::as_str) != Some("unauthorized_client") {
        return Err(format!(
            "expected unauthorized_client, got {} {}",
            reply.status, reply.body
        ));
    }
    if let Some(sys_id) = &world.vocabulary.endpoint(&endpoint)?.sys_id {
        let description = body
            .get("error_description")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !description.ends_with(&format!(":{sys_id}")) {
            return Err(format!(
                "the description does not name the endpoint {sys_id}: {description}"
            ));
        }
    }
    world.record_fact("unauthorized_client_status", json!(reply.status));
    match reply.status {
        400 | 401 => Ok(()),
        other => Err(format!(
            "unauthorized_client came with status {other}, expected 400 or 401"
        )),
    }
}

#[then(expr = "the response is JSON with exactly the members {string}")]
async fn exact_members(world: &mut SuiteWorld, members: String) -> Result<(), String> {
    let reply = world.replies.last_token_reply()?;
    let expected: Vec<&str> = members.split(',').map(str::trim).collect();
    let body = body_of(reply)?;
    let actual: Vec<&str> = body.keys().map(String::as_str).collect();
    let mut sorted_actual = actual.clone();
    let mut sorted_expected = expected.clone();
    sorted_actual.sort_unstable();
    sorted_expected.sort_unstable();
    if sorted_actual != sorted_expected {
        return Err(format!("members {actual:?}, expected exactly {expected:?}"));
    }
    let content_type = reply.header("content-type").unwrap_or_default();
    if !content_type.starts_with("application/json") {
        return Err(format!(
            "content type {content_type}, expected application/json"
        ));
    }
    Ok(())
}

#[then("the access token is non-empty base64url")]
async fn token_is_base64url(world: &mut SuiteWorld) -> Result<(), String> {
    let token = world.replies.current_token()?;
    let token = token.expose_secret();
    let alphabet = token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if token.is_empty() || !alphabet {
        return Err(format!(
            "the token ({} characters) is not base64url",
            token.len()
        ));
    }
    Ok(())
}

fn member(world: &SuiteWorld, name: &str) -> Result<Value, String> {
    let body = body_of(world.replies.last_token_reply()?)?;
    body.get(name)
        .cloned()
        .ok_or_else(|| format!("the response has no {name}"))
}

#[then(expr = "the token type is {string}")]
async fn token_type(world: &mut SuiteWorld, expected: String) -> Result<(), String> {
    equal_member(world, "token_type", json!(expected))
}

#[then(expr = "the scope is {string}")]
async fn scope(world: &mut SuiteWorld, expected: String) -> Result<(), String> {
    equal_member(world, "scope", json!(expected))
}

#[then("expires_in is an integer")]
async fn expires_in_integer(world: &mut SuiteWorld) -> Result<(), String> {
    let value = member(world, "expires_in")?;
    if value.is_i64() || value.is_u64() {
        Ok(())
    } else {
        Err(format!("expires_in is {value}, not an integer"))
    }
}

#[then(expr = "expires_in is {int}")]
async fn expires_in_is(world: &mut SuiteWorld, expected: i64) -> Result<(), String> {
    let value = member(world, "expires_in")?;
    world.record_fact("expires_in", value.clone());
    equal_member(world, "expires_in", json!(expected))
}

fn equal_member(world: &SuiteWorld, name: &str, expected: Value) -> Result<(), String> {
    let actual = member(world, name)?;
    if actual == expected {
        Ok(())
    } else {
        Err(format!("{name} is {actual}, expected {expected}"))
    }
}

#[then("the response has no refresh token")]
async fn no_refresh_token(world: &mut SuiteWorld) -> Result<(), String> {
    match body_of(world.replies.last_token_reply()?)?.get("refresh_token") {
        Some(_) => Err("the response carries a refresh_token".into()),
        None => Ok(()),
    }
}

#[then(expr = "the response header {string} contains {string}")]
async fn header_contains(
    world: &mut SuiteWorld,
    name: String,
    expected: String,
) -> Result<(), String> {
    let value = world
        .replies
        .last_token_reply()?
        .header(&name)
        .unwrap_or_default()
        .to_owned();
    world.record_fact(
        &format!("header_{}", name.to_ascii_lowercase()),
        json!(value),
    );
    if value
        .to_ascii_lowercase()
        .contains(&expected.to_ascii_lowercase())
    {
        Ok(())
    } else {
        Err(format!(
            "{name} is \"{value}\", which does not contain {expected}"
        ))
    }
}

#[then("every token works and carries at least 160 bits")]
async fn tokens_have_entropy(world: &mut SuiteWorld) -> Result<(), String> {
    let tokens: Vec<SecretString> = world
        .replies
        .token_replies()
        .iter()
        .filter_map(access_token)
        .collect();
    if tokens.len() != world.replies.token_replies().len() {
        return Err(format!(
            "{} of {} requests got a token",
            tokens.len(),
            world.replies.token_replies().len()
        ));
    }
    for token in &tokens {
        let token = token.expose_secret();
        // 27 base64url characters carry 162 bits; the RFC's SHOULD is 160 (its MUST, 128).
        if token.len() < 27 {
            return Err(format!(
                "a token has {} characters: fewer than 160 bits",
                token.len()
            ));
        }
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("a token has characters that are not printable ASCII".into());
        }
        let credentials = crate::client::Credentials::Bearer(SecretString::from(token.to_owned()));
        let reply = world
            .servicenow
            .current_user(&credentials)
            .await
            .map_err(|e| e.to_string())?;
        if reply.status != 200 {
            return Err(format!(
                "a token was refused by current_user: {}",
                reply.status
            ));
        }
    }
    Ok(())
}

#[then("the token length and whether a repeat returns the same token are recorded")]
async fn record_token_shape(world: &mut SuiteWorld) -> Result<(), String> {
    let tokens: Vec<String> = world
        .replies
        .token_replies()
        .iter()
        .filter_map(access_token)
        .map(|token| token.expose_secret().to_owned())
        .collect();
    let lengths: Vec<usize> = tokens.iter().map(String::len).collect();
    let repeats_same = tokens.windows(2).any(|pair| pair[0] == pair[1]);
    world.record_fact("token_lengths", json!(lengths));
    world.record_fact("repeat_returns_same_token", json!(repeats_same));
    Ok(())
}

#[then("the response body is exactly:")]
async fn body_exactly(world: &mut SuiteWorld, step: &Step) -> Result<(), String> {
    let expected = step
        .docstring
        .as_deref()
        .map(str::trim)
        .ok_or("the step needs the body as a docstring")?;
    let reply = world.replies.last_token_reply()?;
    if reply.body == expected {
        Ok(())
    } else {
        Err(format!(
            "the body is {}, expected exactly {expected}",
            reply.body
        ))
    }
}

#[then(expr = "whether a token was issued is recorded as {string}")]
async fn record_issued(world: &mut SuiteWorld, fact: String) -> Result<(), String> {
    let reply = world.replies.last_token_reply()?.clone();
    world.record_fact(&fact, json!(access_token(&reply).is_some()));
    world.record_fact(&format!("{fact}_status"), json!(reply.status));
    Ok(())
}

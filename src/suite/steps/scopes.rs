//! REST API auth scopes (catalogue §7, bound as §17 says): the suite's auth scopes, the suite's own Scripted
//! REST API they protect, which endpoints are mapped to them, the instance-wide check, and what a token without
//! the right scope is told.

use cucumber::{given, then, when};
use serde_json::{Value, json};

use crate::servicenow::captured::{REST_403_UNSCOPED_API, SCOPE_CHECK_PROPERTY};
use crate::suite::world::SuiteWorld;

#[given(expr = "an auth scope {string}")]
async fn an_auth_scope(world: &mut SuiteWorld, scope: String) -> Result<(), String> {
    world.add_auth_scope(&scope).await
}

#[given(expr = "the auth scope {string} protects the suite's own API for {string} method")]
async fn protects_own_api(
    world: &mut SuiteWorld,
    scope: String,
    method: String,
) -> Result<(), String> {
    let method = (method != "any").then_some(method.as_str());
    world.protect_own_api(&scope, method).await
}

#[given(expr = "the OAuth API endpoint {string} is mapped to the auth scope {string}")]
#[when(expr = "the OAuth API endpoint {string} is mapped to the auth scope {string}")]
async fn mapped(world: &mut SuiteWorld, endpoint: String, scope: String) -> Result<(), String> {
    world.map_to_scope(&endpoint, &scope).await
}

#[when(expr = "the OAuth API endpoint {string} is no longer mapped to the auth scope {string}")]
async fn unmapped(world: &mut SuiteWorld, endpoint: String, scope: String) -> Result<(), String> {
    world.unmap_from_scope(&endpoint, &scope).await
}

#[given(expr = "the API access scope check property is {string}")]
async fn scope_check(world: &mut SuiteWorld, value: String) -> Result<(), String> {
    world
        .set_instance_property(SCOPE_CHECK_PROPERTY, "boolean", Some(&value))
        .await
}

/// catalogue §7 documents the 403 and the scope's name in it; the envelope around them is inferred, so it is
/// recorded, never asserted.
#[then(expr = "the request is refused for the missing auth scope {string}")]
async fn refused_for_missing_scope(world: &mut SuiteWorld, scope: String) -> Result<(), String> {
    let name = world.auth_scope_name(&scope).await?;
    let judged = world.settled(|world| refused_naming(world, &name)).await;
    let reply = world.replies.rest_reply()?.clone();
    world.record_fact("scope_refusal_status", json!(reply.status));
    world.record_fact(
        "scope_refusal_body",
        reply
            .json()
            .unwrap_or_else(|| Value::from(reply.body.clone())),
    );
    judged
}

fn refused_naming(world: &SuiteWorld, name: &str) -> Result<(), String> {
    let reply = world.replies.rest_reply()?;
    if reply.status != 403 {
        return Err(format!(
            "expected 403 naming the missing scope {name}, got {} {}",
            reply.status, reply.body
        ));
    }
    if !reply.body.contains(name) {
        return Err(format!(
            "the 403 does not name the missing scope {name}: {}",
            reply.body
        ));
    }
    Ok(())
}

/// catalogue H6, §13: a restricted entity's token on an API no scope protects gets the captured
/// `403 Access to unscoped api is not allowed`, status and body as captured (the body compared as JSON).
#[then("the request is refused as a call of an unscoped API")]
async fn refused_as_unscoped(world: &mut SuiteWorld) -> Result<(), String> {
    world.settled(refused_unscoped).await
}

fn refused_unscoped(world: &SuiteWorld) -> Result<(), String> {
    let reply = world.replies.rest_reply()?;
    let expected = &*REST_403_UNSCOPED_API;
    if reply.status != expected.status || reply.json() != Some(expected.json()) {
        return Err(format!(
            "expected {} {}, got {} {}",
            expected.status, expected.body, reply.status, reply.body
        ));
    }
    Ok(())
}

/// catalogue §7 documents the refusal, not its status or body: any 4xx refuses, and both are recorded.
#[then(expr = "the request is refused, its status and body recorded as {string}")]
async fn refused_and_recorded(world: &mut SuiteWorld, fact: String) -> Result<(), String> {
    let reply = world.replies.rest_reply()?.clone();
    world.record_fact(&format!("{fact}_status"), json!(reply.status));
    world.record_fact(
        &format!("{fact}_body"),
        reply
            .json()
            .unwrap_or_else(|| Value::from(reply.body.clone())),
    );
    match reply.status {
        400..=499 if reply.status != 429 => Ok(()),
        status => Err(format!(
            "expected a refusal, the request answered {status} {}",
            reply.body
        )),
    }
}

#[then(expr = "the token response's scope is recorded as {string}")]
async fn token_scope_recorded(world: &mut SuiteWorld, fact: String) -> Result<(), String> {
    let reply = world.replies.last_token_reply()?.clone();
    let scope = match reply.json() {
        Some(body) if reply.status == 200 => body.get("scope").cloned().unwrap_or(Value::Null),
        _ => json!(format!("no token ({})", reply.status)),
    };
    world.record_fact(&fact, scope);
    Ok(())
}

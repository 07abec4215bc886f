//! A token's lifecycle (catalogue §18, O1, O2): a second token request a few seconds after the first, and a
//! token already issued after its endpoint's secret, application user or active flag changes; recorded, and on
//! the mock held to what it does by default.

use std::collections::BTreeMap;
use std::time::Duration;

use cucumber::{given, then, when};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use crate::report::console;
use crate::suite::table_reply::text;
use crate::suite::world::{SuiteWorld, access_token};
use crate::support::random;

use super::revocation::access_token_records;

/// How far apart O1's two token requests are.
const A_FEW_SECONDS: u64 = 5;
/// The fact holding the expiry of each of an endpoint's access tokens when noted, by record.
const NOTED_FACT: &str = "noted_expiries";

/// The `expires` of each access token record of an endpoint, by sys_id.
async fn expiries(
    world: &mut SuiteWorld,
    endpoint: &str,
) -> Result<BTreeMap<String, String>, String> {
    let rows = access_token_records(world, endpoint, "sys_id,expires").await?;
    Ok(rows
        .iter()
        .map(|row| (text(row, "sys_id"), text(row, "expires")))
        .collect())
}

fn noted(world: &SuiteWorld) -> Result<BTreeMap<String, String>, String> {
    let noted = world.facts.get(NOTED_FACT).ok_or("no expiry was noted")?;
    serde_json::from_value(noted.clone()).map_err(|error| error.to_string())
}

#[given(expr = "the expiry of the tokens of {string} is noted")]
async fn note_expiry(world: &mut SuiteWorld, endpoint: String) -> Result<(), String> {
    let now = expiries(world, &endpoint).await?;
    if now.is_empty() {
        return Err(format!("\"{endpoint}\" has no access token record to note"));
    }
    world.record_fact(NOTED_FACT, json!(now));
    Ok(())
}

#[when("a few seconds pass")]
async fn seconds_pass(world: &mut SuiteWorld) -> Result<(), String> {
    match &world.control {
        Some(control) => control
            .advance_clock(A_FEW_SECONDS as i64)
            .await
            .map_err(|error| error.to_string()),
        None => {
            println!(
                "{}",
                console::waiting(&world.scenario_id, A_FEW_SECONDS, "a few seconds")
            );
            world.wait_aside(Duration::from_secs(A_FEW_SECONDS)).await
        }
    }
}

/// Whether the last token response gave the first token again, and whether a noted expiry is another now.
struct Repeat {
    same_token: bool,
    expires_in: Value,
    moved: Vec<String>,
}

async fn repeat_of(world: &mut SuiteWorld, endpoint: &str) -> Result<Repeat, String> {
    let first = world.replies.first_token()?;
    let last = world.replies.last_token_reply()?.clone();
    let same_token =
        access_token(&last).is_some_and(|token| token.expose_secret() == first.expose_secret());
    let expires_in = last
        .json()
        .and_then(|body| body.get("expires_in").cloned())
        .unwrap_or(Value::Null);
    let before = noted(world)?;
    let after = expiries(world, endpoint).await?;
    world.record_fact("expiries_after", json!(after));
    let moved = before
        .iter()
        .filter(|(sys_id, expires)| after.get(*sys_id).is_some_and(|now| now != *expires))
        .map(|(sys_id, _)| sys_id.clone())
        .collect();
    Ok(Repeat {
        same_token,
        expires_in,
        moved,
    })
}

#[then(
    expr = "whether {string} got the same token, its expires_in and whether the noted expiry moved are recorded"
)]
async fn repeat_recorded(world: &mut SuiteWorld, endpoint: String) -> Result<(), String> {
    let repeat = repeat_of(world, &endpoint).await?;
    world.record_fact("same_token", json!(repeat.same_token));
    world.record_fact("second_expires_in", repeat.expires_in);
    world.record_fact("noted_expiry_moved", json!(!repeat.moved.is_empty()));
    Ok(())
}

/// catalogue O1 on the mock: by default (`repeat_token` is `new`) a token request issues a new token and leaves
/// the live one's expiry as it was.
#[then(expr = "{string} got a new token and the noted expiry did not move")]
async fn fresh_token(world: &mut SuiteWorld, endpoint: String) -> Result<(), String> {
    let repeat = repeat_of(world, &endpoint).await?;
    if repeat.same_token {
        return Err("the second request gave the first token again".into());
    }
    match repeat.moved.as_slice() {
        [] => Ok(()),
        moved => Err(format!(
            "the second token request moved the expiry of {}",
            moved.join(", ")
        )),
    }
}

#[when(expr = "the OAuth API endpoint {string} gets a new client secret")]
async fn new_secret(world: &mut SuiteWorld, endpoint: String) -> Result<(), String> {
    world.set_client_secret(&endpoint, random::secret()).await
}

#[when(expr = "the OAuth API endpoint {string} is made inactive")]
async fn made_inactive(world: &mut SuiteWorld, endpoint: String) -> Result<(), String> {
    world
        .update_endpoint(&endpoint, json!({ "active": "false" }))
        .await
}

//! The suite's own Scripted REST API (catalogue §17, §18): making it, calling it with the scenario's token or the
//! admin's credentials, and the REST 401 a restriction answers with.

use cucumber::{given, then, when};
use serde_json::{Value, json};

use crate::client::Credentials;
use crate::servicenow::captured::REST_401;
use crate::suite::world::{Replay, SuiteWorld};

use super::rest::bearer;

/// The fact that says how the admin's call of the suite's own API went, when it could not be made with Basic.
const ADMIN_BASIC_FACT: &str = "admin_basic_call";

#[given("the suite's own Scripted REST API")]
async fn own_api(world: &mut SuiteWorld) -> Result<(), String> {
    world.add_scripted_api().await.map(drop)
}

#[when("the token is used to call the suite's own API")]
async fn token_calls(world: &mut SuiteWorld) -> Result<(), String> {
    world.add_scripted_api().await?;
    world.remember(Replay::ScriptedApi {
        rate_limit_expected: false,
    });
    let reply = world.call_scripted_api(&bearer(world)?, false).await?;
    world.replies.keep_rest_reply(reply);
    Ok(())
}

/// catalogue N2: the admin's Basic sign-in is what the Basic Auth profile admits; an admin who signs in with a
/// token cannot show it, which is recorded instead.
#[when("the admin calls the suite's own API with Basic")]
async fn admin_calls(world: &mut SuiteWorld) -> Result<(), String> {
    let admin = world.records.admin()?.clone();
    if !matches!(admin, Credentials::Basic { .. }) {
        world.record_fact(
            ADMIN_BASIC_FACT,
            json!("not made: the admin signs in with a token"),
        );
        return Ok(());
    }
    let reply = world.call_scripted_api(&admin, false).await?;
    world.record_fact(ADMIN_BASIC_FACT, json!(reply.status));
    world.replies.keep_rest_reply(reply);
    Ok(())
}

#[then("the admin's Basic call succeeds, where the admin signs in with Basic")]
async fn admin_call_succeeded(world: &mut SuiteWorld) -> Result<(), String> {
    match world.facts.get(ADMIN_BASIC_FACT) {
        Some(Value::Number(status)) if status.as_u64() == Some(200) => Ok(()),
        Some(Value::Number(_)) => {
            let reply = world.replies.rest_reply()?;
            Err(format!(
                "the admin's Basic call answered {} {}",
                reply.status, reply.body
            ))
        }
        Some(_) => Ok(()),
        None => Err("the admin did not call the suite's own API".into()),
    }
}

/// catalogue §18: a refusal is the §3 401, body and all; its `WWW-Authenticate` is recorded, not judged (the
/// documentation names the policy's first profile, the flag's refusal is not documented).
#[then("the request is refused with the REST 401, its challenge recorded")]
async fn refused_with_401(world: &mut SuiteWorld) -> Result<(), String> {
    let judged = world.settled(refused).await;
    if let Ok(reply) = world.replies.rest_reply() {
        let challenge = reply
            .header("www-authenticate")
            .unwrap_or_default()
            .to_owned();
        world.record_fact("refusal_challenge", json!(challenge));
    }
    judged
}

fn refused(world: &SuiteWorld) -> Result<(), String> {
    let reply = world.replies.rest_reply()?;
    let expected = &REST_401;
    if reply.status == expected.status && reply.json() == Some(expected.json()) {
        return Ok(());
    }
    Err(format!(
        "expected {} {}, got {} {}",
        expected.status, expected.body, reply.status, reply.body
    ))
}

//! The Basic authentication restriction (catalogue §10): users who sign in with a password, the restriction
//! enforcing, and what it leaves alone.

use cucumber::{given, then, when};

use super::rest::keep;
use crate::client::Credentials;
use crate::suite::world::{SuiteWorld, access_token};

#[given(expr = "a user {string} who signs in with a password")]
async fn a_user_with_password(world: &mut SuiteWorld, name: String) -> Result<(), String> {
    world.add_user_with_password(&name, false).await
}

#[given(expr = "a web-service-only user {string} who signs in with a password")]
async fn a_web_service_user_with_password(
    world: &mut SuiteWorld,
    name: String,
) -> Result<(), String> {
    world.add_user_with_password(&name, true).await
}

#[given("the Basic auth restriction is enforcing")]
#[when("the Basic auth restriction is enforcing")]
async fn enforcing(world: &mut SuiteWorld) -> Result<(), String> {
    world.enforce_basic_restriction().await
}

/// A user's Basic credentials, once the scenario gave it a password.
fn basic_of(world: &SuiteWorld, user: &str) -> Result<Credentials, String> {
    let user = world.vocabulary.user(user)?;
    let password = user
        .password
        .clone()
        .ok_or_else(|| format!("the user {} has no password", user.user_name))?;
    Ok(Credentials::Basic {
        user: user.user_name.clone(),
        password,
    })
}

#[when(expr = "{string} reads the table {string} with Basic auth")]
async fn reads_with_basic(
    world: &mut SuiteWorld,
    user: String,
    table: String,
) -> Result<(), String> {
    let basic = basic_of(world, &user)?;
    let reply = world
        .servicenow
        .list(&basic, &table, &[("sysparm_limit", "1")])
        .await;
    keep(world, reply)
}

/// catalogue K2: HTTP Basic client authentication is accepted after the restriction enforces exactly where it
/// was before (F4 records whether it is at all).
#[then(expr = "HTTP Basic client authentication is accepted as recorded in {string}")]
async fn basic_client_auth_as_before(world: &mut SuiteWorld, fact: String) -> Result<(), String> {
    let before = world
        .facts
        .get(&fact)
        .and_then(serde_json::Value::as_bool)
        .ok_or_else(|| format!("nothing was recorded as \"{fact}\""))?;
    let reply = world.replies.last_token_reply()?;
    let now = access_token(reply).is_some();
    if now == before {
        return Ok(());
    }
    Err(format!(
        "HTTP Basic client authentication {} a token before the restriction enforced and {} now ({})",
        if before { "got" } else { "got no" },
        if now { "gets one" } else { "gets none" },
        reply.status
    ))
}

/// catalogue H5: Basic auth is not subject to the scope check (a web-service-only user: neither the Basic auth
/// restriction nor the suite's admin, who may sign in with a token, is in the way).
#[when(expr = "{string} calls the suite's own API with Basic auth")]
async fn calls_own_api_with_basic(world: &mut SuiteWorld, user: String) -> Result<(), String> {
    world.add_scripted_api().await?;
    let basic = basic_of(world, &user)?;
    let reply = world.call_scripted_api(&basic, false).await?;
    world.replies.keep_rest_reply(reply);
    Ok(())
}

//! Using a token, or no token, on the REST API (catalogue §3): who it acts as, what it may read and write.

use cucumber::{then, when};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::client::{Credentials, Reply};
use crate::servicenow::captured::REST_401 as NOT_AUTHENTICATED;
use crate::suite::table_reply::text;
use crate::suite::world::{Replay, SuiteWorld};

pub(super) fn bearer(world: &SuiteWorld) -> Result<Credentials, String> {
    Ok(Credentials::Bearer(world.replies.current_token()?))
}

pub(super) fn keep(
    world: &mut SuiteWorld,
    reply: Result<Reply, crate::client::TransportError>,
) -> Result<(), String> {
    world
        .replies
        .keep_rest_reply(reply.map_err(|error| error.to_string())?);
    Ok(())
}

#[when("the token is used to ask who it acts as")]
async fn who_am_i(world: &mut SuiteWorld) -> Result<(), String> {
    world.remember(Replay::WhoAmI);
    let reply = world.servicenow.current_user(&bearer(world)?).await;
    keep(world, reply)
}

#[when(expr = "the token is used to read the table {string}")]
async fn read_table(world: &mut SuiteWorld, table: String) -> Result<(), String> {
    world.remember(Replay::ReadTable(table.clone()));
    let reply = world
        .servicenow
        .list(&bearer(world)?, &table, &[("sysparm_limit", "1")])
        .await;
    keep(world, reply)
}

#[when("the token is used to create an incident")]
async fn create_incident(world: &mut SuiteWorld) -> Result<(), String> {
    let description =
        world.marked("conformance check: an incident created with a client credentials token");
    let token = bearer(world)?;
    let reply = world
        .records
        .create_as(
            &token,
            "incident",
            json!({ "short_description": description }),
        )
        .await?;
    world.replies.keep_rest_reply(reply);
    Ok(())
}

#[when("the Table API is called without credentials")]
async fn without_credentials(world: &mut SuiteWorld) -> Result<(), String> {
    let reply = world
        .servicenow
        .list(
            &Credentials::Anonymous,
            "sys_user",
            &[("sysparm_limit", "1")],
        )
        .await;
    keep(world, reply)
}

#[when("the Table API is called with a made-up token")]
async fn made_up_token(world: &mut SuiteWorld) -> Result<(), String> {
    let made_up = SecretString::from("sncc-made-up-token-".repeat(4) + "0");
    let reply = world
        .servicenow
        .list(
            &Credentials::Bearer(made_up),
            "sys_user",
            &[("sysparm_limit", "1")],
        )
        .await;
    keep(world, reply)
}

#[when("the token is sent as the access_token query parameter to the Table API")]
async fn token_in_query(world: &mut SuiteWorld) -> Result<(), String> {
    let token = world.replies.current_token()?;
    let path = format!(
        "/api/now/table/sys_user?sysparm_limit=1&access_token={}",
        url::form_urlencoded::byte_serialize(token.expose_secret().as_bytes()).collect::<String>()
    );
    let reply = world
        .servicenow
        .send(Method::GET, &path, &Credentials::Anonymous, None)
        .await;
    keep(world, reply)
}

#[when(expr = "the tokens issued to {string} are revoked")]
async fn revoke(world: &mut SuiteWorld, endpoint: String) -> Result<(), String> {
    // On a real instance the stored token may be encrypted: rows are found by peer, not by value.
    let peer = world
        .vocabulary
        .endpoint(&endpoint)?
        .sys_id
        .clone()
        .ok_or("this target cannot revoke tokens")?;
    let rows = world
        .records
        .find("oauth_credential", &format!("peer={peer}"))
        .await?;
    if rows.is_empty() {
        return Err(format!("no oauth_credential record has peer {peer}"));
    }
    for row in rows {
        let sys_id = text(&row, "sys_id");
        world
            .records
            .delete_for_good("oauth_credential", &sys_id)
            .await?;
    }
    Ok(())
}

#[then(expr = "the token acts as {string}")]
async fn acts_as(world: &mut SuiteWorld, user: String) -> Result<(), String> {
    let expected = world.vocabulary.user(&user)?;
    let (user_name, sys_id) = (expected.user_name.clone(), expected.sys_id.clone());
    let judged = world
        .settled(|world| acting_as(world, &user_name, sys_id.as_deref()))
        .await;
    if let Some(result) = world.replies.rest_reply().ok().and_then(Reply::result) {
        world.record_fact("acts_as", json!(text(&result, "user_name")));
    }
    judged
}

/// Whether the last `current_user` answer says the token acts as the expected user.
fn acting_as(world: &SuiteWorld, user_name: &str, sys_id: Option<&str>) -> Result<(), String> {
    let reply = world.replies.rest_reply()?;
    let result = reply
        .result()
        .ok_or_else(|| format!("current_user answered {} {}", reply.status, reply.body))?;
    let acting = text(&result, "user_name");
    let acting_id = text(&result, "user_sys_id");
    if acting != user_name {
        return Err(format!("the token acts as {acting}, expected {user_name}"));
    }
    match sys_id {
        Some(expected) if expected != acting_id => {
            Err(format!("user_sys_id is {acting_id}, expected {expected}"))
        }
        _ => Ok(()),
    }
}

#[then(expr = "who the first token acts as is recorded as {string}")]
async fn first_token_recorded(world: &mut SuiteWorld, fact: String) -> Result<(), String> {
    let first = world.replies.first_token()?;
    let reply = world
        .servicenow
        .current_user(&Credentials::Bearer(first))
        .await
        .map_err(|error| error.to_string())?;
    let acts_as = reply.result().filter(|_| reply.status == 200).map_or_else(
        || json!(format!("refused ({})", reply.status)),
        |result| json!(text(&result, "user_name")),
    );
    world.record_fact(&fact, acts_as);
    Ok(())
}

#[then("the request succeeds")]
async fn succeeds(world: &mut SuiteWorld) -> Result<(), String> {
    world.settled(succeeded).await
}

fn succeeded(world: &SuiteWorld) -> Result<(), String> {
    let reply = world.replies.rest_reply()?;
    if reply.status == 200 && reply.result().is_some() {
        Ok(())
    } else {
        Err(format!(
            "the request answered {} {}",
            reply.status, reply.body
        ))
    }
}

#[then("the request is denied or sees no records")]
async fn denied_or_empty(world: &mut SuiteWorld) -> Result<(), String> {
    let reply = world.replies.rest_reply()?.clone();
    world.record_fact("denied_status", json!(reply.status));
    let empty = reply.status == 200
        && reply.result().and_then(|r| r.as_array().map(Vec::is_empty)) == Some(true);
    if reply.status == 403 || empty {
        Ok(())
    } else {
        Err(format!(
            "the token read the table: {} {}",
            reply.status, reply.body
        ))
    }
}

#[then(expr = "the incident was created by {string}")]
async fn created_by(world: &mut SuiteWorld, user: String) -> Result<(), String> {
    let expected = world.vocabulary.user(&user)?.user_name.clone();
    let reply = world.replies.rest_reply()?;
    let record = reply.result().ok_or_else(|| {
        format!(
            "creating the incident answered {} {}",
            reply.status, reply.body
        )
    })?;
    let creator = text(&record, "sys_created_by");
    if creator == expected {
        Ok(())
    } else {
        Err(format!("sys_created_by is {creator}, expected {expected}"))
    }
}

#[then("the request is rejected as not authenticated")]
async fn not_authenticated(world: &mut SuiteWorld) -> Result<(), String> {
    let reply = world.replies.rest_reply()?;
    let expected = &NOT_AUTHENTICATED;
    if reply.status != expected.status || reply.json() != Some(expected.json()) {
        return Err(format!(
            "expected {} {}, got {} {}",
            expected.status, expected.body, reply.status, reply.body
        ));
    }
    let challenge = reply.header("www-authenticate").unwrap_or_default();
    if !challenge.to_ascii_lowercase().starts_with("basic realm=") {
        return Err(format!(
            "WWW-Authenticate is \"{challenge}\", expected BASIC realm=\"Service-now\""
        ));
    }
    Ok(())
}

#[then("the challenge scheme is recorded")]
async fn challenge_recorded(world: &mut SuiteWorld) -> Result<(), String> {
    let challenge = world
        .replies
        .rest_reply()?
        .header("www-authenticate")
        .unwrap_or_default()
        .to_owned();
    let scheme = challenge
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned();
    world.record_fact("challenge", json!(challenge));
    world.record_fact("challenge_scheme", json!(scheme));
    Ok(())
}

#[then(expr = "whether the request succeeded is recorded as {string}")]
async fn record_success(world: &mut SuiteWorld, fact: String) -> Result<(), String> {
    let status = world.replies.rest_reply()?.status;
    world.record_fact(&fact, json!(status == 200));
    world.record_fact(&format!("{fact}_status"), json!(status));
    Ok(())
}

//! The session cookie a Bearer call's answer sets (catalogue §8): used alone, without the token.

use cucumber::when;
use secrecy::SecretString;
use serde_json::json;

use crate::client::Credentials;
use crate::suite::world::SuiteWorld;

use super::rest::keep;

/// Which cookies the last REST answer set, by name, and the `Cookie` header that sends them all back.
fn session_cookie(world: &SuiteWorld) -> Result<(Vec<String>, SecretString), String> {
    let reply = world.replies.rest_reply()?;
    let pairs: Vec<&str> = reply
        .headers
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|cookie| cookie.split(';').next())
        .map(str::trim)
        .filter(|pair| pair.contains('='))
        .collect();
    let mut names: Vec<String> = pairs
        .iter()
        .filter_map(|pair| pair.split_once('=').map(|(name, _)| name.to_owned()))
        .collect();
    names.sort();
    Ok((names, SecretString::from(pairs.join("; "))))
}

#[when(expr = "the session cookie of that response is used alone to read the table {string}")]
async fn cookie_alone(world: &mut SuiteWorld, table: String) -> Result<(), String> {
    let (names, cookie) = session_cookie(world)?;
    world.record_fact("session_cookie_names", json!(names));
    if names.is_empty() {
        return Err("the Bearer call's answer set no session cookie".into());
    }
    let reply = world
        .servicenow
        .list(
            &Credentials::SessionCookie(cookie),
            &table,
            &[("sysparm_limit", "1")],
        )
        .await;
    keep(world, reply)
}

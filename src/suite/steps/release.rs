//! Releases and time: the mock's release and clock, a real instance's wait, and the detected release (catalogue §4).

use std::time::Duration;

use cucumber::{given, then, when};
use serde_json::{Value, json};

use crate::report::console;
use crate::servicenow::captured::BUILDTAG_PROPERTY;
use crate::servicenow::release::{Release, ReleaseError};
use crate::suite::table_reply::text;
use crate::suite::world::SuiteWorld;

/// An OAuth API endpoint's `access_token_lifespan` unless a scenario sets one (catalogue §2).
const DEFAULT_LIFESPAN: u64 = 1800;

#[given(expr = "the mock instance runs the {string} release")]
async fn mock_release(world: &mut SuiteWorld, release: String) -> Result<(), String> {
    let release: Release = release
        .parse()
        .map_err(|error: ReleaseError| error.to_string())?;
    let control = world
        .control
        .as_ref()
        .ok_or("this step needs the mock instance")?;
    control
        .set_release(&release)
        .await
        .map_err(|error| error.to_string())
}

#[when("the token's lifespan has passed")]
async fn lifespan_passes(world: &mut SuiteWorld) -> Result<(), String> {
    let reply = world
        .replies
        .token_replies()
        .iter()
        .rev()
        .find(|reply| crate::suite::world::access_token(reply).is_some());
    let expires_in = reply
        .and_then(|reply| reply.json())
        .and_then(|body| body["expires_in"].as_u64())
        .ok_or("no token with expires_in was issued")?;
    // A token lives access_token_lifespan seconds (catalogue §3); one second more is past it. The wait is
    // bounded by the lifespan the suite configured, never by what the instance reports: a token that
    // outlives it is then refused or not, and the scenario says which.
    let lifespan = world.configured_lifespan.unwrap_or(DEFAULT_LIFESPAN);
    if expires_in >= lifespan {
        world.record_fact("expires_in_beyond_lifespan", json!(expires_in));
    }
    let wait = lifespan + 1;
    match &world.control {
        Some(control) => control
            .advance_clock(wait as i64)
            .await
            .map_err(|error| error.to_string()),
        None => {
            println!(
                "{}",
                console::waiting(&world.scenario_id, wait, "the token to expire")
            );
            world.wait_aside(Duration::from_secs(wait)).await
        }
    }
}

#[when("the instance's release is detected")]
async fn detect_release(world: &mut SuiteWorld) -> Result<(), String> {
    let detected = match world.records.admin() {
        Ok(_) => {
            let tags = world
                .records
                .find("sys_properties", &format!("name={BUILDTAG_PROPERTY}"))
                .await?;
            let buildtag = tags
                .first()
                .map(|property| text(property, "value"))
                .unwrap_or_default();
            world.record_fact("buildtag", json!(buildtag));
            Release::from_buildtag(&buildtag)
                .ok()
                .map(|release| release.to_string())
        }
        Err(_) => world.context.run.release.as_ref().map(ToString::to_string),
    };
    world.record_fact(
        "release",
        detected.map_or(Value::from("unknown"), Value::from),
    );
    Ok(())
}

#[then("the release family is recorded")]
async fn release_recorded(world: &mut SuiteWorld) -> Result<(), String> {
    match world.facts.get("release") {
        Some(Value::String(release)) if release != "unknown" || world.records.admin().is_err() => {
            Ok(())
        }
        other => Err(format!("the release could not be detected: {other:?}")),
    }
}

//! Releases and time: the mock's release and clock, a real instance's wait, and the detected release (SPEC §4).

use std::time::Duration;

use cucumber::{given, then, when};
use serde_json::{Value, json};
use sncc::release::{Family, Release};

use crate::suite::world::{SuiteWorld, text};

#[given(expr = "the mock instance runs the {string} release")]
async fn mock_release(world: &mut SuiteWorld, release: String) -> Result<(), String> {
    let family: Family = release.parse()?;
    let control = world
        .control
        .as_ref()
        .ok_or("this step needs the mock instance")?;
    control
        .set_release(family)
        .await
        .map_err(|error| error.to_string())
}

#[when("the token's lifespan has passed")]
async fn lifespan_passes(world: &mut SuiteWorld) -> Result<(), String> {
    let reply = world
        .replies
        .iter()
        .rev()
        .find(|reply| crate::suite::world::access_token(reply).is_some());
    let expires_in = reply
        .and_then(|reply| reply.json())
        .and_then(|body| body["expires_in"].as_i64())
        .ok_or("no token with expires_in was issued")?;
    // A token lives access_token_lifespan = expires_in + 1 seconds; one more second to be past it.
    let wait = expires_in + 2;
    match &world.control {
        Some(control) => control
            .advance_clock(wait)
            .await
            .map_err(|error| error.to_string()),
        None => {
            tokio::time::sleep(Duration::from_secs(wait.max(0) as u64)).await;
            Ok(())
        }
    }
}

#[when("the instance's release is detected")]
async fn detect_release(world: &mut SuiteWorld) -> Result<(), String> {
    let detected = match world.admin() {
        Ok(_) => {
            let tags = world.find("sys_properties", "name=glide.buildtag").await?;
            let buildtag = tags
                .first()
                .map(|property| text(property, "value"))
                .unwrap_or_default();
            world.record_fact("buildtag", json!(buildtag));
            Release::from_buildtag(&buildtag).map(|release| release.to_string())
        }
        Err(_) => world.context.release.as_ref().map(ToString::to_string),
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
        Some(Value::String(release)) if release != "unknown" || world.admin().is_err() => Ok(()),
        other => Err(format!("the release could not be detected: {other:?}")),
    }
}

//! The OAuth Application User's sign-in record (catalogue §8): `last_login_time`, which a Bearer call updates.

use cucumber::{given, then};
use serde_json::{Value, json};

use crate::suite::table_reply::text;
use crate::suite::world::SuiteWorld;

const NOTED: &str = "last_login_time_before";

async fn last_login_time(world: &mut SuiteWorld, user: &str) -> Result<String, String> {
    let sys_id = world
        .vocabulary
        .user(user)?
        .sys_id
        .clone()
        .ok_or("this target cannot read users")?;
    let found = world
        .records
        .find_fields(
            "sys_user",
            &format!("sys_id={sys_id}"),
            Some("sys_id,last_login_time"),
        )
        .await?;
    let user = found
        .first()
        .ok_or_else(|| format!("user {sys_id} is not on the instance"))?;
    Ok(text(user, "last_login_time"))
}

#[given(expr = "the last_login_time of {string} is noted")]
async fn noted(world: &mut SuiteWorld, user: String) -> Result<(), String> {
    let before = last_login_time(world, &user).await?;
    world.record_fact(NOTED, json!(before));
    Ok(())
}

#[then(expr = "the last_login_time of {string} is set and not earlier than noted")]
async fn updated(world: &mut SuiteWorld, user: String) -> Result<(), String> {
    let after = last_login_time(world, &user).await?;
    world.record_fact("last_login_time_after", json!(after));
    let before = world
        .facts
        .get(NOTED)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    // Glide date-times (`YYYY-MM-DD HH:MM:SS`) sort as text.
    if after.is_empty() {
        Err("last_login_time is still empty after a Bearer call".into())
    } else if after < before {
        Err(format!(
            "last_login_time went back from {before} to {after}"
        ))
    } else {
        Ok(())
    }
}

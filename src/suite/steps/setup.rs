//! Given steps that set an instance up: users, OAuth API endpoints, the grant property, their states, and the
//! settings a row's outcome is recorded beside.

use std::str::FromStr;

use cucumber::{Parameter, given, when};
use serde_json::json;

use crate::suite::table_reply::text;
use crate::suite::world::SuiteWorld;

#[given(expr = "a user {string}")]
async fn a_user(world: &mut SuiteWorld, name: String) -> Result<(), String> {
    world.add_user(&name).await
}

#[given(expr = "an OAuth API endpoint {string} whose OAuth Application User is {string}")]
async fn an_endpoint_with_user(
    world: &mut SuiteWorld,
    endpoint: String,
    user: String,
) -> Result<(), String> {
    world.add_endpoint(&endpoint, Some(&user)).await
}

#[given(expr = "an OAuth API endpoint {string} without an OAuth Application User")]
async fn an_endpoint_without_user(world: &mut SuiteWorld, endpoint: String) -> Result<(), String> {
    world.add_endpoint(&endpoint, None).await
}

#[given(expr = "the client credentials property is {string}")]
async fn the_property_is(world: &mut SuiteWorld, value: String) -> Result<(), String> {
    world.set_grant_property(Some(&value)).await
}

#[when(expr = "the client credentials property is set to {string}")]
async fn the_property_is_set_to(world: &mut SuiteWorld, value: String) -> Result<(), String> {
    world.set_grant_property(Some(&value)).await
}

/// catalogue §16: a setting a row's outcome depends on, recorded beside it (D7: whether an API user must reset a
/// password an admin set); its value, `null` when the instance does not have it, `unknown` where it cannot be
/// read.
#[given(expr = "the instance's property {string} is recorded as {string}")]
async fn property_recorded(
    world: &mut SuiteWorld,
    name: String,
    fact: String,
) -> Result<(), String> {
    let value = match world.instance_setting(&name).await {
        Ok(value) => json!(value),
        Err(_) => json!("unknown"),
    };
    world.record_fact(&fact, value);
    Ok(())
}

#[given("the instance has no client credentials property")]
async fn no_property(world: &mut SuiteWorld) -> Result<(), String> {
    world.set_grant_property(None).await
}

#[given(expr = "the OAuth API endpoint {string} is inactive")]
async fn endpoint_inactive(world: &mut SuiteWorld, endpoint: String) -> Result<(), String> {
    world
        .update_endpoint(&endpoint, json!({ "active": "false" }))
        .await
}

/// A grant setting of an OAuth API endpoint, as the features name it.
#[derive(Debug, Parameter)]
#[param(
    name = "endpoint_setting",
    regex = "the default grant type|the inbound grant type|the scope restriction status|the token format|the subject claim"
)]
struct EndpointSetting(&'static str);

impl FromStr for EndpointSetting {
    type Err = String;

    /// The `oauth_entity` field the words name.
    fn from_str(words: &str) -> Result<Self, Self::Err> {
        match words {
            "the default grant type" => Ok(EndpointSetting("default_grant_type")),
            "the inbound grant type" => Ok(EndpointSetting("inbound_grant_type")),
            "the scope restriction status" => Ok(EndpointSetting("scope_restriction_status")),
            "the token format" => Ok(EndpointSetting("token_format")),
            "the subject claim" => Ok(EndpointSetting("subject_claim")),
            other => Err(format!("no endpoint setting is called \"{other}\"")),
        }
    }
}

#[given(expr = "the OAuth API endpoint {string} has {endpoint_setting} {string}")]
async fn endpoint_setting(
    world: &mut SuiteWorld,
    endpoint: String,
    setting: EndpointSetting,
    value: String,
) -> Result<(), String> {
    world
        .update_endpoint(&endpoint, json!({ setting.0: value }))
        .await
}

#[given(expr = "the OAuth API endpoint {string} has an access token lifespan of {int} seconds")]
async fn endpoint_lifespan(
    world: &mut SuiteWorld,
    endpoint: String,
    seconds: u32,
) -> Result<(), String> {
    world.configured_lifespan = Some(u64::from(seconds));
    world
        .update_endpoint(
            &endpoint,
            json!({ "access_token_lifespan": seconds.to_string() }),
        )
        .await
}

#[given(expr = "the OAuth API endpoint {string} has the client secret {string}")]
async fn endpoint_secret(
    world: &mut SuiteWorld,
    endpoint: String,
    secret: String,
) -> Result<(), String> {
    world.set_client_secret(&endpoint, secret).await
}

#[given(expr = "the OAuth Application User of {string} is changed to {string}")]
#[when(expr = "the OAuth Application User of {string} is changed to {string}")]
async fn endpoint_user_changed(
    world: &mut SuiteWorld,
    endpoint: String,
    user: String,
) -> Result<(), String> {
    let sys_id = world
        .vocabulary
        .user(&user)?
        .sys_id
        .clone()
        .ok_or("this target cannot change endpoints")?;
    world
        .update_endpoint(&endpoint, json!({ "user": sys_id }))
        .await
}

#[given(expr = "the user {string} is inactive")]
async fn user_inactive(world: &mut SuiteWorld, user: String) -> Result<(), String> {
    world.update_user(&user, json!({ "active": "false" })).await
}

#[given(expr = "the user {string} is locked out")]
async fn user_locked_out(world: &mut SuiteWorld, user: String) -> Result<(), String> {
    world
        .update_user(&user, json!({ "locked_out": "true" }))
        .await
}

#[given(expr = "the user {string} must reset the password")]
async fn user_must_reset(world: &mut SuiteWorld, user: String) -> Result<(), String> {
    world
        .update_user(&user, json!({ "password_needs_reset": "true" }))
        .await
}

#[given(expr = "the user {string} is deleted")]
async fn user_deleted(world: &mut SuiteWorld, user: String) -> Result<(), String> {
    let sys_id = world
        .vocabulary
        .user(&user)?
        .sys_id
        .clone()
        .ok_or("this target cannot delete users")?;
    let record = world
        .records
        .find("sys_user", &format!("sys_id={sys_id}"))
        .await?;
    let keep = record
        .first()
        .cloned()
        .ok_or_else(|| format!("user {user} is not on the instance"))?;
    world.records.delete("sys_user", &sys_id, keep).await
}

#[given(expr = "the user {string} has the role {string}")]
async fn user_has_role(world: &mut SuiteWorld, user: String, role: String) -> Result<(), String> {
    let user_sys_id = world
        .vocabulary
        .user(&user)?
        .sys_id
        .clone()
        .ok_or("this target cannot grant roles")?;
    let roles = world
        .records
        .find("sys_user_role", &format!("name={role}"))
        .await?;
    let role_sys_id = roles
        .first()
        .map(|found| text(found, "sys_id"))
        .ok_or_else(|| format!("the instance has no role {role}"))?;
    world
        .records
        .create(
            "sys_user_has_role",
            json!({ "user": user_sys_id, "role": role_sys_id }),
        )
        .await
        .map(drop)
}

//! Hardening settings (catalogue §18): the switch that turns the password grant off (R1), observed where the
//! instance has it on and set only through the mock's control plane, and the scope restriction status an
//! endpoint inserted without one gets (S1).

use cucumber::{given, then, when};
use secrecy::ExposeSecret;
use serde_json::json;

use crate::client::Credentials;
use crate::servicenow::captured::ROPC_DISABLED_PROPERTY;
use crate::suite::table_reply::text;
use crate::suite::world::SuiteWorld;

/// The path of the token endpoint.
const TOKEN_PATH: &str = "/oauth_token.do";
/// The column S1 reads the default of.
const SCOPE_RESTRICTION: &str = "scope_restriction_status";
const DICTIONARY_DEFAULT_FACT: &str = "dictionary_default";
const INSERTED_STATUS_FACT: &str = "inserted_without_it";

/// A real instance is observed as the preflight read it (the property is High Security: only `security_admin`
/// writes it, catalogue §13), and the plan does not run R1 where it is not true; the mock is switched through its
/// control plane.
#[given("the instance has the password grant switched off")]
async fn ropc_off(world: &mut SuiteWorld) -> Result<(), String> {
    if let Some(settings) = &world.context.run.settings {
        let value = settings.value(ROPC_DISABLED_PROPERTY).map(str::to_owned);
        world.record_fact(ROPC_DISABLED_PROPERTY, json!(value));
        return match value.as_deref() {
            Some("true") => Ok(()),
            _ => Err(format!(
                "{ROPC_DISABLED_PROPERTY} is not true on this instance, and only security_admin may set it \
                 (the suite never does): not runnable here"
            )),
        };
    }
    let control = world
        .control
        .as_ref()
        .ok_or("only the mock's control plane may switch the password grant off")?;
    control
        .set_properties(json!({ ROPC_DISABLED_PROPERTY: "true" }))
        .await
        .map_err(|error| error.to_string())
}

#[when(expr = "{string} requests a token for {string} with the password grant")]
async fn password_grant(
    world: &mut SuiteWorld,
    endpoint: String,
    user: String,
) -> Result<(), String> {
    let endpoint = world.vocabulary.endpoint(&endpoint)?.clone();
    let user = world.vocabulary.user(&user)?.clone();
    let password = user
        .password
        .ok_or_else(|| format!("the user {} has no password", user.user_name))?;
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "password")
        .append_pair("client_id", &endpoint.client_id)
        .append_pair("client_secret", endpoint.client_secret.expose_secret())
        .append_pair("username", &user.user_name)
        .append_pair("password", password.expose_secret())
        .finish();
    let body = ("application/x-www-form-urlencoded", form.into_bytes());
    let reply = world
        .servicenow
        .send(
            reqwest::Method::POST,
            TOKEN_PATH,
            &Credentials::Anonymous,
            Some(body),
        )
        .await
        .map_err(|error| error.to_string())?;
    if let Some(token) = crate::suite::world::access_token(&reply) {
        world.servicenow.recorder().know_secret(&token);
    }
    world.replies.keep_token_reply(reply);
    Ok(())
}

#[then(expr = "the token endpoint's answer is recorded as {string}")]
async fn answer_recorded(world: &mut SuiteWorld, fact: String) -> Result<(), String> {
    let reply = world.replies.last_token_reply()?.clone();
    world.record_fact(&format!("{fact}_status"), json!(reply.status));
    world.record_fact(
        &format!("{fact}_body"),
        reply.json().unwrap_or_else(|| json!(reply.body)),
    );
    Ok(())
}

#[when("the dictionary default of the scope restriction status is read")]
async fn dictionary_default(world: &mut SuiteWorld) -> Result<(), String> {
    let entries = world
        .records
        .find_fields(
            "sys_dictionary",
            &format!("name=oauth_entity^element={SCOPE_RESTRICTION}"),
            Some("element,default_value"),
        )
        .await?;
    let default = match entries.first() {
        Some(entry) => json!(text(entry, "default_value")),
        None => json!("no such column"),
    };
    world.record_fact(DICTIONARY_DEFAULT_FACT, default);
    Ok(())
}

#[when(expr = "an OAuth API endpoint {string} is inserted without a scope restriction status")]
async fn inserted_without_status(world: &mut SuiteWorld, endpoint: String) -> Result<(), String> {
    let status = world
        .insert_endpoint_without_scope_status(&endpoint)
        .await?;
    world.record_fact(INSERTED_STATUS_FACT, json!(status));
    Ok(())
}

#[then("the dictionary default and the status the endpoint got are recorded")]
async fn both_recorded(world: &mut SuiteWorld) -> Result<(), String> {
    for fact in [DICTIONARY_DEFAULT_FACT, INSERTED_STATUS_FACT] {
        if !world.facts.contains_key(fact) {
            return Err(format!("\"{fact}\" was not recorded"));
        }
    }
    Ok(())
}

/// catalogue S1 on the mock: an entity inserted without the column gets its dictionary default.
#[then("the endpoint got the dictionary default")]
async fn got_default(world: &mut SuiteWorld) -> Result<(), String> {
    let default = world.facts.get(DICTIONARY_DEFAULT_FACT).cloned();
    let got = world.facts.get(INSERTED_STATUS_FACT).cloned();
    match (default, got) {
        (Some(default), Some(got)) if default == got && default != "" => Ok(()),
        (default, got) => Err(format!(
            "the dictionary default is {default:?}, the endpoint inserted without it got {got:?}"
        )),
    }
}

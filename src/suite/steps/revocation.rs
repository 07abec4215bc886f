//! Revoking a token at `oauth_revoke_token.do` (catalogue §8): without authentication, and what becomes of
//! the token's `oauth_credential` record.

use cucumber::{then, when};
use serde_json::{Value, json};

use crate::servicenow::glide_time::{parse_glide_datetime, real_now};
use crate::suite::table_reply::text;
use crate::suite::world::SuiteWorld;

/// How far a real instance's clock may be ahead of ours: a revoked token expires "now", an unrevoked one
/// a lifespan (30 minutes by default) later, so a minute tells them apart.
const CLOCK_SKEW_SECONDS: i64 = 60;

/// The method and answer are not documented (catalogue §8): the answer is recorded, and what the token does
/// afterwards decides.
#[when("the token is revoked at oauth_revoke_token.do without authentication")]
async fn revoke_anonymously(world: &mut SuiteWorld) -> Result<(), String> {
    let token = world.replies.current_token()?;
    let reply = world
        .servicenow
        .revoke_token(&token)
        .await
        .map_err(|error| error.to_string())?;
    world.record_fact("revocation_status", json!(reply.status));
    world.record_fact("revocation_body", Value::from(reply.body));
    Ok(())
}

#[then(
    expr = "the token's oauth_credential record of {string} is kept and expires no later than now"
)]
async fn credential_kept_and_expired(
    world: &mut SuiteWorld,
    endpoint: String,
) -> Result<(), String> {
    let rows = access_token_records(world, &endpoint, "sys_id,type,expires").await?;
    world.record_fact("credential_records_kept", json!(rows.len()));
    if rows.is_empty() {
        return Err(format!(
            "no access_token oauth_credential record of \"{endpoint}\" is left after the revocation"
        ));
    }
    let now = real_now();
    for row in &rows {
        let expires = text(row, "expires");
        match parse_glide_datetime(&expires) {
            Some(at) if at <= now + CLOCK_SKEW_SECONDS => {}
            Some(_) => {
                return Err(format!(
                    "the revoked token's record expires {expires}, in the future"
                ));
            }
            None => {
                return Err(format!(
                    "the record's expires \"{expires}\" is not a date-time"
                ));
            }
        }
    }
    Ok(())
}

/// The `oauth_credential` records of an endpoint's access tokens, with `fields`. The stored token may be encrypted
/// (catalogue §3): the records are found by peer, and the token is never read.
pub(super) async fn access_token_records(
    world: &mut SuiteWorld,
    endpoint: &str,
    fields: &str,
) -> Result<Vec<Value>, String> {
    let peer = world
        .vocabulary
        .endpoint(endpoint)?
        .sys_id
        .clone()
        .ok_or("this target cannot read oauth_credential")?;
    world
        .records
        .find_fields(
            "oauth_credential",
            &format!("peer={peer}^type=access_token"),
            Some(fields),
        )
        .await
}

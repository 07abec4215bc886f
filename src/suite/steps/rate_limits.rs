//! Rate limit rules (catalogue §18, P1): a rule on the suite's own Scripted REST API, calls beyond its limit, and
//! the 429 they get, which is the answer the scenario expects (never retried, never a fault).

use cucumber::{given, then, when};
use serde_json::{Value, json};

use crate::suite::world::{Replay, SuiteWorld};

use super::rest::bearer;

/// The headers a rate limited answer is reported to carry (on some answers only): recorded, not judged. Those
/// that hold a time (seconds from now, the hour's end) are recorded as present or not, so two runs compare.
const RATE_LIMIT_HEADERS: [(&str, HeaderValue); 4] = [
    ("retry-after", HeaderValue::Time),
    ("x-ratelimit-limit", HeaderValue::Kept),
    ("x-ratelimit-reset", HeaderValue::Time),
    ("x-ratelimit-rule", HeaderValue::Kept),
];

/// How a header's value is recorded.
#[derive(Clone, Copy)]
enum HeaderValue {
    /// As sent.
    Kept,
    /// A time, which differs run to run: whether it was sent.
    Time,
}

#[given(expr = "a rate limit rule of {int} requests per hour for {string} on the suite's own API")]
async fn rule(world: &mut SuiteWorld, limit: u32, user: String) -> Result<(), String> {
    world.add_rate_limit_rule(&user, limit).await
}

#[when(expr = "the token is used to call the suite's own API {int} times")]
async fn calls(world: &mut SuiteWorld, times: u32) -> Result<(), String> {
    for _ in 0..times {
        world.remember(Replay::ScriptedApi {
            rate_limit_expected: true,
        });
        let reply = world.call_scripted_api(&bearer(world)?, true).await?;
        world.replies.keep_rest_reply(reply);
    }
    Ok(())
}

#[then(
    expr = "the last request is refused by the rate limit of {int} requests per hour, its headers recorded"
)]
async fn limited(world: &mut SuiteWorld, limit: u32) -> Result<(), String> {
    let judged = world.settled(|world| rate_limited(world, limit)).await;
    if let Ok(reply) = world.replies.rest_reply() {
        let reply = reply.clone();
        for (name, recorded) in RATE_LIMIT_HEADERS {
            let value = match (reply.header(name), recorded) {
                (None, _) => Value::Null,
                (Some(value), HeaderValue::Kept) => json!(value),
                (Some(_), HeaderValue::Time) => json!("sent"),
            };
            world.record_fact(name, value);
        }
        world.record_fact(
            "rate_limit_body",
            reply.json().unwrap_or_else(|| json!(reply.body)),
        );
    }
    judged
}

/// catalogue P1: `429 {"error":{"message":"Rate limit exceeded","detail":"Rate limit of <n> requests per hour for
/// <API name> exceeded"},"status":"failure"}` with `Retry-After`.
fn rate_limited(world: &SuiteWorld, limit: u32) -> Result<(), String> {
    let reply = world.replies.rest_reply()?;
    let body = reply.json().unwrap_or_default();
    let api = &world.scripted_api()?.name;
    let detail = format!("Rate limit of {limit} requests per hour for {api} exceeded");
    let expected = json!({
        "error": { "message": "Rate limit exceeded", "detail": detail },
        "status": "failure",
    });
    if reply.status != 429 || body != expected {
        return Err(format!(
            "expected 429 {expected}, got {} {}",
            reply.status, reply.body
        ));
    }
    match reply.header("retry-after") {
        Some(_) => Ok(()),
        None => Err("the 429 has no Retry-After".into()),
    }
}

//! The control plane under `/__mock`: what a real instance cannot do (release, clock, reset, journal,
//! faults, fidelity switches), and property changes no REST caller may make (catalogue §13: the High Security
//! properties need `security_admin`). Unauthenticated by design: the mock is a local test double, and it is
//! never refused.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::faults::Fault;
use super::shared::{MockState, Shared};
use crate::mock::switches::Switches;
use crate::servicenow::glide_time::glide_datetime;
use crate::servicenow::release::Release;

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/", get(status))
        .route("/release", put(set_release))
        .route("/clock/advance", post(advance_clock))
        .route("/reset", post(reset))
        .route("/journal", get(journal).delete(clear_journal))
        .route("/faults", get(faults).post(arm_fault).delete(clear_faults))
        .route("/switches", get(switches).patch(change_switches))
        .route("/properties", patch(change_properties))
}

fn ok(value: Value) -> Response {
    (StatusCode::OK, axum::Json(value)).into_response()
}

fn bad_request(message: impl std::fmt::Display) -> Response {
    let body = json!({ "error": message.to_string() });
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

/// A control request whose body is not what the route takes.
#[derive(Debug, thiserror::Error)]
#[error("invalid request body: {0}")]
struct InvalidBody(serde_json::Error);

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, InvalidBody> {
    serde_json::from_slice(body).map_err(InvalidBody)
}

fn summary(shared: &Shared, state: &MockState) -> Value {
    let instance = &state.instance;
    let now = shared.clock.now();
    let tables: serde_json::Map<String, Value> = instance
        .store
        .tables()
        .map(|table| (table.name.clone(), json!(instance.store.count(&table.name))))
        .collect();
    json!({
        "release": instance.release().to_string(),
        "provisioned": instance.provisioned,
        "now": glide_datetime(now),
        "clock_offset_seconds": shared.clock.offset_seconds(),
        "switches": instance.switches,
        "armed_faults": shared.faults().armed().len(),
        "records": tables,
    })
}

/// `GET /__mock`: the running instance in brief (also served at `/__mock/`, the address `sncc mock` prints).
pub(crate) async fn status(State(shared): State<Arc<Shared>>) -> Response {
    ok(summary(&shared, &shared.lock()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReleaseChange {
    release: String,
}

/// `PUT /__mock/release {"release":"zurich-p4"}`: also rewrites `glide.buildtag`.
async fn set_release(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let change: ReleaseChange = match parse(&body) {
        Ok(change) => change,
        Err(error) => return bad_request(error),
    };
    let release = match change.release.parse().and_then(Release::simulated) {
        Ok(release) => release,
        Err(error) => return bad_request(error),
    };
    let mut state = shared.lock();
    state.instance.set_release(&release, shared.clock.now());
    ok(summary(&shared, &state))
}

/// How far virtual time may run ahead of real time, so every expiry stays a writable glide date-time.
const MAX_CLOCK_OFFSET_SECONDS: i64 = 100 * 365 * 24 * 3600;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockAdvance {
    seconds: i64,
}

/// `POST /__mock/clock/advance {"seconds":1801}`: moves virtual time forward and purges expired tokens.
async fn advance_clock(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let advance: ClockAdvance = match parse(&body) {
        Ok(advance) => advance,
        Err(error) => return bad_request(error),
    };
    if advance.seconds < 0 {
        return bad_request("the clock only moves forward: seconds must not be negative");
    }
    let mut state = shared.lock();
    if advance.seconds > MAX_CLOCK_OFFSET_SECONDS - shared.clock.offset_seconds() {
        return bad_request(format!(
            "the clock moves at most {MAX_CLOCK_OFFSET_SECONDS} seconds (100 years) ahead in all"
        ));
    }
    shared.clock.advance(advance.seconds);
    let now = shared.clock.now();
    state.instance.purge_expired_tokens(now);
    ok(summary(&shared, &state))
}

/// `POST /__mock/reset`: the instance as it started, with an empty journal and no faults.
async fn reset(State(shared): State<Arc<Shared>>) -> Response {
    let mut state = shared.lock();
    state.instance = state.pristine.clone();
    shared.clock.rewind();
    shared.journal().clear();
    shared.faults().clear();
    ok(summary(&shared, &state))
}

async fn journal(State(shared): State<Arc<Shared>>) -> Response {
    let entries: Vec<_> = shared.journal().entries().collect();
    ok(json!({ "entries": entries }))
}

async fn clear_journal(State(shared): State<Arc<Shared>>) -> Response {
    shared.journal().clear();
    StatusCode::NO_CONTENT.into_response()
}

async fn faults(State(shared): State<Arc<Shared>>) -> Response {
    ok(json!({ "faults": shared.faults().armed() }))
}

/// `POST /__mock/faults {"path":"/oauth_token.do","times":2,"action":"respond","status":503}`.
async fn arm_fault(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    match Fault::from_json(&body) {
        Ok(fault) => {
            let shown = json!(fault);
            shared.faults().arm(fault);
            (StatusCode::CREATED, axum::Json(shown)).into_response()
        }
        Err(error) => bad_request(error),
    }
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> Response {
    shared.faults().clear();
    StatusCode::NO_CONTENT.into_response()
}

async fn switches(State(shared): State<Arc<Shared>>) -> Response {
    ok(json!(shared.lock().instance.switches))
}

/// `PATCH /__mock/switches {"unauthorized_client_status":400}`: changes only the switches given.
async fn change_switches(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let changes: Value = match parse(&body) {
        Ok(Value::Object(changes)) => Value::Object(changes),
        Ok(_) => return bad_request("switches must be a JSON object"),
        Err(error) => return bad_request(error),
    };
    let mut state = shared.lock();
    let mut merged = json!(state.instance.switches);
    if let (Some(merged), Value::Object(changes)) = (merged.as_object_mut(), changes) {
        merged.extend(changes);
    }
    match serde_json::from_value::<Switches>(merged) {
        Ok(switches) => {
            state.instance.switches = switches;
            ok(json!(state.instance.switches))
        }
        Err(error) => bad_request(format!("invalid switches: {error}")),
    }
}

/// `PATCH /__mock/properties {"glide.authenticate.basic_auth.restriction.enforce":"true","x.y":null}`: sets each
/// property as the instance itself would (a value `true` or `false`, as JSON or text, makes a new property a
/// boolean, any other text a string), or deletes it (`null`); never refused. Answers with the properties as they
/// now are (`null`: absent).
async fn change_properties(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let changes = match parse::<serde_json::Map<String, Value>>(&body) {
        Ok(changes) => changes,
        Err(error) => return bad_request(error),
    };
    let mut values = Vec::with_capacity(changes.len());
    for (name, value) in changes {
        let value = match value {
            Value::Null => None,
            Value::Bool(flag) => Some(flag.to_string()),
            Value::String(text) => Some(text),
            _ => {
                return bad_request(format!(
                    "property {name}: a value is text, true, false or null"
                ));
            }
        };
        if name.trim().is_empty() {
            return bad_request("a property has a name");
        }
        values.push((name, value));
    }
    let mut state = shared.lock();
    let now = shared.clock.now();
    let mut shown = serde_json::Map::new();
    for (name, value) in values {
        match &value {
            Some(value) => {
                let kind = if value == "true" || value == "false" {
                    "boolean"
                } else {
                    "string"
                };
                state.instance.set_property(&name, kind, value, now);
            }
            None => {
                state.instance.remove_property(&name);
            }
        }
        shown.insert(name, json!(value));
    }
    ok(json!({ "properties": shown }))
}

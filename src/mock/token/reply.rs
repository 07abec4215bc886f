//! What the token endpoint, revocation and the JWKS send (catalogue §1, §8, §9): the success body in the captured
//! key order, the refusals, the revocation's answer, each with the breaks of its shape (C1–C6, B4).

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

use super::endpoint::TokenAnswer;
use super::grant::{IssuedToken, Reason, Refusal};
use super::revoke::Revocation;
use crate::mock::breaks::{Break, Breaks};
use crate::mock::switches::Switches;
use crate::mock::wire::{self, json_response, with_outcome};
use crate::servicenow::captured::TOKEN_GENERIC_401;
use crate::support::random;

/// The generic token error with its keys in RFC 6749 order (only [`Break::ErrorBodyReordered`] sends it).
const REORDERED_TOKEN_ERROR: &str =
    r#"{"error":"server_error","error_description":"access_denied"}"#;
/// RFC 6749's error for an unknown client (only [`Break::UnknownClientInvalid`] sends it).
const INVALID_CLIENT_ERROR: &str = r#"{"error":"invalid_client"}"#;

/// A revocation request without a `token` (inferred, in the token endpoint's key order).
const REVOKE_WITHOUT_TOKEN: &str =
    r#"{"error_description":"Required parameter token is missing","error":"invalid_request"}"#;

/// The token endpoint's answer: the token issued (200), or refused.
impl IntoResponse for TokenAnswer {
    fn into_response(self) -> Response {
        match &self.outcome {
            Ok(issued) => token_issued(issued, &self.breaks),
            Err(refusal) => token_refused(refusal, &self.switches, &self.breaks),
        }
    }
}

/// The success body in the captured key order, compact, with no refresh token (C1, C2) but the password
/// grant's (catalogue §10).
#[derive(Serialize)]
struct TokenBody<'a> {
    access_token: &'a str,
    /// The password grant's only (catalogue §10).
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
    scope: &'a str,
    token_type: &'static str,
    expires_in: i64,
}

/// catalogue C1–C4: the issued token, in the body above, with the headers that keep it out of caches.
fn token_issued(issued: &IssuedToken, breaks: &Breaks) -> Response {
    let body = TokenBody {
        access_token: &issued.access_token,
        refresh_token: issued.refresh_token.as_deref(),
        scope: &issued.scope,
        token_type: "Bearer",
        expires_in: issued.expires_in,
    };
    // Room for the whole body (about 170 bytes), so writing it never regrows the buffer.
    let mut text = Vec::with_capacity(256);
    serde_json::to_writer(&mut text, &body).expect("token body serialises");
    let mut text = String::from_utf8(text).expect("JSON is UTF-8");
    // Break (C1, C2): a refresh token is returned.
    if breaks.has(Break::RefreshTokenReturned) {
        let mut body = serde_json::to_value(&body).expect("token body serialises");
        body["refresh_token"] = Value::from(random::access_token());
        text = body.to_string();
    }
    let mut response = json_response(StatusCode::OK, text);
    // Break (C3, C4): the token response carries no cache headers.
    if breaks.has(Break::CacheHeadersMissing) {
        for name in [header::CACHE_CONTROL, header::PRAGMA, header::EXPIRES] {
            response.headers_mut().remove(name);
        }
    }
    with_outcome(response, "issued")
}

/// catalogue B1, B2, C6: the generic 401 whatever the cause, but `unauthorized_client` (with the switch's status)
/// for an entity without a usable application user.
fn token_refused(refusal: &Refusal, switches: &Switches, breaks: &Breaks) -> Response {
    match refusal {
        // Break (B4): an unknown client id gets RFC 6749's `invalid_client` error.
        Refusal::Generic(Reason::UnknownClient) if breaks.has(Break::UnknownClientInvalid) => {
            with_outcome(
                json_response(StatusCode::UNAUTHORIZED, INVALID_CLIENT_ERROR.to_owned()),
                "refused: invalid_client",
            )
        }
        // Break (C6): the generic error's keys come in RFC order.
        Refusal::Generic(reason) if breaks.has(Break::ErrorBodyReordered) => with_outcome(
            json_response(StatusCode::UNAUTHORIZED, REORDERED_TOKEN_ERROR.to_owned()),
            format!("refused: {}", reason.code()),
        ),
        Refusal::Generic(reason) => with_outcome(
            json_response(StatusCode::UNAUTHORIZED, TOKEN_GENERIC_401.body.clone()),
            format!("refused: {}", reason.code()),
        ),
        Refusal::UnauthorizedClient { entity_sys_id } => {
            let body = json!({
                "error": "unauthorized_client",
                "error_description": format!(
                    "Received client_credentials grant_type request however integration user is not configured for OAuth:{entity_sys_id}"
                ),
            });
            let status = StatusCode::from_u16(switches.unauthorized_client_status.code())
                .expect("400 and 401 are statuses");
            with_outcome(
                json_response(status, body.to_string()),
                "refused: unauthorized_client",
            )
        }
    }
}

/// The answer of `oauth_revoke_token.do` (catalogue §8; inferred): 200 with an empty body, revoked or unknown;
/// a 400 in the token endpoint's style without a `token`.
impl IntoResponse for Revocation {
    fn into_response(self) -> Response {
        let response = match self {
            Revocation::Revoked | Revocation::UnknownToken => wire::empty(StatusCode::OK),
            Revocation::MissingToken => {
                json_response(StatusCode::BAD_REQUEST, REVOKE_WITHOUT_TOKEN.to_owned())
            }
        };
        with_outcome(response, self.code())
    }
}

/// `GET /api/now/oauth/jwks` (catalogue §9): the JSON Web Key Set as it is, not wrapped in `result`.
pub(crate) fn jwks(key_set: &Value) -> Response {
    with_outcome(json_response(StatusCode::OK, key_set.to_string()), "jwks")
}

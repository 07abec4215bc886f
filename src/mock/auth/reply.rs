//! What a REST request refused before its API gets (catalogue §3, §7), with the break of its shape (E2–E6); the
//! marks of how an admitted one signed in (catalogue I3, §10); and who am I (D1).

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::admission::{RestRefused, SignInMarks};
use super::authn::{AuthFailure, Caller, RestRefusal};
use super::sessions::SESSION_COOKIE;
use crate::mock::breaks::{Break, Breaks};
use crate::mock::wire::{self, failure, json_response, with_outcome};
use crate::servicenow::captured::REST_401;

/// The captured REST 401 with its challenge (E2, E7).
fn not_authenticated(reason: AuthFailure, breaks: &Breaks) -> Response {
    let mut response = json_response(StatusCode::UNAUTHORIZED, REST_401.body.clone());
    let challenge = REST_401.header("www-authenticate");
    let challenge = challenge.expect("the captured REST 401 has a challenge");
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    // Break (E2–E6): the REST 401 has no `WWW-Authenticate` challenge.
    if breaks.has(Break::ChallengeMissing) {
        response.headers_mut().remove(header::WWW_AUTHENTICATE);
    }
    with_outcome(response, format!("unauthenticated: {}", reason.code()))
}

/// A REST request refused before its API: the catalogue §3 401, or the catalogue §7 403 naming the missing scope
/// (body inferred: catalogue §7).
impl IntoResponse for RestRefused {
    fn into_response(self) -> Response {
        match &self.refusal {
            RestRefusal::NotAuthenticated(reason) => not_authenticated(*reason, &self.breaks),
            RestRefusal::MissingScope(missing) => {
                let detail = format!("Missing required API access scope: {}", missing.0);
                let response = failure(StatusCode::FORBIDDEN, "User Not Authorized", Some(&detail));
                with_outcome(response, "forbidden: missing_scope")
            }
        }
    }
}

impl SignInMarks {
    /// `response` with `X-Is-Logged-In: true` and the session's cookies (catalogue I3, §12: `JSESSIONID`,
    /// `glide_user_route`, `glide_session_store`), and noted in the journal when a Basic sign-in went through only because the
    /// Basic auth restriction tracks (catalogue §10), unless the answer has a note of its own.
    pub(crate) fn mark(self, mut response: Response) -> Response {
        // catalogue §12: every authenticated answer says so.
        let logged_in = HeaderName::from_static("x-is-logged-in");
        let headers = response.headers_mut();
        headers.insert(logged_in, HeaderValue::from_static("true"));
        if let Some(values) = self.session_cookies {
            let names = [SESSION_COOKIE, "glide_user_route", "glide_session_store"];
            for (name, value) in names.iter().zip(values.iter()) {
                let cookie = format!("{name}={value}; Path=/; HttpOnly");
                if let Ok(cookie) = HeaderValue::from_str(&cookie) {
                    response.headers_mut().append(header::SET_COOKIE, cookie);
                }
            }
        }
        if self.basic_tracked {
            let note = "basic_auth_tracked: refused once the restriction enforces";
            response = wire::with_default_outcome(response, note);
        }
        response
    }
}

/// `GET /api/now/ui/user/current_user`: who the credentials act as (D1).
pub(crate) fn current_user(caller: &Caller) -> Response {
    let user = json!({
        "user_sys_id": caller.sys_id,
        "user_name": caller.user_name,
        "name": caller.name,
    });
    wire::result(StatusCode::OK, user)
}

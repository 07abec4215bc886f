//! What a REST request refused before its API gets (catalogue §3, §7, §18), with the break of its shape (E2–E6); the
//! marks of how an admitted one signed in (catalogue I3, §10) and which rate limit rule counted it (catalogue §18);
//! and who am I (D1).

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::access_policies::Challenge;
use super::admission::{RestRefused, SignInMarks};
use super::authn::{Caller, RestRefusal};
use super::rate_limits::{AppliedRule, RateLimited};
use super::scopes::ScopeRefusal;
use super::sessions::SESSION_COOKIE;
use crate::mock::breaks::{Break, Breaks};
use crate::mock::wire::{self, add_header, failure, json_response, with_outcome};
use crate::servicenow::captured::{REST_401, REST_403_UNSCOPED_API};

/// The challenge of a refusal an access policy's OAuth (or other non-Basic) profile decided (catalogue §18).
const BEARER_CHALLENGE: &str = "BEARER realm=\"Service-now\"";

/// The captured REST 401 with its challenge (E2, E7; catalogue §18: the scheme an access policy's first profile
/// names).
fn not_authenticated(challenge: Challenge, reason: &str, breaks: &Breaks) -> Response {
    let mut response = json_response(StatusCode::UNAUTHORIZED, REST_401.body.clone());
    let basic = REST_401.header("www-authenticate");
    let basic = basic.expect("the captured REST 401 has a challenge");
    let challenge = match challenge {
        Challenge::Basic => basic,
        Challenge::Bearer => BEARER_CHALLENGE,
    };
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    // Break (E2–E6): the REST 401 has no `WWW-Authenticate` challenge.
    if breaks.has(Break::ChallengeMissing) {
        response.headers_mut().remove(header::WWW_AUTHENTICATE);
    }
    with_outcome(response, format!("unauthenticated: {reason}"))
}

/// The catalogue §7 403: a missing scope named (H1; body inferred), or an API no scope protects refused to a
/// restricted entity's token (H6, §13: the captured body).
fn forbidden(refusal: &ScopeRefusal) -> Response {
    match refusal {
        ScopeRefusal::Missing(scope) => {
            let detail = format!("Missing required API access scope: {scope}");
            let response = failure(StatusCode::FORBIDDEN, "User Not Authorized", Some(&detail));
            with_outcome(response, "forbidden: missing_scope")
        }
        ScopeRefusal::UnscopedApi => {
            let body = REST_403_UNSCOPED_API.body.clone();
            let response = json_response(StatusCode::FORBIDDEN, body);
            with_outcome(response, "forbidden: unscoped_api")
        }
    }
}

/// The catalogue §18 429 (the documented body, and headers).
fn too_many_requests(limited: &RateLimited) -> Response {
    let detail = format!(
        "Rate limit of {} requests per hour for {} exceeded",
        limited.applied.limit, limited.api_name
    );
    let mut response = failure(
        StatusCode::TOO_MANY_REQUESTS,
        "Rate limit exceeded",
        Some(&detail),
    );
    add_header(
        &mut response,
        header::RETRY_AFTER,
        &limited.retry_after.to_string(),
    );
    rate_limit_headers(&mut response, &limited.applied);
    with_outcome(response, "rate limited")
}

/// The headers of an answer a rate limit rule applies to (catalogue §18).
fn rate_limit_headers(response: &mut Response, applied: &AppliedRule) {
    for (name, value) in [
        ("x-ratelimit-limit", applied.limit.to_string()),
        ("x-ratelimit-reset", applied.reset_at.to_string()),
        ("x-ratelimit-rule", applied.rule.clone()),
    ] {
        add_header(response, HeaderName::from_static(name), &value);
    }
}

/// A REST request refused before its API: the catalogue §3 401 (also an access policy's, catalogue §18), the
/// catalogue §7 403, or the catalogue §18 429.
impl IntoResponse for RestRefused {
    fn into_response(self) -> Response {
        match &self.refusal {
            RestRefusal::NotAuthenticated(reason) => {
                not_authenticated(Challenge::Basic, reason.code(), &self.breaks)
            }
            RestRefusal::RefusedByPolicy(challenge) => {
                not_authenticated(*challenge, "access_policy", &self.breaks)
            }
            RestRefusal::Scope(refusal) => forbidden(refusal),
            RestRefusal::RateLimited(limited) => too_many_requests(limited),
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
        if let Some(applied) = &self.rate_limit {
            rate_limit_headers(&mut response, applied);
        }
        if self.basic_tracked {
            let note = "basic_auth_tracked: refused once the restriction enforces";
            response = wire::with_default_outcome(response, note);
        }
        response
    }
}

/// `GET /api/now/ui/user/current_user`: who the credentials act as (D1), in the captured shape of catalogue §3 and
/// its key order (`fixtures/responses/current_user.json`): the avatar (`""`: the mock's users have none), sys_id,
/// user name, display name and initials.
pub(crate) fn current_user(caller: &Caller) -> Response {
    let user = json!({
        "user_avatar": "",
        "user_sys_id": caller.sys_id,
        "user_name": caller.user_name,
        "user_display_name": caller.name,
        "user_initials": initials(&caller.name),
    });
    wire::result(StatusCode::OK, user)
}

/// catalogue §3: a user's initials as `current_user` shows them: the first letters of the display name's first
/// and last words, upper case (one word: its first letter; inferred from the UI's avatars).
fn initials(display_name: &str) -> String {
    let mut words = display_name.split_whitespace();
    let first = words.next();
    let last = words.next_back();
    first
        .into_iter()
        .chain(last)
        .filter_map(|word| word.chars().next())
        .flat_map(char::to_uppercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::initials;

    #[test]
    fn initials_are_the_first_and_last_words_first_letters() {
        assert_eq!(initials("System Administrator"), "SA");
        assert_eq!(initials("Client Credentials Integration"), "CI");
        assert_eq!(initials("  abel   tuter "), "AT");
        assert_eq!(initials("admin"), "A");
        assert_eq!(initials(""), "");
    }
}

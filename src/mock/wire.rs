//! ServiceNow's wire shapes (SPEC §1–§3, §7, §8): status codes, bodies byte for byte, and headers.

use std::borrow::Cow;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

use super::breaks::{Break, Breaks};
use super::switches::Switches;
use crate::captured::{REST_401, TOKEN_GENERIC_401};
use crate::mock::apis::attachments::AttachmentError;
use crate::mock::apis::batch::BatchError;
use crate::mock::auth::authn::{AuthFailure, RestRefusal};
use crate::mock::auth::sessions::SESSION_COOKIE;
use crate::mock::tables::table_api::{Operation, TableError};
use crate::mock::token::grant::{IssuedToken, Reason, Refusal};
use crate::mock::token::revoke::Revocation;
use crate::random;

/// The generic token error with its keys in RFC 6749 order (only [`Break::ErrorBodyReordered`] sends it).
const REORDERED_TOKEN_ERROR: &str =
    r#"{"error":"server_error","error_description":"access_denied"}"#;
/// RFC 6749's error for an unknown client (only [`Break::UnknownClientInvalid`] sends it).
const INVALID_CLIENT_ERROR: &str = r#"{"error":"invalid_client"}"#;

/// A revocation request without a `token` (inferred, in the token endpoint's key order).
const REVOKE_WITHOUT_TOKEN: &str =
    r#"{"error_description":"Required parameter token is missing","error":"invalid_request"}"#;

const JSON_UTF8: &str = "application/json;charset=UTF-8";

/// Why a response was given, kept in the journal (never sent).
#[derive(Clone, Debug)]
pub(crate) struct AnswerNote(pub Cow<'static, str>);

/// A JSON response with the headers an instance sends on REST and token responses.
pub(crate) fn json_response(status: StatusCode, body: String) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    // Room for every header a response here gets, so adding them never regrows the map.
    response.headers_mut().reserve(8);
    no_cache(response.headers_mut());
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8));
    response
}

fn no_cache(headers: &mut HeaderMap) {
    let fixed = [
        (
            header::CACHE_CONTROL,
            "no-cache,no-store,must-revalidate,max-age=-1",
        ),
        (header::PRAGMA, "no-store,no-cache"),
        (header::EXPIRES, "0"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

/// Journal notes for what the mock answers without modelling it (SPEC §12: honesty) start with this.
pub(crate) const NOT_MODELLED: &str = "not modelled by the mock";

pub(crate) fn with_outcome(
    mut response: Response,
    outcome: impl Into<Cow<'static, str>>,
) -> Response {
    response.extensions_mut().insert(AnswerNote(outcome.into()));
    response
}

/// The success body in the captured key order, compact, with no refresh token (C1, C2) but the password
/// grant's (SPEC §10).
#[derive(Serialize)]
struct TokenBody<'a> {
    access_token: &'a str,
    /// The password grant's only (SPEC §10).
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
    scope: &'a str,
    token_type: &'static str,
    expires_in: i64,
}

pub(crate) fn token_issued(issued: &IssuedToken, breaks: &Breaks) -> Response {
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

pub(crate) fn token_refused(refusal: &Refusal, switches: &Switches, breaks: &Breaks) -> Response {
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

/// `{"error":{"message":…,"detail":…},"status":"failure"}`.
pub(crate) fn failure(status: StatusCode, message: &str, detail: Option<&str>) -> Response {
    let body = json!({ "error": { "message": message, "detail": detail }, "status": "failure" });
    json_response(status, body.to_string())
}

/// The captured REST 401 with its challenge (E2, E7).
pub(crate) fn not_authenticated(reason: AuthFailure, breaks: &Breaks) -> Response {
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

/// A REST request refused before its API: the SPEC §3 401, or the SPEC §7 403 naming the missing scope
/// (body inferred: SPEC §7).
pub(crate) fn rest_refused(refusal: &RestRefusal, breaks: &Breaks) -> Response {
    match refusal {
        RestRefusal::NotAuthenticated(reason) => not_authenticated(*reason, breaks),
        RestRefusal::MissingScope(missing) => {
            let detail = format!("Missing required API access scope: {}", missing.0);
            let response = failure(StatusCode::FORBIDDEN, "User Not Authorized", Some(&detail));
            with_outcome(response, "forbidden: missing_scope")
        }
    }
}

/// The answer of `oauth_revoke_token.do` (SPEC §8; inferred): 200 with an empty body, revoked or unknown;
/// a 400 in the token endpoint's style without a `token`.
pub(crate) fn revocation(revocation: Revocation) -> Response {
    let response = match revocation {
        Revocation::Revoked | Revocation::UnknownToken => {
            let mut response = StatusCode::OK.into_response();
            no_cache(response.headers_mut());
            response
        }
        Revocation::MissingToken => {
            json_response(StatusCode::BAD_REQUEST, REVOKE_WITHOUT_TOKEN.to_owned())
        }
    };
    with_outcome(response, revocation.code())
}

/// Notes in the journal that a Basic sign-in went through only because the Basic auth restriction tracks
/// (SPEC §10), unless the answer has a note of its own.
pub(crate) fn note_basic_tracked(response: &mut Response) {
    if response.extensions().get::<AnswerNote>().is_none() {
        let note = "basic_auth_tracked: refused once the restriction enforces";
        response.extensions_mut().insert(AnswerNote(note.into()));
    }
}

/// The cookies of a Bearer call's session (SPEC I3): `JSESSIONID`, `glide_user_route`, `glide_session_store`.
pub(crate) fn add_session_cookies(response: &mut Response, values: &[String; 3]) {
    let names = [SESSION_COOKIE, "glide_user_route", "glide_session_store"];
    for (name, value) in names.iter().zip(values) {
        let cookie = format!("{name}={value}; Path=/; HttpOnly");
        if let Ok(cookie) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
    }
}

pub(crate) fn table_error(error: &TableError) -> Response {
    match error {
        TableError::InvalidTable(table) => failure(
            StatusCode::BAD_REQUEST,
            &format!("Invalid table {table}"),
            Some(&format!("Table {table} does not exist")),
        ),
        TableError::ReadDenied => failure(
            StatusCode::FORBIDDEN,
            "Insufficient rights to query records",
            None,
        ),
        TableError::WriteDenied(operation) => {
            let verb = match operation {
                Operation::Insert => "Insert",
                Operation::Update => "Update",
                Operation::Delete => "Delete",
            };
            failure(
                StatusCode::FORBIDDEN,
                "Operation Failed",
                Some(&format!(
                    "ACL Exception {verb} Failed due to security constraints"
                )),
            )
        }
        TableError::NotFound => failure(
            StatusCode::NOT_FOUND,
            "No Record found",
            Some("Record doesn't exist or ACL restricts the record retrieval"),
        ),
        TableError::InvalidJson => failure(
            StatusCode::BAD_REQUEST,
            "Exception while reading request",
            Some("The payload is not valid JSON."),
        ),
    }
}

/// A path an instance does not serve (or the mock does not model): the journal says which (SPEC §12).
pub(crate) fn no_such_resource(why: &str) -> Response {
    let response = failure(
        StatusCode::BAD_REQUEST,
        "Requested URI does not represent any resource",
        None,
    );
    with_outcome(response, format!("{NOT_MODELLED}: {why}"))
}

/// A method a route does not serve: an instance's 405, noted as not modelled.
pub(crate) fn method_not_supported(method: &str) -> Response {
    let response = failure(
        StatusCode::METHOD_NOT_ALLOWED,
        "Method not Supported",
        Some(&format!("{method} method not supported for API")),
    );
    with_outcome(
        response,
        format!("{NOT_MODELLED}: the {method} method here"),
    )
}

/// An Attachment API refusal (bodies inferred, see `attachments`).
pub(crate) fn attachment_error(error: &AttachmentError) -> Response {
    let response = match error {
        AttachmentError::MissingParameter(name) => failure(
            StatusCode::BAD_REQUEST,
            &format!("Missing required parameter: {name}"),
            None,
        ),
        AttachmentError::NoFilePart => failure(
            StatusCode::BAD_REQUEST,
            "Failed to create the attachment. File part might be missing in the request.",
            None,
        ),
        AttachmentError::TooLarge { limit } => failure(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request entity too large",
            Some(&format!(
                "The attachment is larger than the maximum allowed size of {limit} bytes"
            )),
        ),
        AttachmentError::InvalidTable(table) => {
            table_error(&TableError::InvalidTable(table.clone()))
        }
        AttachmentError::ParentNotFound | AttachmentError::NotFound => {
            table_error(&TableError::NotFound)
        }
        AttachmentError::WriteDenied => table_error(&TableError::WriteDenied(Operation::Insert)),
    };
    with_outcome(response, error.code())
}

/// A whole batch refused (SPEC §12; bodies in the Table API's bad-payload style).
pub(crate) fn batch_refused(error: &BatchError) -> Response {
    let response = failure(
        StatusCode::BAD_REQUEST,
        "Exception while reading request",
        Some(&error.to_string()),
    );
    with_outcome(response, error.code())
}

pub(crate) fn body_too_large() -> Response {
    failure(
        StatusCode::PAYLOAD_TOO_LARGE,
        "Request entity too large",
        None,
    )
}

/// `{"result": …}` with status 200 or 201.
pub(crate) fn result(status: StatusCode, value: Value) -> Response {
    json_response(status, json!({ "result": value }).to_string())
}

/// A file's bytes exactly, with its content type (SPEC §12).
pub(crate) fn file(content_type: &str, bytes: axum::body::Bytes) -> Response {
    let mut response = Response::new(Body::from(bytes));
    no_cache(response.headers_mut());
    let content_type = HeaderValue::from_str(content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, content_type);
    response
}

/// `GET /api/now/oauth/jwks` (SPEC §9): the JSON Web Key Set as it is, not wrapped in `result`.
pub(crate) fn jwks(key_set: &Value) -> Response {
    with_outcome(json_response(StatusCode::OK, key_set.to_string()), "jwks")
}

/// `204 No Content` for a delete.
pub(crate) fn no_content() -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    no_cache(response.headers_mut());
    response
}

/// The `Link` header of a list page: first, previous, next and last pages, as an instance sends it.
pub(crate) fn pagination_links(
    path: &str,
    pairs: &[(String, String)],
    offset: usize,
    limit: usize,
    total: usize,
) -> String {
    let page = |at: usize| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in pairs {
            if name != "sysparm_offset" && name != "sysparm_limit" {
                query.append_pair(name, value);
            }
        }
        query.append_pair("sysparm_limit", &limit.to_string());
        query.append_pair("sysparm_offset", &at.to_string());
        format!("<{path}?{}>", query.finish())
    };
    let last = total.saturating_sub(1) / limit * limit;
    let mut links = vec![format!("{};rel=\"first\"", page(0))];
    if offset > 0 {
        links.push(format!(
            "{};rel=\"prev\"",
            page(offset.saturating_sub(limit))
        ));
    }
    let next = offset.saturating_add(limit);
    if next < total {
        links.push(format!("{};rel=\"next\"", page(next)));
    }
    links.push(format!("{};rel=\"last\"", page(last)));
    links.join(",")
}

/// Adds a header, skipping values that cannot be sent.
pub(crate) fn add_header(response: &mut Response, name: HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagination_links_name_the_pages_around_the_current_one() {
        let pairs = vec![("sysparm_query".to_owned(), "active=true".to_owned())];
        let links = pagination_links("https://i/api/now/table/sys_user", &pairs, 2, 2, 5);
        let expected = [
            r#"<https://i/api/now/table/sys_user?sysparm_query=active%3Dtrue&sysparm_limit=2&sysparm_offset=0>;rel="first""#,
            r#"<https://i/api/now/table/sys_user?sysparm_query=active%3Dtrue&sysparm_limit=2&sysparm_offset=0>;rel="prev""#,
            r#"<https://i/api/now/table/sys_user?sysparm_query=active%3Dtrue&sysparm_limit=2&sysparm_offset=4>;rel="next""#,
            r#"<https://i/api/now/table/sys_user?sysparm_query=active%3Dtrue&sysparm_limit=2&sysparm_offset=4>;rel="last""#,
        ];
        assert_eq!(links, expected.join(","));
        let single = pagination_links("p", &[], 0, 10, 0);
        assert_eq!(
            single,
            r#"<p?sysparm_limit=10&sysparm_offset=0>;rel="first",<p?sysparm_limit=10&sysparm_offset=0>;rel="last""#
        );
    }
}

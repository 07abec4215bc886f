//! ServiceNow's answer envelope, shared by every endpoint (catalogue §1–§3, §12): the headers of a JSON answer, the
//! `failure` and `result` bodies, the answers to what an instance does not serve, and the journal's note of why
//! an answer was given. Each endpoint's own shapes stand beside its rules (`token::reply`, `auth::reply`,
//! `tables::reply`, `apis::reply`).

use std::borrow::Cow;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

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

/// The headers that keep an answer out of every cache.
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

/// Journal notes for what the mock answers without modelling it (catalogue §12: honesty) start with this.
pub(crate) const NOT_MODELLED: &str = "not modelled by the mock";

/// `response`, noted in the journal with why it was given.
pub(crate) fn with_outcome(
    mut response: Response,
    outcome: impl Into<Cow<'static, str>>,
) -> Response {
    response.extensions_mut().insert(AnswerNote(outcome.into()));
    response
}

/// `response`, noted with `outcome` unless it already says why it was given.
pub(crate) fn with_default_outcome(
    mut response: Response,
    outcome: impl Into<Cow<'static, str>>,
) -> Response {
    if response.extensions().get::<AnswerNote>().is_none() {
        response.extensions_mut().insert(AnswerNote(outcome.into()));
    }
    response
}

/// `{"error":{"message":…,"detail":…},"status":"failure"}`.
pub(crate) fn failure(status: StatusCode, message: &str, detail: Option<&str>) -> Response {
    let body = json!({ "error": { "message": message, "detail": detail }, "status": "failure" });
    json_response(status, body.to_string())
}

/// A path an instance does not serve (or the mock does not model): the journal says which (catalogue §12).
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

/// A request body over the mock's limit.
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

/// A file's bytes exactly, with its content type (catalogue §12).
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

/// An answer without a body, kept out of caches.
pub(crate) fn empty(status: StatusCode) -> Response {
    let mut response = status.into_response();
    no_cache(response.headers_mut());
    response
}

/// `204 No Content` for a delete.
pub(crate) fn no_content() -> Response {
    empty(StatusCode::NO_CONTENT)
}

/// Adds a header, skipping values that cannot be sent.
pub(crate) fn add_header(response: &mut Response, name: HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}

//! The Batch API's rules (catalogue §12): reading `POST /api/now/v1/batch`'s body into inner requests, which of them
//! the mock serves and as whom they run, and the answer's body; running them through the mock's own routes is the
//! adapter's.
//!
//! Mock decisions (catalogue §12 is silent): at most [`MAX_INNER_REQUESTS`] inner requests (more: the whole batch
//! is a 400); malformed JSON, a bad method or bad base64 is a 400 for the whole batch, as the Table API answers
//! a bad payload; an inner request to the control plane (`/__mock`), to a path outside `/api/` or to the Batch
//! API itself is answered, inside the batch, with the 400 a real instance gives a path it does not serve, and
//! the journal says it is not modelled by the mock. The mock has no batch time limit, so
//! `unserviced_requests` is always empty.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::mock::control_path::is_control_plane;

/// The most inner requests one batch may carry (a mock limit).
pub(crate) const MAX_INNER_REQUESTS: usize = 1000;

/// Where the Batch API is served (versioned and default URL).
pub(crate) const BATCH_PATHS: [&str; 2] = ["/api/now/v1/batch", "/api/now/batch"];

#[derive(Deserialize)]
struct BatchJson {
    #[serde(default)]
    batch_request_id: Option<Value>,
    rest_requests: Vec<InnerJson>,
}

#[derive(Deserialize)]
struct InnerJson {
    #[serde(default)]
    id: Option<Value>,
    url: String,
    method: String,
    #[serde(default)]
    headers: Vec<HeaderJson>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    exclude_response_headers: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
struct HeaderJson {
    name: String,
    value: String,
}

/// A batch as the client sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Batch {
    /// `batch_request_id`, as text (PySNC sends a number and expects its text back).
    pub id: String,
    pub requests: Vec<InnerRequest>,
}

/// One inner request, its body decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct InnerRequest {
    pub id: String,
    pub method: Method,
    /// Path and query, e.g. `/api/now/table/incident?sysparm_limit=1`.
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub exclude_response_headers: bool,
    pub target: Target,
}

/// Whether the mock serves an inner request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// Through the mock's REST routes, as the caller.
    Api,
    /// Answered with the 400 for a path no instance serves; the reason is journaled.
    NotModelled(&'static str),
}

/// Why a whole batch is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum BatchError {
    #[error("The payload is not a valid batch request: {0}")]
    Malformed(String),
    #[error("The body of rest request {0} is not valid base64")]
    Base64(String),
    #[error("A batch carries at most {MAX_INNER_REQUESTS} rest requests, not {0} (a mock limit)")]
    TooMany(usize),
}

impl BatchError {
    /// Why, for the journal.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            BatchError::Malformed(_) => "refused: malformed_batch",
            BatchError::Base64(_) => "refused: batch_body_not_base64",
            BatchError::TooMany(_) => "refused: batch_too_large (a mock limit)",
        }
    }
}

/// An id as text: a string as it is, anything else as its JSON.
fn id_text(id: Option<Value>) -> String {
    match id {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text,
        Some(other) => other.to_string(),
    }
}

/// Reads a batch body (catalogue §12's shape).
pub(crate) fn parse(body: &[u8]) -> Result<Batch, BatchError> {
    let batch: BatchJson =
        serde_json::from_slice(body).map_err(|error| BatchError::Malformed(error.to_string()))?;
    if batch.rest_requests.len() > MAX_INNER_REQUESTS {
        return Err(BatchError::TooMany(batch.rest_requests.len()));
    }
    let requests = batch
        .rest_requests
        .into_iter()
        .map(inner)
        .collect::<Result<_, _>>()?;
    Ok(Batch {
        id: id_text(batch.batch_request_id),
        requests,
    })
}

fn inner(request: InnerJson) -> Result<InnerRequest, BatchError> {
    let id = id_text(request.id);
    let method = Method::from_bytes(request.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| BatchError::Malformed(format!("rest request {id}: bad method")))?;
    let body = match request.body.as_deref() {
        None | Some("") => Vec::new(),
        Some(text) => STANDARD
            .decode(text)
            .map_err(|_| BatchError::Base64(id.clone()))?,
    };
    Ok(InnerRequest {
        target: target(&request.url),
        method,
        url: request.url,
        headers: request
            .headers
            .into_iter()
            .map(|header| (header.name, header.value))
            .collect(),
        body,
        exclude_response_headers: request.exclude_response_headers,
        id,
    })
}

/// Whether the mock serves an inner request to `url`.
pub(crate) fn target(url: &str) -> Target {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    if is_control_plane(path) {
        Target::NotModelled("an inner request to the control plane")
    } else if !path.starts_with("/api/") {
        Target::NotModelled("an inner request outside /api/")
    } else if BATCH_PATHS.contains(&path.trim_end_matches('/')) {
        Target::NotModelled("a nested batch")
    } else {
        Target::Api
    }
}

/// What one inner request got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct InnerAnswer {
    pub id: String,
    pub status: u16,
    pub status_text: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub execution_time_ms: u64,
}

/// catalogue §12: an inner response header's name in the case an instance sends it: `Cache-control` (as the
/// Batch API's documented answer has it, unlike the top-level `Cache-Control`), every other name with each
/// word capitalised (`Content-Type`, `X-Total-Count`).
pub(crate) fn instance_case(name: &str) -> String {
    if name.eq_ignore_ascii_case("cache-control") {
        return "Cache-control".to_owned();
    }
    let words: Vec<String> = name
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase());
            first
                .into_iter()
                .chain(chars.map(|c| c.to_ascii_lowercase()))
                .collect()
        })
        .collect();
    words.join("-")
}

/// The batch's answer: every inner request serviced (the mock has no time limit).
pub(crate) fn answer(batch_id: &str, answers: &[InnerAnswer]) -> Value {
    let serviced: Vec<Value> = answers
        .iter()
        .map(|answer| {
            let headers: Vec<HeaderJson> = answer
                .headers
                .iter()
                .map(|(name, value)| HeaderJson {
                    name: instance_case(name),
                    value: value.clone(),
                })
                .collect();
            json!({
                "id": answer.id,
                "status_code": answer.status,
                "status_text": answer.status_text,
                "body": STANDARD.encode(&answer.body),
                "headers": headers,
                "execution_time": answer.execution_time_ms,
            })
        })
        .collect();
    json!({
        "batch_request_id": batch_id,
        "serviced_requests": serviced,
        "unserviced_requests": [],
    })
}

/// Headers of an inner request the batch's own replace: who the caller is, and what the transport sets.
const REPLACED: [HeaderName; 4] = [
    header::AUTHORIZATION,
    header::COOKIE,
    header::HOST,
    header::CONTENT_LENGTH,
];

/// catalogue §12: each inner request runs as the caller: it goes to the mock's routes with the batch's own
/// `Authorization` and `Cookie` headers (`outer`) in place of its own; `None` when its URL or a header
/// cannot be sent.
pub(crate) fn inner_http_request(
    outer: &HeaderMap,
    request: &InnerRequest,
) -> Option<Request<Body>> {
    let mut inner = Request::builder()
        .method(request.method.clone())
        .uri(&request.url);
    let headers = inner.headers_mut()?;
    for (name, value) in &request.headers {
        let name = HeaderName::try_from(name.as_str()).ok()?;
        if !REPLACED.contains(&name) {
            headers.append(name, HeaderValue::try_from(value.as_str()).ok()?);
        }
    }
    for name in [header::AUTHORIZATION, header::COOKIE] {
        for value in outer.get_all(&name) {
            headers.append(name.clone(), value.clone());
        }
    }
    inner.body(Body::from(request.body.clone())).ok()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn pysncs_body_is_read() {
        let body = json!({
            "batch_request_id": 1,
            "rest_requests": [{
                "id": "140",
                "method": "PATCH",
                "url": "/api/now/table/incident/abc?sysparm_display_value=all",
                "headers": [{"name": "Content-Type", "value": "application/json"}],
                "body": STANDARD.encode(br#"{"state":"2"}"#),
            }, {
                "id": 2, "method": "get", "url": "/__mock/journal", "exclude_response_headers": true,
            }],
        });
        let batch = parse(body.to_string().as_bytes()).unwrap();
        assert_eq!(batch.id, "1");
        let [patch, control] = &batch.requests[..] else {
            panic!("two requests");
        };
        assert_eq!((patch.id.as_str(), &patch.method), ("140", &Method::PATCH));
        assert_eq!(patch.body, br#"{"state":"2"}"#);
        assert_eq!(
            patch.headers,
            [("Content-Type".to_owned(), "application/json".to_owned())]
        );
        assert_eq!(
            (patch.target, patch.exclude_response_headers),
            (Target::Api, false)
        );
        assert_eq!((control.id.as_str(), &control.method), ("2", &Method::GET));
        assert!(matches!(control.target, Target::NotModelled(_)));
        assert!(control.exclude_response_headers && control.body.is_empty());
    }

    #[test]
    fn targets_outside_the_rest_api_are_not_modelled() {
        assert_eq!(target("/api/now/table/incident?x=/__mock"), Target::Api);
        assert_eq!(target("/api/now/attachment/abc/file"), Target::Api);
        for url in [
            "/__mock",
            "/__mock/reset",
            "/oauth_token.do",
            "https://x/api/now/table/a",
            "",
            "/api/now/v1/batch/",
            "/api/now/batch?x",
        ] {
            assert!(matches!(target(url), Target::NotModelled(_)), "{url}");
        }
    }

    #[test]
    fn bad_batches_are_refused_whole() {
        assert!(matches!(parse(b"{not json"), Err(BatchError::Malformed(_))));
        assert!(matches!(
            parse(br#"{"rest_requests":{}}"#),
            Err(BatchError::Malformed(_))
        ));
        let bad_method =
            br#"{"rest_requests":[{"id":"1","url":"/api/now/table/a","method":"G T"}]}"#;
        assert!(matches!(parse(bad_method), Err(BatchError::Malformed(_))));
        let bad_body = br#"{"rest_requests":[{"id":"7","url":"/api/now/table/a","method":"POST","body":"%%%"}]}"#;
        assert_eq!(parse(bad_body), Err(BatchError::Base64("7".into())));
        let many: Vec<Value> = (0..=MAX_INNER_REQUESTS)
            .map(|id| json!({"id": id.to_string(), "url": "/api/now/table/incident", "method": "GET"}))
            .collect();
        let body = json!({"batch_request_id": "b", "rest_requests": many}).to_string();
        assert_eq!(
            parse(body.as_bytes()),
            Err(BatchError::TooMany(MAX_INNER_REQUESTS + 1))
        );
    }

    #[test]
    fn the_answer_encodes_bodies_and_lists_no_unserviced_request() {
        let answered = InnerAnswer {
            id: "1".into(),
            status: 201,
            status_text: "Created".into(),
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: b"{}".to_vec(),
            execution_time_ms: 3,
        };
        let body = answer("9", &[answered]);
        assert_eq!(body["batch_request_id"], "9");
        assert_eq!(body["serviced_requests"][0]["body"], STANDARD.encode(b"{}"));
        assert_eq!(
            body["serviced_requests"][0]["headers"][0]["name"],
            "Content-Type"
        );
        assert_eq!(body["unserviced_requests"], json!([]));
    }

    #[test]
    fn inner_header_names_keep_an_instance_s_case() {
        let cases = [
            ("cache-control", "Cache-control"),
            ("content-type", "Content-Type"),
            ("x-total-count", "X-Total-Count"),
            ("LINK", "Link"),
            ("x-is-logged-in", "X-Is-Logged-In"),
        ];
        for (sent, expected) in cases {
            assert_eq!(instance_case(sent), expected);
        }
    }

    fn inner_request() -> impl Strategy<Value = InnerRequest> {
        (
            "[a-z0-9]{1,8}",
            prop::sample::select(vec![
                Method::GET,
                Method::POST,
                Method::PATCH,
                Method::DELETE,
            ]),
            "/api/now/table/[a-z_]{1,10}(/[0-9a-f]{32})?",
            prop::collection::vec(("[A-Za-z-]{1,12}", "[ -~]{0,20}"), 0..3),
            prop::collection::vec(any::<u8>(), 0..200),
            any::<bool>(),
        )
            .prop_map(
                |(id, method, url, headers, body, exclude_response_headers)| InnerRequest {
                    id,
                    method,
                    url,
                    headers,
                    body,
                    exclude_response_headers,
                    target: Target::Api,
                },
            )
    }

    /// An inner request as PySNC writes it.
    fn sent(request: &InnerRequest) -> Value {
        let headers: Vec<Value> = request
            .headers
            .iter()
            .map(|(name, value)| json!({"name": name, "value": value}))
            .collect();
        json!({
            "id": request.id,
            "method": request.method.as_str(),
            "url": request.url,
            "headers": headers,
            "body": STANDARD.encode(&request.body),
            "exclude_response_headers": request.exclude_response_headers,
        })
    }

    proptest! {
        #[test]
        fn what_a_client_sends_reads_back(requests in prop::collection::vec(inner_request(), 0..6), batch_id in 0u64..1_000_000) {
            let rest_requests: Vec<Value> = requests.iter().map(sent).collect();
            let text = json!({"batch_request_id": batch_id, "rest_requests": rest_requests}).to_string();
            let batch = parse(text.as_bytes()).unwrap();
            prop_assert_eq!(batch, Batch { id: batch_id.to_string(), requests });
        }

        #[test]
        fn a_body_that_is_not_base64_is_refused(body in "[ -~]{1,40}") {
            prop_assume!(STANDARD.decode(&body).is_err());
            let text = json!({"rest_requests": [{"id": "x", "url": "/api/now/table/a", "method": "POST", "body": body}]}).to_string();
            prop_assert_eq!(parse(text.as_bytes()), Err(BatchError::Base64("x".into())));
        }

        #[test]
        fn any_body_is_answered(body in prop::collection::vec(any::<u8>(), 0..400), url in ".{0,40}") {
            let _ = parse(&body);
            let _ = target(&url);
        }
    }
}

//! Middleware around every instance route: armed faults first, then the exchange, recorded in the journal.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::faults::FaultAction;
use super::journal::Exchange;
use super::server::ConnectionCloser;
use super::shared::Shared;
use super::wire::{self, Outcome};

/// The largest request body the mock reads; a larger one is refused with 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Where the control plane lives: never faulted, never journaled.
pub const CONTROL_PREFIX: &str = "/__mock";

pub async fn observe(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path == CONTROL_PREFIX || path.starts_with("/__mock/") {
        return next.run(request).await;
    }
    let fault = shared.faults().take(path);
    let canned = match fault {
        Some(FaultAction::Respond {
            status,
            headers,
            body,
        }) => Some(canned(status, &headers, body)),
        Some(FaultAction::Delay { millis }) => {
            tokio::time::sleep(Duration::from_millis(millis)).await;
            None
        }
        Some(FaultAction::Close) => {
            if let Some(closer) = request.extensions().get::<ConnectionCloser>() {
                closer.close();
            }
            return std::future::pending().await;
        }
        None => None,
    };

    let (parts, body) = request.into_parts();
    // Cheap handles (shared buffers) on what the journal needs once the request itself is gone.
    let (method, uri) = (parts.method.clone(), parts.uri.clone());
    let authorization = parts.headers.get(header::AUTHORIZATION).cloned();
    let content_type = parts.headers.get(header::CONTENT_TYPE).cloned();
    let (request_body, response) = match to_bytes(body, MAX_BODY_BYTES).await {
        Err(_) => (Bytes::new(), wire::body_too_large()),
        Ok(bytes) => match canned {
            Some(response) => (bytes, response),
            None => {
                let request = Request::from_parts(parts, Body::from(bytes.clone()));
                (bytes, next.run(request).await)
            }
        },
    };

    let (mut response_parts, response_body) = response.into_parts();
    let response_bytes = to_bytes(response_body, usize::MAX)
        .await
        .unwrap_or_default();
    let outcome = response_parts
        .extensions
        .remove::<Outcome>()
        .map(|Outcome(why)| why);
    let at = shared.clock.now();
    shared.journal().record(Exchange {
        at,
        method: &method,
        path: uri.path(),
        query: uri.query().unwrap_or_default(),
        authorization: authorization.as_ref().and_then(|value| value.to_str().ok()),
        content_type: content_type.as_ref().and_then(|value| value.to_str().ok()),
        request_body: &request_body,
        status: response_parts.status.as_u16(),
        response_body: &response_bytes,
        outcome,
    });
    Response::from_parts(response_parts, Body::from(response_bytes))
}

/// The response an armed `respond` fault gives.
fn canned(
    status: u16,
    headers: &std::collections::BTreeMap<String, String>,
    body: String,
) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, body).into_response();
    response.headers_mut().remove(header::CONTENT_TYPE);
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value.as_str()),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
        .extensions_mut()
        .insert(Outcome("fault: respond".into()));
    response
}

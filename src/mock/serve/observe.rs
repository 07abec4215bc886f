//! What wraps every request the mock serves: armed faults first, then the exchange, recorded in the journal.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::http::{HeaderName, HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::Notify;
use tower::ServiceExt;

use super::body::{body_limit, read_whole};
use super::faults::FaultAction;
use super::journal::LoggedExchange;
use super::shared::Shared;
use crate::mock::control_path::is_control_plane;
use crate::mock::wire::{self, AnswerNote};

/// Lets a handler drop its own connection without answering (the `close` fault).
#[derive(Clone, Default)]
pub(crate) struct ConnectionCloser(Arc<Notify>);

impl ConnectionCloser {
    pub(crate) fn close(&self) {
        self.0.notify_one();
    }

    /// Resolves once a handler asked for the connection to be dropped.
    pub(crate) async fn closed(&self) {
        self.0.notified().await;
    }
}

/// Serves one request through `router` (the mock's routes), applying armed faults and journaling the
/// exchange; `closer` drops the request's connection for a `close` fault.
///
/// A plain function the connection calls rather than an axum middleware layer: a layer would box and
/// clone the routes' services on every request.
pub(crate) async fn observe<B>(
    shared: Arc<Shared>,
    router: Router,
    closer: ConnectionCloser,
    request: Request<B>,
) -> Response
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let path = request.uri().path();
    if is_control_plane(path) {
        return route(router, request).await;
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
            closer.close();
            return std::future::pending().await;
        }
        None => None,
    };

    let (parts, body) = request.into_parts();
    // Cheap handles (shared buffers) on what the journal needs once the request itself is gone.
    let (method, uri) = (parts.method.clone(), parts.uri.clone());
    let authorization = parts.headers.get(header::AUTHORIZATION).cloned();
    let content_type = parts.headers.get(header::CONTENT_TYPE).cloned();
    let accept = parts.headers.get(header::ACCEPT).cloned();
    let user_agent = parts.headers.get(header::USER_AGENT).cloned();
    let (request_body, response) = match read_whole(body, body_limit(uri.path())).await {
        Err(_) => (Bytes::new(), wire::body_too_large()),
        Ok(bytes) => match canned {
            Some(response) => (bytes, response),
            None => {
                let request = Request::from_parts(parts, Body::from(bytes.clone()));
                (bytes, route(router, request).await)
            }
        },
    };

    let (mut response_parts, response_body) = response.into_parts();
    let response_bytes = read_whole(response_body, usize::MAX)
        .await
        .unwrap_or_default();
    let outcome = response_parts
        .extensions
        .remove::<AnswerNote>()
        .map(|AnswerNote(why)| why);
    let at = shared.clock.now();
    shared.journal().record(LoggedExchange {
        at,
        method: &method,
        path: uri.path(),
        query: uri.query().unwrap_or_default(),
        authorization: text(authorization.as_ref()),
        content_type: text(content_type.as_ref()),
        accept: text(accept.as_ref()),
        user_agent: text(user_agent.as_ref()),
        request_body: &request_body,
        status: response_parts.status.as_u16(),
        response_body: &response_bytes,
        outcome,
    });
    Response::from_parts(response_parts, Body::from(response_bytes))
}

fn text(value: Option<&HeaderValue>) -> Option<&str> {
    value.and_then(|value| value.to_str().ok())
}

async fn route<B>(router: Router, request: Request<B>) -> Response
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    router
        .oneshot(request)
        .await
        .unwrap_or_else(|never| match never {})
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
        .insert(AnswerNote("fault: respond".into()));
    response
}

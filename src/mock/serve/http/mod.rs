//! The thin axum adapter: ServiceNow's routes, one file per endpoint, each reading the request, asking the
//! rules and handing back their answer; this file puts the routes together. A path no route serves goes to the
//! Scripted REST APIs (catalogue §17), which answer it or say the instance does not serve it.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, HeaderName, Method};
use axum::middleware;
use axum::response::Response;
use axum::routing::{any, get, post};

use super::control;
use super::shared::Shared;
use crate::mock::apis::batch::BATCH_PATHS;
use crate::mock::wire;

mod attachments;
mod batch;
mod jwks;
mod rest_auth;
mod revoke;
mod scripted_rest;
mod tables;
mod token;

/// Every route the mock answers: the instance's, then the control plane under `/__mock`
/// ([`super::observe`] wraps each request).
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    // A batch's inner requests run through the REST routes without the Batch API (catalogue §12).
    let inner = rest_routes(&shared, None)
        .method_not_allowed_fallback(method_not_supported)
        .fallback(scripted_rest::serve)
        .with_state(Arc::clone(&shared));
    rest_routes(&shared, Some(inner))
        .route("/api/now/oauth/jwks", get(jwks::jwks))
        .route("/oauth_token.do", any(token::token))
        .route(
            "/oauth_revoke_token.do",
            get(revoke::revoke).post(revoke::revoke),
        )
        .method_not_allowed_fallback(method_not_supported)
        .fallback(scripted_rest::serve)
        .nest("/__mock", control::router())
        .route("/__mock/", get(control::status))
        .with_state(shared)
}

/// The authenticated REST API: the Table API (in JSON or XML), who am I, the Attachment API, and the Batch
/// API when `batch_routes` are given to run its inner requests.
fn rest_routes(shared: &Arc<Shared>, batch_routes: Option<Router>) -> Router<Arc<Shared>> {
    // catalogue §12: the unversioned, `v1` and `v2` paths are the same Table API.
    let mut routes = ["/api/now/table", "/api/now/v1/table", "/api/now/v2/table"]
        .into_iter()
        .fold(Router::new(), |router, base| {
            // A delete reads no parameters: the note of those the Table API ignores is layered on the other
            // methods only (a route layer wraps the methods added before it).
            let noting = || middleware::from_fn(tables::note_unmodelled);
            router
                .route(
                    &format!("{base}/{{table}}"),
                    get(tables::list).post(tables::create).route_layer(noting()),
                )
                .route(
                    &format!("{base}/{{table}}/{{sys_id}}"),
                    get(tables::read)
                        .put(tables::update)
                        .patch(tables::update)
                        .route_layer(noting())
                        .delete(tables::remove),
                )
        })
        .route_layer(middleware::from_fn(tables::negotiate_xml))
        .route(
            "/api/now/ui/user/current_user",
            get(rest_auth::current_user),
        );
    for version in ["", "/v1"] {
        routes = routes
            .route(
                &format!("/api/now{version}/attachment"),
                get(attachments::list),
            )
            // `observe` limits these bodies (to the attachment limit); axum's own 2 MB default must not.
            .route(
                &format!("/api/now{version}/attachment/file"),
                post(attachments::create_from_body).layer(DefaultBodyLimit::disable()),
            )
            .route(
                &format!("/api/now{version}/attachment/upload"),
                post(attachments::create_from_form).layer(DefaultBodyLimit::disable()),
            )
            .route(
                &format!("/api/now{version}/attachment/{{sys_id}}"),
                get(attachments::metadata).delete(attachments::delete),
            )
            .route(
                &format!("/api/now{version}/attachment/{{sys_id}}/file"),
                get(attachments::bytes),
            );
    }
    if let Some(inner) = batch_routes {
        for path in BATCH_PATHS {
            let inner = inner.clone();
            routes = routes.route(
                path,
                post(move |headers: HeaderMap, body: Bytes| batch::batch(inner, headers, body)),
            );
        }
    }
    routes.route_layer(middleware::from_fn_with_state(
        Arc::clone(shared),
        rest_auth::authenticate,
    ))
}

fn header_text(headers: &HeaderMap, name: HeaderName) -> Option<&str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

async fn method_not_supported(method: Method) -> Response {
    wire::method_not_supported(method.as_str())
}

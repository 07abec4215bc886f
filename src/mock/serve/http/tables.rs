//! The Table API's routes (catalogue §2, §12): each reads the request, asks `table_api`, and hands back its answer;
//! the XML form for a request that asks for it, and the journal's note of the parameters the API ignored.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;

use super::query_pairs;
use super::rest_auth::Authenticated;
use crate::mock::serve::body::read_whole;
use crate::mock::serve::shared::Shared;
use crate::mock::tables::path_form::PathForm;
use crate::mock::tables::table_api::{self, Params, TableError};
use crate::mock::tables::{reply, xml};
use crate::mock::wire;

pub(super) async fn list(
    State(shared): State<Arc<Shared>>,
    Authenticated(caller): Authenticated,
    uri: Uri,
    Path(table): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, TableError> {
    let pairs = query_pairs(query.as_deref());
    let params = Params::from_pairs(&pairs, &shared.base_url, PathForm::of(uri.path()));
    let page = table_api::list(&shared.lock().instance, &caller, &table, &params)?;
    Ok(reply::page(page, &params, &pairs, &table))
}

pub(super) async fn read(
    State(shared): State<Arc<Shared>>,
    Authenticated(caller): Authenticated,
    uri: Uri,
    Path((table, sys_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, TableError> {
    let params = Params::from_pairs(
        &query_pairs(query.as_deref()),
        &shared.base_url,
        PathForm::of(uri.path()),
    );
    let record = table_api::get(&shared.lock().instance, &caller, &table, &sys_id, &params)?;
    Ok(wire::result(StatusCode::OK, record))
}

pub(super) async fn create(
    State(shared): State<Arc<Shared>>,
    Authenticated(caller): Authenticated,
    uri: Uri,
    Path(table): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, TableError> {
    let params = Params::from_pairs(
        &query_pairs(query.as_deref()),
        &shared.base_url,
        PathForm::of(uri.path()),
    );
    let now = shared.clock.now();
    let instance = &mut shared.lock().instance;
    let (sys_id, record) = table_api::create(instance, &caller, &table, &body, &params, now)?;
    Ok(reply::created(record, &params, &table, &sys_id))
}

pub(super) async fn update(
    State(shared): State<Arc<Shared>>,
    Authenticated(caller): Authenticated,
    uri: Uri,
    Path((table, sys_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, TableError> {
    let params = Params::from_pairs(
        &query_pairs(query.as_deref()),
        &shared.base_url,
        PathForm::of(uri.path()),
    );
    let now = shared.clock.now();
    let instance = &mut shared.lock().instance;
    let record = table_api::update(instance, &caller, &table, &sys_id, &body, &params, now)?;
    Ok(wire::result(StatusCode::OK, record))
}

pub(super) async fn remove(
    State(shared): State<Arc<Shared>>,
    Authenticated(caller): Authenticated,
    Path((table, sys_id)): Path<(String, String)>,
) -> Result<Response, TableError> {
    let now = shared.clock.now();
    table_api::delete(&mut shared.lock().instance, &caller, &table, &sys_id, now)?;
    Ok(wire::no_content())
}

/// Notes in the journal the `sysparm_*` parameters the Table API ignored (catalogue §12), unless the answer
/// already says why it was given.
pub(super) async fn note_unmodelled(request: Request, next: Next) -> Response {
    let note = reply::unmodelled_note(&query_pairs(request.uri().query()));
    let response = next.run(request).await;
    match note {
        Some(note) => wire::with_default_outcome(response, note),
        None => response,
    }
}

/// The Table API's XML form for a request whose `Accept` asks for it (catalogue §12).
pub(super) async fn negotiate_xml(request: Request, next: Next) -> Response {
    let accepted: Vec<&str> = request
        .headers()
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect();
    let wants_xml = xml::wants_xml(Some(&accepted.join(",")));
    let response = next.run(request).await;
    if !wants_xml {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // The Table API's handlers write whole JSON bodies (or none, for a delete).
    let body = read_whole(body, usize::MAX).await.unwrap_or_default();
    let Ok(json) = serde_json::from_slice::<Value>(&body) else {
        return Response::from_parts(parts, Body::from(body));
    };
    let content_type = HeaderValue::from_static(xml::XML_UTF8);
    parts.headers.insert(header::CONTENT_TYPE, content_type);
    Response::from_parts(parts, Body::from(xml::render(&json)))
}

//! The Attachment API's routes (catalogue §12): each reads the request, asks `attachments`, and hands back its
//! answer.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

use super::rest_auth::Authenticated;
use super::{header_text, query_pairs};
use crate::mock::apis::attachments::{self, AttachmentError, File, ListParams, Upload};
use crate::mock::apis::{multipart, reply};
use crate::mock::auth::authn::Caller;
use crate::mock::serve::shared::Shared;
use crate::mock::wire;

pub(super) async fn list(
    State(shared): State<Arc<Shared>>,
    Authenticated(caller): Authenticated,
    RawQuery(query): RawQuery,
) -> Response {
    let params = ListParams::from_pairs(&query_pairs(query.as_deref()));
    let page = attachments::list(&shared.lock().instance, &caller, &params, &shared.base_url);
    reply::attachment_page(page)
}

/// Stores an upload and answers 201 with its metadata and `Location`.
fn attach(
    shared: &Shared,
    caller: &Caller,
    upload: Result<Upload, AttachmentError>,
) -> Result<Response, AttachmentError> {
    let now = shared.clock.now();
    let (sys_id, metadata) = upload.and_then(|upload| {
        let instance = &mut shared.lock().instance;
        attachments::create(instance, caller, upload, &shared.base_url, now)
    })?;
    Ok(reply::attached(metadata, &shared.base_url, &sys_id))
}

/// `POST /api/now/attachment/file?table_name=&table_sys_id=&file_name=`: the body is the file.
pub(super) async fn create_from_body(
    State(shared): State<Arc<Shared>>,
    Authenticated(caller): Authenticated,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AttachmentError> {
    let pairs = query_pairs(query.as_deref());
    let content_type = header_text(&headers, header::CONTENT_TYPE);
    let upload = Upload::from_query(&pairs, content_type, body);
    attach(&shared, &caller, Ok(upload))
}

/// `POST /api/now/attachment/upload`: a multipart form with `table_name`, `table_sys_id` and the file.
pub(super) async fn create_from_form(
    State(shared): State<Arc<Shared>>,
    Authenticated(caller): Authenticated,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AttachmentError> {
    let form = multipart::parse(header_text(&headers, header::CONTENT_TYPE), body).await;
    // A body that is not a form has no file part either.
    let upload = form
        .map_err(|_| AttachmentError::NoFilePart)
        .and_then(Upload::from_form);
    attach(&shared, &caller, upload)
}

pub(super) async fn metadata(
    State(shared): State<Arc<Shared>>,
    Authenticated(caller): Authenticated,
    Path(sys_id): Path<String>,
) -> Result<Response, AttachmentError> {
    let instance = &shared.lock().instance;
    let metadata = attachments::metadata(instance, &caller, &sys_id, &shared.base_url)?;
    Ok(wire::result(StatusCode::OK, metadata))
}

/// `GET /api/now/attachment/<sys_id>/file`: the bytes exactly, with their content type.
pub(super) async fn bytes(
    State(shared): State<Arc<Shared>>,
    Authenticated(caller): Authenticated,
    Path(sys_id): Path<String>,
) -> Result<File, AttachmentError> {
    attachments::file(&shared.lock().instance, &caller, &sys_id)
}

pub(super) async fn delete(
    State(shared): State<Arc<Shared>>,
    Authenticated(caller): Authenticated,
    Path(sys_id): Path<String>,
) -> Result<Response, AttachmentError> {
    attachments::delete(&mut shared.lock().instance, &caller, &sys_id)?;
    Ok(wire::no_content())
}

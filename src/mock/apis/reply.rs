//! What the Attachment and Batch APIs send (catalogue §12): a list of attachments, an upload's metadata with its
//! `Location`, a file's bytes, their refusals (bodies inferred, see `attachments`), and a batch's answer or
//! refusal.

use axum::http::{HeaderName, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::attachments::{AttachmentError, File};
use super::batch::{self, BatchError, InnerAnswer};
use crate::mock::tables::acl::Operation;
use crate::mock::tables::table_api::{Page, TableError};
use crate::mock::wire::{self, failure, with_outcome};

/// A page of the attachments list, with the number that matched in all (`X-Total-Count`).
pub(crate) fn attachment_page(page: Page) -> Response {
    let mut response = wire::result(StatusCode::OK, Value::Array(page.records));
    let total = page.total.to_string();
    wire::add_header(
        &mut response,
        HeaderName::from_static("x-total-count"),
        &total,
    );
    response
}

/// An upload stored: 201 with its metadata and `Location`.
pub(crate) fn attached(metadata: Value, base_url: &str, sys_id: &str) -> Response {
    let mut response = wire::result(StatusCode::CREATED, metadata);
    let location = format!("{base_url}/api/now/attachment/{sys_id}");
    wire::add_header(&mut response, header::LOCATION, &location);
    response
}

/// An attachment's bytes exactly, with their content type.
impl IntoResponse for File {
    fn into_response(self) -> Response {
        wire::file(&self.content_type, self.bytes)
    }
}

/// An Attachment API refusal (bodies inferred, see `attachments`).
impl IntoResponse for AttachmentError {
    fn into_response(self) -> Response {
        let response = match &self {
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
                TableError::InvalidTable(table.clone()).into_response()
            }
            AttachmentError::ParentNotFound | AttachmentError::NotFound => {
                TableError::NotFound.into_response()
            }
            AttachmentError::WriteDenied => {
                TableError::WriteDenied(Operation::Insert).into_response()
            }
        };
        with_outcome(response, self.code())
    }
}

/// A batch answered (catalogue §12): every inner request's answer, noted in the journal with how many were
/// serviced and each inner request the mock does not model.
pub(crate) fn batch_answered(
    batch_id: &str,
    answers: &[InnerAnswer],
    notes: Vec<String>,
) -> Response {
    let response =
        wire::json_response(StatusCode::OK, batch::answer(batch_id, answers).to_string());
    let mut note = format!("batch: {} serviced", answers.len());
    for not_modelled in notes {
        note.push_str("; ");
        note.push_str(&not_modelled);
    }
    with_outcome(response, note)
}

/// A whole batch refused (catalogue §12; bodies in the Table API's bad-payload style).
impl IntoResponse for BatchError {
    fn into_response(self) -> Response {
        let response = failure(
            StatusCode::BAD_REQUEST,
            "Exception while reading request",
            Some(&self.to_string()),
        );
        with_outcome(response, self.code())
    }
}

//! What the Attachment and Batch APIs send (catalogue §12): a list of attachments, an upload's metadata with its
//! `Location`, a file's bytes, their refusals (bodies inferred, see `attachments`), and a batch's answer or
//! refusal.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
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

/// An upload stored: 201 with its metadata and `Location`, the file's URL (catalogue §12: it ends in `/file`).
pub(crate) fn attached(metadata: Value, base_url: &str, sys_id: &str) -> Response {
    let mut response = wire::result(StatusCode::CREATED, metadata);
    let location = format!("{base_url}/api/now/attachment/{sys_id}/file");
    wire::add_header(&mut response, header::LOCATION, &location);
    response
}

/// An attachment's bytes exactly, with their content type, `Content-Disposition` and `X-Attachment-Metadata`
/// (catalogue §12).
impl IntoResponse for File {
    fn into_response(self) -> Response {
        let mut response = wire::file(&self.content_type, self.bytes);
        let disposition = content_disposition(&self.file_name);
        wire::add_header(&mut response, header::CONTENT_DISPOSITION, &disposition);
        // A file name outside ASCII goes as its UTF-8 bytes, as an instance sends it.
        if let Ok(metadata) = HeaderValue::from_bytes(self.metadata.as_bytes()) {
            let name = HeaderName::from_static("x-attachment-metadata");
            response.headers_mut().insert(name, metadata);
        }
        response
    }
}

/// catalogue §12: `attachment;filename="<name>";filename*=UTF-8''<name, percent-encoded>`, as an instance sends
/// it (a quote or backslash in the plain form escaped, anything but ASCII letters, digits and `-._~` encoded in the
/// other).
fn content_disposition(file_name: &str) -> String {
    let plain: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() {
                c
            } else {
                '_'
            }
        })
        .flat_map(|c| match c {
            '"' | '\\' => vec!['\\', c],
            _ => vec![c],
        })
        .collect();
    let encoded: String = file_name
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect();
    format!("attachment;filename=\"{plain}\";filename*=UTF-8''{encoded}")
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

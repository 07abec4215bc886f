//! The Attachment and Batch APIs (catalogue §12): `attachments` (files on records, their bytes in
//! `attachment_files`, uploads read by `multipart`), `batch` (inner requests, run as the caller), and `reply`,
//! what both send.

pub(super) mod attachment_files;
pub(super) mod attachments;
pub(super) mod batch;
pub(super) mod multipart;
pub(super) mod reply;

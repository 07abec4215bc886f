//! The Attachment and Batch APIs (catalogue §12): `attachments` (files on records, their bytes in
//! `attachment_files`, uploads read by `multipart`), `batch` (inner requests, run as the caller), and `reply`,
//! what both send; and the REST APIs as records (catalogue §17): which one a request calls (`api_call`), the paths
//! derived from them (`derived_paths`), and Scripted REST APIs (`scripted_rest`).

pub(super) mod api_call;
pub(super) mod attachment_files;
pub(super) mod attachments;
pub(super) mod batch;
pub(super) mod derived_paths;
pub(super) mod multipart;
pub(super) mod reply;
pub(super) mod scripted_rest;

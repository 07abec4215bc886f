//! The Attachment and Batch APIs (SPEC §12).

pub(super) mod attachment_files;
pub(super) mod attachments;
pub(super) mod batch;
pub(super) mod multipart;
pub(super) mod reply;

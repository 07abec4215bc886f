//! The bytes of every attachment, in memory beside the store (catalogue §12), by the sys_id of its `sys_attachment`
//! record.

use std::collections::HashMap;

use axum::body::Bytes;

/// Attachment bytes by record sys_id. Its `Debug` shows only how many it holds.
#[derive(Clone, Default)]
pub(crate) struct AttachmentFiles(HashMap<String, Bytes>);

impl AttachmentFiles {
    pub(crate) fn insert(&mut self, sys_id: String, bytes: Bytes) {
        self.0.insert(sys_id, bytes);
    }

    pub(crate) fn get(&self, sys_id: &str) -> Option<&Bytes> {
        self.0.get(sys_id)
    }

    pub(crate) fn remove(&mut self, sys_id: &str) {
        self.0.remove(sys_id);
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

impl std::fmt::Debug for AttachmentFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AttachmentFiles({} files)", self.0.len())
    }
}

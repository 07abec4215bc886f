//! The tables (SPEC §2, §7, §12).

pub(super) mod computed;
pub(super) mod custom_tables;
pub(super) mod declaration;
pub(super) mod dictionary;
pub(super) mod fields;
pub(super) mod query;
pub(super) mod render;
pub(super) mod reply;
pub(super) mod schema;
pub(super) mod store;
pub(super) mod table_api;
pub(super) mod xml;

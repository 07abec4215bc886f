//! The tables (catalogue §2, §7, §12, §13): their shape (`schema`), declared as data (`declaration`, with the one
//! place code stands beside it in `computed`), the dictionary tables (`dictionary`) and custom `u_` tables
//! (`custom_tables`); the records (`store`), dot-walked (`fields`), queried (`query`) and shown (`render`,
//! `xml`); who may read and write them (`acl`), where writes are captured (`update_sets`); the Table API's rules
//! (`table_api`) and what it sends (`reply`).

pub(super) mod acl;
mod computed;
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
pub(super) mod update_sets;
pub(super) mod xml;

//! The bundled mock instance: a faithful simulator of the ServiceNow REST surface the grant involves.

pub mod authn;
pub mod clock;
pub mod faults;
pub mod form;
pub mod grant;
pub mod instance;
pub mod journal;
pub mod query;
pub mod random;
pub mod render;
pub mod schema;
pub mod seed;
pub mod store;
pub mod switches;
pub mod table_api;
pub mod tls;
pub mod wire;

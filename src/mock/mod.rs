//! The bundled mock instance: a faithful simulator of the ServiceNow REST surface the grant involves.

pub mod clock;
pub mod form;
pub mod grant;
pub mod instance;
pub mod query;
pub mod random;
pub mod schema;
pub mod store;
pub mod switches;

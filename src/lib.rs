//! sncc: a conformance suite and mock instance for ServiceNow's inbound OAuth 2.0 client credentials grant.

pub mod mock;
pub mod redact;
pub mod release;

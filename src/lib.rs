//! sncc: a conformance suite and mock instance for ServiceNow's inbound OAuth 2.0 client credentials grant.

pub mod captured;
pub mod catalogue;
pub mod changes;
pub mod client;
pub mod compare;
pub mod crypto;
pub mod deviations;
pub mod features;
pub mod glide_time;
pub mod inventory;
pub mod mock;
pub mod random;
pub mod redact;
pub mod release;
pub mod report;
pub mod selection;
pub mod signals;
pub mod suite;

//! The bundled mock instance: a faithful simulator of the ServiceNow REST surface the grant involves.
//!
//! The protocol rules are pure code ([`grant`], [`authn`], [`table_api`]: request and state in, decision
//! out); [`http`] is the thin axum adapter around them, [`server`] serves it through [`observe`].

pub mod authn;
pub mod body;
pub mod breaks;
pub mod clock;
pub mod control;
pub mod faults;
pub mod form;
pub mod grant;
pub mod http;
pub mod instance;
pub mod journal;
pub mod observe;
pub mod query;
pub mod random;
pub mod render;
mod repoll;
pub mod schema;
pub mod seed;
pub mod server;
pub mod shared;
pub mod store;
pub mod switches;
pub mod table_api;
pub mod tls;
pub mod wire;

pub use server::{MockOptions, MockServer};

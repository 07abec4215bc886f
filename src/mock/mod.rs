//! The bundled mock instance: a faithful simulator of the ServiceNow REST surface the grant involves.
//!
//! The front door is small: build an [`Instance`] from a [`Seed`] (which also names its
//! [`SeededClient`]s), optionally with [`Breaks`], and start a [`MockServer`] with [`MockOptions`]
//! (plain or with a [`TlsIdentity`]); its URL is [`MockServer::base_url`], and its fidelity switches,
//! clock and journal are reached over HTTP through the control plane (`/__mock`).
//!
//! Inside, the protocol rules are pure code (`grant`, `authn`, `table_api`, `attachments`, `batch`: request and
//! state in, decision out); `http` is the thin axum adapter around them (`batch_runner` runs a batch's inner
//! requests through it), `server` serves it through `observe`.

mod api_path;
mod attachment_files;
mod attachments;
mod authn;
mod basic;
mod basic_restriction;
mod batch;
mod batch_runner;
mod body;
mod breaks;
mod clock;
mod computed;
mod control;
mod control_path;
mod custom_tables;
mod declaration;
mod dictionary;
mod faults;
mod fields;
mod form;
mod grant;
mod http;
mod instance;
mod journal;
mod jwt;
mod multipart;
mod observe;
mod query;
mod render;
mod repoll;
mod revoke;
mod schema;
mod scopes;
mod seed;
mod seed_records;
mod server;
mod sessions;
mod shared;
mod sign_in;
mod signing_key;
mod store;
mod switches;
mod table_api;
mod tls;
mod wire;
mod xml;

pub use breaks::{Break, Breaks, UnknownBreak};
pub use instance::Instance;
pub use seed::{DEFAULT_RELEASE, Seed, SeedError, SeededClient};
pub use server::{MockOptions, MockServer};
pub use tls::{TlsError, TlsIdentity, generate as generate_tls};

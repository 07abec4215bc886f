//! The bundled mock instance: a faithful simulator of the ServiceNow REST surface the grant involves.
//!
//! The front door is small: build an [`Instance`] from a [`Seed`] (which also names its
//! [`SeededClient`]s, and says whether the instance is [`Provisioned`] upgraded or new), optionally with
//! [`Breaks`], and start a [`MockServer`] with [`MockOptions`]
//! (plain or with a [`TlsIdentity`]); its URL is [`MockServer::base_url`], and its fidelity switches,
//! clock and journal are reached over HTTP through the control plane (`/__mock`).
//!
//! Inside, one folder per part of the catalogue, each its rules as pure code (request and state in, decision
//! out) beside its wire shapes (`reply`): `token` (the token endpoint, JWTs, revocation), `auth` (who a REST
//! request acts as, its scopes, sessions), `tables` (the schema as data, the store, the Table API), `apis` (the
//! Attachment and Batch APIs); `seed` builds instances. `serve` is the layer above them all: the listener, the
//! request journal, faults, the control plane, and `serve::http`, the thin axum adapter (one file per
//! endpoint). At the root stand what every part shares: the [`Instance`], its clock, fidelity switches and
//! deliberate [`Breaks`], ServiceNow's answer envelope (`wire`) and where the control plane lives.

mod apis;
mod auth;
mod breaks;
mod clock;
mod control_path;
mod instance;
mod seed;
mod serve;
mod switches;
mod tables;
mod token;
mod wire;

pub use breaks::{Break, Breaks, UnknownBreak};
pub use instance::Instance;
pub use seed::provisioned::{Provisioned, UnknownProvisioned};
pub use seed::{DEFAULT_RELEASE, Seed, SeedError, SeededClient};
pub use serve::server::{MockOptions, MockServer};
pub use serve::tls::{TlsError, TlsIdentity, generate as generate_tls};

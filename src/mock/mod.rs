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
pub use seed::{DEFAULT_RELEASE, Seed, SeedError, SeededClient};
pub use serve::server::{MockOptions, MockServer};
pub use serve::tls::{TlsError, TlsIdentity, generate as generate_tls};

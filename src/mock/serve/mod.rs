//! Serving the mock: listening (plain or TLS), every request observed (faults, body limits, the journal), the
//! control plane, and the axum adapters around the rules.

pub(super) mod body;
pub(super) mod control;
pub(super) mod faults;
pub(super) mod http;
pub(super) mod journal;
pub(super) mod observe;
pub(super) mod repoll;
pub(super) mod server;
pub(super) mod shared;
pub(super) mod tls;

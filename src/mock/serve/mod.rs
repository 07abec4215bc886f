//! Serving the mock, the layer above the rules: an accept loop over plain TCP or TLS (`server`, `repoll`,
//! `tls`), every request observed (`observe`: armed `faults`, `body` limits, the `journal`), the state one
//! running mock shares across its connections (`shared`), the control plane (`control`), and `http`, the thin
//! axum adapter around the rules, one file per endpoint.

mod body;
mod control;
mod faults;
mod http;
mod journal;
mod observe;
mod repoll;
pub(super) mod server;
mod shared;
pub(super) mod tls;

//! The bundled mock over real HTTP, one test binary (each module used to be its own, and each links the whole
//! crate): a fresh in-process mock per test, from `common`. Snapshots live in `snapshots/`, named
//! `mock__<module>__<name>.snap`.

#[path = "../common/mod.rs"]
mod common;

mod access_policies;
mod bad_input;
mod basic_restriction;
mod http;
mod instance_answers;
mod jwt;
mod kinds;
mod lifecycle;
mod out_of_box_records;
mod rate_limits;
mod refresh_grant;
mod revocation;
mod scopes;
mod scripted_rest;
mod surface;
mod tables;
mod wire_shapes;

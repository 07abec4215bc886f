//! The bundled mock over real HTTP, one test binary (each module used to be its own, and each links the whole
//! crate): a fresh in-process mock per test, from `common`. Snapshots live in `snapshots/`, named
//! `mock__<module>__<name>.snap`.

#[path = "../common/mod.rs"]
mod common;

mod bad_input;
mod basic_restriction;
mod http;
mod jwt;
mod kinds;
mod revocation;
mod scopes;
mod surface;
mod tables;
mod wire_shapes;

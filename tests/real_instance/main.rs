//! `sncc run` and `sncc restore` against a standalone `sncc mock` used as a real instance, one test binary
//! (each module used to be its own, and each links the whole crate): the safety promises (`safety`), an admin
//! not on Basic (`token_admin`), a deliberately broken instance (`breaks`), faults on the wire (`faults`), and
//! the preflight and plan against both kinds of instance (`preflight`) and provisioning that harms nothing
//! (`provisioning`).

#[path = "../common/mod.rs"]
mod common;

mod breaks;
mod faults;
mod preflight;
mod provisioning;
mod safety;
mod token_admin;

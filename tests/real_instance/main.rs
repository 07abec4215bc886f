//! `sncc run` and `sncc restore` against a standalone `sncc mock` used as a real instance, one test binary
//! (each module used to be its own, and each links the whole crate): the safety promises (`safety`), an admin
//! not on Basic (`token_admin`), a deliberately broken instance (`breaks`) and faults on the wire (`faults`).

#[path = "../common/mod.rs"]
mod common;

mod breaks;
mod faults;
mod safety;
mod token_admin;

//! The `sncc` command as a child process, one test binary (each module used to be its own, and each links the
//! whole crate): `sncc mock` (`mock`), `sncc run` and `sncc list` (`run_and_list`), an admin run's flags
//! (`admin_flags`), `sncc run --expect-deviations` (`expect_deviations`) and `sncc compare` (`compare`). Snapshots live in `snapshots/`,
//! named `cli__<module>__<name>.snap`.

#[path = "../common/mod.rs"]
mod common;

mod admin_flags;
mod compare;
mod expect_deviations;
mod mock;
mod run_and_list;

//! The flags of an admin run's preflight and provisioning (catalogue §14, §15) through the binary: `--plan`,
//! `--update-set`, `--confirm-instance` and `--settle` refuse bad input with a clear error and exit 2, before
//! anything reaches an instance (the instance here does not exist).

use crate::common;

use std::path::Path;

/// An admin run against an address nothing listens on, with these flags added.
fn admin_run(flags: &[&str]) -> common::Finished {
    let target = [
        "run",
        "--instance",
        "http://127.0.0.1:9",
        "--admin-user",
        "admin",
    ];
    common::sncc(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &[&target[..], flags].concat(),
        &[("SNCC_ADMIN_PASSWORD", "p")],
    )
}

/// Asserts the configuration error exit (2) and that stderr names `names`, and never the unreachable instance
/// (the flags are refused before any request).
fn refused(finished: &common::Finished, names: &str) {
    assert_eq!(
        finished.code,
        Some(2),
        "{}{}",
        finished.stdout,
        finished.stderr
    );
    assert!(finished.stderr.contains(names), "{}", finished.stderr);
    assert!(
        !finished.stderr.contains("cannot be reached"),
        "{}",
        finished.stderr
    );
}

#[test]
fn confirm_instance_and_update_set_need_a_name() {
    refused(&admin_run(&["--confirm-instance"]), "--confirm-instance");
    refused(
        &admin_run(&["--confirm-instance", ""]),
        "--confirm-instance needs a name",
    );
    refused(&admin_run(&["--update-set"]), "--update-set");
    refused(
        &admin_run(&["--update-set", " "]),
        "--update-set needs a name",
    );
}

#[test]
fn settle_is_zero_to_six_hundred_seconds() {
    refused(&admin_run(&["--settle=-1"]), "--settle");
    refused(&admin_run(&["--settle", "601"]), "601 is not in 0..=600");
    refused(&admin_run(&["--settle", "soon"]), "--settle");
    let unreachable = admin_run(&["--settle", "0", "--plan"]);
    assert_eq!(unreachable.code, Some(2));
    assert!(
        unreachable.stderr.contains("cannot be reached"),
        "0 is a settle time: {}",
        unreachable.stderr
    );
}

#[test]
fn the_admin_flags_need_an_admin_run() {
    for flags in [
        &["--plan"][..],
        &["--update-set", "Feature work"],
        &["--confirm-instance", "acme"],
    ] {
        let on_the_mock = common::sncc(
            Path::new(env!("CARGO_MANIFEST_DIR")),
            &[&["run"][..], flags].concat(),
            &[],
        );
        refused(&on_the_mock, "--admin-user");
    }
}

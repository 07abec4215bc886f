//! An admin not on Basic (catalogue §10), proven against a standalone `sncc mock` at Brazil that enforces the
//! Basic auth restriction: a whole admin run through `--admin-client-id` passes and leaves the instance as
//! it was, `sncc restore` undoes a killed one with the token admin, and an admin on Basic is stopped with
//! one sentence naming the restriction and the flag; bad input gets clear errors.

use crate::common;

use common::TempDir;
use common::instance::{
    ADMIN_PASSWORD, Finished, Mock, Snapshot, Sncc, assert_unchanged, not_slow_reporting_to,
    outstanding_creates, summary, wait_until,
};

use sncc::servicenow::captured::BASIC_RESTRICTION_ENFORCE_PROPERTY;

/// The admin's OAuth client: its password grant gives the suite's admin its token.
const ADMIN_CLIENT_ID: &str = "ad0000000000000000000000000000c1";
const ADMIN_CLIENT_SECRET: &str = "adm1n+client/secret=%7E";
/// The test's own reader: exempt from the restriction by its role, so snapshots need no token.
const READER: &str = "sncc.reader";
const READER_PASSWORD: &str = "reader+pw/1";

/// Brazil, enforcing the restriction, without the grant property (a run deletes and recreates one, with a
/// new `sys_created_on`), with the admin's OAuth client and the reader.
fn enforcing_seed() -> String {
    format!(
        r#"release = "brazil"

[[properties]]
name = "{BASIC_RESTRICTION_ENFORCE_PROPERTY}"
type = "boolean"
value = "true"

[[users]]
user_name = "svc.cc"
web_service_access_only = true
roles = ["itil"]

[[users]]
user_name = "{READER}"
password = "{READER_PASSWORD}"
roles = ["admin", "snc_basic_auth_api_access"]

[[clients]]
name = "svc-cc"
user = "svc.cc"

[[clients]]
name = "sncc-admin"
client_id = "{ADMIN_CLIENT_ID}"
client_secret = "{ADMIN_CLIENT_SECRET}"
"#
    )
}

fn enforcing_mock(dir: &TempDir) -> Mock {
    let seed = dir.join("enforcing.toml");
    std::fs::write(&seed, enforcing_seed()).expect("write the seed");
    Mock::start(&seed).reading_as(READER, READER_PASSWORD)
}

const TOKEN_ADMIN: [&str; 4] = [
    "--admin-user",
    "admin",
    "--admin-client-id",
    ADMIN_CLIENT_ID,
];
const SECRETS: [(&str, &str); 2] = [
    ("SNCC_ADMIN_PASSWORD", ADMIN_PASSWORD),
    ("SNCC_ADMIN_CLIENT_SECRET", ADMIN_CLIENT_SECRET),
];

fn token_admin_run(mock: &Mock, dir: &TempDir, args: &[&str]) -> Sncc {
    let target = ["run", "--instance", &mock.url];
    Sncc::start(
        &dir.0,
        &[&target[..], &TOKEN_ADMIN, args].concat(),
        &SECRETS,
    )
}

fn token_admin_restore(dir: &TempDir, journal: &str) -> Finished {
    let base = ["restore", "--journal", journal];
    Sncc::start(&dir.0, &[&base[..], &TOKEN_ADMIN].concat(), &SECRETS).finish()
}

/// The sys_id of the admin's OAuth client's `oauth_entity`.
fn admin_entity(mock: &Mock) -> String {
    let found = mock.records("oauth_entity", &format!("client_id={ADMIN_CLIENT_ID}"));
    found[0]["sys_id"].as_str().expect("a sys_id").to_owned()
}

/// A snapshot without the `oauth_credential` records of the admin's own tokens: the instance writes one
/// for every OAuth sign-in, as it stamps `last_login_time` for every Bearer call.
fn without_admin_tokens(mut snapshot: Snapshot, entity: &str) -> Snapshot {
    let tokens = snapshot
        .get_mut("oauth_credential")
        .expect("oauth_credential");
    tokens.retain(|_, token| token["peer"] != entity);
    snapshot
}

#[test]
fn a_whole_admin_run_on_a_token_passes_on_an_enforcing_instance_and_leaves_it_as_it_was() {
    let dir = TempDir::new("token-admin-passing");
    let mock = enforcing_mock(&dir);
    let entity = admin_entity(&mock);
    let before = without_admin_tokens(mock.snapshot(), &entity);
    let reports = dir.join("reports");

    let finished = token_admin_run(&mock, &dir, &not_slow_reporting_to(&reports))
        .finish()
        .expect_code(0);

    assert!(
        !finished.stdout.contains(ADMIN_CLIENT_SECRET) && !finished.stdout.contains(ADMIN_PASSWORD)
    );
    let after = without_admin_tokens(mock.snapshot(), &entity);
    assert_unchanged(&before, &after, "after a passing run with the token admin");
    let summary = summary(&reports);
    let scenarios = summary["scenarios"].as_array().expect("scenarios");
    for id in ["K1", "K2", "K3", "H5"] {
        let outcomes: Vec<&serde_json::Value> = scenarios
            .iter()
            .filter(|scenario| scenario["info"]["id"] == id)
            .map(|scenario| &scenario["outcome"])
            .collect();
        assert!(!outcomes.is_empty(), "{id} is not in the summary");
        assert!(
            outcomes.iter().all(|outcome| *outcome == "passed"),
            "{id}: {outcomes:?}"
        );
    }
    let texts = std::fs::read_dir(&reports)
        .expect("reports")
        .map(|entry| std::fs::read_to_string(entry.expect("a report").path()).unwrap_or_default());
    for text in texts {
        assert!(!text.contains(ADMIN_CLIENT_SECRET) && !text.contains(ADMIN_PASSWORD));
    }
}

#[test]
fn a_killed_token_admin_run_is_undone_by_restore_with_the_token_admin() {
    let dir = TempDir::new("token-admin-killed");
    let mock = enforcing_mock(&dir);
    let entity = admin_entity(&mock);
    let before = without_admin_tokens(mock.snapshot(), &entity);
    let journal = dir.join("changes.jsonl");

    let mut run = token_admin_run(&mock, &dir, &["--journal", &journal, "--tags", "@CC-E4"]);
    wait_until(
        "the token admin's run is inside CC-E4 with changes made",
        || {
            assert!(run.is_running(), "the run ended early");
            run.stdout.so_far().contains("CC-E4 waiting") && outstanding_creates(&journal) >= 3
        },
    );
    run.signal("-KILL");
    assert_eq!(run.finish().code, None, "killed by a signal");

    token_admin_restore(&dir, &journal).expect_code(0);
    let after = without_admin_tokens(mock.snapshot(), &entity);
    assert_unchanged(&before, &after, "after restoring with the token admin");
}

#[test]
fn an_admin_on_basic_meets_the_restriction_and_is_told_the_flag_in_one_sentence() {
    let dir = TempDir::new("token-admin-basic-refused");
    let mock = enforcing_mock(&dir);
    let before = mock.snapshot();

    let finished = mock.admin_run(&dir, &[]).finish().expect_code(2);

    let lines: Vec<&str> = finished.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one sentence: {}", finished.stderr);
    assert!(
        lines[0].contains(BASIC_RESTRICTION_ENFORCE_PROPERTY),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("--admin-client-id"), "{}", lines[0]);
    assert_unchanged(&before, &mock.snapshot(), "after a refused run");
}

#[test]
fn a_wrong_admin_password_or_a_missing_client_secret_is_a_clear_error() {
    let dir = TempDir::new("token-admin-bad-input");
    let mock = enforcing_mock(&dir);
    let target = ["run", "--instance", mock.url.as_str()];

    let wrong = [
        ("SNCC_ADMIN_PASSWORD", "not-the-password"),
        ("SNCC_ADMIN_CLIENT_SECRET", ADMIN_CLIENT_SECRET),
    ];
    let finished = Sncc::start(&dir.0, &[&target[..], &TOKEN_ADMIN].concat(), &wrong)
        .finish()
        .expect_code(2);
    let stderr = finished.stderr.trim();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("issued no token to the admin"), "{stderr}");
    assert!(stderr.contains(ADMIN_CLIENT_ID) && stderr.contains("SNCC_ADMIN_PASSWORD"));
    assert!(!stderr.contains("not-the-password"));

    let no_secret = [("SNCC_ADMIN_PASSWORD", ADMIN_PASSWORD)];
    let finished = Sncc::start(&dir.0, &[&target[..], &TOKEN_ADMIN].concat(), &no_secret)
        .finish()
        .expect_code(2);
    assert!(
        finished.stderr.contains("--admin-client-id needs the secret in the environment variable SNCC_ADMIN_CLIENT_SECRET"),
        "{}",
        finished.stderr
    );
    let restore = ["restore", "--journal", "missing.jsonl"];
    let finished = Sncc::start(&dir.0, &[&restore[..], &TOKEN_ADMIN].concat(), &no_secret)
        .finish()
        .expect_code(2);
    assert!(
        finished.stderr.contains("SNCC_ADMIN_CLIENT_SECRET"),
        "{}",
        finished.stderr
    );
}

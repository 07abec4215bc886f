//! Provisioning that harms nothing (catalogue §15), over HTTP through a proxy in front of a standalone
//! `sncc mock`, for the rules a whole run on a new instance (`preflight`) does not show: a client secret
//! written again as a display value when the first entity gets no token (rule 4), strong passwords as they
//! travel (rule 5), the admin's own tokens revoked at the end (rule 6), a `202` as an unknown outcome (rule 8),
//! the suite's table's leftovers swept when the run could not adopt them (rule 7), and an expectation polled
//! for up to `--settle` with the time it took recorded (rule 10).

use crate::common;

use common::TempDir;
use common::instance::{ADMIN_PASSWORD, Mock, Sncc, admin_run, assert_unchanged, restore, summary};
use common::proxy::{Action, Occurrence, Proxy, Rule};

use serde_json::Value;

use crate::preflight::full_snapshot;

const TOKEN: &str = r"^/oauth_token\.do";
/// The admin's OAuth client, for an admin on a token.
const ADMIN_CLIENT_ID: &str = "ad0000000000000000000000000000c3";
const ADMIN_CLIENT_SECRET: &str = "adm1n+client/secret=%7E";

/// A run's scenarios of behaviour `id`, from its summary.
fn scenarios_of(summary: &Value, id: &str) -> Vec<Value> {
    summary["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .filter(|scenario| scenario["info"]["id"] == id)
        .cloned()
        .collect()
}

/// The one scenario of behaviour `id`.
fn one(summary: &Value, id: &str) -> Value {
    let found = scenarios_of(summary, id);
    assert_eq!(found.len(), 1, "one scenario of {id}");
    found[0].clone()
}

#[test]
fn a_secret_the_first_entity_cannot_use_is_written_again_as_a_display_value_for_every_entity() {
    let mock = Mock::start("untouched");
    let proxy = Proxy::start(&mock.url);
    let dir = TempDir::new("provisioning-secret-form");
    let reports = dir.join("reports");
    let before = mock.snapshot();
    // The run's first token request, its first entity's, gets no token.
    proxy.add(Rule::new(
        "POST",
        TOKEN,
        Occurrence::Nth(1),
        Action::Refuse(401),
    ));

    let finished = admin_run(
        proxy.url(),
        &dir,
        &["--tags", "@CC-A3", "--report-dir", &reports],
    )
    .finish()
    .expect_code(0);

    let summary = summary(&reports);
    assert_eq!(
        summary["provisioning"]["secret_form"], "as a display value",
        "{}",
        finished.stdout
    );
    assert!(
        finished
            .stdout
            .contains("client secrets taken as a display value")
    );
    let rewritten: Vec<String> = proxy
        .requests()
        .into_iter()
        .filter(|seen| {
            seen.method == "PATCH"
                && seen.target.starts_with("/api/now/table/oauth_entity/")
                && seen.target.contains("sysparm_input_display_value=true")
                && seen.body.contains("client_secret")
        })
        .map(|seen| seen.target)
        .collect();
    assert_eq!(
        rewritten.len(),
        2,
        "the first entity once, and A3's after it is made: {rewritten:?}"
    );
    assert_eq!(one(&summary, "A3")["outcome"], "passed");
    assert_unchanged(&before, &mock.snapshot(), "after the run");
}

#[test]
fn every_password_the_run_sets_is_sixteen_long_with_every_class() {
    let mock = Mock::start("untouched");
    let proxy = Proxy::start(&mock.url);
    let dir = TempDir::new("provisioning-passwords");

    admin_run(proxy.url(), &dir, &["--tags", "@CC-H5"])
        .finish()
        .expect_code(0);

    let passwords: Vec<String> = proxy
        .requests()
        .into_iter()
        .filter(|seen| seen.method == "POST" && seen.target.starts_with("/api/now/table/sys_user?"))
        .filter_map(|seen| {
            let body: Value = serde_json::from_str(&seen.body).ok()?;
            body["user_password"].as_str().map(str::to_owned)
        })
        .collect();
    assert!(!passwords.is_empty(), "H5 makes a user with a password");
    for password in passwords {
        let classes = [
            password.chars().any(|c| c.is_ascii_uppercase()),
            password.chars().any(|c| c.is_ascii_lowercase()),
            password.chars().any(|c| c.is_ascii_digit()),
            password.chars().any(|c| !c.is_ascii_alphanumeric()),
        ];
        assert!(
            password.len() >= 16 && classes.iter().all(|has| *has),
            "a weak password of {} characters",
            password.len()
        );
    }
}

#[test]
fn the_admins_own_token_and_its_refresh_token_are_revoked_at_the_end() {
    let dir = TempDir::new("provisioning-admin-tokens");
    let seed = dir.join("token-admin.toml");
    std::fs::write(
        &seed,
        format!(
            "[[clients]]\nname = \"sncc-admin\"\nclient_id = \"{ADMIN_CLIENT_ID}\"\nclient_secret = \"{ADMIN_CLIENT_SECRET}\"\n"
        ),
    )
    .expect("write the seed");
    let mock = Mock::start(&seed);
    let reports = dir.join("reports");
    let target = [
        "run",
        "--instance",
        &mock.url,
        "--admin-user",
        "admin",
        "--admin-client-id",
        ADMIN_CLIENT_ID,
        "--tags",
        "@CC-A3",
        "--report-dir",
        &reports,
    ];
    let secrets = [
        ("SNCC_ADMIN_PASSWORD", ADMIN_PASSWORD),
        ("SNCC_ADMIN_CLIENT_SECRET", ADMIN_CLIENT_SECRET),
    ];

    Sncc::start(&dir.0, &target, &secrets)
        .finish()
        .expect_code(0);

    let entity = mock.records("oauth_entity", &format!("client_id={ADMIN_CLIENT_ID}"));
    let entity = entity[0]["sys_id"].as_str().expect("a sys_id").to_owned();
    let tokens = mock.records("oauth_credential", &format!("peer={entity}"));
    assert!(
        tokens.len() >= 2,
        "an access token and its refresh token: {tokens:?}"
    );
    for token in &tokens {
        let expires = token["expires"].as_str().unwrap_or_default();
        let revoked_at = token["sys_updated_on"].as_str().unwrap_or_default();
        assert!(
            !expires.is_empty() && expires <= revoked_at,
            "a token of the admin's still lives: {token}"
        );
    }
    let revoked = summary(&reports)["provisioning"]["admin_tokens_revoked"]
        .as_u64()
        .expect("a count");
    assert_eq!(revoked as usize, tokens.len());
}

#[test]
fn a_create_answered_202_is_an_unknown_outcome_searched_for_and_removed() {
    for table in ["sys_user", "oauth_entity"] {
        let mock = Mock::start("untouched");
        let proxy = Proxy::start(&mock.url);
        let dir = TempDir::new(&format!("provisioning-202-{table}"));
        let reports = dir.join("reports");
        let before = mock.snapshot();
        // The platform carried A3's create out (the first is the run's own entity's) and answered that it
        // queued it.
        proxy.add(Rule::new(
            "POST",
            &format!(r"^/api/now/table/{table}(\?|$)"),
            Occurrence::Nth(2),
            Action::ForwardThenStatus(202),
        ));

        let finished = admin_run(
            proxy.url(),
            &dir,
            &["--tags", "@CC-A3", "--report-dir", &reports],
        )
        .finish()
        .expect_code(2);

        assert!(
            !proxy.faulted().is_empty(),
            "{table}: the run created there"
        );
        let outcome = one(&summary(&reports), "A3")["outcome"].clone();
        assert_eq!(outcome, "inconclusive", "{table}: {}", finished.stdout);
        assert!(
            finished.stdout.contains("queued it (202)"),
            "{table}: {}",
            finished.stdout
        );
        assert_eq!(dir.journals(), Vec::<std::path::PathBuf>::new());
        assert_unchanged(
            &before,
            &mock.snapshot(),
            &format!("{table}: after a create answered 202"),
        );
    }
}

#[test]
fn an_expectation_a_change_must_meet_is_polled_for_up_to_settle_and_the_time_recorded() {
    // The second token request, A3's after its writes, is answered as if the change had not reached the
    // node yet.
    let stale = || Rule::new("POST", TOKEN, Occurrence::Nth(2), Action::Refuse(401));
    for (settle, outcome) in [("30", "passed"), ("0", "failed")] {
        let mock = Mock::start("untouched");
        let proxy = Proxy::start(&mock.url);
        let dir = TempDir::new(&format!("provisioning-settle-{settle}"));
        let reports = dir.join("reports");
        proxy.add(stale());

        let args = [
            "--tags",
            "@CC-A3",
            "--settle",
            settle,
            "--report-dir",
            &reports,
        ];
        admin_run(proxy.url(), &dir, &args).finish();

        assert!(!proxy.faulted().is_empty(), "the stale answer was given");
        let a3 = one(&summary(&reports), "A3");
        assert_eq!(a3["outcome"], outcome, "--settle {settle}: {a3}");
        let waited = &a3["facts"]["settled_after_ms"];
        match settle {
            "0" => assert!(waited.is_null(), "{a3}"),
            _ => assert!(
                waited.as_u64().is_some_and(|ms| ms < 30_000),
                "the time it took is a fact: {a3}"
            ),
        }
    }
}

/// catalogue §15 rule 7: what the instance makes with the suite's table is journaled as searches before the table
/// is made, and adopted by sys_id once made. When both the adoption's search and the run's undo of the foreseen
/// search fail, the sweep at the end still finds the access controls, deletes them and confirms none is left; the
/// run says the instance is not fully restored (the journal keeps the unsettled search), and `sncc restore`
/// finishes.
#[test]
fn access_controls_the_run_could_not_adopt_are_swept_and_their_removal_confirmed() {
    let mock = Mock::start("untouched");
    let proxy = Proxy::start(&mock.url);
    let dir = TempDir::new("provisioning-sweep");
    let reports = dir.join("reports");
    let journal = dir.join("changes.jsonl");
    let before = full_snapshot(&mock);
    proxy.add(Rule::new(
        "GET",
        r"^/api/now/table/sys_security_acl\?",
        Occurrence::First(2),
        Action::ForwardThenStatus(500),
    ));

    admin_run(
        proxy.url(),
        &dir,
        &[
            "--tags",
            "@CC-H1",
            "--report-dir",
            &reports,
            "--journal",
            &journal,
        ],
    )
    .finish()
    .expect_code(3);

    assert_eq!(proxy.faulted().len(), 2, "both searches failed");
    let summary = summary(&reports);
    let removal = &summary["provisioning"]["own_table"];
    assert_eq!(removal["gone"], true, "{removal}");
    let swept = removal["swept"].as_array().cloned().unwrap_or_default();
    assert!(
        swept.iter().any(|record| record
            .as_str()
            .unwrap_or_default()
            .starts_with("sys_security_acl ")),
        "{removal}"
    );
    assert_eq!(removal["left"], Value::Array(Vec::new()), "{removal}");
    assert_unchanged(&before, &full_snapshot(&mock), "after the sweep");
    restore(&dir, &journal).expect_code(0);
    assert_unchanged(&before, &full_snapshot(&mock), "after sncc restore");
}

/// catalogue §17: right after binding a scope to its own API, the run checks that a token without the scope still
/// reads a table. An instance that refuses it (403) applies the binding to the Table API, which would refuse every
/// scoped integration: the binding is deleted at once, before anything else, the scenario is inconclusive saying
/// why, and the instance is left as it was.
#[test]
fn a_binding_that_covers_the_table_api_is_deleted_at_once_and_the_row_is_inconclusive() {
    let mock = Mock::start("untouched");
    let proxy = Proxy::start(&mock.url);
    let dir = TempDir::new("provisioning-binding-covers-table-api");
    let reports = dir.join("reports");
    let before = mock.snapshot();
    // The check's read of the suite's own table, the run's first, is answered as a scope refusal.
    proxy.add(Rule::new(
        "GET",
        r"^/api/now/table/u_sncc_[a-z0-9]+\?",
        Occurrence::Nth(1),
        Action::ForwardThenStatus(403),
    ));
    mock.clear_requests();

    admin_run(
        proxy.url(),
        &dir,
        &["--tags", "@CC-H1", "--report-dir", &reports],
    )
    .finish()
    .expect_code(2);

    assert!(!proxy.faulted().is_empty(), "the check was refused");
    let h1 = one(&summary(&reports), "H1");
    assert_eq!(h1["outcome"], "inconclusive", "{h1}");
    let reason = h1["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("covers the Table API"), "{reason}");
    assert!(reason.contains("deleted at once"), "{reason}");
    assert_eq!(h1["facts"]["table_api_after_binding"], 403, "{h1}");

    let requests = mock.requests();
    let check = requests
        .iter()
        .position(|entry| {
            entry["method"] == "GET"
                && entry["path"]
                    .as_str()
                    .is_some_and(|path| path.starts_with("/api/now/table/u_sncc_"))
        })
        .expect("the check read the suite's table");
    let next = &requests[check + 1];
    assert_eq!(next["method"], "DELETE", "{next}");
    assert!(
        next["path"]
            .as_str()
            .is_some_and(|path| path.starts_with("/api/now/table/sys_api_access_scope/")),
        "the binding is deleted next: {next}"
    );
    assert!(
        !requests.iter().any(|entry| entry["path"]
            .as_str()
            .is_some_and(|path| path.starts_with("/api/global/"))),
        "the scenario went no further"
    );
    assert_unchanged(&before, &mock.snapshot(), "after the inconclusive binding");
}

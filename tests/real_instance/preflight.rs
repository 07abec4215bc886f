//! An admin run's preflight and plan (catalogue §14), the way a user runs them: `sncc run` over HTTP against a
//! standalone `sncc mock` of either kind (catalogue §13). On a new instance an admin on Basic is stopped in
//! one sentence and an admin granted the role runs the whole suite (K1–K3 included) and leaves every table as
//! it was but the update set's rows, which the report lists; a restricted token client is named; `--plan`
//! writes nothing on either kind; each stop condition ends the run before its first write (the mock's journal
//! of requests shows none), `--update-set` and `--confirm-instance` let a run go on.

use crate::common;

use common::TempDir;
use common::instance::{
    ADMIN_PASSWORD, Finished, GRANT_PROPERTY, Mock, Snapshot, Sncc, assert_unchanged,
    not_slow_reporting_to, summary,
};

use serde_json::Value;
use sncc::servicenow::captured::{
    BASIC_AUTH_ROLE, BASIC_RESTRICTION_ENFORCE_PROPERTY, ROPC_DISABLED_PROPERTY,
};

/// A reader the Basic auth restriction exempts, so the test's own snapshots work on a new instance.
const READER: &str = "sncc.reader";
const READER_PASSWORD: &str = "Reader+pw/1x";
/// The admin's OAuth client, for an admin on a token.
const ADMIN_CLIENT_ID: &str = "ad0000000000000000000000000000c2";
const ADMIN_CLIENT_SECRET: &str = "adm1n+client/secret=%7E";
/// Tables beyond the suite's usual ones that the suite's own table brings (catalogue §15 rule 7): its
/// dictionary, access controls and their roles.
pub(crate) const TABLE_ACCESS: [&str; 3] = [
    "sys_dictionary",
    "sys_security_acl",
    "sys_security_acl_role",
];
/// The rows the instance's update sets capture (catalogue §13), which a run leaves and lists.
const UPDATE_XML: &str = "sys_update_xml";

/// The reader's `[[users]]` entry.
fn reader_entry() -> String {
    format!(
        "[[users]]\nuser_name = \"{READER}\"\npassword = \"{READER_PASSWORD}\"\nroles = [\"admin\", \"{BASIC_AUTH_ROLE}\"]\n"
    )
}

/// Starts a mock from a seed of this text (written into `dir`), read by the exempt reader.
fn mock_of(dir: &TempDir, name: &str, seed: &str) -> Mock {
    let path = dir.join(&format!("{name}.toml"));
    std::fs::write(&path, format!("{seed}\n{}", reader_entry())).expect("write the seed");
    Mock::start(&path).reading_as(READER, READER_PASSWORD)
}

/// A new instance (Brazil: the restriction enforcing, default deny, restricted entities) whose admin does
/// not hold the Basic auth role.
const NEW: &str = "provisioned = \"new\"\n";

/// A new instance whose admin was granted the Basic auth role, hardened as Security Center recommends: the
/// password grant switched off (catalogue §13), so R1 runs on it (catalogue §18); its admin signs in with Basic.
fn new_granted() -> String {
    format!(
        "{NEW}\n[[users]]\nuser_name = \"admin\"\nroles = [\"{BASIC_AUTH_ROLE}\"]\n\
         [[records.sys_properties]]\nname = \"{ROPC_DISABLED_PROPERTY}\"\nvalue = \"true\"\ntype = \"boolean\"\n\
         write_roles = \"security_admin\"\n"
    )
}

/// The writes the mock received (every request but reads, sign-ins at the token endpoint and the control
/// plane), as `METHOD path`.
fn writes(mock: &Mock) -> Vec<String> {
    mock.requests()
        .iter()
        .filter(|entry| entry["method"] != "GET")
        .filter(|entry| entry["path"] != "/oauth_token.do")
        .filter(|entry| {
            !entry["path"]
                .as_str()
                .unwrap_or_default()
                .starts_with("/__mock")
        })
        .map(|entry| format!("{} {}", entry["method"], entry["path"]))
        .collect()
}

/// Asserts the run ended with exit 2 and one sentence on stderr holding every one of `names`.
fn stopped(finished: &Finished, names: &[&str]) {
    assert_eq!(
        finished.code,
        Some(2),
        "{}{}",
        finished.stdout,
        finished.stderr
    );
    let stderr = finished.stderr.trim();
    assert_eq!(stderr.lines().count(), 1, "one sentence: {stderr}");
    for name in names {
        assert!(stderr.contains(name), "{name} in: {stderr}");
    }
}

/// Runs `sncc run` as admin on Basic against the mock to the end.
fn admin_run(mock: &Mock, dir: &TempDir, args: &[&str]) -> Finished {
    mock.admin_run(dir, args).finish()
}

/// Runs `sncc run` with an admin on a token (the seed's `sncc-admin` client) to the end.
fn token_admin_run(mock: &Mock, dir: &TempDir, args: &[&str]) -> Finished {
    let target = [
        "run",
        "--instance",
        &mock.url,
        "--admin-user",
        "admin",
        "--admin-client-id",
        ADMIN_CLIENT_ID,
    ];
    let secrets = [
        ("SNCC_ADMIN_PASSWORD", ADMIN_PASSWORD),
        ("SNCC_ADMIN_CLIENT_SECRET", ADMIN_CLIENT_SECRET),
    ];
    Sncc::start(&dir.0, &[&target[..], args].concat(), &secrets).finish()
}

/// The usual snapshot and the tables the suite's own table brings.
pub(crate) fn full_snapshot(mock: &Mock) -> Snapshot {
    let mut snapshot = mock.snapshot();
    for table in TABLE_ACCESS {
        let records = mock.records(table, "").into_iter().map(|record| {
            let sys_id = record["sys_id"].as_str().expect("a sys_id").to_owned();
            (sys_id, record.as_object().cloned().expect("a record"))
        });
        snapshot.insert(table, records.collect());
    }
    snapshot
}

/// The request bodies the mock received for `METHOD path`, parsed.
fn bodies(requests: &[Value], method: &str, path: &str) -> Vec<Value> {
    requests
        .iter()
        .filter(|entry| entry["method"] == method && entry["path"] == path)
        .map(|entry| {
            serde_json::from_str(entry["request_body"].as_str().unwrap_or_default())
                .unwrap_or_default()
        })
        .collect()
}

#[test]
fn on_a_new_instance_an_admin_on_basic_is_stopped_in_one_sentence_and_nothing_is_written() {
    let dir = TempDir::new("preflight-new-basic");
    let mock = mock_of(&dir, "new", NEW);
    let before = mock.snapshot();
    mock.clear_requests();

    let finished = admin_run(&mock, &dir, &[]);

    stopped(
        &finished,
        &[BASIC_RESTRICTION_ENFORCE_PROPERTY, "--admin-client-id"],
    );
    assert_eq!(writes(&mock), Vec::<String>::new());
    let refused = mock
        .requests()
        .iter()
        .filter(|entry| entry["status"] == 401 && entry["path"] != "/api/now/ui/user/current_user")
        .count();
    assert_eq!(refused, 1, "the admin's refused sign-in is never retried");
    assert_unchanged(&before, &mock.snapshot(), "after a stopped run");
}

#[test]
fn a_whole_run_on_a_new_instance_with_the_role_passes_and_leaves_every_table_as_it_was() {
    let dir = TempDir::new("preflight-new-whole");
    let mock = mock_of(&dir, "new-granted", &new_granted());
    assert_eq!(mock.grant_property(), None, "the run creates the property");
    let before = full_snapshot(&mock);
    let update_rows_before = mock.records(UPDATE_XML, "");
    let reports = dir.join("reports");
    mock.clear_requests();

    let finished = admin_run(&mock, &dir, &not_slow_reporting_to(&reports)).expect_code(0);

    assert!(finished.stdout.contains("Preflight: instance sncc-mock"));
    assert!(finished.stdout.contains("Plan:\n  rows to run: "));
    assert_unchanged(&before, &full_snapshot(&mock), "after a whole run on new");
    let summary = summary(&reports);
    let scenarios = summary["scenarios"].as_array().expect("scenarios");
    for id in ["K1", "K2", "K3", "R1"] {
        let outcomes: Vec<&Value> = scenarios
            .iter()
            .filter(|scenario| scenario["info"]["id"] == id)
            .map(|scenario| &scenario["outcome"])
            .collect();
        assert!(
            !outcomes.is_empty() && outcomes.iter().all(|outcome| *outcome == "passed"),
            "{id} runs on an enforcing, hardened instance: {outcomes:?}"
        );
    }
    assert!(summary["preflight"]["admin"]["roles"].is_array());
    assert_eq!(summary["plan"]["update_set"], "Default");

    // catalogue §15 rule 9: the update set rows the run's writes left are listed, and only they are new.
    let listed: Vec<String> = summary["provisioning"]["update_set_rows"]
        .as_array()
        .expect("update set rows")
        .iter()
        .map(|row| row["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    let mut left: Vec<String> = mock
        .records(UPDATE_XML, "")
        .iter()
        .filter(|row| !update_rows_before.contains(row))
        .map(|row| row["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    let mut listed_sorted = listed.clone();
    listed_sorted.sort();
    left.sort();
    assert!(!left.is_empty(), "the run's tracked writes leave rows");
    assert_eq!(
        listed_sorted, left,
        "the report lists exactly the run's rows"
    );

    let requests = mock.requests();
    // Rule 1: the grant property the run creates ignores the cache and is private.
    let created = bodies(&requests, "POST", "/api/now/table/sys_properties");
    let grant: Vec<&Value> = created
        .iter()
        .filter(|body| body["name"] == GRANT_PROPERTY)
        .collect();
    assert!(!grant.is_empty(), "the run creates the grant property");
    for body in grant {
        assert_eq!(
            (&body["ignore_cache"], &body["is_private"]),
            (&Value::from("true"), &Value::from("true")),
            "{body}"
        );
    }
    // Rule 3: every entity is explicitly unrestricted (a new Brazil's default is restricted), but catalogue S1's,
    // inserted without the column on purpose to see the default it gets, which never asks for a token.
    let entities = bodies(&requests, "POST", "/api/now/table/oauth_entity");
    assert!(!entities.is_empty());
    let inserted_for_s1 = |body: &&Value| {
        body["name"]
            .as_str()
            .unwrap_or_default()
            .ends_with("-svc-plain")
    };
    for body in entities.iter().filter(|body| !inserted_for_s1(body)) {
        assert_eq!(body["scope_restriction_status"], "unrestricted", "{body}");
    }
    // Rule 6: an entity goes only after a search for its tokens.
    for (at, entry) in requests.iter().enumerate() {
        let path = entry["path"].as_str().unwrap_or_default();
        let Some(entity) = path.strip_prefix("/api/now/table/oauth_entity/") else {
            continue;
        };
        if entry["method"] != "DELETE" {
            continue;
        }
        let searched = requests[..at].iter().any(|earlier| {
            earlier["method"] == "GET"
                && earlier["path"] == "/api/now/table/oauth_credential"
                && earlier["query"]
                    .as_str()
                    .unwrap_or_default()
                    .contains(entity)
        });
        assert!(
            searched,
            "oauth_entity {entity} deleted before a search for its tokens"
        );
    }
    // Rule 7: the suite's table has access controls and a role, and its removal was confirmed.
    let tables = bodies(&requests, "POST", "/api/now/table/sys_db_object");
    assert_eq!(tables.len(), 1, "one table a run: {tables:?}");
    let table = tables[0]["name"].as_str().expect("a table name").to_owned();
    assert_eq!(tables[0]["create_access_controls"], "true");
    assert_eq!(tables[0]["user_role"], format!("{table}_user"));
    let confirmed = requests.iter().any(|entry| {
        entry["method"] == "GET"
            && entry["path"] == format!("/api/now/table/{table}")
            && entry["status"] == 400
    });
    assert!(
        confirmed,
        "the run confirmed {table} is gone (400 Invalid table)"
    );
    assert_eq!(summary["provisioning"]["own_table"]["gone"], true);
}

#[test]
fn an_admin_whose_token_client_is_restricted_is_stopped_naming_its_scope_restriction() {
    let dir = TempDir::new("preflight-restricted-client");
    // Restricted to one auth scope it is mapped to (the mock refuses a restricted entity's token an API no
    // scope protects only when the entity carries a scope of its own).
    let seed = format!(
        r#"{NEW}
[[clients]]
name = "sncc-admin"
client_id = "{ADMIN_CLIENT_ID}"
client_secret = "{ADMIN_CLIENT_SECRET}"
scope_restriction_status = "restricted"

[[records.sys_auth_scope]]
name = "x_admin_scope"

[[records.oauth_entity_auth_scope_mapping]]
oauth_entity = "sncc-admin"
auth_scope = "x_admin_scope"
"#
    );
    let mock = mock_of(&dir, "restricted-client", &seed);
    mock.clear_requests();

    let finished = token_admin_run(&mock, &dir, &[]);

    stopped(&finished, &["Scope Restriction", ADMIN_CLIENT_ID]);
    assert!(!finished.stderr.contains(ADMIN_CLIENT_SECRET));
    assert_eq!(writes(&mock), Vec::<String>::new());
}

#[test]
fn the_plan_writes_nothing_on_either_kind() {
    let dir = TempDir::new("preflight-plan");
    for (kind, seed) in [("upgraded", String::new()), ("new", new_granted())] {
        let mock = mock_of(&dir, kind, &seed);
        let before = mock.snapshot();
        mock.clear_requests();

        let finished = admin_run(&mock, &dir, &["--plan"]).expect_code(0);

        let plan = &finished.stdout;
        for line in [
            "Preflight: instance sncc-mock (sncc's mock)",
            "Plan:\n  rows to run: ",
            "records to create: ",
            "property writes: ",
            "update set: Default",
            "requests expected: ",
        ] {
            assert!(plan.contains(line), "{kind}: {line} in {plan}");
        }
        // K1–K3 run only where the restriction already enforces: sncc never switches it.
        assert_eq!(
            plan.contains("not runnable: none"),
            kind == "new",
            "{kind}: {plan}"
        );
        let k_not_runnable =
            plan.contains("CC-K1") && plan.contains("the Basic auth restriction does not enforce");
        assert_eq!(k_not_runnable, kind == "upgraded", "{kind}: {plan}");
        assert!(!plan.contains("[1/"), "{kind}: no scenario ran: {plan}");
        assert_eq!(writes(&mock), Vec::<String>::new(), "{kind}");
        assert_unchanged(&before, &mock.snapshot(), &format!("{kind}: after --plan"));
    }
}

#[test]
fn a_plan_reaches_the_reports_and_writes_nothing() {
    let dir = TempDir::new("preflight-plan-reports");
    let mock = mock_of(&dir, "plan-reports", "");
    let before = mock.snapshot();
    mock.clear_requests();
    let reports = dir.join("reports");
    let html = dir.join("plan.html");
    let args = [
        "--plan",
        "--tags",
        "@CC-A3 or @CC-K1",
        "--report-dir",
        &reports,
        "--html",
        &html,
    ];

    admin_run(&mock, &dir, &args).expect_code(0);

    let summary = summary(&reports);
    let rows = summary["plan"]["rows_to_run"].as_array().expect("the plan");
    assert!(
        rows.iter()
            .any(|row| row.as_str().unwrap().starts_with("CC-A3")),
        "{summary}"
    );
    assert_eq!(
        summary["preflight"]["instance_name"], "sncc-mock",
        "{summary}"
    );
    let outcome = |id: &str| {
        let scenarios = summary["scenarios"].as_array().expect("scenarios");
        let run = scenarios.iter().find(|run| run["info"]["id"] == id);
        run.map(|run| (run["outcome"].clone(), run["reason"].clone()))
            .unwrap_or_else(|| panic!("{id} in {summary}"))
    };
    let (a3, why) = outcome("A3");
    assert_eq!(a3, "skipped");
    assert_eq!(why, "--plan: planned, not run");
    let (k1, why) = outcome("K1");
    assert_eq!(k1, "skipped");
    assert!(
        why.as_str().unwrap().contains("Basic auth restriction"),
        "{why}"
    );
    let page = std::fs::read_to_string(&html).expect("the HTML report");
    assert!(page.contains("rows to run: "), "the plan in the HTML");
    assert_eq!(writes(&mock), Vec::<String>::new());
    assert_unchanged(&before, &mock.snapshot(), "after --plan with reports");
}

#[test]
fn an_admin_without_the_admin_role_or_in_a_scoped_application_is_stopped_before_any_write() {
    let dir = TempDir::new("preflight-role-application");
    let helper =
        "[[users]]\nuser_name = \"sncc.helper\"\npassword = \"Helper+pw/1x\"\nroles = [\"itil\"]\n";
    let mock = mock_of(&dir, "no-admin-role", helper);
    mock.clear_requests();
    let target = [
        "run",
        "--instance",
        &mock.url,
        "--admin-user",
        "sncc.helper",
    ];
    let finished =
        Sncc::start(&dir.0, &target, &[("SNCC_ADMIN_PASSWORD", "Helper+pw/1x")]).finish();
    stopped(&finished, &["sncc.helper does not hold the admin role"]);
    assert_eq!(writes(&mock), Vec::<String>::new());

    let scoped = "[[records.sys_scope]]\nscope = \"x_acme_app\"\nname = \"Acme\"\n\n[[preferences]]\nuser = \"admin\"\nname = \"apps.current_app\"\nvalue = \"x_acme_app\"\n";
    let mock = mock_of(&dir, "scoped", scoped);
    mock.clear_requests();
    stopped(
        &admin_run(&mock, &dir, &[]),
        &["current application is x_acme_app, not Global"],
    );
    assert_eq!(writes(&mock), Vec::<String>::new());
}

#[test]
fn an_update_set_other_than_default_stops_the_run_unless_named_and_then_holds_its_writes() {
    let dir = TempDir::new("preflight-update-set");
    let feature = "[[update_sets]]\nname = \"Feature work\"\n\n[[preferences]]\nuser = \"admin\"\nname = \"sys_update_set\"\nvalue = \"Feature work\"\n";
    let mock = mock_of(&dir, "feature-work", feature);
    mock.clear_requests();

    stopped(
        &admin_run(&mock, &dir, &[]),
        &[
            "\"Feature work\", not Default",
            "--update-set \"Feature work\"",
        ],
    );
    stopped(
        &admin_run(&mock, &dir, &["--update-set", "Nonesuch"]),
        &[
            "--update-set \"Nonesuch\"",
            "has no update set of that name",
        ],
    );
    assert_eq!(writes(&mock), Vec::<String>::new());

    let reports = dir.join("reports");
    let named = [
        "--update-set",
        "Feature work",
        "--tags",
        "@CC-A3",
        "--report-dir",
        &reports,
    ];
    let finished = admin_run(&mock, &dir, &named).expect_code(0);
    assert!(
        finished.stdout.contains("update set: Feature work"),
        "{}",
        finished.stdout
    );
    let rows = summary(&reports)["provisioning"]["update_set_rows"]
        .as_array()
        .cloned()
        .expect("update set rows");
    assert!(!rows.is_empty());
    assert!(
        rows.iter().all(|row| row["update_set"] == "Feature work"),
        "{rows:?}"
    );

    let mock = mock_of(
        &dir,
        "default",
        "[[update_sets]]\nname = \"Feature work\"\n",
    );
    mock.clear_requests();
    stopped(
        &admin_run(&mock, &dir, &["--update-set", "Feature work", "--plan"]),
        &["is not the admin's current update set (\"Default\")"],
    );
    assert_eq!(writes(&mock), Vec::<String>::new());
}

#[test]
fn confirm_instance_must_name_the_instance() {
    let dir = TempDir::new("preflight-confirm");
    let mock = mock_of(&dir, "confirm", "");
    mock.clear_requests();

    stopped(
        &admin_run(&mock, &dir, &["--confirm-instance", "acme-prod"]),
        &[
            "--confirm-instance acme-prod does not match",
            "instance_name is sncc-mock",
        ],
    );
    assert_eq!(writes(&mock), Vec::<String>::new());
    admin_run(&mock, &dir, &["--confirm-instance", "sncc-mock", "--plan"]).expect_code(0);
}

#[test]
fn a_row_that_needs_a_property_the_admin_may_not_write_is_not_runnable_and_the_property_is_never_written()
 {
    let dir = TempDir::new("preflight-write-roles");
    let seed = format!(
        "[[records.sys_properties]]\nname = \"{GRANT_PROPERTY}\"\nvalue = \"true\"\ntype = \"boolean\"\nwrite_roles = \"security_admin\"\n"
    );
    let mock = mock_of(&dir, "write-roles", &seed);
    let before = mock.snapshot();
    mock.clear_requests();
    let reports = dir.join("reports");

    let args = ["--tags", "@CC-A1 or @CC-A3", "--report-dir", &reports];
    let finished = admin_run(&mock, &dir, &args).expect_code(0);

    assert!(
        finished.stdout.contains("not runnable: 1\n    CC-A1")
            && finished
                .stdout
                .contains("its write_roles include security_admin"),
        "{}",
        finished.stdout
    );
    let summary = summary(&reports);
    assert_eq!(one_outcome(&summary, "A1"), "skipped");
    assert_eq!(one_outcome(&summary, "A3"), "passed");
    let property_writes: Vec<String> = writes(&mock)
        .into_iter()
        .filter(|write| write.contains("/sys_properties"))
        .collect();
    assert_eq!(property_writes, Vec::<String>::new());
    assert_unchanged(&before, &mock.snapshot(), "after the run");
}

/// The outcome of the one scenario of behaviour `id`.
fn one_outcome(summary: &Value, id: &str) -> String {
    let outcomes: Vec<String> = summary["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .filter(|scenario| scenario["info"]["id"] == id)
        .map(|scenario| scenario["outcome"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(outcomes.len(), 1, "{id}: {outcomes:?}");
    outcomes[0].clone()
}

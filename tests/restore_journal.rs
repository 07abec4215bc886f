//! Undoing a change journal against the in-process mock and against wiremock (for the faults the mock
//! cannot make): records are brought back to their state before the run, per record; unreadable lookups
//! and failing existence checks are errors, never "absent"; creates of unknown outcome are searched for
//! after a grace period; `sncc restore` takes `--instance` and exits 3 while anything stays outstanding.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{ADMIN_PASSWORD, TempDir};
use secrecy::SecretString;
use serde_json::{Value, json};
use sncc::changes::{
    self, ChangeEntry, ChangeJournal, Grace, InstanceChange, RestoreReport, Scope,
};
use sncc::client::{Credentials, ServiceNow};
use sncc::servicenow::captured::GRANT_PROPERTY;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const NO_GRACE: Grace = Grace {
    period: Duration::ZERO,
    wait: false,
};

fn admin() -> Credentials {
    Credentials::Basic {
        user: "admin".into(),
        password: SecretString::from(ADMIN_PASSWORD),
    }
}

/// A plain HTTP client (for wiremock and the resetting server).
fn http() -> reqwest::Client {
    sncc::support::crypto::install_default_crypto_provider();
    reqwest::Client::new()
}

/// A new journal in `dir` whose first line names `instance`.
fn new_journal(dir: &TempDir, instance: &str) -> (PathBuf, ChangeJournal) {
    let path = dir.0.join("journal.jsonl");
    let journal = ChangeJournal::create(&path).expect("a new journal");
    journal
        .append(&ChangeEntry::Begin {
            instance: instance.into(),
            prefix: "sncc-test-".into(),
        })
        .unwrap();
    (path, journal)
}

fn outstanding(path: &Path) -> Vec<u64> {
    changes::outstanding(&changes::read(path).unwrap())
        .into_iter()
        .map(|(number, _)| number)
        .collect()
}

fn create_of(table: &str, find_by: &str) -> InstanceChange {
    InstanceChange::Created {
        table: table.into(),
        sys_id: None,
        find_by: find_by.into(),
    }
}

/// The mock through the client, as `admin`.
struct Instance {
    mock: common::Mock,
    servicenow: ServiceNow,
}

impl Instance {
    async fn start(seed: &str) -> Instance {
        let mock = common::start(seed).await;
        let servicenow = ServiceNow::new(mock.http.clone(), mock.server.base_url());
        Instance { mock, servicenow }
    }

    fn url(&self) -> String {
        self.mock.server.base_url().to_owned()
    }

    async fn records(&self, table: &str, query: &str) -> Vec<Value> {
        let reply = self
            .servicenow
            .list(&admin(), table, &[("sysparm_query", query)])
            .await
            .unwrap();
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.result().unwrap().as_array().cloned().unwrap()
    }

    async fn create(&self, table: &str, record: Value) -> Value {
        let reply = self
            .servicenow
            .create(&admin(), table, &record)
            .await
            .unwrap();
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.result().unwrap()
    }

    async fn update(&self, table: &str, sys_id: &str, changes: Value) -> Value {
        let reply = self
            .servicenow
            .update(&admin(), table, sys_id, &changes)
            .await
            .unwrap();
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.result().unwrap()
    }

    async fn delete(&self, table: &str, sys_id: &str) {
        let reply = self
            .servicenow
            .delete(&admin(), table, sys_id)
            .await
            .unwrap();
        assert_eq!(reply.status, 204, "{}", reply.body);
    }

    async fn restore(
        &self,
        journal: &ChangeJournal,
        scope: Scope<'_>,
        grace: Grace,
    ) -> RestoreReport {
        changes::restore(&self.servicenow, &admin(), journal, scope, grace).await
    }
}

fn sys_id(record: &Value) -> String {
    record["sys_id"].as_str().expect("a sys_id").to_owned()
}

/// What a run does to a true grant property, journaled first: sets it false, then deletes it.
async fn set_false_then_delete(instance: &Instance, journal: &ChangeJournal, id: &str) {
    journal
        .announce(&InstanceChange::Updated {
            table: "sys_properties".into(),
            sys_id: id.to_owned(),
            previous: changes::without_secrets(&json!({"value": "true"})),
        })
        .unwrap();
    let property = instance
        .update("sys_properties", id, json!({"value": "false"}))
        .await;
    journal
        .announce(&InstanceChange::Deleted {
            table: "sys_properties".into(),
            sys_id: id.to_owned(),
            previous: changes::without_secrets(&property),
        })
        .unwrap();
    instance.delete("sys_properties", id).await;
}

#[tokio::test]
async fn a_record_the_run_created_then_deleted_is_never_re_created() {
    let instance = Instance::start("untouched").await;
    let dir = TempDir::new("restore-created-deleted");
    let (path, journal) = new_journal(&dir, &instance.url());

    // The run creates the grant property (true), sets it false, then deletes it.
    let change = journal
        .announce(&create_of(
            "sys_properties",
            &format!("name={GRANT_PROPERTY}"),
        ))
        .unwrap();
    let property = instance
        .create(
            "sys_properties",
            json!({"name": GRANT_PROPERTY, "type": "boolean", "value": "true"}),
        )
        .await;
    let id = sys_id(&property);
    journal.created(change, &id).unwrap();
    set_false_then_delete(&instance, &journal, &id).await;
    // The same for a test user; an older restore already undid its create, not its delete.
    let user_change = journal
        .announce(&create_of("sys_user", "user_name=sncc-test-gone"))
        .unwrap();
    let user = instance
        .create("sys_user", json!({"user_name": "sncc-test-gone"}))
        .await;
    journal.created(user_change, &sys_id(&user)).unwrap();
    journal
        .announce(&InstanceChange::Deleted {
            table: "sys_user".into(),
            sys_id: sys_id(&user),
            previous: changes::without_secrets(&user),
        })
        .unwrap();
    instance.delete("sys_user", &sys_id(&user)).await;
    journal
        .append(&ChangeEntry::Undone {
            change: user_change,
        })
        .unwrap();

    let report = instance.restore(&journal, Scope::All, NO_GRACE).await;

    assert!(report.complete(), "{report:?}");
    assert_eq!(report.undone, 4, "{report:?}");
    assert_eq!(outstanding(&path), Vec::<u64>::new());
    assert_eq!(
        instance
            .records("sys_properties", &format!("name={GRANT_PROPERTY}"))
            .await,
        Vec::<Value>::new(),
        "never had it, does not have it"
    );
    assert_eq!(
        instance
            .records("sys_user", "user_name=sncc-test-gone")
            .await,
        Vec::<Value>::new()
    );
}

#[tokio::test]
async fn a_true_property_set_false_then_deleted_is_true_again_with_its_sys_id() {
    let instance = Instance::start("untouched").await;
    let dir = TempDir::new("restore-true-property");
    let (path, journal) = new_journal(&dir, &instance.url());
    let property = instance
        .create(
            "sys_properties",
            json!({"name": GRANT_PROPERTY, "type": "boolean", "value": "true", "description": "mine"}),
        )
        .await;
    let id = sys_id(&property);

    set_false_then_delete(&instance, &journal, &id).await;

    let report = instance.restore(&journal, Scope::All, NO_GRACE).await;

    assert!(report.complete(), "{report:?}");
    assert_eq!(report.undone, 2);
    assert_eq!(outstanding(&path), Vec::<u64>::new());
    let found = instance
        .records("sys_properties", &format!("name={GRANT_PROPERTY}"))
        .await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["sys_id"], id.as_str());
    assert_eq!(found[0]["value"], "true");
    assert_eq!(found[0]["description"], "mine");
}

#[tokio::test]
async fn a_scenario_restore_undoes_only_its_own_changes() {
    let instance = Instance::start("untouched").await;
    let dir = TempDir::new("restore-scope");
    let (path, journal) = new_journal(&dir, &instance.url());
    let mut numbers = Vec::new();
    for name in ["sncc-test-a", "sncc-test-b"] {
        let change = journal
            .announce(&create_of("sys_user", &format!("user_name={name}")))
            .unwrap();
        let user = instance
            .create("sys_user", json!({"user_name": name}))
            .await;
        journal.created(change, &sys_id(&user)).unwrap();
        numbers.push(change);
    }

    let report = instance
        .restore(&journal, Scope::Changes(&numbers[1..]), NO_GRACE)
        .await;

    assert!(report.complete(), "{report:?}");
    assert_eq!(report.undone, 1);
    assert_eq!(outstanding(&path), vec![numbers[0]]);
    assert_eq!(
        instance
            .records("sys_user", "user_name=sncc-test-a")
            .await
            .len(),
        1
    );
    assert!(
        instance
            .records("sys_user", "user_name=sncc-test-b")
            .await
            .is_empty()
    );
}

/// A journal whose one change is the deletion of a property that existed before the run.
fn deleted_property(dir: &TempDir, url: &str) -> (PathBuf, ChangeJournal) {
    let (path, journal) = new_journal(dir, url);
    journal
        .announce(&InstanceChange::Deleted {
            table: "sys_properties".into(),
            sys_id: "p1".into(),
            previous: changes::without_secrets(&json!({"name": GRANT_PROPERTY, "value": "true"})),
        })
        .unwrap();
    (path, journal)
}

#[tokio::test]
async fn a_failing_existence_check_keeps_the_change_and_makes_no_duplicate() {
    for status in [500, 403] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/api/now/table/sys_properties/p1"))
            .respond_with(ResponseTemplate::new(status).set_body_string("{\"error\":\"nope\"}"))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(201).set_body_string("{\"result\":{}}"))
            .expect(0)
            .mount(&server)
            .await;
        let dir = TempDir::new(&format!("restore-exists-{status}"));
        let (path, journal) = deleted_property(&dir, &server.uri());
        let servicenow = ServiceNow::new(http(), &server.uri());

        let report = changes::restore(&servicenow, &admin(), &journal, Scope::All, NO_GRACE).await;

        assert!(!report.complete());
        assert_eq!(report.undone, 0);
        assert_eq!(report.problems.len(), 1, "{report:?}");
        assert!(
            report.problems[0].contains("sys_properties p1")
                && report.problems[0].contains(&status.to_string()),
            "{}",
            report.problems[0]
        );
        assert_eq!(outstanding(&path), vec![1], "the change stays outstanding");
        server.verify().await;
    }
}

/// The body of the first POST `server` received.
async fn posted(server: &MockServer) -> Value {
    let received = server.received_requests().await.unwrap();
    let post = received
        .iter()
        .find(|request| request.method == wiremock::http::Method::POST);
    serde_json::from_slice(&post.expect("a POST").body).unwrap()
}

/// A wiremock instance where the property `p1` is gone (404) and must be re-created once.
async fn p1_gone() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/now/table/sys_properties/p1"))
        .respond_with(ResponseTemplate::new(404).set_body_string("{\"error\":{}}"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/now/table/sys_properties"))
        .respond_with(ResponseTemplate::new(201).set_body_string("{\"result\":{}}"))
        .expect(1)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn only_a_404_means_a_deleted_record_is_gone_and_is_re_created() {
    let server = p1_gone().await;
    let dir = TempDir::new("restore-exists-404");
    let (path, journal) = deleted_property(&dir, &server.uri());
    let servicenow = ServiceNow::new(http(), &server.uri());

    let report = changes::restore(&servicenow, &admin(), &journal, Scope::All, NO_GRACE).await;

    assert!(report.complete(), "{report:?}");
    assert_eq!(outstanding(&path), Vec::<u64>::new());
    let posted = posted(&server).await;
    assert_eq!(
        posted,
        json!({"name": GRANT_PROPERTY, "value": "true", "sys_id": "p1"})
    );
}

#[tokio::test]
async fn an_unreadable_200_lookup_is_an_error_not_no_records() {
    for body in [
        "{\"result\":[{\"sys_id\":\"a1\"",
        "<html>maintenance</html>",
        "{\"result\":{}}",
    ] {
        let server = MockServer::start().await;
        for table in ["sys_user", "oauth_credential"] {
            Mock::given(method("GET"))
                .and(path(format!("/api/now/table/{table}")))
                .respond_with(ResponseTemplate::new(200).set_body_string(body))
                .mount(&server)
                .await;
        }
        Mock::given(method("DELETE"))
            .respond_with(ResponseTemplate::new(204))
            .expect(0)
            .mount(&server)
            .await;
        let dir = TempDir::new("restore-unreadable");
        let (path, journal) = new_journal(&dir, &server.uri());
        // A create that never got an answer, long ago: only a search can settle it.
        journal
            .append(&ChangeEntry::Create {
                change: 1,
                table: "sys_user".into(),
                find_by: "user_name=sncc-test-x".into(),
                at: Some(1_000),
            })
            .unwrap();
        // An endpoint the run made: its tokens are looked up before it is deleted.
        journal
            .append(&ChangeEntry::Create {
                change: 2,
                table: "oauth_entity".into(),
                find_by: "name=sncc-test-e".into(),
                at: Some(1_000),
            })
            .unwrap();
        journal.created(2, "e2").unwrap();
        let servicenow = ServiceNow::new(http(), &server.uri());

        let report = changes::restore(&servicenow, &admin(), &journal, Scope::All, NO_GRACE).await;

        assert_eq!(report.undone, 0, "{body}: {report:?}");
        assert_eq!(report.problems.len(), 2, "{body}: {report:?}");
        assert!(report.problems[0].contains("sys_user"), "{report:?}");
        assert!(
            report.problems[1].contains("oauth_credential"),
            "{report:?}"
        );
        assert!(report.problems[1].contains("e2"), "{report:?}");
        assert_eq!(outstanding(&path), vec![2, 1]);
        server.verify().await;
    }
}

/// catalogue §15: an endpoint's tokens are deleted before it, and a search confirms none remain; one that a
/// deletion did not take leaves the endpoint in place, outstanding, with why.
#[tokio::test]
async fn an_endpoint_goes_only_once_a_search_finds_none_of_its_tokens() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/now/table/oauth_credential"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"result": [{"sys_id": "t1"}]})),
        )
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/now/table/oauth_credential/t1"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/now/table/oauth_entity/e2"))
        .respond_with(ResponseTemplate::new(204))
        .expect(0)
        .mount(&server)
        .await;
    let dir = TempDir::new("restore-tokens-left");
    let (path, journal) = new_journal(&dir, &server.uri());
    let number = journal
        .announce(&create_of("oauth_entity", "name=sncc-test-e"))
        .unwrap();
    journal.created(number, "e2").unwrap();
    let servicenow = ServiceNow::new(http(), &server.uri());

    let report = changes::restore(&servicenow, &admin(), &journal, Scope::All, NO_GRACE).await;

    assert_eq!(report.undone, 0, "{report:?}");
    assert!(
        report.problems[0].contains("oauth_entity e2 still has 1 token(s)"),
        "{report:?}"
    );
    assert_eq!(outstanding(&path), vec![number]);
    server.verify().await;
}

/// catalogue §15: an endpoint whose search finds no token goes at once; the search is not repeated (only a
/// deletion needs confirming).
#[tokio::test]
async fn an_endpoint_whose_search_finds_no_token_goes_after_one_search() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/now/table/oauth_credential"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"result": []})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/now/table/oauth_entity/e3"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let dir = TempDir::new("restore-no-tokens");
    let (path, journal) = new_journal(&dir, &server.uri());
    let number = journal
        .announce(&create_of("oauth_entity", "name=sncc-test-e3"))
        .unwrap();
    journal.created(number, "e3").unwrap();
    let servicenow = ServiceNow::new(http(), &server.uri());

    let report = changes::restore(&servicenow, &admin(), &journal, Scope::All, NO_GRACE).await;

    assert!(report.complete(), "{report:?}");
    assert_eq!(report.undone, 1, "{report:?}");
    assert!(outstanding(&path).is_empty());
    server.verify().await;
}

/// Creates the user `user_name` as `admin` after `delay`, as a create the run sent and never saw answered.
fn land_late(
    instance: &Instance,
    user_name: &'static str,
    delay: Duration,
) -> tokio::task::JoinHandle<()> {
    let late = ServiceNow::new(instance.mock.http.clone(), instance.mock.server.base_url());
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let user = json!({ "user_name": user_name });
        let reply = late.create(&admin(), "sys_user", &user).await.unwrap();
        assert_eq!(reply.status, 201);
    })
}

/// Journals the create of user `user_name` as sent and unanswered: only a search can settle it.
fn unanswered_user_create(journal: &ChangeJournal, user_name: &str) {
    let query = format!("user_name={user_name}");
    let change = journal.announce(&create_of("sys_user", &query)).unwrap();
    journal.unanswered(change).unwrap();
}

async fn assert_no_user(instance: &Instance, user_name: &str, why: &str) {
    let query = format!("user_name={user_name}");
    assert!(
        instance.records("sys_user", &query).await.is_empty(),
        "{why}"
    );
}

#[tokio::test]
async fn an_unanswered_create_that_lands_later_is_found_and_deleted_after_the_grace() {
    let instance = Instance::start("untouched").await;
    let dir = TempDir::new("restore-late-write");
    let (path, journal) = new_journal(&dir, &instance.url());
    unanswered_user_create(&journal, "sncc-test-late");
    let landing = land_late(&instance, "sncc-test-late", Duration::from_millis(800));

    let started = Instant::now();
    let grace = Grace {
        period: Duration::from_secs(2),
        wait: true,
    };
    let report = instance.restore(&journal, Scope::All, grace).await;

    landing.await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "waited the grace"
    );
    assert!(report.complete(), "{report:?}");
    assert_eq!(report.undone, 1);
    assert_eq!(outstanding(&path), Vec::<u64>::new());
    assert_no_user(&instance, "sncc-test-late", "the late write is undone").await;
}

#[tokio::test]
async fn a_late_create_the_run_then_updated_is_deleted_and_its_update_settled() {
    let instance = Instance::start("untouched").await;
    let dir = TempDir::new("restore-late-then-updated");
    let (path, journal) = new_journal(&dir, &instance.url());
    unanswered_user_create(&journal, "sncc-test-landed");
    // It landed, and a later scenario, finding it, changed it (its sys_id journaled with the update).
    land_late(&instance, "sncc-test-landed", Duration::ZERO)
        .await
        .unwrap();
    let landed = instance
        .records("sys_user", "user_name=sncc-test-landed")
        .await;
    let sys_id = landed[0]["sys_id"].as_str().unwrap().to_owned();
    journal
        .announce(&InstanceChange::Updated {
            table: "sys_user".into(),
            sys_id: sys_id.clone(),
            previous: changes::without_secrets(&json!({"active": "true"})),
        })
        .unwrap();
    instance
        .update("sys_user", &sys_id, json!({"active": "false"}))
        .await;

    let report = instance.restore(&journal, Scope::All, NO_GRACE).await;

    assert!(report.complete(), "{report:?}");
    assert_eq!(outstanding(&path), Vec::<u64>::new());
    let why = "the late write is undone, and its update with it";
    assert_no_user(&instance, "sncc-test-landed", why).await;
}

#[tokio::test]
async fn a_create_not_found_awaits_its_grace_then_counts_as_never_made() {
    let instance = Instance::start("untouched").await;
    let dir = TempDir::new("restore-grace");
    let (path, journal) = new_journal(&dir, &instance.url());
    // Killed before the outcome was journaled.
    let change = journal
        .announce(&create_of("sys_user", "user_name=sncc-test-never"))
        .unwrap();
    // Refused: nothing was made, nothing to undo.
    let refused = journal
        .announce(&create_of("sys_user", "user_name=sncc-test-refused"))
        .unwrap();
    journal.refused(refused).unwrap();
    assert_eq!(outstanding(&path), vec![change]);

    let within = Grace {
        period: Duration::from_secs(600),
        wait: false,
    };
    let report = instance.restore(&journal, Scope::All, within).await;
    assert_eq!(
        report,
        RestoreReport {
            undone: 0,
            problems: Vec::new(),
            awaiting_late_writes: 1,
        }
    );
    assert!(!report.complete());
    assert_eq!(outstanding(&path), vec![change], "still outstanding");

    let after = Grace {
        period: Duration::ZERO,
        wait: true,
    };
    let report = instance.restore(&journal, Scope::All, after).await;
    assert!(report.complete(), "{report:?}");
    assert_eq!(report.undone, 1);
    assert_eq!(outstanding(&path), Vec::<u64>::new(), "settled");
}

// --- `sncc restore` -----------------------------------------------------------------------------------

/// Runs `sncc restore` on a journal (blocking, off the runtime the in-process mock runs on).
async fn sncc_restore(dir: &TempDir, journal: &Path, extra: &[&str]) -> common::Finished {
    let cwd = dir.0.clone();
    let mut args: Vec<String> = ["restore", "--journal", &journal.to_string_lossy()]
        .iter()
        .map(|arg| arg.to_string())
        .collect();
    args.extend(["--admin-user".into(), "admin".into()]);
    args.extend(extra.iter().map(|arg| arg.to_string()));
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        common::sncc(&cwd, &args, &[("SNCC_ADMIN_PASSWORD", ADMIN_PASSWORD)])
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn sncc_restore_exits_3_while_changes_stay_and_takes_the_instance_url_from_instance() {
    let instance = Instance::start("untouched").await;
    let dir = TempDir::new("restore-cli-instance");
    // Written through an address that no longer reaches the instance.
    let (path, journal) = new_journal(&dir, "http://127.0.0.1:9");
    let change = journal
        .announce(&create_of("sys_user", "user_name=sncc-test-cli"))
        .unwrap();
    let user = instance
        .create("sys_user", json!({"user_name": "sncc-test-cli"}))
        .await;
    journal.created(change, &sys_id(&user)).unwrap();
    drop(journal);

    let unreachable = sncc_restore(&dir, &path, &[]).await;
    assert_eq!(unreachable.code, Some(3), "{}", unreachable.stderr);
    assert!(
        unreachable.stderr.contains("not fully restored"),
        "{}",
        unreachable.stderr
    );
    assert!(!unreachable.stderr.contains(ADMIN_PASSWORD));
    assert_eq!(outstanding(&path), vec![change], "the journal keeps it");

    let bad = sncc_restore(&dir, &path, &["--instance", "http://example.com"]).await;
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);

    let url = instance.url();
    let restored = sncc_restore(&dir, &path, &["--instance", &url]).await;
    assert_eq!(restored.code, Some(0), "{}", restored.stderr);
    assert!(restored.stdout.contains("Restored"), "{}", restored.stdout);
    assert!(
        instance
            .records("sys_user", "user_name=sncc-test-cli")
            .await
            .is_empty()
    );
    assert_eq!(outstanding(&path), Vec::<u64>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn sncc_restore_waits_the_grace_and_deletes_a_create_that_landed_late() {
    let instance = Instance::start("untouched").await;
    let dir = TempDir::new("restore-cli-late");
    let (path, journal) = new_journal(&dir, &instance.url());
    let change = journal
        .announce(&create_of("sys_user", "user_name=sncc-test-cli-late"))
        .unwrap();
    journal.unanswered(change).unwrap();
    drop(journal);
    let landing = land_late(&instance, "sncc-test-cli-late", Duration::from_millis(1500));

    let finished = sncc_restore(&dir, &path, &["--late-write-grace", "3"]).await;

    landing.await.unwrap();
    assert_eq!(finished.code, Some(0), "{}", finished.stderr);
    assert!(
        instance
            .records("sys_user", "user_name=sncc-test-cli-late")
            .await
            .is_empty(),
        "the late write is undone"
    );
    assert_eq!(outstanding(&path), Vec::<u64>::new());
}

#[tokio::test]
async fn a_search_for_a_late_create_never_takes_a_record_that_existed_before() {
    let instance = Instance::start("untouched").await;
    let dir = TempDir::new("restore-search-pre-existing");
    let (path, journal) = new_journal(&dir, &instance.url());
    let property = instance
        .create(
            "sys_properties",
            json!({"name": GRANT_PROPERTY, "type": "boolean", "value": "true"}),
        )
        .await;
    let id = sys_id(&property);
    // The run deletes the instance's own property, then creates one that gets no answer (and never lands).
    journal
        .announce(&InstanceChange::Deleted {
            table: "sys_properties".into(),
            sys_id: id.clone(),
            previous: changes::without_secrets(&property),
        })
        .unwrap();
    instance.delete("sys_properties", &id).await;
    let create = journal
        .announce(&create_of(
            "sys_properties",
            &format!("name={GRANT_PROPERTY}"),
        ))
        .unwrap();
    journal.unanswered(create).unwrap();

    // The scenario's restore brings the property back and leaves the create for the end of the run.
    let within = Grace {
        period: Duration::from_secs(600),
        wait: false,
    };
    let report = instance
        .restore(&journal, Scope::Changes(&[1, create]), within)
        .await;
    assert_eq!(report.awaiting_late_writes, 1, "{report:?}");
    assert!(report.problems.is_empty(), "{report:?}");
    assert_eq!(outstanding(&path), vec![create]);

    // The end of the run finds the property by the create's query: it is the instance's own, kept.
    let after = Grace {
        period: Duration::ZERO,
        wait: true,
    };
    let report = instance.restore(&journal, Scope::All, after).await;
    assert!(report.complete(), "{report:?}");
    let found = instance
        .records("sys_properties", &format!("name={GRANT_PROPERTY}"))
        .await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["sys_id"], id.as_str());
    assert_eq!(found[0]["value"], "true");
}

/// An address whose every connection is dropped once the request has arrived: no answer at all.
async fn resetting_server() -> String {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut buffer = [0; 4096];
            let _ = stream.read(&mut buffer).await;
            drop(stream);
        }
    });
    format!("http://{address}")
}

#[tokio::test]
async fn a_reset_existence_check_keeps_every_change_of_the_record_for_a_restore_in_order() {
    let dir = TempDir::new("restore-reset");
    let (file, journal) = new_journal(&dir, "http://127.0.0.1:9");
    // The instance's own property was true; the run set it false, then deleted it.
    journal
        .announce(&InstanceChange::Updated {
            table: "sys_properties".into(),
            sys_id: "p1".into(),
            previous: changes::without_secrets(&json!({"value": "true"})),
        })
        .unwrap();
    journal
        .announce(&InstanceChange::Deleted {
            table: "sys_properties".into(),
            sys_id: "p1".into(),
            previous: changes::without_secrets(&json!({"name": GRANT_PROPERTY, "value": "false"})),
        })
        .unwrap();

    let reset = resetting_server().await;
    let servicenow = ServiceNow::new(http(), &reset);
    let report = changes::restore(&servicenow, &admin(), &journal, Scope::All, NO_GRACE).await;
    assert_eq!(report.undone, 0, "{report:?}");
    assert_eq!(report.problems.len(), 1, "{report:?}");
    assert!(
        report.problems[0].contains("sys_properties p1")
            && report.problems[0].contains("no answer"),
        "{}",
        report.problems[0]
    );
    assert_eq!(outstanding(&file), vec![2, 1], "both changes stay");

    // The next restore re-creates it as it was before the run: true.
    let server = p1_gone().await;
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"result\":{}}"))
        .expect(0)
        .mount(&server)
        .await;
    let servicenow = ServiceNow::new(http(), &server.uri());
    let report = changes::restore(&servicenow, &admin(), &journal, Scope::All, NO_GRACE).await;
    assert!(report.complete(), "{report:?}");
    assert_eq!(report.undone, 2);
    let posted = posted(&server).await;
    assert_eq!(
        posted,
        json!({"value": "true", "name": GRANT_PROPERTY, "sys_id": "p1"})
    );
    server.verify().await;
}

//! Issue 4's safety promises, proven against a standalone `sncc mock` used as a real instance: an admin run
//! that passes, fails, is killed and restored, or is interrupted leaves every table it touched as it was; a
//! client run writes nothing; no password, secret or token reaches any output.

mod common;

use common::TempDir;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use regex::Regex;
use serde_json::{Map, Value, json};
use sncc::captured::GRANT_PROPERTY;

/// The longest a child may take to print its banner, reach a state or exit before the test gives up.
const PATIENCE: Duration = Duration::from_secs(120);
const POLL: Duration = Duration::from_millis(50);
/// The mock's admin password: distinctive, with characters that form encoding changes but JSON and XML
/// leave alone, so a leak shows verbatim in any output.
const ADMIN_PASSWORD: &str = "sncc+Adm1n/pw=7q%3F~x";
/// The secret CC-F8 gives an endpoint. It is written in features/request_format.feature, so it is public
/// as such; its form-encoded form goes only into request bodies, which must be redacted.
const F8_SECRET: &str = "p+ss%w:rd/[x]~1";
/// Every table the suite writes to, directly or through the instance (tokens, incidents made with one).
const TABLES: [&str; 7] = [
    "sys_properties",
    "oauth_entity",
    "sys_user",
    "sys_user_role",
    "sys_user_has_role",
    "oauth_credential",
    "incident",
];
/// Snapshots read this many records a table at most (the Table API's cap); a table must hold fewer.
const LIMIT: usize = 10_000;
/// Fields an instance stamps itself on every write: undoing an update is another update (a PATCH of the
/// old values), which sets `sys_updated_on` and `sys_updated_by` and increments `sys_mod_count`, and the
/// Table API offers no way to set them back. Every other field, `sys_created_on` and `sys_created_by`
/// included, must be as before.
const AUDIT_FIELDS: [&str; 3] = ["sys_updated_on", "sys_updated_by", "sys_mod_count"];
const NOT_SLOW: [&str; 2] = ["--tags", "not @slow"];

/// Like the `ready` seed, with a client secret that form encoding changes (and JSON and XML do not).
fn reserved_secret_seed() -> String {
    format!(
        r#"release = "washingtondc"

[[properties]]
name = "{GRANT_PROPERTY}"
type = "boolean"
value = "true"

[[users]]
user_name = "svc.cc"
web_service_access_only = true
roles = ["itil"]

[[clients]]
name = "svc-cc"
client_secret = "cli+Secret/4=%7Ez~q"
user = "svc.cc"
"#
    )
}

/// `--tags 'not @slow' --report-dir DIR`.
fn not_slow_reporting_to(reports: &str) -> [&str; 4] {
    ["--tags", "not @slow", "--report-dir", reports]
}

/// Every record of every touched table, by table and sys_id, without the audit fields.
type Snapshot = BTreeMap<&'static str, BTreeMap<String, Map<String, Value>>>;

/// Polls `ready` until it holds, for at most [`PATIENCE`].
fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < PATIENCE, "gave up waiting until {what}");
        std::thread::sleep(POLL);
    }
}

/// The value after `label` in a line, up to the next whitespace.
fn word_after<'a>(line: &'a str, label: &str) -> Option<&'a str> {
    line.split_once(label)?.1.split_whitespace().next()
}

fn form_encoded(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A folder of its own under the system's temp dir, removed on drop.
impl TempDir {
    /// A path in the folder, as the UTF-8 text a command line takes.
    fn join(&self, name: &str) -> String {
        self.0
            .join(name)
            .to_str()
            .expect("UTF-8 temp path")
            .to_owned()
    }

    /// The change journals left in the folder or any folder in it.
    fn journals(&self) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut folders = vec![self.0.clone()];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).expect("read the temp dir") {
                let path = entry.expect("a folder entry").path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.to_string_lossy().ends_with("journal.jsonl") {
                    found.push(path);
                }
            }
        }
        found
    }
}

/// A child process, killed on drop so a failing test cannot leave it behind.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What a child prints on a pipe, gathered line by line by a thread as it comes.
struct Gathered {
    text: Arc<Mutex<String>>,
    reader: JoinHandle<()>,
}

impl Gathered {
    fn from(pipe: impl Read + Send + 'static) -> Gathered {
        let text = Arc::new(Mutex::new(String::new()));
        let filled = text.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let mut text = filled.lock().expect("gathered text");
                text.push_str(&line);
                text.push('\n');
            }
        });
        Gathered { text, reader }
    }

    fn so_far(&self) -> String {
        self.text.lock().expect("gathered text").clone()
    }

    /// Everything, once the pipe is closed.
    fn complete(self) -> String {
        let Gathered { text, reader } = self;
        reader.join().expect("pipe reader");
        let text = text.lock().expect("gathered text");
        text.clone()
    }
}

/// Starts the `sncc` binary with only the given secrets in its environment, its output piped.
fn spawn_sncc(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_sncc"))
        .args(args)
        .current_dir(cwd)
        .env_remove("SNCC_ADMIN_PASSWORD")
        .env_remove("SNCC_CLIENT_SECRET")
        .env_remove("SNCC_MOCK_ADMIN_PASSWORD")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sncc starts")
}

/// A running `sncc run` or `sncc restore`; killed on drop.
struct Sncc {
    child: KillOnDrop,
    stdout: Gathered,
    stderr: Gathered,
}

/// What a finished `sncc` left.
struct Finished {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Finished {
    /// Asserts the exit status, showing the output otherwise.
    fn expect_code(self, code: i32) -> Finished {
        assert_eq!(self.code, Some(code), "{}{}", self.stdout, self.stderr);
        self
    }
}

impl Sncc {
    fn start(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Sncc {
        let mut child = spawn_sncc(cwd, args, env);
        let stdout = Gathered::from(child.stdout.take().expect("piped stdout"));
        let stderr = Gathered::from(child.stderr.take().expect("piped stderr"));
        Sncc {
            child: KillOnDrop(child),
            stdout,
            stderr,
        }
    }

    fn is_running(&mut self) -> bool {
        self.child.0.try_wait().expect("wait for sncc").is_none()
    }

    /// Sends a signal (`-KILL`, `-TERM`) with `kill`.
    fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .args([signal, &self.child.0.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill {signal} failed");
    }

    /// Waits for the exit (at most [`PATIENCE`]) and gives what it printed.
    fn finish(mut self) -> Finished {
        wait_until("sncc exits", || !self.is_running());
        let status = self.child.0.wait().expect("exit status");
        Finished {
            code: status.code(),
            stdout: self.stdout.complete(),
            stderr: self.stderr.complete(),
        }
    }
}

/// A standalone `sncc mock` child and a Table API client for it as `admin`; the child is killed on drop.
struct Mock {
    _process: KillOnDrop,
    /// Keep draining the mock's stdout and stderr.
    _output: (Gathered, Gathered),
    url: String,
    /// The printed client's id and secret, when the seed has one.
    client: Option<(String, String)>,
    runtime: tokio::runtime::Runtime,
    http: reqwest::Client,
}

impl Mock {
    /// Starts `sncc mock --seed SEED --listen 127.0.0.1:0` with [`ADMIN_PASSWORD`] and reads its banner.
    fn start(seed: &str) -> Mock {
        let args = [
            "mock",
            "--seed",
            seed,
            "--listen",
            "127.0.0.1:0",
            "--admin-password",
            ADMIN_PASSWORD,
        ];
        let mut child = KillOnDrop(spawn_sncc(Path::new("."), &args, &[]));
        let stdout = Gathered::from(child.0.stdout.take().expect("piped stdout"));
        let stderr = Gathered::from(child.0.stderr.take().expect("piped stderr"));
        wait_until("sncc mock prints its banner", || {
            stdout.so_far().contains("Ctrl-C stops it")
        });
        let banner = stdout.so_far();
        let url = banner
            .lines()
            .find_map(|line| word_after(line.strip_prefix("sncc mock instance")?, ") at "))
            .expect("the banner names the URL")
            .to_owned();
        let client = banner.lines().find_map(|line| {
            let id = word_after(line, "client_id ")?;
            Some((
                id.to_owned(),
                word_after(line, "client_secret ")?.to_owned(),
            ))
        });
        sncc::crypto::install_default_crypto_provider();
        Mock {
            _process: child,
            _output: (stdout, stderr),
            url,
            client,
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime"),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("an HTTP client"),
        }
    }

    fn client(&self) -> (&str, &str) {
        let (id, secret) = self.client.as_ref().expect("the seed has a client");
        (id, secret)
    }

    /// Sends a request, expecting a 2xx answer; gives its JSON body (null when empty).
    fn send(&self, request: reqwest::RequestBuilder) -> Value {
        self.runtime.block_on(async {
            let response = request.send().await.expect("the mock answers");
            let status = response.status();
            let body = response.text().await.expect("a body");
            assert!(status.is_success(), "the mock answered {status}: {body}");
            serde_json::from_str(&body).unwrap_or(Value::Null)
        })
    }

    /// A Table API request as `admin`, references as plain sys_ids.
    fn admin(&self, method: reqwest::Method, table: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}/api/now/table/{table}", self.url))
            .basic_auth("admin", Some(ADMIN_PASSWORD))
            .query(&[("sysparm_exclude_reference_link", "true")])
    }

    fn records(&self, table: &str, query: &str) -> Vec<Value> {
        let request = self.admin(reqwest::Method::GET, table).query(&[
            ("sysparm_query", query),
            ("sysparm_limit", &LIMIT.to_string()),
        ]);
        let records = self.send(request)["result"]
            .as_array()
            .cloned()
            .expect("a list of records");
        assert!(
            records.len() < LIMIT,
            "{table} has too many records to compare"
        );
        records
    }

    fn snapshot(&self) -> Snapshot {
        TABLES
            .iter()
            .map(|table| {
                let records = self.records(table, "").into_iter().map(|record| {
                    let mut fields = record.as_object().cloned().expect("a record");
                    fields.retain(|name, _| !AUDIT_FIELDS.contains(&name.as_str()));
                    (
                        fields["sys_id"].as_str().expect("a sys_id").to_owned(),
                        fields,
                    )
                });
                (*table, records.collect())
            })
            .collect()
    }

    fn grant_property(&self) -> Option<Value> {
        let mut found = self.records("sys_properties", &format!("name={GRANT_PROPERTY}"));
        assert!(found.len() <= 1, "the grant property twice: {found:?}");
        found.pop()
    }

    /// Creates the grant property with a value and a description of its own; gives the record.
    fn create_grant_property(&self, value: &str) -> Value {
        let record = json!({
            "name": GRANT_PROPERTY,
            "type": "boolean",
            "value": value,
            "description": "set by an admin before the run",
        });
        self.send(
            self.admin(reqwest::Method::POST, "sys_properties")
                .json(&record),
        )["result"]
            .clone()
    }

    fn control(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}/__mock{path}", self.url))
    }

    fn arm_fault(&self, fault: Value) {
        self.send(self.control(reqwest::Method::POST, "/faults").json(&fault));
    }

    /// Every request the mock received since the journal was last cleared.
    fn requests(&self) -> Vec<Value> {
        self.send(self.control(reqwest::Method::GET, "/journal"))["entries"]
            .as_array()
            .cloned()
            .expect("journal entries")
    }

    fn clear_requests(&self) {
        self.send(self.control(reqwest::Method::DELETE, "/journal"));
    }

    /// A token for the printed client, straight from the token endpoint.
    fn token(&self) -> String {
        let (id, secret) = self.client();
        let request = self
            .http
            .post(format!("{}/oauth_token.do", self.url))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", secret),
            ]);
        self.send(request)["access_token"]
            .as_str()
            .expect("a token")
            .to_owned()
    }

    /// Starts `sncc run` against the mock as admin, in `dir`.
    fn admin_run(&self, dir: &TempDir, args: &[&str]) -> Sncc {
        let target = ["run", "--instance", &self.url, "--admin-user", "admin"];
        let env = [("SNCC_ADMIN_PASSWORD", ADMIN_PASSWORD)];
        Sncc::start(&dir.0, &[&target[..], args].concat(), &env)
    }

    /// Starts `sncc run` against the mock as its printed client, acting as `svc.cc`, in `dir`.
    fn client_run(&self, dir: &TempDir, args: &[&str]) -> Sncc {
        let (id, secret) = self.client();
        let target = ["run", "--instance", &self.url, "--client-id", id];
        let expect = ["--expect-user", "svc.cc"];
        let env = [("SNCC_CLIENT_SECRET", secret)];
        Sncc::start(&dir.0, &[&target[..], &expect[..], args].concat(), &env)
    }
}

/// Runs `sncc restore` on a journal to the end.
fn restore(dir: &TempDir, journal: &str) -> Finished {
    let args = ["restore", "--journal", journal, "--admin-user", "admin"];
    Sncc::start(&dir.0, &args, &[("SNCC_ADMIN_PASSWORD", ADMIN_PASSWORD)]).finish()
}

/// What differs between two snapshots, one line a record.
fn differences(before: &Snapshot, after: &Snapshot) -> Vec<String> {
    let mut found = Vec::new();
    for (table, records) in before {
        let later = &after[table];
        for (sys_id, record) in records {
            match later.get(sys_id) {
                None => found.push(format!("{table} {sys_id} is gone: {}", json!(record))),
                Some(now) if now != record => found.push(format!(
                    "{table} {sys_id} was {}, is {}",
                    json!(record),
                    json!(now)
                )),
                Some(_) => {}
            }
        }
        for (sys_id, record) in later {
            if !records.contains_key(sys_id) {
                found.push(format!("{table} {sys_id} is new: {}", json!(record)));
            }
        }
    }
    found
}

fn assert_unchanged(before: &Snapshot, after: &Snapshot, when: &str) {
    let differences = differences(before, after);
    assert!(
        differences.is_empty(),
        "{when}, the instance differs from before the run:\n{}",
        differences.join("\n")
    );
}

/// The change journal's entries that parse (a torn last line is skipped).
fn journal_entries(path: &str) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

/// How many records the journal says were (about to be) created and not yet deleted again.
fn outstanding_creates(path: &str) -> usize {
    let entries = journal_entries(path);
    let changes_of = |kind: &str| -> Vec<Value> {
        entries
            .iter()
            .filter(|entry| entry["entry"] == kind)
            .map(|entry| entry["change"].clone())
            .collect()
    };
    let undone = changes_of("undone");
    changes_of("create")
        .iter()
        .filter(|change| !undone.contains(change))
        .count()
}

/// Starts a full admin run (CC-E4 included) and waits until it is inside CC-E4, which holds its changes
/// while its token expires (its waiting line is printed), the journal holds creates still to undo, and
/// the instance differs from `before`.
fn run_into_e4(mock: &Mock, dir: &TempDir, journal: &str, before: &Snapshot) -> Sncc {
    let mut run = mock.admin_run(dir, &["--journal", journal]);
    wait_until("the run is inside CC-E4 with changes made", || {
        assert!(run.is_running(), "the run ended early");
        run.stdout.so_far().contains("CC-E4 waiting")
            && outstanding_creates(journal) >= 3
            && mock.snapshot() != *before
    });
    run
}

/// What must never appear in any output, and the shape of the tokens the mock issues (64 random bytes,
/// base64url: 86 characters).
struct Secrets {
    literals: Vec<String>,
    token: Regex,
}

impl Secrets {
    fn new(literals: Vec<String>) -> Secrets {
        Secrets {
            literals,
            token: Regex::new("[A-Za-z0-9_-]{86}").expect("the token pattern"),
        }
    }

    /// The admin password as sent (verbatim, form-encoded, in a Basic header), and CC-F8's secret as sent.
    fn of_admin_run() -> Vec<String> {
        vec![
            ADMIN_PASSWORD.to_owned(),
            form_encoded(ADMIN_PASSWORD),
            STANDARD.encode(format!("admin:{ADMIN_PASSWORD}")),
            form_encoded(F8_SECRET),
        ]
    }

    /// A client secret as sent: verbatim, form-encoded, in a Basic header (RFC 6749 §2.3.1 or plain).
    fn of_client(id: &str, secret: &str) -> Vec<String> {
        vec![
            secret.to_owned(),
            form_encoded(secret),
            STANDARD.encode(format!("{id}:{secret}")),
            STANDARD.encode(format!("{}:{}", form_encoded(id), form_encoded(secret))),
        ]
    }

    fn assert_absent(&self, what: &str, text: &str) {
        for secret in &self.literals {
            assert!(!text.contains(secret.as_str()), "{what} shows {secret:?}");
        }
        if let Some(token) = self.token.find(text) {
            panic!("{what} shows a token: {}", token.as_str());
        }
    }
}

/// Replaces every base64 `embeddings` datum in a Cucumber JSON value by its decoded text; gives how many.
fn decode_embeddings(value: &mut Value) -> usize {
    match value {
        Value::Object(members) => {
            let mut decoded = 0;
            if let Some(Value::Array(embeddings)) = members.get_mut("embeddings") {
                for embedding in embeddings {
                    let data = embedding["data"].as_str().expect("embedding data");
                    let bytes = STANDARD.decode(data).expect("base64 embedding data");
                    embedding["data"] = Value::from(String::from_utf8_lossy(&bytes).into_owned());
                    decoded += 1;
                }
            }
            decoded + members.values_mut().map(decode_embeddings).sum::<usize>()
        }
        Value::Array(items) => items.iter_mut().map(decode_embeddings).sum(),
        _ => 0,
    }
}

/// Every file of a report folder by name, as text, cucumber.json's embeddings decoded; the three
/// reports every run writes must be among them.
fn report_texts(dir: &str) -> Vec<(String, String)> {
    let mut texts = Vec::new();
    for entry in std::fs::read_dir(dir).expect("the report folder") {
        let path = entry.expect("a report").path();
        let name = path
            .file_name()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        let mut text = std::fs::read_to_string(&path).expect("a text report");
        if name == "cucumber.json" {
            let mut report: Value = serde_json::from_str(&text).expect("Cucumber JSON");
            assert!(
                decode_embeddings(&mut report) > 0,
                "no embeddings in {name}"
            );
            text = report.to_string();
        }
        texts.push((name, text));
    }
    for expected in ["summary.json", "cucumber.json", "junit.xml"] {
        assert!(
            texts.iter().any(|(name, _)| name == expected),
            "no {expected} in {dir}"
        );
    }
    texts
}

fn summary(reports: &str) -> Value {
    let text = std::fs::read_to_string(format!("{reports}/summary.json")).expect("summary.json");
    serde_json::from_str(&text).expect("summary JSON")
}

#[test]
fn a_passing_admin_run_leaves_every_table_as_it_was() {
    let mock = Mock::start("untouched");
    let dir = TempDir::new("real-passing");
    let reports = dir.join("reports");
    assert_eq!(mock.grant_property(), None, "the untouched seed has none");
    let before = mock.snapshot();

    mock.admin_run(&dir, &not_slow_reporting_to(&reports))
        .finish()
        .expect_code(0);

    assert_unchanged(&before, &mock.snapshot(), "after a passing run");
    assert_eq!(mock.grant_property(), None, "absent before, absent after");
    assert_eq!(dir.journals(), Vec::<PathBuf>::new(), "journal left");

    let summary = summary(&reports);
    let requests = summary["requests"].as_u64().expect("requests");
    let scenarios = summary["scenarios"].as_array().expect("scenarios");
    let ran = scenarios
        .iter()
        .filter(|scenario| scenario["outcome"] != "skipped")
        .count();
    println!(
        "admin run: {requests} requests over {ran} scenarios run, {:.1} a scenario (target: at most 10)",
        requests as f64 / ran as f64
    );
}

#[test]
fn a_grant_property_that_was_false_is_false_again_with_its_sys_id() {
    let mock = Mock::start("untouched");
    let dir = TempDir::new("real-false-property");
    let property = mock.create_grant_property("false");
    let sys_id = property["sys_id"].as_str().expect("a sys_id").to_owned();
    let mut before = mock.snapshot();

    mock.admin_run(&dir, &NOT_SLOW).finish().expect_code(0);

    let after_run = mock.grant_property().expect("the property is back");
    assert_eq!(after_run["sys_id"], property["sys_id"]);
    assert_eq!(after_run["value"], "false");
    // CC-A1 deletes the property; undoing that recreates it with its sys_id and every field, but an
    // insert stamps a new sys_created_on that a Table API client cannot set. That field of that record is
    // the one difference allowed; every other field of every record must be as before.
    let mut after = mock.snapshot();
    for snapshot in [&mut before, &mut after] {
        let record = snapshot
            .get_mut("sys_properties")
            .and_then(|records| records.get_mut(&sys_id))
            .expect("the property");
        record.remove("sys_created_on");
    }
    assert_unchanged(&before, &after, "after a run on a false property");
}

#[test]
fn a_failing_admin_run_leaves_every_table_as_it_was() {
    let mock = Mock::start("untouched");
    let dir = TempDir::new("real-failing");
    let before = mock.snapshot();
    // A 400 is an answer, so a deviation (a 5xx would leave the scenarios inconclusive: see below).
    mock.arm_fault(json!({
        "path": "/oauth_token.do",
        "times": 5,
        "action": "respond",
        "status": 400,
        "body": "boom",
    }));

    let finished = mock.admin_run(&dir, &NOT_SLOW).finish().expect_code(1);
    assert!(finished.stdout.contains("FAIL"), "{}", finished.stdout);

    assert_unchanged(&before, &mock.snapshot(), "after a failing run");
    assert_eq!(dir.journals(), Vec::<PathBuf>::new(), "journal left");
}

#[test]
fn server_errors_leave_scenarios_inconclusive_and_every_table_as_it_was() {
    let mock = Mock::start("untouched");
    let dir = TempDir::new("real-faulty");
    let before = mock.snapshot();
    mock.arm_fault(json!({
        "path": "/oauth_token.do",
        "times": 5,
        "action": "respond",
        "status": 500,
        "body": "boom",
    }));

    let finished = mock.admin_run(&dir, &NOT_SLOW).finish();
    assert!(
        finished.stdout.contains(
            "inconclusive: the instance answered 500 to POST /oauth_token.do: a server or gateway error decides nothing"
        ),
        "{}",
        finished.stdout
    );
    assert!(!finished.stdout.contains("] FAIL "), "{}", finished.stdout);
    assert!(
        finished.stdout.contains(", 5 inconclusive in "),
        "{}",
        finished.stdout
    );

    assert_unchanged(&before, &mock.snapshot(), "after a faulty run");
    assert_eq!(dir.journals(), Vec::<PathBuf>::new(), "journal left");
}

#[test]
fn a_run_killed_mid_way_is_undone_by_restore_and_restore_can_repeat() {
    let mock = Mock::start("untouched");
    let dir = TempDir::new("real-kill");
    let journal = dir.join("changes.jsonl");
    let before = mock.snapshot();

    let run = run_into_e4(&mock, &dir, &journal, &before);
    run.signal("-KILL");
    let killed = run.finish();
    assert_eq!(killed.code, None, "killed by a signal");
    assert!(
        !differences(&before, &mock.snapshot()).is_empty(),
        "the killed run left its changes"
    );

    let first = restore(&dir, &journal).expect_code(0);
    assert!(first.stdout.contains("Restored"), "{}", first.stdout);
    assert_unchanged(&before, &mock.snapshot(), "after restore");

    let second = restore(&dir, &journal).expect_code(0);
    assert!(
        second.stdout.contains("Nothing to restore"),
        "{}",
        second.stdout
    );
    assert_unchanged(&before, &mock.snapshot(), "after a second restore");

    let secrets = Secrets::new(Secrets::of_admin_run());
    let journal_text = std::fs::read_to_string(&journal).expect("the journal stays");
    secrets.assert_absent("the journal of the killed run", &journal_text);
    for (what, finished) in [
        ("killed run", &killed),
        ("restore", &first),
        ("restore", &second),
    ] {
        secrets.assert_absent(&format!("{what} stdout"), &finished.stdout);
        secrets.assert_absent(&format!("{what} stderr"), &finished.stderr);
    }
}

#[test]
fn sigterm_mid_run_undoes_the_changes_and_exits_130() {
    let mock = Mock::start("untouched");
    let dir = TempDir::new("real-sigterm");
    let journal = dir.join("changes.jsonl");
    let before = mock.snapshot();

    let run = run_into_e4(&mock, &dir, &journal, &before);
    run.signal("-TERM");
    let finished = run.finish().expect_code(130);
    assert!(
        finished.stderr.contains("interrupted"),
        "{}",
        finished.stderr
    );

    assert_unchanged(&before, &mock.snapshot(), "after SIGTERM");
    assert!(!Path::new(&journal).exists(), "the journal is removed");
}

#[test]
fn a_client_run_writes_nothing_and_skips_admin_scenarios() {
    let mock = Mock::start("ready");
    let dir = TempDir::new("real-client");
    let reports = dir.join("reports");
    let mut before = mock.snapshot();
    mock.clear_requests();

    mock.client_run(&dir, &not_slow_reporting_to(&reports))
        .finish()
        .expect_code(0);

    let requests = mock.requests();
    let is_token_request =
        |request: &Value| request["method"] == "POST" && request["path"] == "/oauth_token.do";
    assert!(requests.iter().any(is_token_request), "{requests:?}");
    for request in &requests {
        assert!(
            request["method"] == "GET" || is_token_request(request),
            "a client run wrote: {request}"
        );
    }
    // The instance itself stores the tokens it issues; every other table is untouched.
    let mut after = mock.snapshot();
    for snapshot in [&mut before, &mut after] {
        snapshot.remove("oauth_credential");
    }
    assert_unchanged(&before, &after, "after a client run");

    let summary = summary(&reports);
    let admin_only: Vec<&Value> = summary["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .filter(|scenario| scenario["info"]["needs"]["admin"] == true)
        .collect();
    assert!(!admin_only.is_empty());
    for scenario in admin_only {
        assert_eq!(scenario["outcome"], "skipped", "{}", scenario["name"]);
    }
}

#[test]
fn no_password_secret_or_token_reaches_any_output() {
    let dir = TempDir::new("real-secrets");
    let admin_mock = Mock::start("untouched");
    let admin_reports = dir.join("admin-reports");
    let admin = admin_mock
        .admin_run(&dir, &not_slow_reporting_to(&admin_reports))
        .finish()
        .expect_code(0);

    let seed = dir.join("reserved-secret.toml");
    std::fs::write(&seed, reserved_secret_seed()).expect("write the seed");
    let client_mock = Mock::start(&seed);
    let client_reports = dir.join("client-reports");
    let client = client_mock
        .client_run(&dir, &not_slow_reporting_to(&client_reports))
        .finish()
        .expect_code(0);

    let (id, secret) = client_mock.client();
    assert_ne!(form_encoded(secret), secret, "the secret needs encoding");
    let secrets = Secrets::new([Secrets::of_admin_run(), Secrets::of_client(id, secret)].concat());
    let token = client_mock.token();
    assert!(secrets.token.is_match(&token), "tokens look like {token}");

    for (run, finished, reports) in [
        ("admin run", &admin, &admin_reports),
        ("client run", &client, &client_reports),
    ] {
        secrets.assert_absent(&format!("{run} stdout"), &finished.stdout);
        secrets.assert_absent(&format!("{run} stderr"), &finished.stderr);
        for (name, text) in report_texts(reports) {
            secrets.assert_absent(&format!("{run} {name}"), &text);
        }
    }
}

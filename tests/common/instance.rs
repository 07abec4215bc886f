//! Driving a standalone `sncc mock` (or one hosted in the test process) as a real instance: the `sncc`
//! processes run against it, snapshots of every table the suite touches, change journals and reports.

use super::TempDir;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

/// The longest a child may take to print its banner, reach a state or exit before the test gives up.
pub const PATIENCE: Duration = Duration::from_secs(120);
pub const POLL: Duration = Duration::from_millis(50);
/// The mock's admin password: distinctive, with characters that form encoding changes but JSON and XML
/// leave alone, so a leak shows verbatim in any output.
pub const ADMIN_PASSWORD: &str = "sncc+Adm1n/pw=7q%3F~x";
pub use sncc::servicenow::captured::GRANT_PROPERTY;
/// Every table the suite writes to, directly or through the instance (tokens, incidents made with one,
/// sign-in times); `sys_db_object` holds the tables it creates (`u_sncc_<run>`), so a table left behind
/// shows there; and the records catalogue §17 and §18 make: Scripted REST APIs, access policies, profiles
/// and rate limit rules.
pub const TABLES: [&str; 17] = [
    "sys_properties",
    "oauth_entity",
    "sys_user",
    "sys_user_role",
    "sys_user_has_role",
    "oauth_credential",
    "incident",
    "sys_auth_scope",
    "sys_api_access_scope",
    "oauth_entity_auth_scope_mapping",
    "sys_db_object",
    "sys_ws_definition",
    "sys_ws_operation",
    "sys_api_access_policy",
    "std_http_auth",
    "sys_auth_profile_mapping",
    "sys_rate_limit_rules",
];
/// Snapshots read this many records a table at most (the Table API's cap); a table must hold fewer.
pub const LIMIT: usize = 10_000;
/// Fields an instance stamps itself on every write: undoing an update is another update (a PATCH of the
/// old values), which sets `sys_updated_on` and `sys_updated_by` and increments `sys_mod_count`, and the
/// Table API offers no way to set them back. Every other field, `sys_created_on` and `sys_created_by`
/// included, must be as before. And a Bearer call stamps its user's `last_login_time` (catalogue I5): the instance
/// records sign-ins, the suite writes nothing.
pub const AUDIT_FIELDS: [&str; 4] = [
    "sys_updated_on",
    "sys_updated_by",
    "sys_mod_count",
    "last_login_time",
];
pub const NOT_SLOW: [&str; 2] = ["--tags", "not @slow"];

/// `--tags 'not @slow' --report-dir DIR`.
pub fn not_slow_reporting_to(reports: &str) -> [&str; 4] {
    ["--tags", "not @slow", "--report-dir", reports]
}

/// Every record of every touched table, by table and sys_id, without the audit fields.
pub type Snapshot = BTreeMap<&'static str, BTreeMap<String, Map<String, Value>>>;

/// Polls `ready` until it holds, for at most [`PATIENCE`].
pub fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < PATIENCE, "gave up waiting until {what}");
        std::thread::sleep(POLL);
    }
}

/// The value after `label` in a line, up to the next whitespace.
pub fn word_after<'a>(line: &'a str, label: &str) -> Option<&'a str> {
    line.split_once(label)?.1.split_whitespace().next()
}

pub fn form_encoded(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A folder of its own under the system's temp dir, removed on drop.
impl TempDir {
    /// A path in the folder, as the UTF-8 text a command line takes.
    pub fn join(&self, name: &str) -> String {
        self.0
            .join(name)
            .to_str()
            .expect("UTF-8 temp path")
            .to_owned()
    }

    /// The change journals left in the folder or any folder in it.
    pub fn journals(&self) -> Vec<PathBuf> {
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
pub struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What a child prints on a pipe, gathered line by line by a thread as it comes.
pub struct Gathered {
    text: Arc<Mutex<String>>,
    reader: JoinHandle<()>,
}

impl Gathered {
    pub fn from(pipe: impl Read + Send + 'static) -> Gathered {
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

    pub fn so_far(&self) -> String {
        self.text.lock().expect("gathered text").clone()
    }

    /// Everything, once the pipe is closed.
    pub fn complete(self) -> String {
        let Gathered { text, reader } = self;
        reader.join().expect("pipe reader");
        let text = text.lock().expect("gathered text");
        text.clone()
    }
}

/// Starts the `sncc` binary with only the given secrets in its environment, its output piped.
pub fn spawn_sncc(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_sncc"))
        .args(args)
        .current_dir(cwd)
        .env_remove("SNCC_ADMIN_PASSWORD")
        .env_remove("SNCC_ADMIN_CLIENT_SECRET")
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
pub struct Sncc {
    child: KillOnDrop,
    pub stdout: Gathered,
    pub stderr: Gathered,
}

/// What a finished `sncc` left.
pub struct Finished {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    /// Asserts the exit status, showing the output otherwise.
    pub fn expect_code(self, code: i32) -> Finished {
        assert_eq!(self.code, Some(code), "{}{}", self.stdout, self.stderr);
        self
    }
}

impl Sncc {
    pub fn start(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Sncc {
        let mut child = spawn_sncc(cwd, args, env);
        let stdout = Gathered::from(child.stdout.take().expect("piped stdout"));
        let stderr = Gathered::from(child.stderr.take().expect("piped stderr"));
        Sncc {
            child: KillOnDrop(child),
            stdout,
            stderr,
        }
    }

    pub fn is_running(&mut self) -> bool {
        self.child.0.try_wait().expect("wait for sncc").is_none()
    }

    /// Sends a signal (`-KILL`, `-TERM`) with `kill`.
    pub fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .args([signal, &self.child.0.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill {signal} failed");
    }

    /// Waits for the exit (at most [`PATIENCE`]) and gives what it printed.
    pub fn finish(self) -> Finished {
        self.finish_within(PATIENCE)
    }

    /// Waits for the exit (at most `patience`) and gives what it printed.
    pub fn finish_within(mut self, patience: Duration) -> Finished {
        let started = Instant::now();
        while self.is_running() {
            assert!(
                started.elapsed() < patience,
                "gave up waiting until sncc exits"
            );
            std::thread::sleep(POLL);
        }
        let status = self.child.0.wait().expect("exit status");
        Finished {
            code: status.code(),
            stdout: self.stdout.complete(),
            stderr: self.stderr.complete(),
        }
    }
}

/// Where a [`Mock`] runs: a standalone `sncc mock` child, or a mock server hosted in the test process.
enum Host {
    Process {
        _process: KillOnDrop,
        /// Keep draining the mock's stdout and stderr.
        _output: (Gathered, Gathered),
    },
    InProcess(InProcess),
}

/// A mock server on a runtime of its own; the server is dropped inside it.
struct InProcess {
    server: Option<sncc::mock::MockServer>,
    runtime: tokio::runtime::Runtime,
}

impl Drop for InProcess {
    fn drop(&mut self) {
        let _entered = self.runtime.enter();
        drop(self.server.take());
    }
}

/// A mock instance (a standalone `sncc mock` child, or one in the test process) and a Table API client
/// for it as `admin`; the mock is stopped on drop.
pub struct Mock {
    _host: Host,
    pub url: String,
    /// The printed client's id and secret, when the seed has one.
    client: Option<(String, String)>,
    runtime: tokio::runtime::Runtime,
    http: reqwest::Client,
    /// Who the test's own Table API requests sign in as, with Basic: `admin` unless
    /// [`Mock::reading_as`] says otherwise.
    reader: (String, String),
}

impl Mock {
    /// The test's own Table API requests sign in as this user (one the Basic auth restriction exempts,
    /// on an instance that enforces it).
    pub fn reading_as(self, user: &str, password: &str) -> Mock {
        Mock {
            reader: (user.to_owned(), password.to_owned()),
            ..self
        }
    }

    /// Starts `sncc mock --seed SEED --listen 127.0.0.1:0` with [`ADMIN_PASSWORD`] and reads its banner.
    pub fn start(seed: &str) -> Mock {
        Mock::start_with(seed, &[])
    }

    /// [`Mock::start`] with more flags (`--mock-break NAME`, …).
    pub fn start_with(seed: &str, more: &[&str]) -> Mock {
        let args = [
            "mock",
            "--seed",
            seed,
            "--listen",
            "127.0.0.1:0",
            "--admin-password",
            ADMIN_PASSWORD,
        ];
        let args = [&args[..], more].concat();
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
        let host = Host::Process {
            _process: child,
            _output: (stdout, stderr),
        };
        Mock::with(host, url, client)
    }

    /// Hosts a mock in the test process, from a built-in seed or a seed file, with deliberate breaks
    /// (what `sncc mock` has no flag for): an instance that deviates.
    pub fn in_process(seed: &str, breaks: &[sncc::mock::Break]) -> Mock {
        use secrecy::{ExposeSecret, SecretString};
        let seed = sncc::mock::Seed::load(seed).expect("a seed");
        let (instance, clients) = seed
            .build(&SecretString::from(ADMIN_PASSWORD), None)
            .expect("the seed builds");
        let instance = instance.with_breaks(sncc::mock::Breaks::new(breaks.iter().copied()));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let options = sncc::mock::MockOptions {
            listen: "127.0.0.1:0".parse().expect("an address"),
            tls: None,
            instance,
        };
        let server = runtime
            .block_on(sncc::mock::MockServer::start(options))
            .expect("the mock starts");
        let url = server.base_url().to_owned();
        let client = clients.first().map(|client| {
            let secret = client.client_secret.expose_secret().to_owned();
            (client.client_id.clone(), secret)
        });
        let host = Host::InProcess(InProcess {
            server: Some(server),
            runtime,
        });
        Mock::with(host, url, client)
    }

    fn with(host: Host, url: String, client: Option<(String, String)>) -> Mock {
        sncc::support::crypto::install_default_crypto_provider();
        Mock {
            _host: host,
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
            reader: ("admin".to_owned(), ADMIN_PASSWORD.to_owned()),
        }
    }

    pub fn client(&self) -> (&str, &str) {
        let (id, secret) = self.client.as_ref().expect("the seed has a client");
        (id, secret)
    }

    /// Sends a request, expecting a 2xx answer; gives its JSON body (null when empty).
    pub fn send(&self, request: reqwest::RequestBuilder) -> Value {
        self.runtime.block_on(async {
            let response = request.send().await.expect("the mock answers");
            let status = response.status();
            let body = response.text().await.expect("a body");
            assert!(status.is_success(), "the mock answered {status}: {body}");
            serde_json::from_str(&body).unwrap_or(Value::Null)
        })
    }

    /// A Table API request as `admin` (or the reader [`Mock::reading_as`] names), references as plain
    /// sys_ids.
    pub fn admin(&self, method: reqwest::Method, table: &str) -> reqwest::RequestBuilder {
        let (user, password) = &self.reader;
        self.http
            .request(method, format!("{}/api/now/table/{table}", self.url))
            .basic_auth(user, Some(password))
            .query(&[("sysparm_exclude_reference_link", "true")])
    }

    pub fn records(&self, table: &str, query: &str) -> Vec<Value> {
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

    pub fn snapshot(&self) -> Snapshot {
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

    pub fn grant_property(&self) -> Option<Value> {
        let mut found = self.records("sys_properties", &format!("name={GRANT_PROPERTY}"));
        assert!(found.len() <= 1, "the grant property twice: {found:?}");
        found.pop()
    }

    /// Creates the grant property with a value and a description of its own; gives the record.
    pub fn create_grant_property(&self, value: &str) -> Value {
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

    pub fn control(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}/__mock{path}", self.url))
    }

    pub fn arm_fault(&self, fault: Value) {
        self.send(self.control(reqwest::Method::POST, "/faults").json(&fault));
    }

    /// The status of an anonymous GET of `url` (`None`: no answer), on this mock's client.
    pub fn runtime_get(&self, url: &str) -> Option<u16> {
        self.runtime.block_on(async {
            let response = self.http.get(url).send().await.ok()?;
            Some(response.status().as_u16())
        })
    }

    /// Disarms every fault armed through the control plane.
    pub fn clear_faults(&self) {
        self.send(self.control(reqwest::Method::DELETE, "/faults"));
    }

    /// Every request the mock received since the journal was last cleared.
    pub fn requests(&self) -> Vec<Value> {
        self.send(self.control(reqwest::Method::GET, "/journal"))["entries"]
            .as_array()
            .cloned()
            .expect("journal entries")
    }

    pub fn clear_requests(&self) {
        self.send(self.control(reqwest::Method::DELETE, "/journal"));
    }

    /// A token for the printed client, straight from the token endpoint.
    pub fn token(&self) -> String {
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

    /// The moduli (`n`) of the keys the mock publishes at `/api/now/oauth/jwks`: public, though as long as
    /// a token.
    pub fn published_moduli(&self) -> Vec<String> {
        let keys = self.send(self.http.get(format!("{}/api/now/oauth/jwks", self.url)));
        let keys = keys["keys"].as_array().cloned().unwrap_or_default();
        keys.iter()
            .filter_map(|key| key["n"].as_str().map(str::to_owned))
            .collect()
    }

    /// Starts `sncc run` against the mock as admin, in `dir`.
    pub fn admin_run(&self, dir: &TempDir, args: &[&str]) -> Sncc {
        admin_run(&self.url, dir, args)
    }

    /// Starts `sncc run` against the mock as its printed client, acting as `svc.cc`, in `dir`.
    pub fn client_run(&self, dir: &TempDir, args: &[&str]) -> Sncc {
        let (id, secret) = self.client();
        let target = ["run", "--instance", &self.url, "--client-id", id];
        let expect = ["--expect-user", "svc.cc"];
        let env = [("SNCC_CLIENT_SECRET", secret)];
        Sncc::start(&dir.0, &[&target[..], &expect[..], args].concat(), &env)
    }
}

/// Starts `sncc run` as admin against an instance at `url` (a mock, or a proxy in front of one), in `dir`.
pub fn admin_run(url: &str, dir: &TempDir, args: &[&str]) -> Sncc {
    let target = ["run", "--instance", url, "--admin-user", "admin"];
    let env = [("SNCC_ADMIN_PASSWORD", ADMIN_PASSWORD)];
    Sncc::start(&dir.0, &[&target[..], args].concat(), &env)
}

/// Runs `sncc restore` on a journal to the end.
pub fn restore(dir: &TempDir, journal: &str) -> Finished {
    restore_with(dir, journal, &[])
}

/// Runs `sncc restore` on a journal to the end, with more flags (`--instance URL`, …).
pub fn restore_with(dir: &TempDir, journal: &str, args: &[&str]) -> Finished {
    let base = ["restore", "--journal", journal, "--admin-user", "admin"];
    let env = [("SNCC_ADMIN_PASSWORD", ADMIN_PASSWORD)];
    Sncc::start(&dir.0, &[&base[..], args].concat(), &env).finish()
}

/// What differs between two snapshots, one line a record.
pub fn differences(before: &Snapshot, after: &Snapshot) -> Vec<String> {
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

pub fn assert_unchanged(before: &Snapshot, after: &Snapshot, when: &str) {
    let differences = differences(before, after);
    assert!(
        differences.is_empty(),
        "{when}, the instance differs from before the run:\n{}",
        differences.join("\n")
    );
}

/// The change journal's entries that parse (a torn last line is skipped).
pub fn journal_entries(path: &str) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

/// How many records the journal says were (about to be) created and not yet deleted again.
pub fn outstanding_creates(path: &str) -> usize {
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

pub fn summary(reports: &str) -> Value {
    let text = std::fs::read_to_string(format!("{reports}/summary.json")).expect("summary.json");
    serde_json::from_str(&text).expect("summary JSON")
}

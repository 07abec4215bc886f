//! Shared test support: a fresh in-process mock per test, and a reqwest client for it.
#![allow(dead_code)]

pub mod instance;
pub mod proxy;

use secrecy::SecretString;
use sncc::mock::{MockOptions, MockServer, Seed, SeededClient};

pub const ADMIN_PASSWORD: &str = "admin-test-password";
pub const FORM: &str = "application/x-www-form-urlencoded";

/// A running mock with what a test needs to talk to it.
pub struct Mock {
    pub server: MockServer,
    pub http: reqwest::Client,
    /// The seeded clients (the `ready` seed has one, `svc-cc`, acting as `svc.cc`).
    pub clients: Vec<SeededClient>,
}

/// Starts a fresh mock from a built-in seed (`ready`, `untouched`) on `127.0.0.1:0`.
pub async fn start(seed: &str) -> Mock {
    start_seed(Seed::load(seed).expect("built-in seed")).await
}

/// Starts a fresh mock from a seed on `127.0.0.1:0`.
pub async fn start_seed(seed: Seed) -> Mock {
    sncc::support::crypto::install_default_crypto_provider();
    let (instance, clients) = seed
        .build(&SecretString::from(ADMIN_PASSWORD), None)
        .expect("seed builds");
    let options = MockOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        tls: None,
        instance,
    };
    let server = MockServer::start(options).await.expect("mock starts");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Mock {
        server,
        http,
        clients,
    }
}

impl Mock {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    pub fn client_id(&self) -> &str {
        &self.clients[0].client_id
    }

    pub fn client_secret(&self) -> String {
        use secrecy::ExposeSecret;
        self.clients[0].client_secret.expose_secret().to_owned()
    }

    /// The form body of a correct token request for the seeded client.
    pub fn token_form(&self) -> String {
        format!(
            "grant_type=client_credentials&client_id={}&client_secret={}",
            self.client_id(),
            urlencode(&self.client_secret())
        )
    }

    pub async fn post_token(&self, body: impl Into<String>) -> reqwest::Response {
        self.http
            .post(self.url("/oauth_token.do"))
            .header("content-type", FORM)
            .body(body.into())
            .send()
            .await
            .unwrap()
    }

    /// Requests a token for the seeded client and returns it (panics unless one is issued).
    pub async fn token(&self) -> String {
        let response = self.post_token(self.token_form()).await;
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// A request as `admin` with HTTP Basic.
    pub fn admin(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .basic_auth("admin", Some(ADMIN_PASSWORD))
            .header("accept", "application/json")
    }

    /// A request with `token` as a Bearer.
    pub fn bearer(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
    ) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(token)
            .header("accept", "application/json")
    }

    /// `current_user` as the token sees it (panics unless it answers 200).
    pub async fn current_user(&self, token: &str) -> serde_json::Value {
        let path = "/api/now/ui/user/current_user";
        let response = self.bearer(reqwest::Method::GET, path, token);
        let response = response.send().await.unwrap();
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        body["result"].clone()
    }

    /// Changes the switches (`PATCH /__mock/switches`) and returns them all (panics unless it answers 200).
    pub async fn switch(&self, change: serde_json::Value) -> serde_json::Value {
        let request = self.control(reqwest::Method::PATCH, "/switches");
        let response = request.json(&change).send().await.unwrap();
        assert_eq!(response.status(), 200, "{change}");
        response.json().await.unwrap()
    }

    /// Creates a record as `admin` and returns it as the Table API shows it (panics unless it answers 201).
    pub async fn create(&self, table: &str, fields: serde_json::Value) -> serde_json::Value {
        let path = format!("/api/now/table/{table}");
        let response = self.admin(reqwest::Method::POST, &path).json(&fields);
        let response = response.send().await.unwrap();
        assert_eq!(response.status(), 201, "create {table} {fields}");
        let mut body: serde_json::Value = response.json().await.unwrap();
        body["result"].take()
    }

    /// Changes a record as `admin` (panics unless it answers 200).
    pub async fn patch(&self, table: &str, sys_id: &str, fields: serde_json::Value) {
        let path = format!("/api/now/table/{table}/{sys_id}");
        let response = self.admin(reqwest::Method::PATCH, &path).json(&fields);
        let response = response.send().await.unwrap();
        assert_eq!(response.status(), 200, "patch {table} {fields}");
    }

    /// Deletes a record as `admin` (panics unless it answers 204).
    pub async fn delete(&self, table: &str, sys_id: &str) {
        let path = format!("/api/now/table/{table}/{sys_id}");
        let response = self.admin(reqwest::Method::DELETE, &path);
        assert_eq!(
            response.send().await.unwrap().status(),
            204,
            "delete {table}"
        );
    }

    /// The records of a table that match an encoded query, as `admin`.
    pub async fn records(&self, table: &str, query: &str) -> Vec<serde_json::Value> {
        let path = format!("/api/now/table/{table}?sysparm_query={}", urlencode(query));
        let response = self
            .admin(reqwest::Method::GET, &path)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "list {table}");
        let body: serde_json::Value = response.json().await.unwrap();
        body["result"].as_array().cloned().unwrap_or_default()
    }

    /// The sys_id of the seeded client's `oauth_entity`.
    pub async fn entity_sys_id(&self) -> String {
        let query = format!("client_id={}", self.client_id());
        let found = self.records("oauth_entity", &query).await;
        found[0]["sys_id"].as_str().unwrap().to_owned()
    }

    /// Creates a system property as `admin`.
    pub async fn set_property(&self, name: &str, value: &str) {
        let property = serde_json::json!({ "name": name, "type": "boolean", "value": value });
        self.create("sys_properties", property).await;
    }

    /// Sets (or, with `null`, deletes) properties as the instance itself does, through the control plane
    /// (`PATCH /__mock/properties`), which no `write_roles` refuse; gives the properties as they now are.
    pub async fn control_properties(&self, changes: serde_json::Value) -> serde_json::Value {
        let request = self.control(reqwest::Method::PATCH, "/properties");
        let response = request.json(&changes).send().await.unwrap();
        assert_eq!(response.status(), 200, "{changes}");
        response.json().await.unwrap()
    }

    /// Moves virtual time forward (`POST /__mock/clock/advance`).
    pub async fn advance_clock(&self, seconds: i64) {
        let request = self.control(reqwest::Method::POST, "/clock/advance");
        let response = request.json(&serde_json::json!({ "seconds": seconds }));
        assert_eq!(response.send().await.unwrap().status(), 200);
    }

    /// A control-plane request (`/__mock/...`).
    pub fn control(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(&format!("/__mock{path}")))
    }

    /// `GET /__mock{path}`, read as JSON.
    pub async fn control_json(&self, path: &str) -> serde_json::Value {
        let response = self.control(reqwest::Method::GET, path).send().await;
        response.unwrap().json().await.unwrap()
    }
}

/// Asserts the captured generic token refusal (C6), status and body byte for byte.
pub async fn assert_generic_refusal(response: reqwest::Response, why: &str) {
    let captured = &sncc::servicenow::captured::TOKEN_GENERIC_401;
    assert_eq!(response.status(), captured.status, "{why}");
    assert_eq!(response.text().await.unwrap(), captured.body, "{why}");
}

pub fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A fresh folder under the system's temp dir (`sncc-<name>-<pid>`), removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("sncc-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("temp dir");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What a finished `sncc` left: exit code, console, errors.
pub struct Finished {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    /// The last line of the output; for a run's closing tally, without its wall time (` in 1.2 s`).
    pub fn last_line(&self) -> &str {
        let line = self.stdout.lines().last().unwrap_or_default();
        match line.rsplit_once(" in ") {
            Some((tally, time))
                if time
                    .strip_suffix(" s")
                    .is_some_and(|seconds| seconds.parse::<f64>().is_ok()) =>
            {
                tally
            }
            _ => line,
        }
    }
}

/// How long an `sncc` child may take before a test kills it.
const PATIENCE: std::time::Duration = std::time::Duration::from_secs(120);

/// Runs `sncc` in `cwd` to the end (killed after [`PATIENCE`]), with no secret in its environment but `env`'s.
pub fn sncc(cwd: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Finished {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_sncc"))
        .args(args)
        .current_dir(cwd)
        .env_remove("SNCC_ADMIN_PASSWORD")
        .env_remove("SNCC_ADMIN_CLIENT_SECRET")
        .env_remove("SNCC_CLIENT_SECRET")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sncc starts");
    let read = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = read(Box::new(child.stdout.take().expect("piped")));
    let stderr = read(Box::new(child.stderr.take().expect("piped")));
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for sncc") {
            break status;
        }
        if started.elapsed() > PATIENCE {
            let _ = child.kill();
            panic!("sncc {args:?} did not finish within {PATIENCE:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    Finished {
        code: status.code(),
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

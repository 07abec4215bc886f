//! `sncc mock` as a child process: what it prints, that a client can use it (http and https), and how it stops.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

use serde_json::Value;

/// The longest any child may take to print a line or exit before the test gives up on it.
const PATIENCE: Duration = Duration::from_secs(30);
const PASSWORD_ENV: &str = "SNCC_MOCK_ADMIN_PASSWORD";

/// A running `sncc mock`, its stdout read line by line on a thread; killed on drop, so a hung child cannot hang a test.
struct MockProcess {
    child: Child,
    lines: Receiver<String>,
}

/// What `sncc mock` prints before it serves.
#[derive(Debug, Default)]
struct Banner {
    /// The first line: what the instance is, and where.
    title: String,
    base_url: String,
    admin_password: String,
    /// Client id and secret of each printed client.
    clients: Vec<(String, String)>,
    ca_path: Option<PathBuf>,
    /// The lines under the CA's path: how each kind of client trusts it, and which clients read that.
    trust: Vec<String>,
    /// Whether JWT access tokens are available on the release, as printed.
    jwt_tokens: String,
}

fn sncc(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sncc"));
    command
        .args(args)
        .env_remove(PASSWORD_ENV)
        .envs(env.iter().copied());
    command
}

/// The value after `label` in a line, up to the next whitespace.
fn word_after<'a>(line: &'a str, label: &str) -> Option<&'a str> {
    line.split_once(label)?.1.split_whitespace().next()
}

impl MockProcess {
    /// Starts `sncc mock --listen 127.0.0.1:0` with more arguments and reads its banner.
    fn start(args: &[&str], env: &[(&str, &str)]) -> (MockProcess, Banner) {
        let mut command = sncc(&["mock", "--listen", "127.0.0.1:0"], env);
        command
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = command.spawn().expect("sncc starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut process = MockProcess { child, lines };
        let banner = process.banner();
        (process, banner)
    }

    fn next_line(&self) -> Result<String, RecvTimeoutError> {
        self.lines.recv_timeout(PATIENCE)
    }

    fn banner(&mut self) -> Banner {
        let mut banner = Banner::default();
        loop {
            let line = self.next_line().expect("sncc prints its banner");
            if let Some(url) = line
                .strip_prefix("sncc mock instance")
                .and_then(|l| word_after(l, ") at "))
            {
                banner.base_url = url.to_owned();
                banner.title = line.clone();
            } else if let Some(password) = word_after(&line, "user admin, password ") {
                banner.admin_password = password.to_owned();
            } else if let (Some(id), Some(secret)) = (
                word_after(&line, "client_id "),
                word_after(&line, "client_secret "),
            ) {
                banner.clients.push((id.to_owned(), secret.to_owned()));
            } else if let Some(jwt) = line.trim().strip_prefix("JWT tokens") {
                banner.jwt_tokens = jwt.trim().to_owned();
            } else if let Some(path) = line.trim().strip_prefix("CA certificate") {
                banner.ca_path = Some(PathBuf::from(path.trim()));
            } else if banner.ca_path.is_some() && line.starts_with("                  ") {
                banner.trust.push(line.trim().to_owned());
            } else if line.starts_with("Ctrl-C stops it") {
                return banner;
            }
        }
    }

    /// Sends SIGTERM; returns the exit status and every line printed after the banner.
    fn terminate(&mut self) -> (ExitStatus, Vec<String>) {
        let killed = Command::new("kill")
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(killed.success());
        let mut printed = Vec::new();
        loop {
            match self.next_line() {
                Ok(line) => printed.push(line),
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => panic!("sncc did not stop on SIGTERM"),
            }
        }
        (self.child.wait().unwrap(), printed)
    }
}

impl Drop for MockProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `sncc` to completion (it is expected to exit by itself), killing it if it does not.
fn run_to_exit(args: &[&str]) -> Output {
    let child = sncc(args, &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    let (sender, output) = mpsc::channel();
    std::thread::spawn(move || sender.send(child.wait_with_output()));
    match output.recv_timeout(PATIENCE) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid]).status();
            panic!("sncc {args:?} did not exit");
        }
    }
}

fn http_client(builder: reqwest::ClientBuilder) -> reqwest::Client {
    sncc::support::crypto::install_default_crypto_provider();
    builder.build().unwrap()
}

/// Requests a token with the printed client credentials; returns the response body (asserting 200).
async fn token(http: &reqwest::Client, banner: &Banner) -> Value {
    let (id, secret) = &banner.clients[0];
    let response = http
        .post(format!("{}/oauth_token.do", banner.base_url))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// The status of a Table API read as `admin` with this password.
async fn admin_status(http: &reqwest::Client, banner: &Banner, password: &str) -> u16 {
    let url = format!("{}/api/now/table/sys_properties", banner.base_url);
    let response = http
        .get(url)
        .basic_auth("admin", Some(password))
        .send()
        .await
        .unwrap();
    response.status().as_u16()
}

#[tokio::test]
async fn prints_url_admin_and_client_serves_tokens_and_stops_on_sigterm() {
    let (mut process, banner) = MockProcess::start(&["--admin-password", "cli-admin-pw"], &[]);
    assert!(
        banner.base_url.starts_with("http://127.0.0.1:"),
        "{banner:?}"
    );
    assert_ne!(banner.base_url, "http://127.0.0.1:0");
    assert_eq!(banner.admin_password, "cli-admin-pw");
    assert_eq!(banner.clients.len(), 1, "the ready seed's client");

    let http = http_client(reqwest::Client::builder());
    let issued = token(&http, &banner).await;
    assert_eq!(issued["token_type"], "Bearer");
    assert_eq!(issued["expires_in"], 1799);
    assert_eq!(admin_status(&http, &banner, "cli-admin-pw").await, 200);

    let (status, printed) = process.terminate();
    assert_eq!(status.code(), Some(0));
    assert!(
        printed.iter().any(|line| line.contains("stopped")),
        "{printed:?}"
    );
}

#[tokio::test]
async fn tls_prints_a_ca_that_reaches_the_https_url_and_is_removed_on_stop() {
    let (mut process, banner) = MockProcess::start(&["--tls", "--admin-password", "x"], &[]);
    assert!(
        banner.base_url.starts_with("https://127.0.0.1:"),
        "{banner:?}"
    );
    let ca_path = banner
        .ca_path
        .clone()
        .expect("a CA certificate path is printed");
    let path = ca_path.display();
    let named: Vec<String> = ["REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS"]
        .iter()
        .map(|variable| format!("{variable}={path}"))
        .collect();
    for expected in named.iter().chain([&format!("curl --cacert {path}")]) {
        assert!(
            banner
                .trust
                .iter()
                .any(|line| line.starts_with(expected.as_str())),
            "{expected} not in {:?}",
            banner.trust
        );
    }
    let pem = std::fs::read(&ca_path).unwrap();
    let ca = reqwest::Certificate::from_pem(&pem).unwrap();

    let http = http_client(reqwest::Client::builder().tls_certs_only([ca]));
    assert_eq!(token(&http, &banner).await["token_type"], "Bearer");
    let untrusting = http_client(reqwest::Client::builder());
    let refused = untrusting
        .get(format!("{}/__mock", banner.base_url))
        .send()
        .await;
    assert!(
        refused.is_err(),
        "the mock's certificate is trusted only through its CA"
    );

    let (status, _) = process.terminate();
    assert_eq!(status.code(), Some(0));
    assert!(!ca_path.exists(), "{} is left behind", ca_path.display());
}

#[tokio::test]
async fn admin_password_is_random_unless_given_by_the_environment() {
    let http = http_client(reqwest::Client::builder());
    let (_first, random) = MockProcess::start(&[], &[]);
    let (_second, other) = MockProcess::start(&[], &[]);
    assert!(random.admin_password.len() >= 16, "{random:?}");
    assert_ne!(random.admin_password, other.admin_password);
    assert_eq!(
        admin_status(&http, &random, &random.admin_password).await,
        200
    );
    assert_eq!(admin_status(&http, &random, "admin").await, 401);

    let (_from_env, banner) = MockProcess::start(&[], &[(PASSWORD_ENV, "from-env-pw")]);
    assert_eq!(banner.admin_password, "from-env-pw");
    assert_eq!(admin_status(&http, &banner, "from-env-pw").await, 200);
}

#[tokio::test]
async fn prints_whether_jwt_access_tokens_are_available_and_where_their_keys_are() {
    let (_newest, banner) = MockProcess::start(&[], &[]);
    let jwks = word_after(&banner.jwt_tokens, "keys at ").expect("the JWKS URL is printed");
    assert!(banner.jwt_tokens.starts_with("available"), "{banner:?}");
    assert_eq!(jwks, format!("{}/api/now/oauth/jwks", banner.base_url));
    let http = http_client(reqwest::Client::builder());
    let keys: Value = http.get(jwks).send().await.unwrap().json().await.unwrap();
    assert_eq!(keys["keys"][0]["alg"], "RS256");

    let (_older, banner) = MockProcess::start(&["--release", "zurich"], &[]);
    assert_eq!(
        banner.jwt_tokens,
        "not on this release (from yokohama-p7, zurich-p1, australia): token_format is ignored"
    );
}

#[test]
fn a_missing_seed_file_exits_2_naming_the_built_in_seeds() {
    let output = run_to_exit(&["mock", "--listen", "127.0.0.1:0", "--seed", "/no/such.toml"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("/no/such.toml"), "{stderr}");
    assert!(
        stderr.contains("built-in seeds: ready, untouched"),
        "{stderr}"
    );
}

/// (A family newer than the list, `kingston`, is accepted with a warning: catalogue §4.)
#[test]
fn a_malformed_release_exits_2_and_says_why() {
    for (release, why) in [
        ("zurich-p", "a family and an optional patch level"),
        ("zurich-p999", "patch levels go from 0 to 99"),
        ("zur1ch", "a family and an optional patch level"),
        ("kingston", "the mock simulates the families tokyo … brazil"),
    ] {
        let output = run_to_exit(&["mock", "--listen", "127.0.0.1:0", "--release", release]);
        assert_eq!(output.status.code(), Some(2), "{release}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(release) && stderr.contains(why), "{stderr}");
    }
}

#[tokio::test]
async fn a_release_takes_a_patch_and_defaults_to_the_newest_family() {
    let http = http_client(reqwest::Client::builder());
    for (args, shown) in [
        (&["--release", "zurich-p4"][..], "zurich-p4"),
        (&[][..], "brazil"),
    ] {
        let (_process, banner) = MockProcess::start(args, &[]);
        let status: Value = http
            .get(format!("{}/__mock", banner.base_url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(status["release"], shown, "{args:?}");
    }
}

#[tokio::test]
async fn the_banner_and_the_control_plane_say_which_kind_of_instance_it_is() {
    let http = http_client(reqwest::Client::builder());
    for (args, kind) in [
        (&["--provisioned", "new"][..], "new"),
        (&[][..], "upgraded"),
    ] {
        let (_process, banner) = MockProcess::start(args, &[]);
        let expected =
            format!("sncc mock instance (brazil release, {kind} instance, seed ready) at ");
        assert!(banner.title.starts_with(&expected), "{}", banner.title);
        let status: Value = http
            .get(format!("{}/__mock/", banner.base_url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(status["provisioned"], kind, "{args:?}");
    }
    let output = run_to_exit(&["mock", "--listen", "127.0.0.1:0", "--provisioned", "zboot"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("upgraded or new"), "{stderr}");
}

#[test]
fn the_untouched_seed_prints_no_client() {
    let (_process, banner) = MockProcess::start(&["--seed", "untouched"], &[]);
    assert!(banner.clients.is_empty(), "{banner:?}");
    assert!(!banner.admin_password.is_empty());
}

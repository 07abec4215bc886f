//! Soak: a million token requests against one in-process mock, to show its resident memory stays flat.
//!
//! 32 keep-alive connections send `POST /oauth_token.do` back to back; every 50,000 requests the virtual
//! clock is advanced 1801 s through the control plane (so the batch's tokens expire and are purged, as in
//! real use) and the process's VmRSS is sampled. Prints the series, the first and last samples after
//! warm-up, the maximum, the change over the run's second half and the `oauth_credential` records left;
//! every answer must be a 200.
//! Run with `cargo bench --bench soak`; `SNCC_SOAK_REQUESTS` sets the total (default 1,000,000).

use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use sncc::mock::{MockOptions, MockServer, Seed};

/// The allocator `sncc` ships with, so the mock is measured as it runs there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

type BoxError = Box<dyn Error + Send + Sync>;

const DEFAULT_REQUESTS: u64 = 1_000_000;
const BATCH: u64 = 50_000;
const CONNECTIONS: usize = 32;
/// One second past the default token lifespan: every token issued before the advance expires.
const ADVANCE_SECONDS: i64 = 1801;
/// Batches whose samples show the allocator reaching its working size, not growth.
const WARM_UP_BATCHES: usize = 2;
/// However slow the machine, the soak stops after this long (and says so).
const TIME_LIMIT: Duration = Duration::from_secs(30 * 60);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const ADMIN_PASSWORD: &str = "soak-admin-password";

/// Memory and records after one batch.
struct Sample {
    requests: u64,
    elapsed: Duration,
    rss_kib: u64,
    /// `oauth_credential` records before the clock advance purged the batch's tokens, and after.
    credentials_live: u64,
    credentials_after_purge: u64,
}

/// Answers that were not a 200, and the first one's description.
#[derive(Default)]
struct Failures {
    count: u64,
    first: Option<String>,
}

impl Failures {
    fn add(&mut self, error: String) {
        self.count += 1;
        self.first.get_or_insert(error);
    }

    fn merge(&mut self, other: Failures) {
        self.count += other.count;
        if self.first.is_none() {
            self.first = other.first;
        }
    }
}

/// The mock under soak, and how to reach its token endpoint and control plane.
struct Target {
    _server: MockServer,
    base_url: String,
    token_request: reqwest::Request,
    control: reqwest::Client,
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    sncc::support::crypto::install_default_crypto_provider();
    let total = soak_requests()?;
    let target = start().await?;
    let clients: Vec<_> = (0..CONNECTIONS).map(|_| connection()).collect();
    let started = Instant::now();
    let (mut samples, mut failures, mut done) = (Vec::new(), Failures::default(), 0);
    while done < total && started.elapsed() < TIME_LIMIT {
        let batch = BATCH.min(total - done);
        failures.merge(run_batch(&target.token_request, &clients, batch).await);
        done += batch;
        let rss_kib = rss_kib()?;
        let credentials_live = credentials(&status(&target).await?);
        let credentials_after_purge = credentials(&advance_clock(&target).await?);
        samples.push(Sample {
            requests: done,
            elapsed: started.elapsed(),
            rss_kib,
            credentials_live,
            credentials_after_purge,
        });
    }
    if done < total {
        println!("stopped after {done} of {total} requests: the {TIME_LIMIT:?} limit was reached");
    }
    print_series(&samples);
    print_summary(&samples, &failures, credentials(&status(&target).await?));
    Ok(())
}

fn soak_requests() -> Result<u64, BoxError> {
    match std::env::var("SNCC_SOAK_REQUESTS") {
        Ok(text) => Ok(text.parse()?),
        Err(_) => Ok(DEFAULT_REQUESTS),
    }
}

/// Starts a mock from the `ready` seed and builds its seeded client's token request.
async fn start() -> Result<Target, BoxError> {
    let seed = Seed::load("ready")?;
    let (instance, clients) = seed.build(&SecretString::from(ADMIN_PASSWORD), None)?;
    let client = clients.first().ok_or("the ready seed has a client")?;
    let options = MockOptions {
        listen: "127.0.0.1:0".parse()?,
        tls: None,
        instance,
    };
    let server = MockServer::start(options).await?;
    let base_url = server.base_url().to_owned();
    let control = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()?;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", client.client_id.as_str()),
        ("client_secret", client.client_secret.expose_secret()),
    ];
    let token_request = control
        .post(format!("{base_url}/oauth_token.do"))
        .form(&form)
        .build()?;
    Ok(Target {
        _server: server,
        base_url,
        token_request,
        control,
    })
}

/// A client holding at most one idle connection: one task, one keep-alive connection.
fn connection() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("a plain HTTP client builds")
}

/// Sends `count` token requests over all connections, each task taking the next request until none is left.
async fn run_batch(
    request: &reqwest::Request,
    clients: &[reqwest::Client],
    count: u64,
) -> Failures {
    let taken = Arc::new(AtomicU64::new(0));
    let request = Arc::new(cloned(request));
    let tasks: Vec<_> = clients
        .iter()
        .map(|client| {
            let (client, request, taken) = (client.clone(), request.clone(), taken.clone());
            tokio::spawn(async move {
                let mut failures = Failures::default();
                while taken.fetch_add(1, Ordering::Relaxed) < count {
                    if let Err(error) = issue(&client, &request).await {
                        failures.add(error);
                    }
                }
                failures
            })
        })
        .collect();
    let mut failures = Failures::default();
    for task in tasks {
        failures.merge(task.await.expect("a load task panicked"));
    }
    failures
}

/// One token request, its body read to the end so the connection is reused; anything but a 200 fails.
async fn issue(client: &reqwest::Client, request: &reqwest::Request) -> Result<(), String> {
    let response = client
        .execute(cloned(request))
        .await
        .map_err(|error| error.to_string())?;
    let status = response.status();
    response.bytes().await.map_err(|error| error.to_string())?;
    match status {
        StatusCode::OK => Ok(()),
        other => Err(format!("status {other}, expected 200")),
    }
}

fn cloned(request: &reqwest::Request) -> reqwest::Request {
    request
        .try_clone()
        .expect("the token request has a buffered body")
}

/// `POST /__mock/clock/advance`: the batch's tokens expire and are purged.
async fn advance_clock(target: &Target) -> Result<Value, BoxError> {
    let url = format!("{}/__mock/clock/advance", target.base_url);
    let body = json!({ "seconds": ADVANCE_SECONDS });
    let response = target.control.post(url).json(&body).send().await?;
    Ok(response.error_for_status()?.json().await?)
}

/// `GET /__mock/`: the mock's status document.
async fn status(target: &Target) -> Result<Value, BoxError> {
    let url = format!("{}/__mock/", target.base_url);
    let response = target.control.get(url).send().await?;
    Ok(response.error_for_status()?.json().await?)
}

/// The `oauth_credential` record count in a status document.
fn credentials(status: &Value) -> u64 {
    status["records"]["oauth_credential"]
        .as_u64()
        .expect("the status document counts oauth_credential records")
}

/// This process's resident memory (`VmRSS` in `/proc/self/status`), in KiB.
fn rss_kib() -> Result<u64, BoxError> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .ok_or("no VmRSS in /proc/self/status")?;
    Ok(line.trim().trim_end_matches("kB").trim().parse()?)
}

fn mib(kib: u64) -> String {
    format!("{:.1}", kib as f64 / 1024.0)
}

fn print_series(samples: &[Sample]) {
    println!(
        "\n## Soak: {CONNECTIONS} connections, clock +{ADVANCE_SECONDS} s every {BATCH} requests\n"
    );
    println!("| requests | elapsed s | VmRSS MiB | oauth_credential live | after purge |");
    println!("|---:|---:|---:|---:|---:|");
    for sample in samples {
        println!(
            "| {} | {:.1} | {} | {} | {} |",
            sample.requests,
            sample.elapsed.as_secs_f64(),
            mib(sample.rss_kib),
            sample.credentials_live,
            sample.credentials_after_purge,
        );
    }
}

fn print_summary(samples: &[Sample], failures: &Failures, credentials_left: u64) {
    let Some(last) = samples.last() else {
        println!("no samples: no batch ran");
        return;
    };
    let first = samples.get(WARM_UP_BATCHES).unwrap_or(&samples[0]);
    let middle = &samples[samples.len() / 2];
    let max = samples.iter().map(|sample| sample.rss_kib).max();
    println!("\n## Summary\n");
    println!(
        "- VmRSS first after warm-up ({} requests): {} MiB",
        first.requests,
        mib(first.rss_kib)
    );
    println!(
        "- VmRSS last ({} requests): {} MiB",
        last.requests,
        mib(last.rss_kib)
    );
    println!("- VmRSS max: {} MiB", mib(max.unwrap_or(0)));
    println!(
        "- VmRSS change, first after warm-up → last: {}",
        change(first, last)
    );
    println!(
        "- VmRSS change over the second half ({} → {} requests): {}",
        middle.requests,
        last.requests,
        change(middle, last)
    );
    println!("- oauth_credential records left: {credentials_left}");
    let seconds = last.elapsed.as_secs_f64();
    println!(
        "- {} requests in {seconds:.1} s ({:.0} requests/s, clock advances and samples included)",
        last.requests,
        last.requests as f64 / seconds
    );
    match &failures.first {
        None => println!("- every response was 200"),
        Some(first) => println!(
            "- {} responses were not 200 (first: {first})",
            failures.count
        ),
    }
}

fn change(from: &Sample, to: &Sample) -> String {
    format!(
        "{:+.1} MiB",
        (to.rss_kib as f64 - from.rss_kib as f64) / 1024.0
    )
}

//! Throughput and latency of the in-process mock against a bare axum server, plus the mock's start time.
//!
//! Measures token issuance (`POST /oauth_token.do`, opaque tokens and, with `token_format=jwt`, RS256 JWTs), a
//! Bearer Table API read (`GET /api/now/table/sys_user?sysparm_limit=1`), a Bearer incident list
//! (`GET /api/now/table/incident?sysparm_limit=10`, over [`LISTED_INCIDENTS`] incidents) and a bare axum
//! "hello" route, each at 1, 16 and 64 keep-alive connections; then the median time from the `ready` seed to a
//! serving mock, and from a seed of [`LARGE_SEED_RECORDS`] incidents, with the resident memory that seed takes.
//! Each cell is measured in rounds, interleaved with the other targets' rounds, on a fresh server each time;
//! rates are the median round's, so one unlucky round on a shared machine does not decide a ratio.
//! Run with `cargo bench --bench throughput`; `SNCC_BENCH_ROUNDS` sets the rounds per cell (default 15) and
//! `SNCC_BENCH_SECONDS` the seconds per round (default 1).
//! Timings are reported, never asserted; every response's status is checked and errors are counted.
//! With `SNCC_BENCH_BARE=ADDRESS:PORT` it only serves the bare server there until killed, to load it (and
//! `sncc mock`) from a separate process such as `wrk`, which does not share this process's CPU cost.

use std::error::Error;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use axum::serve::ListenerExt;
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use sncc::mock::{MockOptions, MockServer, Seed, SeededClient};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The allocator `sncc` ships with, so the mock is measured as it runs there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

type BoxError = Box<dyn Error + Send + Sync>;

const CONCURRENCY: [usize; 3] = [1, 16, 64];
const DEFAULT_ROUNDS: usize = 15;
const DEFAULT_SECONDS: f64 = 1.0;
const WARM_UP: Duration = Duration::from_millis(250);
const STARTS: usize = 50;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const TARGET_RATIO: f64 = 0.60;
/// Clock ticks per second of the CPU times in `/proc` (`USER_HZ`, 100 on Linux).
const USER_HZ: f64 = 100.0;
const ADMIN_PASSWORD: &str = "bench-admin-password";
/// The incidents the incident list cell's mock holds.
const LISTED_INCIDENTS: usize = 20;
/// The records of the large seed, and how many of its starts are timed.
const LARGE_SEED_RECORDS: usize = 10_000;
const LARGE_STARTS: usize = 10;

/// What a cell loads: the mock's two hot endpoints, and the bare baseline.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Token,
    JwtToken,
    Table,
    IncidentList,
    Bare,
}

impl Target {
    const ALL: [Target; 5] = [
        Target::Token,
        Target::JwtToken,
        Target::Table,
        Target::IncidentList,
        Target::Bare,
    ];
    /// The targets whose throughput is compared with the bare server's, and the share each should reach.
    const COMPARED: [(Target, Option<f64>); 3] = [
        (Target::Token, Some(TARGET_RATIO)),
        (Target::JwtToken, None),
        (Target::IncidentList, None),
    ];

    fn name(self) -> &'static str {
        match self {
            Target::Token => "token (POST /oauth_token.do)",
            Target::JwtToken => "JWT token (POST /oauth_token.do, token_format=jwt)",
            Target::Table => "table (Bearer GET sys_user)",
            Target::IncidentList => "incident list (Bearer GET incident?sysparm_limit=10)",
            Target::Bare => "bare axum hello",
        }
    }
}

/// A server started for one cell; dropping it stops the server.
enum Server {
    /// Held for its `Drop`, which stops the mock.
    Mock {
        _running: MockServer,
    },
    Bare(JoinHandle<io::Result<()>>),
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Server::Bare(task) = self {
            task.abort();
        }
    }
}

/// How long each cell is loaded: `rounds` times `seconds`.
#[derive(Clone, Copy)]
struct Plan {
    rounds: usize,
    seconds: Duration,
}

/// What one round of a cell (target × concurrency) saw.
struct Round {
    tally: Tally,
    elapsed: Duration,
    /// Process CPU time (load generator and server together) over the round.
    cpu: Duration,
}

impl Round {
    fn requests_per_second(&self) -> f64 {
        self.tally.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }
}

/// What one cell measured over all its rounds.
struct Cell {
    target: Target,
    connections: usize,
    /// Each round's rate, in the order the rounds ran.
    rates: Vec<f64>,
    p50: Duration,
    p99: Duration,
    /// Process CPU time (load generator and server together) per good answer: steal-proof, unlike rates.
    cpu_per_request: Duration,
    errors: usize,
    first_error: Option<String>,
}

impl Cell {
    /// The median round's rate.
    fn requests_per_second(&self) -> f64 {
        let mut rates = self.rates.clone();
        rates.sort_by(f64::total_cmp);
        rates[rates.len() / 2]
    }
}

/// What one connection saw: the latency of each good answer, and its failures.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: usize,
    first_error: Option<String>,
}

impl Tally {
    fn fail(&mut self, error: String) {
        self.errors += 1;
        self.first_error.get_or_insert(error);
    }

    fn merge(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    if let Ok(address) = std::env::var("SNCC_BENCH_BARE") {
        let (task, url) = start_bare(&address).await?;
        println!("bare axum server at {url}");
        return Ok(task.await??);
    }
    let plan = bench_plan()?;
    sncc::support::crypto::install_default_crypto_provider();
    // First, while the process is fresh: what a large seed costs in memory.
    print_large_seed_memory()?;
    // Each concurrency's targets take turns round by round, so the mock and the bare server meet the same
    // machine.
    let mut cells = Vec::new();
    for connections in CONCURRENCY {
        let mut rounds: Vec<Vec<Round>> = Target::ALL.iter().map(|_| Vec::new()).collect();
        for _ in 0..plan.rounds {
            for (target, done) in Target::ALL.into_iter().zip(&mut rounds) {
                done.push(measure(target, connections, plan.seconds).await?);
            }
        }
        for (target, done) in Target::ALL.into_iter().zip(rounds) {
            cells.push(summarise(target, connections, done));
        }
    }
    cells.sort_by_key(|cell| (cell.target, cell.connections));
    print_table(&cells, plan);
    print_ratios(&cells);
    print_start_time().await?;
    Ok(())
}

fn bench_plan() -> Result<Plan, BoxError> {
    let seconds = match std::env::var("SNCC_BENCH_SECONDS") {
        Ok(text) => text.parse::<f64>()?,
        Err(_) => DEFAULT_SECONDS,
    };
    let rounds = match std::env::var("SNCC_BENCH_ROUNDS") {
        Ok(text) => text.parse::<usize>()?,
        Err(_) => DEFAULT_ROUNDS,
    };
    if rounds == 0 {
        return Err("SNCC_BENCH_ROUNDS must be at least 1".into());
    }
    Ok(Plan {
        rounds,
        seconds: Duration::try_from_secs_f64(seconds)?,
    })
}

/// Starts a fresh server for one round (so no round inherits an earlier one's tokens) and builds the request
/// to load it with.
async fn prepare(target: Target) -> Result<(Server, reqwest::Request), BoxError> {
    let http = reqwest::Client::new();
    if target == Target::Bare {
        let (task, url) = start_bare("127.0.0.1:0").await?;
        return Ok((Server::Bare(task), http.get(url).build()?));
    }
    let (mock, client) = start_mock().await?;
    let base = mock.base_url();
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", client.client_id.as_str()),
        ("client_secret", client.client_secret.expose_secret()),
    ];
    let mut request = http
        .post(format!("{base}/oauth_token.do"))
        .form(&form)
        .build()?;
    let path = match target {
        Target::Table => Some("sys_user?sysparm_limit=1"),
        Target::IncidentList => Some("incident?sysparm_limit=10"),
        Target::Token | Target::JwtToken | Target::Bare => None,
    };
    if target == Target::JwtToken {
        use_jwt(&http, base, &client.client_id).await?;
    }
    if target == Target::IncidentList {
        for number in 0..LISTED_INCIDENTS {
            let incident = serde_json::json!({ "short_description": format!("incident {number}") });
            http.post(format!("{base}/api/now/table/incident"))
                .basic_auth("admin", Some(ADMIN_PASSWORD))
                .json(&incident)
                .send()
                .await?
                .error_for_status()?;
        }
    }
    if let Some(path) = path {
        let token = fetch_token(&http, &request).await?;
        request = http
            .get(format!("{base}/api/now/table/{path}"))
            .bearer_auth(token)
            .header("accept", "application/json")
            .build()?;
    }
    Ok((Server::Mock { _running: mock }, request))
}

/// Sets the client's `oauth_entity.token_format` to `jwt` through the Table API, as an admin would.
async fn use_jwt(http: &reqwest::Client, base: &str, client_id: &str) -> Result<(), BoxError> {
    let table = format!("{base}/api/now/table/oauth_entity");
    let found: serde_json::Value = http
        .get(&table)
        .basic_auth("admin", Some(ADMIN_PASSWORD))
        .query(&[("sysparm_query", format!("client_id={client_id}"))])
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let sys_id = found["result"][0]["sys_id"]
        .as_str()
        .ok_or("the seeded client has an oauth_entity")?;
    http.patch(format!("{table}/{sys_id}"))
        .basic_auth("admin", Some(ADMIN_PASSWORD))
        .json(&serde_json::json!({ "token_format": "jwt" }))
        .send()
        .await?
        .error_for_status()?;
    Ok(())
}

/// A mock built from the `ready` seed, with its seeded client.
async fn start_mock() -> Result<(MockServer, SeededClient), BoxError> {
    let seed = Seed::load("ready")?;
    let (instance, clients) = seed.build(&SecretString::from(ADMIN_PASSWORD), None)?;
    let client = clients
        .into_iter()
        .next()
        .ok_or("the ready seed has a client")?;
    let options = MockOptions {
        listen: "127.0.0.1:0".parse()?,
        tls: None,
        instance,
    };
    Ok((MockServer::start(options).await?, client))
}

/// The baseline: axum serving one short body, no middleware, no state; `TCP_NODELAY` as the mock sets it.
async fn start_bare(address: &str) -> Result<(JoinHandle<io::Result<()>>, String), BoxError> {
    let listener = TcpListener::bind(address).await?;
    let url = format!("http://{}/hello", listener.local_addr()?);
    let listener = listener.tap_io(|stream| {
        let _ = stream.set_nodelay(true);
    });
    let router = Router::new().route("/hello", get(|| async { "hello" }));
    let task = tokio::spawn(async move { axum::serve(listener, router).await });
    Ok((task, url))
}

async fn fetch_token(
    http: &reqwest::Client,
    request: &reqwest::Request,
) -> Result<String, BoxError> {
    let response = http.execute(cloned(request)).await?.error_for_status()?;
    let body: serde_json::Value = response.json().await?;
    let token = body["access_token"].as_str().ok_or("no access_token")?;
    Ok(token.to_owned())
}

fn cloned(request: &reqwest::Request) -> reqwest::Request {
    request
        .try_clone()
        .expect("benchmark requests have buffered bodies")
}

/// One round of a cell: starts a fresh server, warms up, then loads it for `duration` over `connections`
/// keep-alive connections; every answer must be a 200.
async fn measure(
    target: Target,
    connections: usize,
    duration: Duration,
) -> Result<Round, BoxError> {
    let (_server, request) = prepare(target).await?;
    let clients: Vec<_> = (0..connections).map(|_| connection()).collect();
    run(&request, &clients, WARM_UP).await;
    let (started, cpu_before) = (Instant::now(), process_cpu()?);
    let tally = run(&request, &clients, duration).await;
    let (elapsed, cpu) = (started.elapsed(), process_cpu()? - cpu_before);
    Ok(Round {
        tally,
        elapsed,
        cpu,
    })
}

/// The CPU time this process has used so far (user and system, every thread), from `/proc/self/stat`.
fn process_cpu() -> Result<Duration, BoxError> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    // After the command name (which may hold spaces) come `state` (field 3) … `utime` (14), `stime` (15).
    let (_, fields) = stat.rsplit_once(')').ok_or("unreadable /proc/self/stat")?;
    let ticks: Vec<u64> = fields
        .split_whitespace()
        .skip(11)
        .take(2)
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let [utime, stime] = ticks[..] else {
        return Err("no utime and stime in /proc/self/stat".into());
    };
    Ok(Duration::from_secs_f64((utime + stime) as f64 / USER_HZ))
}

/// A client holding at most one idle connection: one task, one keep-alive connection.
fn connection() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("a plain HTTP client builds")
}

/// Runs one task per client, each sending requests back to back until `duration` has passed.
async fn run(request: &reqwest::Request, clients: &[reqwest::Client], duration: Duration) -> Tally {
    let deadline = Instant::now() + duration;
    let prototype = Arc::new(cloned(request));
    let tasks: Vec<_> = clients
        .iter()
        .map(|client| {
            let (client, prototype) = (client.clone(), prototype.clone());
            tokio::spawn(drive(client, prototype, deadline))
        })
        .collect();
    let mut total = Tally::default();
    for task in tasks {
        total.merge(task.await.expect("a load task panicked"));
    }
    total
}

async fn drive(
    client: reqwest::Client,
    prototype: Arc<reqwest::Request>,
    deadline: Instant,
) -> Tally {
    let mut tally = Tally::default();
    while Instant::now() < deadline {
        let sent = Instant::now();
        match exchange(&client, &prototype).await {
            Ok(StatusCode::OK) => tally.latencies.push(sent.elapsed()),
            Ok(status) => tally.fail(format!("status {status}, expected 200")),
            Err(error) => tally.fail(error.to_string()),
        }
    }
    tally
}

/// One request, its body read to the end so the connection is reused.
async fn exchange(
    client: &reqwest::Client,
    prototype: &reqwest::Request,
) -> reqwest::Result<StatusCode> {
    let response = client.execute(cloned(prototype)).await?;
    let status = response.status();
    response.bytes().await?;
    Ok(status)
}

/// A cell from its rounds: median rate, latency percentiles and CPU over every round's answers.
fn summarise(target: Target, connections: usize, rounds: Vec<Round>) -> Cell {
    let rates = rounds.iter().map(Round::requests_per_second).collect();
    let cpu: Duration = rounds.iter().map(|round| round.cpu).sum();
    let mut all = Tally::default();
    for round in rounds {
        all.merge(round.tally);
    }
    all.latencies.sort_unstable();
    Cell {
        target,
        connections,
        rates,
        p50: percentile(&all.latencies, 0.50),
        p99: percentile(&all.latencies, 0.99),
        cpu_per_request: cpu.div_f64(all.latencies.len().max(1) as f64),
        errors: all.errors,
        first_error: all.first_error,
    }
}

/// The value at `fraction` of sorted samples (nearest rank); zero when there are none.
fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (fraction * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn micros(duration: Duration) -> String {
    format!("{:.0}", duration.as_secs_f64() * 1e6)
}

fn print_table(cells: &[Cell], plan: Plan) {
    println!(
        "\n## Throughput ({} rounds of {:.1} s per cell, each after {} ms warm-up, {} cores shared by load \
         and server; requests/s is the median round's)\n",
        plan.rounds,
        plan.seconds.as_secs_f64(),
        WARM_UP.as_millis(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    println!("| target | connections | requests/s | p50 µs | p99 µs | CPU µs/request | errors |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for cell in cells {
        println!(
            "| {} | {} | {:.0} | {} | {} | {} | {} |",
            cell.target.name(),
            cell.connections,
            cell.requests_per_second(),
            micros(cell.p50),
            micros(cell.p99),
            micros(cell.cpu_per_request),
            cell.errors,
        );
    }
    for cell in cells {
        if let Some(error) = &cell.first_error {
            println!(
                "errors in {} × {}: {} (first: {error})",
                cell.target.name(),
                cell.connections,
                cell.errors
            );
        }
    }
}

/// Token (opaque and JWT) and incident list throughput as a share of the bare server's, per concurrency. The
/// target applies to opaque tokens; a JWT costs an RSA-2048 signature, so its share is reported without one.
fn print_ratios(cells: &[Cell]) {
    let of = |target| {
        cells
            .iter()
            .filter(move |cell: &&Cell| cell.target == target)
    };
    for (target, goal) in Target::COMPARED {
        let heading = match goal {
            Some(ratio) => format!("target ≥ {:.0} %", ratio * 100.0),
            None => "no target".to_owned(),
        };
        println!(
            "\n## {} throughput / bare throughput ({heading})\n",
            target.name()
        );
        for (token, bare) in of(target).zip(of(Target::Bare)) {
            print_ratio(token, bare, goal);
        }
    }
}

fn print_ratio(token: &Cell, bare: &Cell, goal: Option<f64>) {
    let ratio = token.requests_per_second() / bare.requests_per_second();
    let verdict = match goal {
        Some(goal) if ratio >= goal => " (meets target)",
        Some(_) => " (BELOW target)",
        None => "",
    };
    // Rounds of the two targets that ran back to back, compared pair by pair.
    let paired: Vec<f64> = token
        .rates
        .iter()
        .zip(&bare.rates)
        .map(|(token, bare)| token / bare * 100.0)
        .collect();
    let lowest = paired.iter().copied().fold(f64::INFINITY, f64::min);
    let highest = paired.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    println!(
        "- {} connections: {:.1} % of the median rates{verdict}; round by round \
         {lowest:.1}–{highest:.1} %",
        token.connections,
        ratio * 100.0
    );
}

/// The median time from the `ready` seed, then from a seed of [`LARGE_SEED_RECORDS`] incidents, to a serving
/// mock, split into build and bind + serve.
async fn print_start_time() -> Result<(), BoxError> {
    let ready = Seed::load("ready")?;
    print_starts(&ready, STARTS, "`ready` seed; target well under 10 ms").await?;
    let large = Seed::load(&large_seed_file()?.to_string_lossy())?;
    let what = format!("a seed of {LARGE_SEED_RECORDS} incidents");
    print_starts(&large, LARGE_STARTS, &what).await
}

/// A seed file of [`LARGE_SEED_RECORDS`] incidents with varied impact and urgency, each naming its caller.
fn large_seed_file() -> Result<std::path::PathBuf, BoxError> {
    let mut text = String::from("release = \"washingtondc\"\n");
    for number in 0..LARGE_SEED_RECORDS {
        text.push_str(&format!(
            "[[records.incident]]\nshort_description = \"incident {number}\"\nimpact = {}\nurgency = {}\ncaller_id = \"admin\"\n",
            number % 3 + 1,
            number / 3 % 3 + 1,
        ));
    }
    let path =
        std::env::temp_dir().join(format!("sncc-bench-{}-large-seed.toml", std::process::id()));
    std::fs::write(&path, text)?;
    Ok(path)
}

/// Resident memory (`VmRSS`) before and after building the large seed's instance (kept while measuring).
fn print_large_seed_memory() -> Result<(), BoxError> {
    let path = large_seed_file()?;
    let before = resident_kib()?;
    let seed = Seed::load(&path.to_string_lossy())?;
    let built = seed.build(&SecretString::from(ADMIN_PASSWORD), None)?;
    let after = resident_kib()?;
    drop(built);
    let grown = after.saturating_sub(before);
    println!(
        "\n## Resident memory, a seed of {LARGE_SEED_RECORDS} incidents\n\n- VmRSS before: {} KiB, after building \
         the instance: {} KiB (+{} KiB, {} bytes a record)",
        before,
        after,
        grown,
        grown * 1024 / LARGE_SEED_RECORDS as u64
    );
    Ok(())
}

/// This process's `VmRSS`, in KiB, from `/proc/self/status`.
fn resident_kib() -> Result<u64, BoxError> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .ok_or("no VmRSS in /proc/self/status")?;
    let kib = line.split_whitespace().nth(1).ok_or("unreadable VmRSS")?;
    Ok(kib.parse()?)
}

/// The median time from `seed` to a serving mock over `count` starts.
async fn print_starts(seed: &Seed, count: usize, what: &str) -> Result<(), BoxError> {
    let (mut builds, mut starts, mut totals) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..count {
        let (build, start) = time_one_start(seed).await?;
        builds.push(build);
        starts.push(start);
        totals.push(build + start);
    }
    println!("\n## Mock start time, {what} (median of {count})\n");
    for (what, samples) in [
        ("build seed", &mut builds),
        ("MockServer::start (bind + serve)", &mut starts),
        ("total, seed to serving", &mut totals),
    ] {
        samples.sort_unstable();
        println!("- {what}: {} µs", micros(percentile(samples, 0.5)));
    }
    Ok(())
}

/// Builds a seed's instance and starts a mock on it: how long each took (the seed read beforehand).
async fn time_one_start(seed: &Seed) -> Result<(Duration, Duration), BoxError> {
    let began = Instant::now();
    let (instance, _) = seed.build(&SecretString::from(ADMIN_PASSWORD), None)?;
    let built = Instant::now();
    let options = MockOptions {
        listen: "127.0.0.1:0".parse()?,
        tls: None,
        instance,
    };
    let server = MockServer::start(options).await?;
    let started = Instant::now();
    server.stop().await;
    Ok((built - began, started - built))
}

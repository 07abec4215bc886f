//! A fault-injecting HTTP/1.1 proxy between `sncc` and a mock instance: rules (method, path regex, which
//! occurrence) or a seeded random schedule decide, request by request, to cut the connection, lose the
//! answer, replace it by an error, truncate it, make it unparseable, delay it, or hold it past the
//! client's timeout and forward it then; every request is logged and counted.
//!
//! Requests are framed by `Content-Length` (what reqwest sends); each is forwarded on a fresh upstream
//! connection with `Connection: close`, and the answer is read to its end before the client sees it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use regex::Regex;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy marks every answer it makes up with (in the body), so reports show which came from it.
pub const MARKER: &str = "sncc-proxy-fault";
/// The longest a request head may be.
const MAX_HEAD: usize = 64 * 1024;

/// What happens to a request a rule or the schedule picks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Cut the connection (a TCP reset) before forwarding: the instance never sees the request.
    Reset,
    /// Forward, then cut the connection: the request reached the instance, its answer is lost.
    ForwardThenReset,
    /// Forward, then answer this status (a marked JSON error body) instead; `Retry-After: 0` on 429/503.
    ForwardThenStatus(u16),
    /// Answer this status without forwarding: the instance never sees the request.
    Refuse(u16),
    /// Forward, then send the answer's head and half its body, and close.
    ForwardThenTruncate,
    /// Forward; a 200's body is replaced by text that is not JSON (other answers pass unchanged).
    Unparseable,
    /// Wait, then forward normally (latency).
    Delay(Duration),
    /// Hold the request, then forward it (a late write, once the client has given up).
    Hold(Duration),
    /// Never forward nor answer: the client waits (until its timeout, or until it is killed).
    Hang,
}

impl Action {
    /// Whether the instance receives the request.
    pub fn forwards(&self) -> bool {
        !matches!(self, Action::Reset | Action::Refuse(_) | Action::Hang)
    }

    fn label(&self) -> String {
        match self {
            Action::Reset => "reset".into(),
            Action::ForwardThenReset => "forward-then-reset".into(),
            Action::ForwardThenStatus(status) => format!("forward-then-{status}"),
            Action::Refuse(status) => format!("refuse-{status}"),
            Action::ForwardThenTruncate => "forward-then-truncate".into(),
            Action::Unparseable => "unparseable".into(),
            Action::Delay(delay) => format!("delay-{}ms", delay.as_millis()),
            Action::Hold(hold) => format!("hold-{}ms", hold.as_millis()),
            Action::Hang => "hang".into(),
        }
    }
}

/// Which of the requests a rule matches it acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Occurrence {
    /// Only the n-th (1-based).
    Nth(usize),
    /// The first n.
    First(usize),
    /// Every one.
    Every,
}

/// A fault for the requests with this method whose path and query (and, optionally, body) match.
#[derive(Clone, Debug)]
pub struct Rule {
    method: String,
    path: Regex,
    body: Option<Regex>,
    occurrence: Occurrence,
    action: Action,
    matched: usize,
}

impl Rule {
    /// `path` is a regex over the path and query, e.g. `^/api/now/table/sys_user/[0-9a-f]{32}$`.
    pub fn new(method: &str, path: &str, occurrence: Occurrence, action: Action) -> Rule {
        Rule {
            method: method.to_owned(),
            path: Regex::new(path).expect("a path regex"),
            body: None,
            occurrence,
            action,
            matched: 0,
        }
    }

    /// Only requests whose body (as text) matches too.
    pub fn body(mut self, body: &str) -> Rule {
        self.body = Some(Regex::new(body).expect("a body regex"));
        self
    }

    fn applies(&mut self, request: &Request) -> Option<Action> {
        let matches = request.method == self.method
            && self.path.is_match(&request.target)
            && self
                .body
                .as_ref()
                .is_none_or(|body| body.is_match(&String::from_utf8_lossy(&request.body)));
        if !matches {
            return None;
        }
        self.matched += 1;
        let fires = match self.occurrence {
            Occurrence::Nth(n) => self.matched == n,
            Occurrence::First(n) => self.matched <= n,
            Occurrence::Every => true,
        };
        fires.then(|| self.action.clone())
    }
}

/// A tiny deterministic PRNG (splitmix64): the same seed gives the same sequence.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`bound` > 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }
}

/// Random faults: each request (that no rule picked) meets one of `actions` with probability
/// `per_mille`/1000; a `Delay(max)` among them is a delay drawn up to `max`.
#[derive(Clone, Debug)]
pub struct Schedule {
    pub seed: u64,
    pub per_mille: u64,
    pub actions: Vec<Action>,
}

/// One request the proxy received, and what it did with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    pub method: String,
    /// Path and query.
    pub target: String,
    pub body: String,
    /// The fault it met, if any.
    pub fault: Option<Action>,
    /// The upstream's status, once it answered (`None`: not forwarded, or not yet answered).
    pub upstream_status: Option<u16>,
}

#[derive(Default)]
struct State {
    rules: Vec<Rule>,
    latency: Duration,
    random: Option<(Schedule, SplitMix64)>,
    log: Vec<Seen>,
    /// Requests received whose handling (forwarding, answering) is not over.
    in_flight: usize,
}

impl State {
    /// Logs the request; gives its index and the fault it meets.
    fn decide(&mut self, request: &Request) -> (usize, Option<Action>) {
        let mut action = None;
        for rule in &mut self.rules {
            // Every rule counts its matches, even when an earlier one already picked the request.
            let fired = rule.applies(request);
            if action.is_none() {
                action = fired;
            }
        }
        if let (None, Some((schedule, random))) = (&action, &mut self.random) {
            if !schedule.actions.is_empty() && random.below(1000) < schedule.per_mille {
                let picked = random.below(schedule.actions.len() as u64) as usize;
                action = Some(match &schedule.actions[picked] {
                    Action::Delay(max) => {
                        let millis = random.below(max.as_millis().max(1) as u64);
                        Action::Delay(Duration::from_millis(millis))
                    }
                    other => other.clone(),
                });
            }
        }
        self.log.push(Seen {
            method: request.method.clone(),
            target: request.target.clone(),
            body: String::from_utf8_lossy(&request.body).into_owned(),
            fault: action.clone(),
            upstream_status: None,
        });
        (self.log.len() - 1, action)
    }
}

/// A running proxy; dropping it stops it (and every connection through it).
pub struct Proxy {
    url: String,
    state: Arc<Mutex<State>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Proxy {
    /// Listens on `127.0.0.1:0` and forwards to `upstream` (`http://host:port`).
    pub fn start(upstream: &str) -> Proxy {
        let upstream = upstream
            .strip_prefix("http://")
            .expect("an http upstream")
            .trim_end_matches('/')
            .to_owned();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let state = Arc::new(Mutex::new(State::default()));
        let listener = runtime
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("the proxy binds");
        let address: SocketAddr = listener.local_addr().expect("a local address");
        let shared = state.clone();
        runtime.spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let _ = client.set_nodelay(true);
                tokio::spawn(connection(client, upstream.clone(), shared.clone()));
            }
        });
        Proxy {
            url: format!("http://{address}"),
            state,
            runtime: Some(runtime),
        }
    }

    /// The URL to give `sncc run --instance`.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn add(&self, rule: Rule) {
        self.lock().rules.push(rule);
    }

    /// Drops every rule and the schedule (the log stays).
    pub fn clear_faults(&self) {
        let mut state = self.lock();
        state.rules.clear();
        state.random = None;
    }

    /// Adds this much latency to every request.
    pub fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    pub fn set_schedule(&self, schedule: Schedule) {
        let random = SplitMix64::new(schedule.seed);
        self.lock().random = Some((schedule, random));
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Seen> {
        self.lock().log.clone()
    }

    /// How many requests are still being handled (held, delayed, forwarded and not yet answered).
    pub fn in_flight(&self) -> usize {
        self.lock().in_flight
    }

    /// How many requests it received.
    pub fn count(&self) -> usize {
        self.lock().log.len()
    }

    /// The requests that met a fault (latency included).
    pub fn faulted(&self) -> Vec<Seen> {
        self.requests()
            .into_iter()
            .filter(|seen| seen.fault.is_some())
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// A request as read from the client.
struct Request {
    method: String,
    target: String,
    /// The head's header lines, as sent.
    headers: Vec<String>,
    body: Vec<u8>,
    close: bool,
}

/// An answer as read from the upstream, its body de-chunked.
struct Response {
    status: u16,
    status_line: String,
    headers: Vec<String>,
    body: Vec<u8>,
}

impl Response {
    /// The answer as the client gets it: framed by `Content-Length`, connection headers dropped.
    fn bytes(&self) -> Vec<u8> {
        let mut head = format!("{}\r\n", self.status_line);
        for line in &self.headers {
            let name = line
                .split(':')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            if !matches!(
                name.as_str(),
                "connection" | "content-length" | "transfer-encoding" | "keep-alive"
            ) {
                head.push_str(line);
                head.push_str("\r\n");
            }
        }
        if !matches!(self.status, 204 | 304) {
            head.push_str(&format!("content-length: {}\r\n", self.body.len()));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }

    /// A made-up answer of the proxy's own, its body marked.
    fn canned(status: u16, label: &str) -> Response {
        let body = format!(
            r#"{{"error":{{"message":"{MARKER}: {label}","detail":"injected by the test proxy"}},"status":"failure"}}"#
        );
        let mut headers = vec!["content-type: application/json;charset=UTF-8".to_owned()];
        if matches!(status, 429 | 503) {
            headers.push("retry-after: 0".to_owned());
        }
        Response {
            status,
            status_line: format!("HTTP/1.1 {status} Injected"),
            headers,
            body: body.into_bytes(),
        }
    }
}

/// Serves one client connection, request after request, until either side closes it or a fault cuts it.
async fn connection(mut client: TcpStream, upstream: String, state: Arc<Mutex<State>>) {
    let mut buffer = Vec::new();
    loop {
        let Some(request) = read_request(&mut client, &mut buffer).await else {
            return;
        };
        let (index, action, latency) = {
            let mut state = state
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let (index, action) = state.decide(&request);
            (index, action, state.latency)
        };
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        match &action {
            Some(Action::Reset) => return reset(client),
            Some(Action::Refuse(status)) => {
                let label = action.as_ref().map(Action::label).unwrap_or_default();
                if client
                    .write_all(&Response::canned(*status, &label).bytes())
                    .await
                    .is_err()
                {
                    return;
                }
                continue;
            }
            Some(Action::Hang) => return std::future::pending().await,
            Some(Action::Delay(wait) | Action::Hold(wait)) => tokio::time::sleep(*wait).await,
            _ => {}
        }
        let Ok(response) = forward(&upstream, &request).await else {
            return reset(client);
        };
        {
            let mut state = state
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            state.log[index].upstream_status = Some(response.status);
        }
        let label = action.as_ref().map(Action::label).unwrap_or_default();
        let answer = match &action {
            Some(Action::ForwardThenReset) => return reset(client),
            Some(Action::ForwardThenStatus(status)) => Response::canned(*status, &label).bytes(),
            Some(Action::ForwardThenTruncate) => {
                let whole = response.bytes();
                let cut = if response.body.is_empty() {
                    whole.len() / 2
                } else {
                    whole.len() - response.body.len().div_ceil(2)
                };
                let _ = client.write_all(&whole[..cut]).await;
                let _ = client.shutdown().await;
                return;
            }
            Some(Action::Unparseable) if response.status == 200 => Response {
                body: format!("<html><body>{MARKER}: not JSON").into_bytes(),
                ..response
            }
            .bytes(),
            _ => response.bytes(),
        };
        if client.write_all(&answer).await.is_err() || request.close {
            return;
        }
    }
}

/// Counts a request as in flight until dropped.
struct Handling(Arc<Mutex<State>>);

impl Drop for Handling {
    fn drop(&mut self) {
        let mut state = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        state.in_flight -= 1;
    }
}

/// Cuts the connection abruptly: SO_LINGER 0, so closing sends a TCP reset.
fn reset(client: TcpStream) {
    let _ = client.set_zero_linger();
    drop(client);
}

/// Reads one request (head and `Content-Length` body); `None` when the client closed or sent garbage.
async fn read_request(client: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<Request> {
    let head_end = loop {
        if let Some(end) = find(buffer, b"\r\n\r\n") {
            break end;
        }
        if buffer.len() > MAX_HEAD || !read_more(client, buffer).await {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?.to_owned();
    let headers: Vec<String> = lines.map(str::to_owned).collect();
    if header(&headers, "transfer-encoding").is_some() {
        return None;
    }
    let length = match header(&headers, "content-length") {
        Some(value) => value.parse::<usize>().ok()?,
        None => 0,
    };
    let close = header(&headers, "connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
    let body_start = head_end + 4;
    while buffer.len() < body_start + length {
        if !read_more(client, buffer).await {
            return None;
        }
    }
    let body = buffer[body_start..body_start + length].to_vec();
    buffer.drain(..body_start + length);
    Some(Request {
        method,
        target,
        headers,
        body,
        close,
    })
}

/// Sends the request upstream on a connection of its own and reads the whole answer.
async fn forward(upstream: &str, request: &Request) -> std::io::Result<Response> {
    let mut server = TcpStream::connect(upstream).await?;
    let mut head = format!("{} {} HTTP/1.1\r\n", request.method, request.target);
    for line in &request.headers {
        let name = line
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if name != "connection" && name != "keep-alive" {
            head.push_str(line);
            head.push_str("\r\n");
        }
    }
    head.push_str("connection: close\r\n\r\n");
    server.write_all(head.as_bytes()).await?;
    server.write_all(&request.body).await?;
    let mut raw = Vec::new();
    server.read_to_end(&mut raw).await?;
    parse_response(&raw).ok_or_else(|| std::io::Error::other("an unreadable upstream answer"))
}

fn parse_response(raw: &[u8]) -> Option<Response> {
    let head_end = find(raw, b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?.to_owned();
    let status = status_line.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<String> = lines.map(str::to_owned).collect();
    let rest = &raw[head_end + 4..];
    let chunked = header(&headers, "transfer-encoding")
        .is_some_and(|value| value.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        dechunk(rest)?
    } else if let Some(length) = header(&headers, "content-length") {
        rest.get(..length.parse::<usize>().ok()?)?.to_vec()
    } else {
        rest.to_vec()
    };
    Some(Response {
        status,
        status_line,
        headers,
        body,
    })
}

fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = find(rest, b"\r\n")?;
        let size_text = String::from_utf8_lossy(&rest[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}

fn header<'a>(headers: &'a [String], name: &str) -> Option<&'a str> {
    headers.iter().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then_some(value.trim())
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

async fn read_more(client: &mut TcpStream, buffer: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 8192];
    match client.read(&mut chunk).await {
        Ok(0) | Err(_) => false,
        Ok(read) => {
            buffer.extend_from_slice(&chunk[..read]);
            true
        }
    }
}

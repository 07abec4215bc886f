//! The REST client against wiremock: the responses in `fixtures/responses/` round-trip through it, the requests it
//! sends have the shapes ServiceNow expects with nothing secret in a URL or a recorded exchange, and it survives
//! timeouts, 429s, 503s, malformed JSON and connection resets.

use std::path::Path;
use std::time::Duration;

use super::exchange::Recorder;
use super::probe::{Reachability, probe};
use super::transport::{RetryPolicy, Transport, http_client};
use super::{Credentials, Placement, Reply, ServiceNow, TokenRequest};
use crate::servicenow::captured::{self, Captured};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::Method;
use secrecy::SecretString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const CLIENT_ID: &str = "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e";
/// A secret with every character RFC 6749 §2.3.1 form-encoding changes (F8).
const CLIENT_SECRET: &str = "p+q%r:s/t[u~v";
/// `CLIENT_SECRET` form-encoded, written out by hand.
const ENCODED_SECRET: &str = "p%2Bq%25r%3As%2Ft%5Bu%7Ev";
/// Retries that do not slow the tests down.
const QUICK_RETRIES: RetryPolicy = RetryPolicy {
    max_retries: 3,
    base_delay: Duration::from_millis(10),
    max_delay: Duration::from_millis(50),
};

/// A recorded response as wiremock sends it: status, headers as given, the body byte for byte.
fn template(captured: &Captured) -> ResponseTemplate {
    captured
        .headers()
        .fold(
            ResponseTemplate::new(captured.status),
            |template, (name, value)| template.insert_header(name, value),
        )
        .set_body_bytes(captured.body.as_bytes())
}

fn http(transport: &Transport) -> reqwest::Client {
    crate::support::crypto::install_default_crypto_provider();
    http_client(transport).expect("HTTP client")
}

fn servicenow(base_url: &str, transport: &Transport) -> ServiceNow {
    ServiceNow::new(http(transport), base_url)
}

fn token_request(placement: Placement) -> TokenRequest {
    TokenRequest {
        placement,
        ..TokenRequest::client_credentials(CLIENT_ID, &SecretString::from(CLIENT_SECRET))
    }
}

/// The HTTP Basic credentials of the client: id and secret form-encoded, then base64.
fn basic_credentials() -> String {
    STANDARD.encode(format!("{CLIENT_ID}:{ENCODED_SECRET}"))
}

/// The token the `token_success` fixture issues.
fn issued_token() -> String {
    captured::TOKEN_SUCCESS.json()["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

/// Every form a secret of `session` takes on the wire; none may show in a URL or a recorded exchange.
fn secrets() -> [String; 4] {
    [
        CLIENT_SECRET.to_owned(),
        ENCODED_SECRET.to_owned(),
        basic_credentials(),
        issued_token(),
    ]
}

fn assert_no_secret(text: &str) {
    for secret in secrets() {
        assert!(!text.contains(&secret), "{secret} shows in {text}");
    }
}

async fn mount(server: &MockServer, verb: &str, route: &str, response: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(response)
        .mount(server)
        .await;
}

async fn received(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .expect("request recording is on")
}

fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
}

/// What a client run sends, in this order: a token request in the form body, one by HTTP Basic, then a Table API
/// list and current_user with the issued token as a Bearer.
async fn session(server: &MockServer) -> ServiceNow {
    for (verb, route, fixture) in [
        ("POST", "/oauth_token.do", &captured::TOKEN_SUCCESS),
        ("GET", "/api/now/table/sys_user", &captured::TABLE_LIST),
        (
            "GET",
            "/api/now/ui/user/current_user",
            &captured::CURRENT_USER,
        ),
    ] {
        mount(server, verb, route, template(fixture)).await;
    }
    let servicenow = servicenow(&server.uri(), &Transport::default());
    let mut token = None;
    for placement in [Placement::FormBody, Placement::HttpBasic] {
        let reply = servicenow
            .request_token(&token_request(placement))
            .await
            .expect("token reply");
        token = reply
            .json()
            .and_then(|json| json["access_token"].as_str().map(str::to_owned));
    }
    let bearer = Credentials::Bearer(SecretString::from(token.expect("a token was issued")));
    let query = [("sysparm_fields", "user_name,name"), ("sysparm_limit", "1")];
    for reply in [
        servicenow.list(&bearer, "sys_user", &query).await,
        servicenow.current_user(&bearer).await,
    ] {
        assert_eq!(reply.expect("Table API reply").status, 200);
    }
    servicenow
}

#[tokio::test]
async fn a_token_request_is_a_form_post_with_the_secret_form_encoded_in_the_body() {
    let server = MockServer::start().await;
    session(&server).await;
    let requests = received(&server).await;
    let request = &requests[0];
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), "/oauth_token.do");
    assert_eq!(request.url.query(), None);
    assert_eq!(
        header(request, "content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(header(request, "accept"), Some("application/json"));
    assert!(
        header(request, "user-agent").is_some_and(|agent| agent.starts_with("sncc/")),
        "{:?}",
        request.headers
    );
    assert_eq!(header(request, "authorization"), None);
    assert_eq!(
        String::from_utf8_lossy(&request.body),
        format!(
            "grant_type=client_credentials&client_id={CLIENT_ID}&client_secret={ENCODED_SECRET}"
        )
    );
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&request.body)
        .into_owned()
        .collect();
    assert_eq!(fields[2], ("client_secret".into(), CLIENT_SECRET.into()));
}

#[tokio::test]
async fn http_basic_sends_form_encoded_credentials_and_only_the_grant_type_in_the_body() {
    let server = MockServer::start().await;
    session(&server).await;
    let requests = received(&server).await;
    let request = &requests[1];
    assert_eq!(request.url.path(), "/oauth_token.do");
    assert_eq!(
        header(request, "authorization"),
        Some(format!("Basic {}", basic_credentials()).as_str())
    );
    assert_eq!(
        String::from_utf8_lossy(&request.body),
        "grant_type=client_credentials"
    );
}

#[tokio::test]
async fn table_calls_carry_the_token_as_a_bearer_header() {
    let server = MockServer::start().await;
    session(&server).await;
    let requests = received(&server).await;
    let bearer = format!("Bearer {}", issued_token());
    for request in &requests[2..] {
        assert_eq!(request.method.as_str(), "GET");
        assert!(
            request.url.path().starts_with("/api/now/"),
            "{}",
            request.url
        );
        assert_eq!(header(request, "authorization"), Some(bearer.as_str()));
        assert_eq!(header(request, "accept"), Some("application/json"));
    }
    assert_eq!(
        requests[2].url.query(),
        Some("sysparm_fields=user_name%2Cname&sysparm_limit=1")
    );
}

#[tokio::test]
async fn no_secret_is_ever_in_a_url() {
    let server = MockServer::start().await;
    session(&server).await;
    let requests = received(&server).await;
    assert_eq!(requests.len(), 4);
    for request in &requests {
        assert_no_secret(request.url.as_str());
    }
}

#[tokio::test]
async fn recorded_exchanges_keep_statuses_and_redacted_bodies_but_no_secret() {
    let server = MockServer::start().await;
    let servicenow = session(&server).await;
    let exchanges = servicenow.recorder().exchanges();
    assert_no_secret(&serde_json::to_string(&exchanges).expect("exchanges serialize"));
    let statuses: Vec<_> = exchanges.iter().map(|exchange| exchange.status).collect();
    assert_eq!(statuses, [Some(200); 4]);
    assert_eq!(
        exchanges[0].request_body,
        format!("grant_type=client_credentials&client_id={CLIENT_ID}&client_secret=[REDACTED]")
    );
    assert_eq!(
        exchanges[1].authorization.as_deref(),
        Some("Basic [REDACTED]")
    );
    assert_eq!(
        exchanges[2].authorization.as_deref(),
        Some("Bearer [REDACTED]")
    );
    assert_eq!(
        exchanges[0].response_body,
        r#"{"access_token":"[REDACTED]","scope":"useraccount","token_type":"Bearer","expires_in":1799}"#
    );
    assert_eq!(exchanges[2].response_body, captured::TABLE_LIST.body);
    assert!(
        exchanges[2]
            .response_headers
            .contains(&("x-total-count".to_owned(), "2".to_owned()))
    );
}

#[tokio::test]
async fn every_fixture_round_trips_through_the_client() {
    let server = MockServer::start().await;
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/responses");
    let files = std::fs::read_dir(directory).expect("fixtures/responses");
    let files = files.filter(|entry| {
        let file = entry.as_ref().expect("directory entry").path();
        file.extension()
            .is_some_and(|extension| extension == "json")
    });
    let fixtures = captured::all().map(|(name, fixture)| (format!("/{name}"), fixture));
    assert_eq!(
        files.count(),
        fixtures.len(),
        "sncc::servicenow::captured has every file"
    );
    assert_eq!(fixtures.len(), 11, "one file per recorded response");
    for (route, fixture) in &fixtures {
        mount(&server, "GET", route, template(fixture)).await;
    }
    let servicenow = servicenow(&server.uri(), &Transport::default());
    for (route, fixture) in &fixtures {
        let reply = servicenow
            .send(Method::GET, route, &Credentials::Anonymous, None)
            .await
            .expect("fixture reply");
        assert_eq!(reply.status, fixture.status, "{route}");
        assert_eq!(reply.body, fixture.body, "{route}");
        for (name, value) in fixture.headers() {
            assert_eq!(reply.header(name), Some(value), "{route} {name}");
        }
    }
}

#[tokio::test]
async fn a_response_slower_than_the_timeout_is_a_transport_error() {
    let server = MockServer::start().await;
    let slow = template(&captured::TOKEN_SUCCESS).set_delay(Duration::from_secs(10));
    mount(&server, "POST", "/oauth_token.do", slow).await;
    let transport = Transport {
        timeout: Duration::from_millis(200),
        ..Transport::default()
    };
    let servicenow = servicenow(&server.uri(), &transport);
    let error = servicenow
        .request_token(&token_request(Placement::FormBody))
        .await
        .expect_err("no answer in time");
    assert!(error.0.contains("timed out"), "{error}");
    let exchanges = servicenow.recorder().exchanges();
    assert_eq!(exchanges.len(), 1);
    assert_eq!(exchanges[0].status, None);
}

/// Answers `failure` (`times` times, or always), then the list fixture; the client's reply, how many requests
/// arrived, and what the client recorded.
async fn after_failures(
    failure: ResponseTemplate,
    times: Option<u64>,
    retry: RetryPolicy,
) -> (Reply, usize, Recorder) {
    let server = MockServer::start().await;
    let failing = Mock::given(any()).respond_with(failure).with_priority(1);
    match times {
        Some(times) => failing.up_to_n_times(times),
        None => failing,
    }
    .mount(&server)
    .await;
    Mock::given(any())
        .respond_with(template(&captured::TABLE_LIST))
        .with_priority(2)
        .mount(&server)
        .await;
    let servicenow = servicenow(&server.uri(), &Transport::default()).with_retry(retry);
    let bearer = Credentials::Bearer(SecretString::from(issued_token()));
    let reply = servicenow
        .list(&bearer, "sys_user", &[])
        .await
        .expect("an HTTP answer");
    (
        reply,
        received(&server).await.len(),
        servicenow.recorder().clone(),
    )
}

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after() {
    let throttled = ResponseTemplate::new(429).insert_header("Retry-After", "1");
    let (reply, requests, recorder) =
        after_failures(throttled, Some(1), RetryPolicy::default()).await;
    assert_eq!(reply.status, 200);
    assert_eq!(requests, 2);
    assert_eq!(recorder.retries(), 1);
    let exchanges = recorder.exchanges();
    assert_eq!(exchanges.len(), 1);
    assert_eq!(exchanges[0].status, Some(200));
}

/// catalogue P1: a rate limit rule's 429 is the answer its scenario expects: not retried, and recorded as expected
/// (so no fault), while the same client still retries a 503.
#[tokio::test]
async fn a_429_the_caller_expects_is_neither_retried_nor_a_fault() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(template(&captured::TABLE_LIST))
        .with_priority(3)
        .mount(&server)
        .await;
    let servicenow = servicenow(&server.uri(), &Transport::default())
        .with_retry(QUICK_RETRIES)
        .expecting_rate_limit();
    let bearer = Credentials::Bearer(SecretString::from(issued_token()));
    let throttled = servicenow.list(&bearer, "sys_user", &[]).await.unwrap();
    assert_eq!(throttled.status, 429);
    assert_eq!(received(&server).await.len(), 1, "the 429 is not retried");
    let after_503 = servicenow.list(&bearer, "sys_user", &[]).await.unwrap();
    assert_eq!(after_503.status, 200, "a 503 is still retried");
    let exchanges = servicenow.recorder().exchanges();
    assert_eq!(exchanges.len(), 2);
    assert!(exchanges[0].rate_limit_expected);
    assert!(!exchanges[1].rate_limit_expected);
    let observation = crate::report::Observation {
        exchanges,
        ..Default::default()
    };
    assert_eq!(observation.fault(), None);
}

#[tokio::test]
async fn a_503_is_retried_up_to_max_retries() {
    let (reply, requests, recorder) =
        after_failures(ResponseTemplate::new(503), Some(3), QUICK_RETRIES).await;
    assert_eq!(reply.status, 200);
    assert_eq!(requests, 4);
    assert_eq!(recorder.retries(), 3);
}

#[tokio::test]
async fn a_lasting_503_is_given_up_on_and_returned() {
    let (reply, requests, recorder) =
        after_failures(ResponseTemplate::new(503), None, QUICK_RETRIES).await;
    assert_eq!(reply.status, 503);
    assert_eq!(requests, QUICK_RETRIES.max_retries as usize + 1);
    let statuses: Vec<_> = recorder
        .exchanges()
        .iter()
        .map(|exchange| exchange.status)
        .collect();
    assert_eq!(statuses, [Some(503)]);
}

#[tokio::test]
async fn a_500_is_not_retried() {
    let (reply, requests, recorder) =
        after_failures(ResponseTemplate::new(500), Some(1), QUICK_RETRIES).await;
    assert_eq!(reply.status, 500);
    assert_eq!(requests, 1);
    assert_eq!(recorder.retries(), 0);
}

#[tokio::test]
async fn malformed_json_on_a_200_is_no_json_and_no_panic() {
    const MALFORMED: &str = r#"{"access_token":"abc","scope":"#;
    let server = MockServer::start().await;
    let malformed =
        ResponseTemplate::new(200).set_body_raw(MALFORMED, "application/json;charset=UTF-8");
    mount(&server, "POST", "/oauth_token.do", malformed).await;
    let servicenow = servicenow(&server.uri(), &Transport::default());
    let reply = servicenow
        .request_token(&token_request(Placement::FormBody))
        .await
        .expect("an HTTP answer");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, MALFORMED);
    assert!(reply.json().is_none());
    assert!(reply.result().is_none());
    assert_eq!(servicenow.recorder().exchanges().len(), 1);
}

/// A server on 127.0.0.1 that breaks every connection: closes it at once (`None`), or reads the request head,
/// writes `partial` and closes it.
async fn breaking_server(partial: Option<&'static [u8]>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            if let Some(partial) = partial {
                let mut request = Vec::new();
                while !request.windows(4).any(|bytes| bytes == b"\r\n\r\n") {
                    let mut chunk = [0; 1024];
                    match socket.read(&mut chunk).await {
                        Ok(0) | Err(_) => break,
                        Ok(read) => request.extend_from_slice(&chunk[..read]),
                    }
                }
                socket.write_all(partial).await.expect("partial response");
            }
        }
    });
    format!("http://{address}")
}

#[tokio::test]
async fn a_connection_broken_before_or_during_the_answer_is_a_transport_error() {
    let truncated: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: 120\r\n\r\n{\"access_token\":\"abc";
    for partial in [
        None,
        Some(b"HTTP/1.1 200 OK\r\nContent-Ty".as_slice()),
        Some(truncated),
    ] {
        let servicenow = servicenow(&breaking_server(partial).await, &Transport::default());
        let error = servicenow
            .request_token(&token_request(Placement::FormBody))
            .await
            .expect_err("a broken connection is no answer");
        assert_no_secret(&error.0);
        let exchanges = servicenow.recorder().exchanges();
        assert_eq!(exchanges.len(), 1);
        assert_eq!(exchanges[0].status, None);
    }
}

/// What the probe makes of an instance answering `response` to `GET /api/now/ui/user/current_user`.
async fn probed(response: ResponseTemplate) -> Reachability {
    let server = MockServer::start().await;
    mount(&server, "GET", "/api/now/ui/user/current_user", response).await;
    probe(&http(&Transport::default()), &server.uri()).await
}

#[tokio::test]
async fn the_probe_tells_a_live_instance_from_a_sleeping_or_foreign_one() {
    assert_eq!(
        probed(template(&captured::REST_401)).await,
        Reachability::Ready
    );
    assert_eq!(
        probed(template(&captured::HIBERNATING)).await,
        Reachability::Hibernating
    );
    assert_eq!(
        probed(ResponseTemplate::new(503)).await,
        Reachability::Hibernating
    );
    let not_found = ResponseTemplate::new(404).set_body_raw(
        "<html><body><h1>404 Not Found</h1></body></html>",
        "text/html",
    );
    match probed(not_found).await {
        Reachability::Unusable(sentence) => assert!(
            sentence.starts_with("http://127.0.0.1:") && sentence.contains("HTTP 404"),
            "{sentence}"
        ),
        other => panic!("a 404 page is not an instance: {other:?}"),
    }
}

#[tokio::test]
async fn the_probe_says_a_refusing_address_cannot_be_reached() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("local address");
    drop(listener);
    match probe(&http(&Transport::default()), &format!("http://{address}")).await {
        Reachability::Unusable(sentence) => {
            assert!(sentence.contains("cannot be reached"), "{sentence}")
        }
        other => panic!("nothing listens on {address}: {other:?}"),
    }
}

/// The admin's password grant (catalogue §10, §14).
fn password_grant() -> std::sync::Arc<super::PasswordGrant> {
    std::sync::Arc::new(super::PasswordGrant::new(
        CLIENT_ID.into(),
        SecretString::from(CLIENT_SECRET),
        "admin".into(),
        SecretString::from("admin-pw"),
    ))
}

#[tokio::test]
async fn a_refused_password_grant_is_never_asked_again() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth_token.do"))
        .respond_with(template(&captured::TOKEN_GENERIC_401))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"result":[]}"#))
        .expect(0)
        .mount(&server)
        .await;
    let servicenow = servicenow(&server.uri(), &Transport::default());
    let admin = Credentials::PasswordGrant(password_grant());
    for _ in 0..3 {
        let reply = servicenow.list(&admin, "sys_user", &[]).await.unwrap();
        assert_eq!(
            reply.status, 401,
            "the token endpoint's refusal is the answer"
        );
    }
    server.verify().await;
}

#[tokio::test]
async fn every_token_a_password_grant_gives_refresh_tokens_too_is_kept_for_revoking() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth_token.do"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"access_token":"acc3ss","refresh_token":"r3fresh","token_type":"Bearer","expires_in":1799}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"result":[]}"#))
        .mount(&server)
        .await;
    let servicenow = servicenow(&server.uri(), &Transport::default());
    let grant = password_grant();
    let admin = Credentials::PasswordGrant(grant.clone());
    servicenow.list(&admin, "sys_user", &[]).await.unwrap();
    servicenow.list(&admin, "sys_user", &[]).await.unwrap();
    let issued: Vec<String> = grant
        .issued()
        .iter()
        .map(|token| secrecy::ExposeSecret::expose_secret(token).to_owned())
        .collect();
    assert_eq!(issued, ["acc3ss", "r3fresh"]);
    let shown = format!("{:?}", servicenow.recorder().exchanges());
    assert!(
        !shown.contains("acc3ss") && !shown.contains("r3fresh"),
        "{shown}"
    );
    server.verify().await;
}

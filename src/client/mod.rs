//! The one ServiceNow REST client, for the mock and real instances alike: token endpoint, Table API, current_user,
//! JWKS.

pub(crate) mod control;
pub(crate) mod deadline;
pub(crate) mod exchange;
pub(crate) mod password_grant;
pub(crate) mod probe;
pub(crate) mod transport;

pub use password_grant::PasswordGrant;
pub use transport::{HttpClientError, InstanceUrlError, Transport, http_client, instance_url};

use std::sync::Arc;

use reqwest::header::{self, HeaderMap};
use reqwest::{Method, RequestBuilder};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use deadline::Deadline;
use exchange::Recorder;
use password_grant::{HeldToken, SignIn};
use transport::RetryPolicy;

const TOKEN_PATH: &str = "/oauth_token.do";
const REVOKE_PATH: &str = "/oauth_revoke_token.do";
/// How long a token whose response states no `expires_in` is taken to live.
const UNSTATED_LIFESPAN_SECONDS: u64 = 60;
const JWKS_PATH: &str = "/api/now/oauth/jwks";

/// How a request authenticates.
#[derive(Clone)]
pub enum Credentials {
    Anonymous,
    Basic {
        user: String,
        password: SecretString,
    },
    Bearer(SecretString),
    /// The `Cookie` header of a session an earlier answer set (`JSESSIONID=…; glide_user_route=…`).
    SessionCookie(SecretString),
    /// A token of the password grant, obtained when first needed and again when it expires or gets a
    /// 401 (an admin not on Basic, catalogue §10). Clones share the token.
    PasswordGrant(Arc<PasswordGrant>),
}

impl Credentials {
    /// The passwords and secrets these credentials hold, for a recorder to scrub.
    pub(crate) fn secrets(&self) -> Vec<&SecretString> {
        match self {
            Credentials::Anonymous => Vec::new(),
            Credentials::Basic { password, .. } => vec![password],
            Credentials::Bearer(secret) | Credentials::SessionCookie(secret) => vec![secret],
            Credentials::PasswordGrant(grant) => grant.secrets().to_vec(),
        }
    }
}

/// Where a token request carries the client's credentials (F1, F2, F4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Placement {
    FormBody,
    QueryString,
    JsonBody,
    HttpBasic,
}

/// A token request, as plain or as odd as a scenario needs it.
#[derive(Clone)]
pub(crate) struct TokenRequest {
    pub method: Method,
    pub placement: Placement,
    pub grant_type: String,
    pub client_id: Option<String>,
    pub client_secret: Option<SecretString>,
    pub scope: Option<String>,
    /// The `Content-Type` of a form body, when not the bare `application/x-www-form-urlencoded` (L1).
    pub content_type: Option<String>,
}

impl TokenRequest {
    /// The request the seed article makes: a form POST with grant type, client id and secret.
    pub(crate) fn client_credentials(
        client_id: &str,
        client_secret: &SecretString,
    ) -> TokenRequest {
        TokenRequest {
            method: Method::POST,
            placement: Placement::FormBody,
            grant_type: "client_credentials".into(),
            client_id: Some(client_id.to_owned()),
            client_secret: Some(client_secret.clone()),
            scope: None,
            content_type: None,
        }
    }

    /// The parameters, secrets exposed: only for building the wire request.
    fn parameters(&self, with_client: bool) -> Vec<(&str, String)> {
        let mut parameters = vec![("grant_type", self.grant_type.clone())];
        if with_client {
            if let Some(id) = &self.client_id {
                parameters.push(("client_id", id.clone()));
            }
            if let Some(secret) = &self.client_secret {
                parameters.push(("client_secret", secret.expose_secret().to_owned()));
            }
        }
        if let Some(scope) = &self.scope {
            parameters.push(("scope", scope.clone()));
        }
        parameters
    }
}

/// What came back.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// Whether the platform queued the request rather than carrying it out (`202`): the outcome of a write so
    /// answered is unknown, as if its answer were lost (catalogue §15).
    pub fn queued(&self) -> bool {
        self.status == 202
    }

    /// The `result` member of a Table API answer.
    pub fn result(&self) -> Option<Value> {
        self.json()?.get("result").cloned()
    }
}

/// A request that got no HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError(pub String);

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TransportError {}

/// A client for one instance, recording every exchange (redacted) for the reports.
#[derive(Clone)]
pub struct ServiceNow {
    http: reqwest::Client,
    base_url: String,
    recorder: Recorder,
    retry: RetryPolicy,
    deadline: Deadline,
    /// Whether a 429 is the answer the caller expects (catalogue P1): never retried, and recorded as expected.
    rate_limit_expected: bool,
}

impl ServiceNow {
    pub fn new(http: reqwest::Client, base_url: &str) -> ServiceNow {
        ServiceNow {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            recorder: Recorder::default(),
            retry: RetryPolicy::default(),
            deadline: Deadline::default(),
            rate_limit_expected: false,
        }
    }

    /// Retries 429 and 503 answers, and lost answers to GET, DELETE and PATCH, by this policy (the default
    /// retries three times).
    pub(crate) fn with_retry(mut self, retry: RetryPolicy) -> ServiceNow {
        self.retry = retry;
        self
    }

    /// Ends every request (and every wait between retries) by `deadline`: a request it cuts short is
    /// recorded without an answer.
    pub(crate) fn with_deadline(mut self, deadline: Deadline) -> ServiceNow {
        self.deadline = deadline;
        self
    }

    /// The same client (the same recorder) for requests whose expected answer may be a 429 (catalogue P1: a
    /// rate limit rule's refusal): a 429 is neither retried nor a fault that decides nothing; 503s and lost
    /// answers are retried as before.
    pub(crate) fn expecting_rate_limit(&self) -> ServiceNow {
        ServiceNow {
            rate_limit_expected: true,
            ..self.clone()
        }
    }

    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    pub(crate) fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    /// `POST /oauth_token.do` (or whatever method and placement the request asks for).
    pub(crate) async fn request_token(
        &self,
        request: &TokenRequest,
    ) -> Result<Reply, TransportError> {
        if let Some(secret) = &request.client_secret {
            self.recorder.know_secret(secret);
        }
        let (path, body, credentials) = match request.placement {
            Placement::FormBody => {
                let (bare, bytes) = form_body(&request.parameters(true));
                let content_type = request.content_type.as_deref().unwrap_or(bare);
                (
                    TOKEN_PATH.to_owned(),
                    (content_type, bytes),
                    Credentials::Anonymous,
                )
            }
            Placement::JsonBody => {
                let object: serde_json::Map<String, Value> = request
                    .parameters(true)
                    .into_iter()
                    .map(|(name, value)| (name.to_owned(), Value::from(value)))
                    .collect();
                let body = (
                    "application/json",
                    Value::Object(object).to_string().into_bytes(),
                );
                (TOKEN_PATH.to_owned(), body, Credentials::Anonymous)
            }
            Placement::QueryString => {
                let path = format!("{TOKEN_PATH}?{}", encode(&request.parameters(true)));
                (
                    path,
                    form_body(&request.parameters(false)),
                    Credentials::Anonymous,
                )
            }
            Placement::HttpBasic => {
                // RFC 6749 §2.3.1: id and secret are form-encoded before Basic encoding.
                let form_encode = |text: &str| {
                    url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>()
                };
                let secret = request
                    .client_secret
                    .as_ref()
                    .map_or(String::new(), |s| form_encode(s.expose_secret()));
                let credentials = Credentials::Basic {
                    user: form_encode(request.client_id.as_deref().unwrap_or_default()),
                    password: SecretString::from(secret),
                };
                (
                    TOKEN_PATH.to_owned(),
                    form_body(&request.parameters(false)),
                    credentials,
                )
            }
        };
        let reply = self
            .send_as(request.method.clone(), &path, &credentials, Some(body))
            .await?;
        if let Some(token) = reply
            .json()
            .and_then(|json| json["access_token"].as_str().map(str::to_owned))
        {
            self.recorder.know_secret(&SecretString::from(token));
        }
        Ok(reply)
    }

    /// `GET /oauth_revoke_token.do?token=…`, unauthenticated, as documented (catalogue §8).
    pub(crate) async fn revoke_token(&self, token: &SecretString) -> Result<Reply, TransportError> {
        self.recorder.know_secret(token);
        let path = format!(
            "{REVOKE_PATH}?{}",
            encode(&[("token", token.expose_secret())])
        );
        self.send_as(Method::GET, &path, &Credentials::Anonymous, None)
            .await
    }

    /// `GET /api/now/table/<table>?…`.
    pub async fn list(
        &self,
        credentials: &Credentials,
        table: &str,
        query: &[(&str, &str)],
    ) -> Result<Reply, TransportError> {
        let path = format!("/api/now/table/{table}?{}", encode(query));
        self.send(Method::GET, &path, credentials, None).await
    }

    pub async fn get(
        &self,
        credentials: &Credentials,
        table: &str,
        sys_id: &str,
    ) -> Result<Reply, TransportError> {
        self.send(
            Method::GET,
            &format!("/api/now/table/{table}/{sys_id}"),
            credentials,
            None,
        )
        .await
    }

    pub async fn create(
        &self,
        credentials: &Credentials,
        table: &str,
        record: &Value,
    ) -> Result<Reply, TransportError> {
        self.create_with(credentials, table, record, &[]).await
    }

    /// `POST /api/now/table/<table>?…`: a create with `sysparm_*` parameters.
    pub(crate) async fn create_with(
        &self,
        credentials: &Credentials,
        table: &str,
        record: &Value,
        query: &[(&str, &str)],
    ) -> Result<Reply, TransportError> {
        let body = ("application/json", record.to_string().into_bytes());
        let path = match query {
            [] => format!("/api/now/table/{table}"),
            _ => format!("/api/now/table/{table}?{}", encode(query)),
        };
        self.send(Method::POST, &path, credentials, Some(body))
            .await
    }

    pub async fn update(
        &self,
        credentials: &Credentials,
        table: &str,
        sys_id: &str,
        changes: &Value,
    ) -> Result<Reply, TransportError> {
        self.update_with(credentials, table, sys_id, changes, &[])
            .await
    }

    /// `PATCH /api/now/table/<table>/<sys_id>?…`: an update with `sysparm_*` parameters.
    pub(crate) async fn update_with(
        &self,
        credentials: &Credentials,
        table: &str,
        sys_id: &str,
        changes: &Value,
        query: &[(&str, &str)],
    ) -> Result<Reply, TransportError> {
        let body = ("application/json", changes.to_string().into_bytes());
        let path = match query {
            [] => format!("/api/now/table/{table}/{sys_id}"),
            _ => format!("/api/now/table/{table}/{sys_id}?{}", encode(query)),
        };
        self.send(Method::PATCH, &path, credentials, Some(body))
            .await
    }

    pub async fn delete(
        &self,
        credentials: &Credentials,
        table: &str,
        sys_id: &str,
    ) -> Result<Reply, TransportError> {
        self.send(
            Method::DELETE,
            &format!("/api/now/table/{table}/{sys_id}"),
            credentials,
            None,
        )
        .await
    }

    /// `GET /api/now/ui/user/current_user`: who the credentials act as.
    pub(crate) async fn current_user(
        &self,
        credentials: &Credentials,
    ) -> Result<Reply, TransportError> {
        self.send(
            Method::GET,
            "/api/now/ui/user/current_user",
            credentials,
            None,
        )
        .await
    }

    /// `GET /api/now/oauth/jwks`: the public keys JWT access tokens are signed with (catalogue §9).
    pub(crate) async fn jwks(&self, credentials: &Credentials) -> Result<Reply, TransportError> {
        self.send(Method::GET, JWKS_PATH, credentials, None).await
    }

    /// Any request, for scenarios that send what a well-behaved client would not. With a password grant's
    /// credentials, a request that gets a 401 is sent once more with a token obtained afresh; when no token
    /// is to be had, the token endpoint's answer is the reply.
    pub(crate) async fn send(
        &self,
        method: Method,
        path_and_query: &str,
        credentials: &Credentials,
        body: Option<(&str, Vec<u8>)>,
    ) -> Result<Reply, TransportError> {
        let Credentials::PasswordGrant(grant) = credentials else {
            return self
                .send_as(method, path_and_query, credentials, body)
                .await;
        };
        let token = match self.sign_in(grant).await? {
            SignIn::Token(token) => token,
            SignIn::Refused(reply) => return Ok(reply),
        };
        let bearer = Credentials::Bearer(token.clone());
        let reply = self
            .send_as(method.clone(), path_and_query, &bearer, body.clone())
            .await?;
        if reply.status != 401 {
            return Ok(reply);
        }
        {
            let mut held = grant.held().await;
            if held.as_ref().is_some_and(|held| held.is(&token)) {
                *held = None;
            }
        }
        match self.sign_in(grant).await? {
            SignIn::Token(token) => {
                let bearer = Credentials::Bearer(token);
                self.send_as(method, path_and_query, &bearer, body).await
            }
            SignIn::Refused(reply) => Ok(reply),
        }
    }

    /// The password grant's token while it is fresh, else one obtained afresh from the token endpoint. A grant
    /// the endpoint refused (a 4xx other than 429) is never asked again: its refusal is the answer from then on
    /// (catalogue §14: failed sign-ins lock an account).
    pub(crate) async fn sign_in(&self, grant: &PasswordGrant) -> Result<SignIn, TransportError> {
        let mut held = grant.held().await;
        if let Some(token) = held.as_ref().and_then(HeldToken::fresh) {
            return Ok(SignIn::Token(token.clone()));
        }
        if let Some(refusal) = grant.refusal() {
            return Ok(SignIn::Refused(refusal));
        }
        for secret in grant.secrets() {
            self.recorder.know_secret(secret);
        }
        let body = form_body(&grant.parameters());
        let reply = self
            .send_as(
                Method::POST,
                TOKEN_PATH,
                &Credentials::Anonymous,
                Some(body),
            )
            .await?;
        let json = reply.json().unwrap_or_default();
        let issued = json["access_token"]
            .as_str()
            .filter(|token| !token.is_empty())
            .map(|token| {
                // A token without a usable `expires_in` is still a token: held briefly, then renewed.
                let expires_in = json["expires_in"]
                    .as_u64()
                    .unwrap_or(UNSTATED_LIFESPAN_SECONDS);
                (SecretString::from(token), expires_in)
            });
        match issued.filter(|_| reply.status == 200) {
            Some((token, expires_in)) => {
                self.recorder.know_secret(&token);
                grant.gave(token.clone());
                if let Some(refresh) = json["refresh_token"].as_str().filter(|t| !t.is_empty()) {
                    let refresh = SecretString::from(refresh);
                    self.recorder.know_secret(&refresh);
                    grant.gave(refresh);
                }
                *held = Some(HeldToken::new(token.clone(), expires_in));
                Ok(SignIn::Token(token))
            }
            None => {
                if (400..500).contains(&reply.status) && reply.status != 429 {
                    grant.refused(&reply);
                }
                Ok(SignIn::Refused(reply))
            }
        }
    }

    /// One request with credentials that need no token first.
    async fn send_as(
        &self,
        method: Method,
        path_and_query: &str,
        credentials: &Credentials,
        body: Option<(&str, Vec<u8>)>,
    ) -> Result<Reply, TransportError> {
        let url = format!("{}{path_and_query}", self.base_url);
        let mut builder = self
            .http
            .request(method.clone(), &url)
            .header(header::ACCEPT, "application/json");
        builder = authenticate(builder, credentials, &self.recorder);
        let authorization = authorization_shown(credentials);
        let body_bytes = body
            .as_ref()
            .map(|(_, bytes)| bytes.clone())
            .unwrap_or_default();
        if let Some((content_type, bytes)) = body {
            builder = builder
                .header(header::CONTENT_TYPE, content_type)
                .body(bytes);
        }
        // No complete answer (no response, its body cut short, or the scenario's time up): recorded
        // without a status.
        let failed = |why: String| {
            let no_headers = HeaderMap::new();
            let exchange = (None, &no_headers, &b""[..]);
            self.record(
                &method,
                path_and_query,
                authorization.as_deref(),
                &body_bytes,
                exchange,
            );
            TransportError(self.recorder.scrub(why))
        };
        let mut retry = 0;
        loop {
            let attempt = builder.try_clone().expect("request bodies are in memory");
            let answer = self.deadline.bound(async {
                let response = attempt.send().await?;
                let status = response.status().as_u16();
                let headers = response.headers().clone();
                response.bytes().await.map(|bytes| (status, headers, bytes))
            });
            let (status, headers, bytes) = match answer.await {
                Err(time_up) => return Err(failed(time_up.to_string())),
                Ok(Ok(answer)) => answer,
                Ok(Err(error)) => match self.retry.delay_after_no_answer(&method, retry, &error) {
                    Some(delay) => {
                        self.recorder.count_retry();
                        self.deadline
                            .sleep(delay)
                            .await
                            .map_err(|time_up| failed(time_up.to_string()))?;
                        retry += 1;
                        continue;
                    }
                    None => return Err(failed(describe(&error))),
                },
            };
            let retry_after = headers
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok());
            let retried = !(status == 429 && self.rate_limit_expected);
            if let Some(delay) = self
                .retry
                .delay(status, retry, retry_after)
                .filter(|_| retried)
            {
                self.recorder.count_retry();
                self.deadline
                    .sleep(delay)
                    .await
                    .map_err(|time_up| failed(time_up.to_string()))?;
                retry += 1;
                continue;
            }
            let exchange = (Some(status), &headers, &bytes[..]);
            self.record(
                &method,
                path_and_query,
                authorization.as_deref(),
                &body_bytes,
                exchange,
            );
            return Ok(Reply {
                status,
                headers,
                body: String::from_utf8_lossy(&bytes).into_owned(),
            });
        }
    }

    fn record(
        &self,
        method: &Method,
        path_and_query: &str,
        authorization: Option<&str>,
        request_body: &[u8],
        (status, headers, body): (Option<u16>, &HeaderMap, &[u8]),
    ) {
        self.recorder.record(
            method.as_str(),
            path_and_query,
            authorization,
            request_body,
            status,
            headers,
            body,
            self.rate_limit_expected && status == Some(429),
        );
    }
}

fn authenticate(
    builder: RequestBuilder,
    credentials: &Credentials,
    recorder: &Recorder,
) -> RequestBuilder {
    match credentials {
        Credentials::Anonymous => builder,
        Credentials::Basic { user, password } => {
            recorder.know_secret(password);
            builder.basic_auth(user, Some(password.expose_secret()))
        }
        Credentials::Bearer(token) => {
            recorder.know_secret(token);
            builder.bearer_auth(token.expose_secret())
        }
        Credentials::SessionCookie(cookie) => {
            recorder.know_secret(cookie);
            builder.header(header::COOKIE, cookie.expose_secret())
        }
        // `send` has exchanged it for its token already.
        Credentials::PasswordGrant(_) => builder,
    }
}

/// The `Authorization` header as a report may show it: the scheme only.
fn authorization_shown(credentials: &Credentials) -> Option<String> {
    let scheme = match credentials {
        Credentials::Anonymous => return None,
        Credentials::Basic { .. } => "Basic",
        Credentials::Bearer(_) | Credentials::PasswordGrant(_) => "Bearer",
        Credentials::SessionCookie(_) => "Cookie",
    };
    Some(crate::support::redact::authorization(&format!(
        "{scheme} credentials"
    )))
}

fn encode(pairs: &[(&str, impl AsRef<str>)]) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        serializer.append_pair(name, value.as_ref());
    }
    serializer.finish()
}

fn form_body(pairs: &[(&str, String)]) -> (&'static str, Vec<u8>) {
    (
        "application/x-www-form-urlencoded",
        encode(pairs).into_bytes(),
    )
}

/// A transport failure in one sentence, with its cause chain.
fn describe(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() {
        "the request timed out".to_owned()
    } else if error.is_connect() {
        "cannot connect".to_owned()
    } else {
        "the request failed".to_owned()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod wiremock_tests;

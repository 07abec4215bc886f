//! HTTP exchanges as reports show them: every secret, password and token redacted before it is kept.

use std::sync::{Arc, Mutex};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::support::redact;

/// Response headers worth keeping in a report.
const KEPT_HEADERS: [&str; 11] = [
    "content-type",
    "cache-control",
    "pragma",
    "expires",
    "www-authenticate",
    "x-total-count",
    "location",
    "retry-after",
    "x-ratelimit-limit",
    "x-ratelimit-reset",
    "x-ratelimit-rule",
];

/// One request and its response, redacted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Exchange {
    pub method: String,
    /// Path and query, secret parameters redacted (the base URL is the target's, recorded once).
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub request_body: String,
    /// `None` when no response came (timeout, connection reset).
    pub status: Option<u16>,
    #[serde(default)]
    pub response_headers: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub response_body: String,
    /// A 429 the scenario asked for (catalogue P1: a rate limit rule's answer is the one it expects), not a
    /// fault that decides nothing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rate_limit_expected: bool,
}

/// Collects the exchanges of one scenario, and the secrets it has seen so none slips through.
#[derive(Clone, Default)]
pub(crate) struct Recorder {
    inner: Arc<Mutex<RecorderState>>,
}

#[derive(Default)]
struct RecorderState {
    exchanges: Vec<Exchange>,
    secrets: Vec<SecretString>,
    retries: usize,
}

impl Recorder {
    /// Remembers a secret value (a client secret, a password, an issued token) to scrub wherever it shows.
    pub(crate) fn know_secret(&self, secret: &SecretString) {
        if secret.expose_secret().len() >= 4 {
            self.lock().secrets.push(secret.clone());
        }
    }

    /// Records an exchange after redacting it by shape and scrubbing every known secret.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn record(
        &self,
        method: &str,
        path_and_query: &str,
        authorization: Option<&str>,
        request_body: &[u8],
        status: Option<u16>,
        response_headers: &reqwest::header::HeaderMap,
        response_body: &[u8],
        rate_limit_expected: bool,
    ) {
        let mut state = self.lock();
        let scrub = |text: String| redact::known_secrets(text, &state.secrets);
        let path = match path_and_query.split_once('?') {
            Some((path, query)) => format!("{path}?{}", redact::form(query)),
            None => path_and_query.to_owned(),
        };
        let exchange = Exchange {
            method: method.to_owned(),
            path: scrub(path),
            authorization: authorization.map(redact::authorization),
            request_body: scrub(redact::body(request_body)),
            status,
            response_headers: KEPT_HEADERS
                .iter()
                .filter_map(|name| {
                    let value = response_headers.get(*name)?.to_str().ok()?;
                    Some(((*name).to_owned(), scrub(value.to_owned())))
                })
                .collect(),
            response_body: scrub(redact::body(response_body)),
            rate_limit_expected,
        };
        state.exchanges.push(exchange);
    }

    /// Counts a request that was retried (its answer, a 429 or 503 or none at all, is not kept).
    pub(crate) fn count_retry(&self) {
        self.lock().retries += 1;
    }

    /// How many requests were retried.
    #[cfg(test)]
    pub(crate) fn retries(&self) -> usize {
        self.lock().retries
    }

    pub(crate) fn exchanges(&self) -> Vec<Exchange> {
        self.lock().exchanges.clone()
    }

    /// Replaces every known secret in `text` (for messages built outside the recorder).
    pub(crate) fn scrub(&self, text: String) -> String {
        redact::known_secrets(text, &self.lock().secrets)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, RecorderState> {
        crate::lock(&self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_secrets_are_scrubbed_even_where_shape_redaction_misses() {
        let recorder = Recorder::default();
        recorder.know_secret(&SecretString::from("p@ss+word/1"));
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("location", "https://i/x?p@ss+word/1".parse().unwrap());
        recorder.record(
            "POST",
            "/api/now/table/x?note=p%40ss%2Bword%2F1",
            Some("Basic abc"),
            br#"{"note":"p@ss+word/1"}"#,
            Some(201),
            &headers,
            b"plain p@ss+word/1 text",
            false,
        );
        let shown = serde_json::to_string(&recorder.exchanges()).unwrap();
        assert!(
            !shown.contains("p@ss+word/1") && !shown.contains("p%40ss%2Bword%2F1"),
            "{shown}"
        );
        assert!(shown.contains("Basic [REDACTED]"));
        assert_eq!(recorder.scrub("x p@ss+word/1".into()), "x [REDACTED]");
    }
}

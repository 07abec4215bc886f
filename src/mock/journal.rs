//! The request journal: what clients sent and got, newest last, bounded in size, secrets redacted when read.

use std::borrow::Cow;
use std::collections::VecDeque;

use axum::body::Bytes;
use axum::http::Method;
use serde::Serialize;

use super::clock::{Instant, glide_datetime};
use crate::redact;

/// How many entries are kept; older ones are dropped so memory stays flat under load.
pub const CAPACITY: usize = 10_000;

/// A journal entry as the control plane shows it, every secret redacted.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Entry {
    pub seq: u64,
    /// Virtual time (see the clock), as a glide date-time.
    pub at: String,
    pub method: String,
    pub path: String,
    /// The query string, secret parameters redacted.
    pub query: String,
    /// `Authorization` with its scheme only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    pub request_body: String,
    pub status: u16,
    pub response_body: String,
    /// Why the mock answered as it did, e.g. `refused: grant_disabled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

/// An exchange as the HTTP adapter saw it. Only the `Authorization` header is redacted on the way in
/// (its scheme is all that is kept); query and bodies are redacted when the journal is read, so serving a
/// request never pays for parsing them again.
pub struct Exchange {
    pub at: Instant,
    pub method: Method,
    pub path: String,
    pub query: String,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub request_body: Bytes,
    pub status: u16,
    pub response_body: Bytes,
    pub outcome: Option<Cow<'static, str>>,
}

/// The exchanges recorded, each with its sequence number. Deliberately not `Debug`: it holds secrets
/// until they are read out through [`Journal::entries`].
#[derive(Default)]
pub struct Journal {
    exchanges: VecDeque<(u64, Exchange)>,
    next_seq: u64,
}

impl Journal {
    pub fn record(&mut self, mut exchange: Exchange) {
        self.next_seq += 1;
        if self.exchanges.len() == CAPACITY {
            self.exchanges.pop_front();
        }
        exchange.authorization = exchange.authorization.as_deref().map(redact::authorization);
        self.exchanges.push_back((self.next_seq, exchange));
    }

    /// Every kept exchange, oldest first, redacted.
    pub fn entries(&self) -> impl Iterator<Item = Entry> + '_ {
        self.exchanges.iter().map(|(seq, exchange)| Entry {
            seq: *seq,
            at: glide_datetime(exchange.at),
            method: exchange.method.to_string(),
            path: exchange.path.clone(),
            query: redact::form(&exchange.query),
            authorization: exchange.authorization.clone(),
            content_type: exchange.content_type.clone(),
            request_body: redacted_body(&exchange.request_body),
            status: exchange.status,
            response_body: redacted_body(&exchange.response_body),
            outcome: exchange.outcome.as_deref().map(str::to_owned),
        })
    }

    pub fn clear(&mut self) {
        self.exchanges.clear();
    }
}

/// A body redacted by its shape. One [`redact::body`] keeps verbatim (neither JSON nor a clean form: broken
/// JSON, a form with a line break) yet naming a secret parameter is dropped whole: its value cannot be found.
fn redacted_body(bytes: &[u8]) -> String {
    let redacted = redact::body(bytes);
    let names_a_secret = url::form_urlencoded::parse(redacted.as_bytes())
        .flat_map(|(name, value)| [name, value])
        .any(|part| {
            part.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .any(redact::is_secret_name)
        });
    if names_a_secret && redacted == String::from_utf8_lossy(bytes) {
        return redact::REDACTED.to_owned();
    }
    redacted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(query: &str, body: &'static [u8], response: &'static [u8]) -> Exchange {
        Exchange {
            at: 1_704_067_200,
            method: Method::POST,
            path: "/oauth_token.do".into(),
            query: query.into(),
            authorization: Some("Basic c2VjcmV0".into()),
            content_type: Some("application/x-www-form-urlencoded".into()),
            request_body: Bytes::from_static(body),
            status: 200,
            response_body: Bytes::from_static(response),
            outcome: Some("issued".into()),
        }
    }

    #[test]
    fn entries_are_stored_without_secrets() {
        let mut journal = Journal::default();
        journal.record(exchange(
            "access_token=qs-token",
            b"grant_type=client_credentials&client_id=id&client_secret=body-secret",
            br#"{"access_token":"issued-token","scope":"useraccount"}"#,
        ));
        let stored = serde_json::to_string(&journal.entries().collect::<Vec<_>>()).unwrap();
        for secret in ["qs-token", "body-secret", "issued-token", "c2VjcmV0"] {
            assert!(!stored.contains(secret), "{secret} leaked: {stored}");
        }
        assert!(stored.contains("client_id=id") && stored.contains("useraccount"));
        assert!(stored.contains("2024-01-01 00:00:00"), "{stored}");
        let kept = &journal.exchanges[0].1;
        assert_eq!(kept.authorization.as_deref(), Some("Basic [REDACTED]"));
    }

    #[test]
    fn the_journal_keeps_only_the_newest_entries() {
        let mut journal = Journal::default();
        for _ in 0..CAPACITY + 5 {
            journal.record(exchange("", b"", b""));
        }
        assert_eq!(journal.entries().count(), CAPACITY);
        assert_eq!(journal.entries().next().unwrap().seq, 6);
        journal.clear();
        assert_eq!(journal.entries().count(), 0);
    }
}

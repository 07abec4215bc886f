//! The request journal: what clients sent and got, secrets redacted, newest last, bounded in size.

use std::collections::VecDeque;

use serde::Serialize;

use crate::redact;

/// How many entries are kept; older ones are dropped so memory stays flat under load.
pub const CAPACITY: usize = 10_000;

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

/// An exchange as the HTTP adapter saw it, before redaction.
pub struct Exchange<'a> {
    pub at: String,
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub authorization: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub request_body: &'a [u8],
    pub status: u16,
    pub response_body: &'a [u8],
    pub outcome: Option<String>,
}

#[derive(Debug, Default)]
pub struct Journal {
    entries: VecDeque<Entry>,
    next_seq: u64,
}

impl Journal {
    /// Records an exchange, redacting every secret before it is stored.
    pub fn record(&mut self, exchange: Exchange<'_>) {
        self.next_seq += 1;
        if self.entries.len() == CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back(Entry {
            seq: self.next_seq,
            at: exchange.at,
            method: exchange.method.to_owned(),
            path: exchange.path.to_owned(),
            query: redact::form(exchange.query),
            authorization: exchange.authorization.map(redact::authorization),
            content_type: exchange.content_type.map(str::to_owned),
            request_body: redacted_body(exchange.request_body),
            status: exchange.status,
            response_body: redacted_body(exchange.response_body),
            outcome: exchange.outcome,
        });
    }

    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
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

    fn exchange<'a>(query: &'a str, body: &'a [u8], response: &'a [u8]) -> Exchange<'a> {
        Exchange {
            at: "2024-01-01 00:00:00".into(),
            method: "POST",
            path: "/oauth_token.do",
            query,
            authorization: Some("Basic c2VjcmV0"),
            content_type: Some("application/x-www-form-urlencoded"),
            request_body: body,
            status: 200,
            response_body: response,
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

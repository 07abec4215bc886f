//! The request journal: what clients sent and got, newest last, bounded in size, secrets redacted when read.

use std::borrow::Cow;
use std::collections::VecDeque;

use axum::http::Method;
use serde::Serialize;

use super::body::MAX_BODY_BYTES;
use crate::mock::clock::VirtualInstant;
use crate::servicenow::glide_time::glide_datetime;
use crate::support::redact;

/// How many entries are kept; older ones are dropped so memory stays flat under load.
pub(crate) const CAPACITY: usize = 10_000;

/// A journal entry as the control plane shows it, every secret redacted.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub(crate) struct Entry {
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
    /// The media types the client asked for (nothing secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accept: Option<String>,
    /// Which client sent it (nothing secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    pub request_body: String,
    pub status: u16,
    pub response_body: String,
    /// Why the mock answered as it did, e.g. `refused: grant_disabled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

/// An exchange as the HTTP adapter saw it, borrowed for the moment it is recorded.
pub(crate) struct LoggedExchange<'a> {
    pub at: VirtualInstant,
    pub method: &'a Method,
    pub path: &'a str,
    pub query: &'a str,
    pub authorization: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub accept: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub request_body: &'a [u8],
    pub status: u16,
    pub response_body: &'a [u8],
    pub outcome: Option<Cow<'static, str>>,
}

/// A recorded exchange. Only `Authorization` is redacted on the way in (its scheme is all that is kept);
/// query and bodies are redacted when the journal is read, so serving a request never parses them again.
struct Kept {
    seq: u64,
    at: VirtualInstant,
    method: Method,
    path: String,
    query: String,
    authorization: Option<String>,
    content_type: Option<String>,
    accept: Option<String>,
    user_agent: Option<String>,
    request_body: KeptBody,
    status: u16,
    response_body: KeptBody,
    outcome: Option<Cow<'static, str>>,
}

impl Kept {
    fn new(seq: u64, exchange: LoggedExchange<'_>) -> Kept {
        Kept {
            seq,
            at: exchange.at,
            method: exchange.method.clone(),
            path: exchange.path.to_owned(),
            query: exchange.query.to_owned(),
            authorization: exchange.authorization.map(redact::authorization),
            content_type: exchange.content_type.map(str::to_owned),
            accept: exchange.accept.map(str::to_owned),
            user_agent: exchange.user_agent.map(str::to_owned),
            request_body: KeptBody::of(exchange.request_body),
            status: exchange.status,
            response_body: KeptBody::of(exchange.response_body),
            outcome: exchange.outcome,
        }
    }

    /// The entry as shown: every secret redacted.
    fn entry(&self) -> Entry {
        Entry {
            seq: self.seq,
            at: glide_datetime(self.at),
            method: self.method.to_string(),
            path: self.path.clone(),
            query: redact::form(&self.query),
            authorization: self.authorization.clone(),
            content_type: self.content_type.clone(),
            accept: self.accept.clone(),
            user_agent: self.user_agent.clone(),
            request_body: self.request_body.shown(),
            status: self.status,
            response_body: self.response_body.shown(),
            outcome: self.outcome.as_deref().map(str::to_owned),
        }
    }
}

/// The largest body the journal keeps: only file uploads and downloads (catalogue §12) are larger, and of those
/// only the size is kept, so the journal's memory stays bounded.
const MAX_KEPT_BODY_BYTES: usize = MAX_BODY_BYTES;

/// A body as recorded: whole, or only its size when larger than [`MAX_KEPT_BODY_BYTES`].
enum KeptBody {
    Whole(Vec<u8>),
    Omitted(usize),
}

impl KeptBody {
    fn of(bytes: &[u8]) -> KeptBody {
        if bytes.len() > MAX_KEPT_BODY_BYTES {
            KeptBody::Omitted(bytes.len())
        } else {
            KeptBody::Whole(bytes.to_vec())
        }
    }

    fn shown(&self) -> String {
        match self {
            KeptBody::Whole(bytes) => redacted_body(bytes),
            KeptBody::Omitted(size) => format!("[{size} bytes, not kept]"),
        }
    }
}

/// The exchanges recorded, oldest first. Deliberately not `Debug`: it holds secrets until they are read
/// out through [`RequestLog::entries`].
#[derive(Default)]
pub(crate) struct RequestLog {
    kept: VecDeque<Kept>,
    next_seq: u64,
}

impl RequestLog {
    pub(crate) fn record(&mut self, exchange: LoggedExchange<'_>) {
        self.next_seq += 1;
        if self.kept.len() == CAPACITY {
            self.kept.pop_front();
        }
        self.kept.push_back(Kept::new(self.next_seq, exchange));
    }

    /// Every kept exchange, oldest first, redacted.
    pub(crate) fn entries(&self) -> impl Iterator<Item = Entry> + '_ {
        self.kept.iter().map(Kept::entry)
    }

    pub(crate) fn clear(&mut self) {
        self.kept.clear();
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

    fn exchange<'a>(query: &'a str, body: &'a [u8], response: &'a [u8]) -> LoggedExchange<'a> {
        LoggedExchange {
            at: 1_704_067_200,
            method: &Method::POST,
            path: "/oauth_token.do",
            query,
            authorization: Some("Basic c2VjcmV0"),
            content_type: Some("application/x-www-form-urlencoded"),
            accept: Some("application/json"),
            user_agent: Some("pysnc/1.2.1"),
            request_body: body,
            status: 200,
            response_body: response,
            outcome: Some("issued".into()),
        }
    }

    #[test]
    fn entries_are_stored_without_secrets() {
        let mut journal = RequestLog::default();
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
        let kept = &journal.kept[0];
        assert!(!kept.authorization.as_deref().unwrap().contains("c2VjcmV0"));
        let entry = journal.entries().next().unwrap();
        assert_eq!(entry.at, "2024-01-01 00:00:00");
        assert_eq!(entry.authorization.as_deref(), Some("Basic [REDACTED]"));
        assert_eq!(
            entry.content_type.as_deref(),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(
            (entry.method.as_str(), entry.path.as_str()),
            ("POST", "/oauth_token.do")
        );
        assert_eq!(entry.query, "access_token=[REDACTED]");
        assert_eq!(entry.accept.as_deref(), Some("application/json"));
        assert_eq!(entry.user_agent.as_deref(), Some("pysnc/1.2.1"));
        assert_eq!(entry.outcome.as_deref(), Some("issued"));
    }

    #[test]
    fn a_body_over_the_limit_is_kept_as_its_size() {
        let mut journal = RequestLog::default();
        let upload = vec![b'x'; MAX_KEPT_BODY_BYTES + 1];
        journal.record(exchange("", &upload, b"{}"));
        let entry = journal.entries().next().unwrap();
        let size = MAX_KEPT_BODY_BYTES + 1;
        assert_eq!(entry.request_body, format!("[{size} bytes, not kept]"));
        assert_eq!(entry.response_body, "{}");
    }

    #[test]
    fn the_journal_keeps_only_the_newest_entries() {
        let mut journal = RequestLog::default();
        for _ in 0..CAPACITY + 5 {
            journal.record(exchange("", b"", b""));
        }
        assert_eq!(journal.entries().count(), CAPACITY);
        assert_eq!(journal.entries().next().unwrap().seq, 6);
        journal.clear();
        assert_eq!(journal.entries().count(), 0);
    }
}

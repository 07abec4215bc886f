//! Changes the next request must see (catalogue §15): on a real instance a change may take a while to reach
//! every node (a property's cache, a record read on another node), so an expectation judged on requests made
//! after the scenario's last write is polled for, the requests sent again, for up to `--settle`: it is met as
//! soon as an answer meets it, and how long that took is recorded. The mock answers on the next request.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use crate::client::{Credentials, TokenRequest};

use super::SuiteWorld;

/// How long the scenario waits between two tries.
const POLL: Duration = Duration::from_secs(1);
/// The fact an expectation met only after polling records: how long it took, in milliseconds.
const SETTLED_FACT: &str = "settled_after_ms";

/// A request the scenario may send again while a change settles.
#[derive(Clone)]
pub(crate) enum Replay {
    /// A token request, as sent.
    Token(TokenRequest),
    /// `current_user` with the scenario's newest token (the one the requests before it just got).
    WhoAmI,
    /// A table read with the scenario's newest token.
    ReadTable(String),
    /// A `GET` of a path (the suite's own API's resource) with the scenario's newest token.
    Get(String),
}

/// The requests the scenario made since its last write.
#[derive(Default)]
pub(crate) struct SinceWrite {
    /// The scenario's write count when they began: a change came before them when it is not zero.
    writes: u64,
    requests: Vec<Replay>,
}

impl SuiteWorld {
    /// Notes a request that can be sent again: the requests since the scenario's last write are what an
    /// expectation about that write is judged on.
    pub(crate) fn remember(&mut self, replay: Replay) {
        let writes = self.records.writes();
        if writes != self.since_write.writes {
            self.since_write = SinceWrite {
                writes,
                requests: Vec::new(),
            };
        }
        self.since_write.requests.push(replay);
    }

    /// Judges an expectation with `check`; on a real instance, after a write, polls for it for up to
    /// `--settle`, sending the requests since the write again, and records how long it took when it was not
    /// met at once. The last check's error when it is never met.
    pub(crate) async fn settled(
        &mut self,
        check: impl Fn(&SuiteWorld) -> Result<(), String>,
    ) -> Result<(), String> {
        let first = check(self);
        if first.is_ok() || !self.may_settle() {
            return first;
        }
        let started = Instant::now();
        let mut outcome = first;
        while outcome.is_err() && started.elapsed() < self.context.run.settle {
            let left = self.context.run.settle.saturating_sub(started.elapsed());
            self.deadline
                .sleep(POLL.min(left))
                .await
                .map_err(|time_up| time_up.to_string())?;
            self.send_again().await?;
            outcome = check(self);
        }
        if outcome.is_ok() {
            let waited = started.elapsed().as_millis() as u64;
            self.record_fact(SETTLED_FACT, json!(waited));
        }
        outcome
    }

    /// Whether an expectation may be polled for: a real instance (not the plan's rehearsal), a settle time,
    /// and requests made after a write of the scenario's.
    fn may_settle(&self) -> bool {
        self.context.run.target.url().is_some()
            && !self.context.run.rehearsal
            && !self.context.run.settle.is_zero()
            && self.since_write.writes > 0
            && !self.since_write.requests.is_empty()
    }

    /// Sends the requests since the scenario's last write again, in order, keeping their answers.
    async fn send_again(&mut self) -> Result<(), String> {
        for replay in self.since_write.requests.clone() {
            match replay {
                Replay::Token(request) => self.send_token_request(request).await?,
                Replay::WhoAmI => {
                    let token = Credentials::Bearer(self.replies.current_token()?);
                    let reply = self.servicenow.current_user(&token).await;
                    self.replies
                        .keep_rest_reply(reply.map_err(|error| error.to_string())?);
                }
                Replay::Get(path) => {
                    let token = Credentials::Bearer(self.replies.current_token()?);
                    let reply = self.servicenow.send(Method::GET, &path, &token, None).await;
                    self.replies
                        .keep_rest_reply(reply.map_err(|error| error.to_string())?);
                }
                Replay::ReadTable(table) => {
                    let token = Credentials::Bearer(self.replies.current_token()?);
                    let reply = self
                        .servicenow
                        .list(&token, &table, &[("sysparm_limit", "1")])
                        .await;
                    self.replies
                        .keep_rest_reply(reply.map_err(|error| error.to_string())?);
                }
            }
        }
        Ok(())
    }
}

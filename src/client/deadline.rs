//! A scenario's time limit (`--scenario-timeout`): every request and wait of the scenario ends by it.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// When a scenario's time is up, shared by the clients and waits of that scenario. Unbounded until it
/// starts; lifted for the undo that follows the scenario, which must run to its end whatever the time.
#[derive(Clone, Debug, Default)]
pub(crate) struct Deadline(Arc<Mutex<DeadlineState>>);

#[derive(Debug, Default)]
struct DeadlineState {
    at: Option<Instant>,
    /// Whether the deadline cut a request or a wait short.
    cut: bool,
}

/// A request or wait the deadline cut short.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the scenario ran out of time (--scenario-timeout)")]
pub(crate) struct TimeUp;

impl Deadline {
    /// From now, `limit` is left.
    pub(crate) fn start(&self, limit: Duration) {
        self.state().at = Some(Instant::now() + limit);
    }

    /// Gives back `time` the scenario spent on what is not its own doing (waiting for its turn).
    pub(crate) fn extend(&self, time: Duration) {
        if let Some(at) = &mut self.state().at {
            *at += time;
        }
    }

    /// No limit any more (the scenario's undo runs to its end).
    pub(crate) fn lift(&self) {
        self.state().at = None;
    }

    /// Whether the deadline cut anything short: the scenario did not finish in time.
    pub(crate) fn was_cut(&self) -> bool {
        self.state().cut
    }

    /// `work`, unless the deadline comes first.
    pub(crate) async fn bound<F: Future>(&self, work: F) -> Result<F::Output, TimeUp> {
        let Some(at) = self.state().at else {
            return Ok(work.await);
        };
        match tokio::time::timeout_at(at, work).await {
            Ok(output) => Ok(output),
            Err(_) => {
                self.state().cut = true;
                Err(TimeUp)
            }
        }
    }

    /// Sleeps `duration`, unless the deadline comes first.
    pub(crate) async fn sleep(&self, duration: Duration) -> Result<(), TimeUp> {
        self.bound(tokio::time::sleep(duration)).await
    }

    fn state(&self) -> std::sync::MutexGuard<'_, DeadlineState> {
        crate::lock(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn an_unstarted_deadline_bounds_nothing() {
        let deadline = Deadline::default();
        assert_eq!(deadline.sleep(Duration::from_secs(3600)).await, Ok(()));
        assert!(!deadline.was_cut());
    }

    #[tokio::test(start_paused = true)]
    async fn work_past_the_deadline_is_cut_short_and_remembered() {
        let deadline = Deadline::default();
        deadline.start(Duration::from_secs(10));
        assert_eq!(deadline.sleep(Duration::from_secs(4)).await, Ok(()));
        assert!(!deadline.was_cut());
        let started = Instant::now();
        assert_eq!(deadline.sleep(Duration::from_secs(60)).await, Err(TimeUp));
        assert_eq!(started.elapsed(), Duration::from_secs(6));
        assert!(deadline.was_cut());
    }

    #[tokio::test(start_paused = true)]
    async fn time_given_back_and_a_lifted_deadline_let_work_finish() {
        let deadline = Deadline::default();
        deadline.start(Duration::from_secs(10));
        deadline.extend(Duration::from_secs(20));
        assert_eq!(deadline.sleep(Duration::from_secs(25)).await, Ok(()));
        assert_eq!(deadline.sleep(Duration::from_secs(25)).await, Err(TimeUp));
        deadline.lift();
        assert_eq!(deadline.sleep(Duration::from_secs(600)).await, Ok(()));
        assert!(deadline.was_cut(), "what was cut stays cut");
    }
}

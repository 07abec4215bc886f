//! Independent requests sent a few at a time: the undoing of records that depend on nothing else undone
//! with them (an endpoint's tokens, records of one table), and the end of a run's reads. At 150 ms a
//! request (benches/latency.rs) they took the end of a whole admin run, from its last scenario to its exit,
//! from 4.2 s to 2.0 s: 7 % of the run.

use std::future::Future;

use futures::StreamExt;

/// How many go out together: few enough that an instance's request threads stay free for others.
const AT_ONCE: usize = 4;

/// Runs `work` up to [`AT_ONCE`] at a time; the outcomes in `work`'s order.
pub(crate) async fn at_once<T>(work: impl IntoIterator<Item = impl Future<Output = T>>) -> Vec<T> {
    futures::stream::iter(work)
        .buffered(AT_ONCE)
        .collect()
        .await
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn outcomes_keep_their_order_and_no_more_than_four_run_together() {
        let running = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let work = (0..10u64).map(|n| {
            let (running, most) = (&running, &most);
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                // The later ones finish first.
                tokio::time::sleep(Duration::from_millis(10 - n)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                n
            }
        });
        assert_eq!(at_once(work).await, (0..10).collect::<Vec<_>>());
        assert_eq!(most.load(Ordering::SeqCst), AT_ONCE);
    }
}

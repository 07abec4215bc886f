//! Polling a connection again at once when it wakes itself while being polled.
//!
//! Reading a request body, hyper's connection task wakes itself (the body asks its connection for data).
//! Handed to tokio's multi-thread scheduler, each such wake also unparks an idle worker to steal the task:
//! a futex round trip per request that, with few connections, costs more than the mock's own work.
//! [`Repoll`] notes a wake that comes during its own poll and polls again on the spot; any other wake goes
//! to the runtime as usual.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

const IDLE: u8 = 0;
const POLLING: u8 = 1;
const WOKEN_WHILE_POLLING: u8 = 2;
/// Polls in a row at most, before yielding to the scheduler, so one connection cannot starve the rest.
const MAX_POLLS: usize = 8;

/// A future polled again while it keeps waking itself during its polls.
pub(crate) struct Repoll<F> {
    inner: Pin<Box<F>>,
    signal: Arc<Signal>,
    waker: Waker,
}

struct Signal {
    state: AtomicU8,
    /// The runtime's waker for the task, for wakes that come between polls.
    outer: Mutex<Option<Waker>>,
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let noted = self.state.compare_exchange(
            POLLING,
            WOKEN_WHILE_POLLING,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
        if noted == Err(IDLE) {
            let outer = self
                .outer
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some(waker) = outer.as_ref() {
                waker.wake_by_ref();
            }
        }
    }
}

impl<F: Future> Repoll<F> {
    pub(crate) fn new(inner: F) -> Repoll<F> {
        let signal = Arc::new(Signal {
            state: AtomicU8::new(IDLE),
            outer: Mutex::new(None),
        });
        Repoll {
            inner: Box::pin(inner),
            waker: Waker::from(signal.clone()),
            signal,
        }
    }
}

impl<F: Future> Future for Repoll<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        {
            let mut outer = this
                .signal
                .outer
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if !outer
                .as_ref()
                .is_some_and(|known| known.will_wake(cx.waker()))
            {
                *outer = Some(cx.waker().clone());
            }
        }
        let mut inner_cx = Context::from_waker(&this.waker);
        for _ in 0..MAX_POLLS {
            this.signal.state.store(POLLING, Ordering::Release);
            if let Poll::Ready(output) = this.inner.as_mut().poll(&mut inner_cx) {
                this.signal.state.store(IDLE, Ordering::Release);
                return Poll::Ready(output);
            }
            let settled = this.signal.state.compare_exchange(
                POLLING,
                IDLE,
                Ordering::AcqRel,
                Ordering::Acquire,
            );
            if settled.is_ok() {
                return Poll::Pending;
            }
        }
        this.signal.state.store(IDLE, Ordering::Release);
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// Counts the wakes the runtime would get.
    #[derive(Default)]
    struct CountingWaker(AtomicUsize);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Wakes itself during each of its first `self_wakes` polls, then completes with its poll count.
    struct WakesItself {
        self_wakes: usize,
        polls: usize,
    }

    impl Future for WakesItself {
        type Output = usize;

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
            self.polls += 1;
            if self.polls > self.self_wakes {
                return Poll::Ready(self.polls);
            }
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }

    fn wakes_itself(self_wakes: usize) -> Repoll<WakesItself> {
        Repoll::new(WakesItself {
            self_wakes,
            polls: 0,
        })
    }

    fn poll_once<F: Future>(
        future: &mut Repoll<F>,
        runtime: &Arc<CountingWaker>,
    ) -> Poll<F::Output> {
        let waker = Waker::from(Arc::clone(runtime));
        Pin::new(future).poll(&mut Context::from_waker(&waker))
    }

    #[test]
    fn a_wake_during_its_own_poll_is_answered_on_the_spot() {
        let runtime = Arc::new(CountingWaker::default());
        let mut future = wakes_itself(3);
        assert_eq!(poll_once(&mut future, &runtime), Poll::Ready(4));
        assert_eq!(
            runtime.0.load(Ordering::SeqCst),
            0,
            "the runtime is never asked"
        );
    }

    #[test]
    fn a_future_that_keeps_waking_itself_yields_to_the_runtime() {
        let runtime = Arc::new(CountingWaker::default());
        let mut future = wakes_itself(usize::MAX);
        assert_eq!(poll_once(&mut future, &runtime), Poll::Pending);
        assert_eq!(runtime.0.load(Ordering::SeqCst), 1, "rescheduled once");
        assert_eq!(future.inner.polls, MAX_POLLS);
    }

    #[test]
    fn a_wake_between_polls_reaches_the_runtime() {
        let runtime = Arc::new(CountingWaker::default());
        let mut waiting = Repoll::new(std::future::pending::<()>());
        assert_eq!(poll_once(&mut waiting, &runtime), Poll::Pending);
        assert_eq!(runtime.0.load(Ordering::SeqCst), 0);
        waiting.waker.wake_by_ref(); // what a socket or timer holding the inner waker does later
        assert_eq!(runtime.0.load(Ordering::SeqCst), 1);
    }
}

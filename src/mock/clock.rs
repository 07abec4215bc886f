//! The mock's virtual clock: real time plus an offset the control plane can advance.

use std::sync::atomic::{AtomicI64, Ordering};

use crate::servicenow::glide_time::{UnixSeconds, real_now};

/// A moment on the mock's virtual clock, in seconds since the Unix epoch.
pub(crate) type VirtualInstant = UnixSeconds;

/// Wall-clock time shifted by an offset, so expiry is tested without sleeping. One per running mock, read
/// by every request without taking the instance's lock.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset_seconds: AtomicI64,
}

impl Clock {
    pub(crate) fn now(&self) -> VirtualInstant {
        real_now().saturating_add(self.offset_seconds())
    }

    /// Moves virtual time forward (never backwards: a negative amount is ignored).
    pub(crate) fn advance(&self, seconds: i64) {
        let _ = self
            .offset_seconds
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |offset| {
                Some(offset.saturating_add(seconds.max(0)))
            });
    }

    /// Back to real time, as the mock started.
    pub(crate) fn rewind(&self) {
        self.offset_seconds.store(0, Ordering::Release);
    }

    pub(crate) fn offset_seconds(&self) -> i64 {
        self.offset_seconds.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_now_forward_only_and_rewinding_returns_to_real_time() {
        let clock = Clock::default();
        let before = clock.now();
        clock.advance(3600);
        clock.advance(-7200);
        assert!(clock.now() - before >= 3600);
        assert_eq!(clock.offset_seconds(), 3600);
        clock.rewind();
        assert_eq!(clock.offset_seconds(), 0);
        assert!(clock.now() - real_now() <= 1);
    }
}

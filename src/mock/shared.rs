//! The state one running mock shares across its connections: the instance and its pristine copy; and, each
//! apart from the instance's lock so time, recording and fault checks never wait on it, the virtual clock,
//! the journal and faults.

use std::sync::{Mutex, MutexGuard, TryLockError};

use super::clock::Clock;
use super::faults::Faults;
use super::instance::Instance;
use super::journal::RequestLog;

/// How often [`Shared::lock`] tries a busy instance before sleeping: tens of microseconds of pauses, longer
/// than the rules hold it.
const TRIES_BEFORE_SLEEPING: usize = 2000;

pub(crate) struct MockState {
    pub instance: Instance,
    /// The instance as it started, for `/__mock/reset`.
    pub pristine: Instance,
}

pub(crate) struct Shared {
    /// The URL clients reach this mock at (reference links and `Location` use it).
    pub base_url: String,
    /// Virtual time, read by every request without the instance's lock.
    pub clock: Clock,
    state: Mutex<MockState>,
    journal: Mutex<RequestLog>,
    faults: Mutex<Faults>,
}

impl Shared {
    pub(crate) fn new(base_url: String, instance: Instance) -> Shared {
        Shared {
            base_url,
            clock: Clock::default(),
            state: Mutex::new(MockState {
                pristine: instance.clone(),
                instance,
            }),
            journal: Mutex::default(),
            faults: Mutex::default(),
        }
    }

    /// Locks the instance. Every critical section is synchronous and short; a panic in one (a bug) does
    /// not take the mock down, as each request leaves the state consistent before it can panic.
    ///
    /// A busy instance is tried again for a while before the thread sleeps on it: the holder lets go within
    /// microseconds, while a runtime worker that sleeps leaves its core idle (there is one worker per core)
    /// and its wake-up costs a system call on each side.
    pub(crate) fn lock(&self) -> MutexGuard<'_, MockState> {
        for _ in 0..TRIES_BEFORE_SLEEPING {
            match self.state.try_lock() {
                Ok(guard) => return guard,
                Err(TryLockError::Poisoned(poisoned)) => return poisoned.into_inner(),
                Err(TryLockError::WouldBlock) => std::hint::spin_loop(),
            }
        }
        unpoisoned(&self.state)
    }

    /// Locks the request journal (taken after [`Shared::lock`] when both are held).
    pub(crate) fn journal(&self) -> MutexGuard<'_, RequestLog> {
        unpoisoned(&self.journal)
    }

    /// Locks the armed faults (taken after [`Shared::lock`] when both are held).
    pub(crate) fn faults(&self) -> MutexGuard<'_, Faults> {
        unpoisoned(&self.faults)
    }
}

fn unpoisoned<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

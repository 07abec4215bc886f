//! The state one running mock shares across its connections: the instance and its pristine copy, and, each
//! behind its own lock so recording and fault checks never wait on the instance, the journal and faults.

use std::sync::{Mutex, MutexGuard};

use super::faults::Faults;
use super::instance::Instance;
use super::journal::Journal;

pub struct MockState {
    pub instance: Instance,
    /// The instance as it started, for `/__mock/reset`.
    pub pristine: Instance,
}

pub struct Shared {
    /// The URL clients reach this mock at (reference links and `Location` use it).
    pub base_url: String,
    state: Mutex<MockState>,
    journal: Mutex<Journal>,
    faults: Mutex<Faults>,
}

impl Shared {
    pub fn new(base_url: String, instance: Instance) -> Shared {
        Shared {
            base_url,
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
    pub fn lock(&self) -> MutexGuard<'_, MockState> {
        unpoisoned(&self.state)
    }

    /// Locks the request journal (taken after [`Shared::lock`] when both are held).
    pub fn journal(&self) -> MutexGuard<'_, Journal> {
        unpoisoned(&self.journal)
    }

    /// Locks the armed faults (taken after [`Shared::lock`] when both are held).
    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        unpoisoned(&self.faults)
    }
}

fn unpoisoned<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

//! The state one running mock shares across its connections: the instance, its pristine copy, journal and faults.

use std::sync::{Mutex, MutexGuard};

use super::faults::Faults;
use super::instance::Instance;
use super::journal::Journal;

pub struct MockState {
    pub instance: Instance,
    /// The instance as it started, for `/__mock/reset`.
    pub pristine: Instance,
    pub journal: Journal,
    pub faults: Faults,
}

pub struct Shared {
    /// The URL clients reach this mock at (reference links and `Location` use it).
    pub base_url: String,
    state: Mutex<MockState>,
}

impl Shared {
    pub fn new(base_url: String, instance: Instance) -> Shared {
        Shared {
            base_url,
            state: Mutex::new(MockState {
                pristine: instance.clone(),
                instance,
                journal: Journal::default(),
                faults: Faults::default(),
            }),
        }
    }

    /// Locks the state. Every critical section is synchronous and short; a panic in one (a bug) does
    /// not take the mock down, as each request leaves the state consistent before it can panic.
    pub fn lock(&self) -> MutexGuard<'_, MockState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

//! sncc: a conformance suite and mock instance for ServiceNow's inbound OAuth 2.0 client credentials grant.
//!
//! Lock poisoning, one policy for the suite and the mock alike: a poisoned lock is recovered with
//! [`PoisonError::into_inner`](std::sync::PoisonError::into_inner), never turned into a panic. Every lock
//! guards data that is consistent at every point its holder can panic (a push, an insert, a whole line
//! written), so a panicking scenario, hook or request never takes the rest of the run down with it.

#![warn(unreachable_pub)]

pub mod catalogue;
pub mod changes;
pub mod client;
pub mod compare;
pub mod mock;
mod report;
pub mod servicenow;
pub mod suite;
pub mod support;

/// Locks `mutex`, recovering it when a holder panicked (the crate's lock policy).
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

//! sncc: a conformance suite and mock instance for ServiceNow's inbound OAuth 2.0 client credentials grant.
//!
//! The folders are the architecture, each one role, from the ground up: [`support`] (the crypto provider,
//! randomness, redaction, signals) and [`servicenow`] (what sncc knows of ServiceNow: its releases and gates,
//! what real instances send); [`catalogue`] (the features and the behaviours they check); [`mock`] (the bundled
//! mock instance) and [`client`] (the one REST client); `report` (what a run found, in every format) and
//! [`changes`] (the change journal and `sncc restore`); [`suite`] (`sncc run`, in process) and [`compare`]
//! (`sncc compare`). Each public module is a small front door for the binary, the tests and a library user;
//! everything else is `pub(crate)` (`unreachable_pub` keeps it so).
//!
//! Lock poisoning, one policy for the suite and the mock alike: a poisoned lock is recovered with
//! [`PoisonError::into_inner`](std::sync::PoisonError::into_inner), never turned into a panic. Every lock
//! guards data that is consistent at every point its holder can panic (a push, an insert, a whole line
//! written), so a panicking scenario, hook or request never takes the rest of the run down with it.

#![warn(unreachable_pub, unnameable_types)]

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

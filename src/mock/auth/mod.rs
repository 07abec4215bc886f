//! Who a REST request acts as (SPEC §3, §7, §10, I3–I5).

pub(super) mod admission;
pub(super) mod api_path;
pub(super) mod authn;
pub(super) mod basic;
pub(super) mod basic_restriction;
pub(super) mod reply;
pub(super) mod scopes;
pub(super) mod sessions;
pub(super) mod sign_in;

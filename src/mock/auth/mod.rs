//! Who a REST request acts as (catalogue §3, §7, §10, §17, §18, I3–I5): `authn` (Bearer, Basic through `basic`,
//! session cookies), what an issued token is after its entity changes (`issued_tokens`), the Basic auth
//! restriction (`basic_restriction`), access policies and Enforce Token Restriction (`access_policies`), the REST
//! API auth scopes (`scopes`, with which requests a binding covers in `coverage` and its method rule in
//! `api_path`), rate limits (`rate_limits`), `sessions`, sign-in records (`sign_in`), a property's write roles
//! (`write_roles`, catalogue §13); `admission` lets a request in or refuses it, and `reply` is what a refused one
//! gets.

mod access_policies;
pub(super) mod admission;
mod api_path;
mod auth_failure;
pub(super) mod authn;
pub(super) mod basic;
pub(super) mod basic_restriction;
mod coverage;
mod issued_tokens;
pub(super) mod rate_counts;
pub(super) mod rate_limits;
pub(super) mod reply;
pub(super) mod scopes;
pub(super) mod sessions;
mod sign_in;
pub(super) mod write_roles;

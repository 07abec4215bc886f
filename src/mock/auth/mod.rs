//! Who a REST request acts as (catalogue §3, §7, §10, I3–I5): `authn` (Bearer, Basic through `basic`, session
//! cookies), the Basic auth restriction (`basic_restriction`), the REST API auth scopes (`scopes`, with the
//! paths a binding covers in `api_path`), `sessions`, sign-in records (`sign_in`), a property's write roles
//! (`write_roles`, catalogue §13); `admission` lets a request in or refuses it, and `reply` is what a refused one
//! gets.

pub(super) mod admission;
mod api_path;
pub(super) mod authn;
pub(super) mod basic;
pub(super) mod basic_restriction;
pub(super) mod reply;
pub(super) mod scopes;
pub(super) mod sessions;
mod sign_in;
pub(super) mod write_roles;

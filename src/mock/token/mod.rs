//! The token endpoint (catalogue §1, §9, §10, §19) and revocation (catalogue §8): `grant`, one small rule per catalogue row
//! from the form body (`form`) to the issued token, the refresh token grant (`refresh`); JWT access tokens (`jwt`, signed with `signing_key`'s
//! keys); `endpoint`, one token request answered around the instance's lock; `revoke`; and `reply`, what the
//! endpoint sends, with the breaks of its shape.

pub(super) mod endpoint;
mod form;
pub(super) mod grant;
pub(super) mod jwt;
pub(super) mod reply;
pub(super) mod revoke;
pub(super) mod signing_key;

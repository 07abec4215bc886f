//! The token endpoint (SPEC §1, §9, §10) and revocation (SPEC §8).

pub(super) mod endpoint;
pub(super) mod form;
pub(super) mod grant;
pub(super) mod jwt;
pub(super) mod reply;
pub(super) mod revoke;
pub(super) mod signing_key;

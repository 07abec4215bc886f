//! `/api/now/oauth/jwks` (catalogue §9): the key set that verifies the mock's JWTs.

use axum::response::Response;

use crate::mock::token::signing_key::{self, KeyChoice};
use crate::mock::token::{jwt, reply};

/// `GET /api/now/oauth/jwks`: anonymous; the first request waits for the key.
pub(super) async fn jwks() -> Response {
    signing_key::ready(KeyChoice::Published).await;
    reply::jwks(&jwt::jwks())
}

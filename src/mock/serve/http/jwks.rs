//! `/api/now/oauth/jwks` (catalogue §9): the key set that verifies the mock's JWTs.

use axum::response::Response;

use crate::mock::token::{jwt, reply};

/// `GET /api/now/oauth/jwks`: anonymous.
pub(super) async fn jwks() -> Response {
    reply::jwks(&jwt::jwks())
}

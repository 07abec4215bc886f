//! `/oauth_revoke_token.do` (catalogue §8): reads the request and hands back the revocation's answer.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header;

use super::header_text;
use crate::mock::serve::body::{MAX_BODY_BYTES, read_whole};
use crate::mock::serve::shared::Shared;
use crate::mock::token::revoke::{self, Revocation, RevokeRequest};

/// `GET` or `POST /oauth_revoke_token.do` (catalogue §8): no authentication.
pub(super) async fn revoke(State(shared): State<Arc<Shared>>, request: Request) -> Revocation {
    let (parts, body) = request.into_parts();
    // `observe` has already read the body (and refused one over its limit).
    let body = read_whole(body, MAX_BODY_BYTES).await.unwrap_or_default();
    let request = RevokeRequest {
        content_type: header_text(&parts.headers, header::CONTENT_TYPE),
        query: parts.uri.query(),
        body: &body,
    };
    let now = shared.clock.now();
    revoke::i1_revoke(&mut shared.lock().instance, &request, now)
}

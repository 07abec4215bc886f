//! `/oauth_token.do` (catalogue §1): reads the request and hands back the token endpoint's answer.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, header};

use super::header_text;
use crate::mock::serve::body::{MAX_BODY_BYTES, read_whole};
use crate::mock::serve::shared::Shared;
use crate::mock::token::endpoint::{self, TokenAnswer};
use crate::mock::token::grant::TokenHttpRequest;

/// `POST /oauth_token.do` (any other method is refused by the rules, F3). The response is written after the
/// instance is unlocked: other requests wait only for the rules.
pub(super) async fn token(State(shared): State<Arc<Shared>>, request: Request) -> TokenAnswer {
    let (parts, body) = request.into_parts();
    // `observe` has already read the body (and refused one over its limit).
    let body = read_whole(body, MAX_BODY_BYTES).await.unwrap_or_default();
    let headers = &parts.headers;
    let request = TokenHttpRequest {
        is_post: parts.method == Method::POST,
        is_get: parts.method == Method::GET,
        content_type: header_text(headers, header::CONTENT_TYPE),
        authorization: header_text(headers, header::AUTHORIZATION),
        query: parts.uri.query(),
        body: &body,
    };
    let host = header_text(headers, header::HOST);
    let now = shared.clock.now();
    endpoint::answer(&request, shared.as_ref(), &shared.base_url, host, now)
}

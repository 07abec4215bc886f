//! The REST API's door (catalogue §3, §7): the middleware that lets each request in, or answers it, before its
//! API; the caller it hands the routes; and who am I.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::header_text;
use crate::mock::auth::admission::{self, Admission};
use crate::mock::auth::authn::{Caller, RestRequest};
use crate::mock::auth::reply;
use crate::mock::serve::shared::Shared;
use crate::mock::wire;

/// Every REST API request: let in as its caller, its answer marked with how it signed in, or refused.
pub(super) async fn authenticate(
    State(shared): State<Arc<Shared>>,
    mut request: Request,
    next: Next,
) -> Response {
    let now = shared.clock.now();
    let admitted = {
        let headers = request.headers();
        let rest = RestRequest {
            method: request.method().as_str(),
            path: request.uri().path(),
            authorization: header_text(headers, header::AUTHORIZATION),
            cookie: header_text(headers, header::COOKIE),
            query: request.uri().query(),
        };
        admission::admit(&rest, &mut shared.lock().instance, now)
    };
    let Admission { caller, marks } = match admitted {
        Ok(admission) => admission,
        Err(refused) => return refused.into_response(),
    };
    request.extensions_mut().insert(caller);
    marks.mark(next.run(request).await)
}

/// The user a REST request acts as, as [`authenticate`] found it.
pub(super) struct Authenticated(pub Caller);

impl<S: Sync> FromRequestParts<S> for Authenticated {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        let caller = parts.extensions.remove::<Caller>();
        // A route without the middleware is a bug: a 500, not a panic.
        caller
            .map(Authenticated)
            .ok_or_else(|| wire::failure(StatusCode::INTERNAL_SERVER_ERROR, "Internal Error", None))
    }
}

/// `GET /api/now/ui/user/current_user`: who the credentials act as (D1).
pub(super) async fn current_user(Authenticated(caller): Authenticated) -> Response {
    reply::current_user(&caller)
}

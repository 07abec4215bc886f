//! The thin axum adapter: ServiceNow's REST routes, each reading the request, asking the rules, writing the wire shape.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, RawQuery, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{any, get};
use serde_json::{Value, json};

use super::authn::{self, Caller, RestRequest};
use super::body::{MAX_BODY_BYTES, read_whole};
use super::breaks::Breaks;
use super::clock::VirtualInstant;
use super::grant::{self, Decision, Fresh, IssuedToken, Refusal, TokenHttpRequest};
use super::jwt;
use super::revoke::{self, RevokeRequest};
use super::schema::OAUTH_CREDENTIAL;
use super::shared::{MockState, Shared};
use super::signing_key;
use super::switches::Switches;
use super::table_api::{self, Params};
use super::{control, sign_in, wire};

/// Every route the mock answers: the instance's, then the control plane under `/__mock`
/// ([`super::observe`] wraps each request).
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/now/table/{table}", get(list).post(create))
        .route(
            "/api/now/table/{table}/{sys_id}",
            get(read).put(update).patch(update).delete(remove),
        )
        .route("/api/now/ui/user/current_user", get(current_user))
        .route_layer(middleware::from_fn_with_state(
            Arc::clone(&shared),
            authenticate,
        ))
        .route("/api/now/oauth/jwks", get(jwks))
        .route("/oauth_token.do", any(token))
        .route("/oauth_revoke_token.do", get(revoke).post(revoke))
        .method_not_allowed_fallback(method_not_supported)
        .fallback(no_such_resource)
        .nest("/__mock", control::router())
        .route("/__mock/", get(control::status))
        .with_state(shared)
}

fn header_text(headers: &HeaderMap, name: HeaderName) -> Option<&str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// `POST /oauth_token.do` (any other method is refused by the rules, F3).
async fn token(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // `observe` has already read the body (and refused one over its limit).
    let body = read_whole(body, MAX_BODY_BYTES).await.unwrap_or_default();
    let (method, query, headers) = (parts.method, parts.uri.query(), &parts.headers);
    let fresh = Fresh::draw();
    let request = TokenHttpRequest {
        is_post: method == Method::POST,
        is_get: method == Method::GET,
        content_type: header_text(headers, header::CONTENT_TYPE),
        authorization: header_text(headers, header::AUTHORIZATION),
        query,
        body: &body,
    };
    let now = shared.clock.now();
    let decided = {
        let mut state = shared.lock();
        let decision = grant::decide(&request, &state.instance);
        grant::remember(&request, &mut state.instance);
        match decision {
            Decision::Issue(granted) => match granted.jwt_key() {
                Some(key) => Err((granted, key, fresh)),
                None => Ok(settle(&mut state, Decision::Issue(granted), now, fresh)),
            },
            refused => Ok(settle(&mut state, refused, now, fresh)),
        }
    };
    let (answer, breaks, switches) = match decided {
        Ok(settled) => settled,
        // A JWT is signed with the instance unlocked (the first one waits for the key), then issued.
        Err((granted, key, fresh)) => {
            signing_key::ready(key).await;
            let issuer = jwt::issuer(&shared.base_url, header_text(headers, header::HOST));
            let fresh = fresh.signed(&granted, &issuer, now);
            settle(&mut shared.lock(), Decision::Issue(granted), now, fresh)
        }
    };
    // The response is written after the instance is unlocked: other requests wait only for the rules.
    match answer {
        Ok(issued) => wire::token_issued(&issued, &breaks),
        Err(refusal) => wire::token_refused(&refusal, &switches, &breaks),
    }
}

/// A decided token request's answer (the granted token issued), with the breaks and switches that shape
/// its response.
fn settle(
    state: &mut MockState,
    decision: Decision,
    now: VirtualInstant,
    fresh: Fresh,
) -> (Result<IssuedToken, Refusal>, Breaks, Switches) {
    let answer = match decision {
        Decision::Issue(granted) => Ok(grant::issue(&mut state.instance, &granted, now, fresh)),
        Decision::Refuse(refusal) => Err(refusal),
    };
    let instance = &state.instance;
    (answer, instance.breaks.clone(), instance.switches.clone())
}

/// `GET` or `POST /oauth_revoke_token.do` (SPEC §8): no authentication.
async fn revoke(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // `observe` has already read the body (and refused one over its limit).
    let body = read_whole(body, MAX_BODY_BYTES).await.unwrap_or_default();
    let request = RevokeRequest {
        content_type: header_text(&parts.headers, header::CONTENT_TYPE),
        query: parts.uri.query(),
        body: &body,
    };
    let now = shared.clock.now();
    let revocation = revoke::i1_revoke(&mut shared.lock().instance, &request, now);
    wire::revocation(revocation)
}

/// Every REST API request: a request that authenticates nobody gets the SPEC §3 401, one its token's
/// scopes do not allow the SPEC §7 403; a Bearer call opens its token's session (its cookies ride on the
/// answer: SPEC I3) and records its user's sign-in (SPEC I5).
async fn authenticate(
    State(shared): State<Arc<Shared>>,
    mut request: Request,
    next: Next,
) -> Response {
    let now = shared.clock.now();
    let (caller, cookies) = {
        let mut state = shared.lock();
        let headers = request.headers();
        let rest = RestRequest {
            method: request.method().as_str(),
            path: request.uri().path(),
            authorization: header_text(headers, header::AUTHORIZATION),
            cookie: header_text(headers, header::COOKIE),
            query: request.uri().query(),
        };
        let admitted = match authn::authenticate_request(&rest, &state.instance, now) {
            Ok(admitted) => admitted,
            Err(refusal) => return wire::rest_refused(&refusal, &state.instance.breaks),
        };
        let instance = &mut state.instance;
        let cookies = admitted.bearer_credential.map(|credential| {
            sign_in::i5_record_bearer_call(instance, &admitted.caller.sys_id, now);
            let store = &instance.store;
            let entity = || {
                let record = store.get(&OAUTH_CREDENTIAL, &credential);
                let peer = record.and_then(|record| record.raw("peer"));
                peer.unwrap_or_default().to_owned()
            };
            let user = &admitted.caller.sys_id;
            instance.sessions.open(&credential, user, entity)
        });
        (admitted.caller, cookies)
    };
    request.extensions_mut().insert(caller);
    let mut response = next.run(request).await;
    if let Some(cookies) = cookies {
        wire::add_session_cookies(&mut response, &cookies);
    }
    response
}

/// The user a REST request acts as, as [`authenticate`] found it.
struct Authenticated(Caller);

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

fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

async fn list(
    State(shared): State<Arc<Shared>>,
    Authenticated(caller): Authenticated,
    Path(table): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let pairs = query_pairs(query.as_deref());
    let params = Params::from_pairs(&pairs, &shared.base_url);
    let state = shared.lock();
    match table_api::list(&state.instance, &caller, &table, &params) {
        Ok(page) => {
            let mut response = wire::result(StatusCode::OK, Value::Array(page.records));
            wire::add_header(
                &mut response,
                HeaderName::from_static("x-total-count"),
                &page.total.to_string(),
            );
            if !params.suppress_pagination_header {
                let path = format!("{}/api/now/table/{table}", shared.base_url);
                let links = wire::pagination_links(
                    &path,
                    &pairs,
                    params.offset,
                    params.page_size(),
                    page.total,
                );
                wire::add_header(&mut response, header::LINK, &links);
            }
            response
        }
        Err(error) => wire::table_error(&error),
    }
}

async fn read(
    State(shared): State<Arc<Shared>>,
    Authenticated(caller): Authenticated,
    Path((table, sys_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::from_pairs(&query_pairs(query.as_deref()), &shared.base_url);
    let state = shared.lock();
    match table_api::get(&state.instance, &caller, &table, &sys_id, &params) {
        Ok(record) => wire::result(StatusCode::OK, record),
        Err(error) => wire::table_error(&error),
    }
}

async fn create(
    State(shared): State<Arc<Shared>>,
    Authenticated(caller): Authenticated,
    Path(table): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let params = Params::from_pairs(&query_pairs(query.as_deref()), &shared.base_url);
    let mut state = shared.lock();
    let now = shared.clock.now();
    match table_api::create(&mut state.instance, &caller, &table, &body, &params, now) {
        Ok((sys_id, record)) => {
            let mut response = wire::result(StatusCode::CREATED, record);
            let location = format!("{}/api/now/table/{table}/{sys_id}", shared.base_url);
            wire::add_header(&mut response, header::LOCATION, &location);
            response
        }
        Err(error) => wire::table_error(&error),
    }
}

async fn update(
    State(shared): State<Arc<Shared>>,
    Authenticated(caller): Authenticated,
    Path((table, sys_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let params = Params::from_pairs(&query_pairs(query.as_deref()), &shared.base_url);
    let mut state = shared.lock();
    let now = shared.clock.now();
    match table_api::update(
        &mut state.instance,
        &caller,
        &table,
        &sys_id,
        &body,
        &params,
        now,
    ) {
        Ok(record) => wire::result(StatusCode::OK, record),
        Err(error) => wire::table_error(&error),
    }
}

async fn remove(
    State(shared): State<Arc<Shared>>,
    Authenticated(caller): Authenticated,
    Path((table, sys_id)): Path<(String, String)>,
) -> Response {
    let mut state = shared.lock();
    match table_api::delete(&mut state.instance, &caller, &table, &sys_id) {
        Ok(()) => wire::no_content(),
        Err(error) => wire::table_error(&error),
    }
}

/// `GET /api/now/oauth/jwks` (SPEC §9): anonymous; the first request waits for the key.
async fn jwks() -> Response {
    signing_key::ready(signing_key::KeyChoice::Published).await;
    wire::jwks(&jwt::jwks())
}

/// `GET /api/now/ui/user/current_user`: who the credentials act as (D1).
async fn current_user(Authenticated(caller): Authenticated) -> Response {
    let user = json!({
        "user_sys_id": caller.sys_id,
        "user_name": caller.user_name,
        "name": caller.name,
    });
    wire::result(StatusCode::OK, user)
}

async fn method_not_supported(method: Method) -> Response {
    wire::failure(
        StatusCode::METHOD_NOT_ALLOWED,
        "Method not Supported",
        Some(&format!("{method} method not supported for API")),
    )
}

async fn no_such_resource() -> Response {
    wire::no_such_resource()
}

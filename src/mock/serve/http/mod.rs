//! The thin axum adapter: ServiceNow's REST routes, each reading the request, asking the rules, writing the wire shape.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, RawQuery, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{any, get, post};
use serde_json::{Value, json};

use crate::mock::apis::batch::{self as batch_api, BATCH_PATHS};
use crate::mock::auth::authn::{self, Caller, RestRequest};
use crate::mock::auth::sign_in;
use crate::mock::breaks::Breaks;
use crate::mock::clock::VirtualInstant;
use crate::mock::serve::body::{MAX_BODY_BYTES, read_whole};
use crate::mock::serve::control;
use crate::mock::serve::shared::{MockState, Shared};
use crate::mock::switches::Switches;
use crate::mock::tables::schema::OAUTH_CREDENTIAL;
use crate::mock::tables::table_api::{self, Params};
use crate::mock::tables::xml;
use crate::mock::token::grant::{self, Decision, Fresh, IssuedToken, Refusal, TokenHttpRequest};
use crate::mock::token::jwt;
use crate::mock::token::revoke::{self, RevokeRequest};
use crate::mock::token::signing_key;
use crate::mock::wire;
use crate::mock::wire::{AnswerNote, NOT_MODELLED};

mod batch;

mod attachments;

/// Every route the mock answers: the instance's, then the control plane under `/__mock`
/// ([`crate::mock::serve::observe`] wraps each request).
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    // A batch's inner requests run through the REST routes without the Batch API (SPEC §12).
    let inner = rest_routes(&shared, None)
        .method_not_allowed_fallback(method_not_supported)
        .fallback(no_such_resource)
        .with_state(Arc::clone(&shared));
    rest_routes(&shared, Some(inner))
        .route("/api/now/oauth/jwks", get(jwks))
        .route("/oauth_token.do", any(token))
        .route("/oauth_revoke_token.do", get(revoke).post(revoke))
        .method_not_allowed_fallback(method_not_supported)
        .fallback(no_such_resource)
        .nest("/__mock", control::router())
        .route("/__mock/", get(control::status))
        .with_state(shared)
}

/// The authenticated REST API: the Table API (in JSON or XML), who am I, the Attachment API, and the Batch
/// API when `batch_routes` are given to run its inner requests.
fn rest_routes(shared: &Arc<Shared>, batch_routes: Option<Router>) -> Router<Arc<Shared>> {
    // SPEC §12: the unversioned, `v1` and `v2` paths are the same Table API.
    let mut routes = ["/api/now/table", "/api/now/v1/table", "/api/now/v2/table"]
        .into_iter()
        .fold(Router::new(), |router, base| {
            router
                .route(&format!("{base}/{{table}}"), get(list).post(create))
                .route(
                    &format!("{base}/{{table}}/{{sys_id}}"),
                    get(read).put(update).patch(update).delete(remove),
                )
        })
        .route_layer(middleware::from_fn(negotiate_xml))
        .route("/api/now/ui/user/current_user", get(current_user));
    for version in ["", "/v1"] {
        routes = routes
            .route(
                &format!("/api/now{version}/attachment"),
                get(attachments::list),
            )
            // `observe` limits these bodies (to the attachment limit); axum's own 2 MB default must not.
            .route(
                &format!("/api/now{version}/attachment/file"),
                post(attachments::create_from_body).layer(DefaultBodyLimit::disable()),
            )
            .route(
                &format!("/api/now{version}/attachment/upload"),
                post(attachments::create_from_form).layer(DefaultBodyLimit::disable()),
            )
            .route(
                &format!("/api/now{version}/attachment/{{sys_id}}"),
                get(attachments::metadata).delete(attachments::delete),
            )
            .route(
                &format!("/api/now{version}/attachment/{{sys_id}}/file"),
                get(attachments::bytes),
            );
    }
    if let Some(inner) = batch_routes {
        for path in BATCH_PATHS {
            let inner = inner.clone();
            routes = routes.route(
                path,
                post(move |headers: HeaderMap, body: Bytes| batch(inner, headers, body)),
            );
        }
    }
    routes.route_layer(middleware::from_fn_with_state(
        Arc::clone(shared),
        authenticate,
    ))
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
        // A JWT is signed with the instance unlocked (the first one waits for the key), then issued if the
        // rules, asked again, still grant that very token: the instance may have changed meanwhile.
        Err((mut granted, mut key, mut fresh)) => loop {
            signing_key::ready(key).await;
            let issuer = jwt::issuer(&shared.base_url, header_text(headers, header::HOST));
            let signed = fresh.signed(&granted, &issuer, now);
            let mut state = shared.lock();
            match grant::decide(&request, &state.instance) {
                Decision::Issue(again) if again == granted => {
                    break settle(&mut state, Decision::Issue(granted), now, signed);
                }
                Decision::Issue(again) => match again.jwt_key() {
                    Some(again_key) => (granted, key, fresh) = (again, again_key, Fresh::draw()),
                    None => break settle(&mut state, Decision::Issue(again), now, Fresh::draw()),
                },
                refused => break settle(&mut state, refused, now, signed),
            }
        },
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
/// answer: SPEC I3) and records its user's sign-in (SPEC I5); a Basic sign-in the restriction only tracks
/// is noted (SPEC §10).
async fn authenticate(
    State(shared): State<Arc<Shared>>,
    mut request: Request,
    next: Next,
) -> Response {
    let now = shared.clock.now();
    let (caller, cookies, basic_tracked) = {
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
                let record = store.get(OAUTH_CREDENTIAL, &credential);
                let peer = record.and_then(|record| record.raw("peer"));
                peer.unwrap_or_default().to_owned()
            };
            let user = &admitted.caller.sys_id;
            instance.sessions.open(&credential, user, entity)
        });
        (admitted.caller, cookies, admitted.basic_tracked)
    };
    request.extensions_mut().insert(caller);
    let mut response = next.run(request).await;
    if let Some(cookies) = cookies {
        wire::add_session_cookies(&mut response, &cookies);
    }
    if basic_tracked {
        wire::note_basic_tracked(&mut response);
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
    let response = match table_api::list(&state.instance, &caller, &table, &params) {
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
    };
    noting_unmodelled(response, &pairs)
}

async fn read(
    State(shared): State<Arc<Shared>>,
    Authenticated(caller): Authenticated,
    Path((table, sys_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let pairs = query_pairs(query.as_deref());
    let params = Params::from_pairs(&pairs, &shared.base_url);
    let state = shared.lock();
    let response = match table_api::get(&state.instance, &caller, &table, &sys_id, &params) {
        Ok(record) => wire::result(StatusCode::OK, record),
        Err(error) => wire::table_error(&error),
    };
    noting_unmodelled(response, &pairs)
}

async fn create(
    State(shared): State<Arc<Shared>>,
    Authenticated(caller): Authenticated,
    Path(table): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let pairs = query_pairs(query.as_deref());
    let params = Params::from_pairs(&pairs, &shared.base_url);
    let mut state = shared.lock();
    let now = shared.clock.now();
    let response =
        match table_api::create(&mut state.instance, &caller, &table, &body, &params, now) {
            Ok((sys_id, record)) => {
                let mut response = wire::result(StatusCode::CREATED, record);
                let location = format!("{}/api/now/table/{table}/{sys_id}", shared.base_url);
                wire::add_header(&mut response, header::LOCATION, &location);
                response
            }
            Err(error) => wire::table_error(&error),
        };
    noting_unmodelled(response, &pairs)
}

async fn update(
    State(shared): State<Arc<Shared>>,
    Authenticated(caller): Authenticated,
    Path((table, sys_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let pairs = query_pairs(query.as_deref());
    let params = Params::from_pairs(&pairs, &shared.base_url);
    let mut state = shared.lock();
    let now = shared.clock.now();
    let instance = &mut state.instance;
    let response = match table_api::update(instance, &caller, &table, &sys_id, &body, &params, now)
    {
        Ok(record) => wire::result(StatusCode::OK, record),
        Err(error) => wire::table_error(&error),
    };
    noting_unmodelled(response, &pairs)
}

async fn remove(
    State(shared): State<Arc<Shared>>,
    Authenticated(caller): Authenticated,
    Path((table, sys_id)): Path<(String, String)>,
) -> Response {
    let mut state = shared.lock();
    let now = shared.clock.now();
    match table_api::delete(&mut state.instance, &caller, &table, &sys_id, now) {
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

/// Notes in the journal the `sysparm_*` parameters the Table API ignored (SPEC §12), unless the answer
/// already says why it was given.
fn noting_unmodelled(response: Response, pairs: &[(String, String)]) -> Response {
    let ignored = table_api::unmodelled_parameters(pairs);
    if ignored.is_empty() || response.extensions().get::<AnswerNote>().is_some() {
        return response;
    }
    let note = format!("{NOT_MODELLED}: ignored {}", ignored.join(", "));
    wire::with_outcome(response, note)
}

/// The Table API's XML form for a request whose `Accept` asks for it (SPEC §12).
async fn negotiate_xml(request: Request, next: Next) -> Response {
    let accepted: Vec<&str> = request
        .headers()
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect();
    let wants_xml = xml::wants_xml(Some(&accepted.join(",")));
    let response = next.run(request).await;
    if !wants_xml {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // The Table API's handlers write whole JSON bodies (or none, for a delete).
    let body = read_whole(body, usize::MAX).await.unwrap_or_default();
    let Ok(json) = serde_json::from_slice::<Value>(&body) else {
        return Response::from_parts(parts, Body::from(body));
    };
    let content_type = HeaderValue::from_static(xml::XML_UTF8);
    parts.headers.insert(header::CONTENT_TYPE, content_type);
    Response::from_parts(parts, Body::from(xml::render(&json)))
}

/// `POST /api/now/v1/batch`: every inner request run through `inner` as the caller (SPEC §12).
async fn batch(inner: Router, headers: HeaderMap, body: Bytes) -> Response {
    let batch = match batch_api::parse(&body) {
        Ok(batch) => batch,
        Err(error) => return wire::batch_refused(&error),
    };
    let run = batch::run(&inner, &headers, &batch).await;
    let response = wire::json_response(
        StatusCode::OK,
        batch_api::answer(&batch.id, &run.answers).to_string(),
    );
    let mut note = format!("batch: {} serviced", run.answers.len());
    for not_modelled in run.notes {
        note.push_str("; ");
        note.push_str(&not_modelled);
    }
    wire::with_outcome(response, note)
}

async fn method_not_supported(method: Method) -> Response {
    wire::method_not_supported(method.as_str())
}

async fn no_such_resource() -> Response {
    wire::no_such_resource("no such resource")
}

//! Scripted REST APIs' route (catalogue §17): a request no other route serves goes to the Scripted REST API resource
//! that serves its method and path, let in first unless the resource needs no sign-in; without one, it is a path
//! the instance does not serve.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::header_text;
use crate::mock::apis::scripted_rest::{self, Resource};
use crate::mock::auth::admission;
use crate::mock::auth::authn::RestRequest;
use crate::mock::serve::shared::Shared;
use crate::mock::wire;

pub(super) async fn serve(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let now = shared.clock.now();
    let (method, path) = (request.method().as_str(), request.uri().path());
    let instance = &mut shared.lock().instance;
    match scripted_rest::resource(&instance.store, method, path) {
        None => wire::no_such_resource("no such resource"),
        Some(Resource::Open) => scripted_rest::answer(),
        Some(Resource::SignedIn) => {
            let headers = request.headers();
            let rest = RestRequest {
                method,
                path,
                authorization: header_text(headers, header::AUTHORIZATION),
                cookie: header_text(headers, header::COOKIE),
                query: request.uri().query(),
            };
            match admission::admit(&rest, instance, now) {
                Ok(admitted) => admitted.marks.mark(scripted_rest::answer()),
                Err(refused) => refused.into_response(),
            }
        }
    }
}

//! Running a batch's inner requests (SPEC §12) through the mock's own REST routes, one after another, each with
//! the batch's own credentials (its `Authorization` and `Cookie`), so each runs as the caller.

use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Request, header};
use axum::response::Response;
use tower::ServiceExt;

use crate::mock::apis::batch::{Batch, InnerAnswer, InnerRequest, Target};
use crate::mock::serve::body::read_whole;
use crate::mock::wire::{self, AnswerNote, NOT_MODELLED};

/// Headers of an inner request the batch's own replace: who the caller is, and what the transport sets.
const REPLACED: [HeaderName; 4] = [
    header::AUTHORIZATION,
    header::COOKIE,
    header::HOST,
    header::CONTENT_LENGTH,
];

/// What a batch got: each inner request's answer, and a journal note per inner request the mock does not model.
pub(crate) struct BatchRun {
    pub answers: Vec<InnerAnswer>,
    pub notes: Vec<String>,
}

/// Runs every inner request in order through `routes` (the REST routes without the Batch API).
pub(crate) async fn run(routes: &Router, outer: &HeaderMap, batch: &Batch) -> BatchRun {
    let mut run = BatchRun {
        answers: Vec::with_capacity(batch.requests.len()),
        notes: Vec::new(),
    };
    for request in &batch.requests {
        let started = Instant::now();
        let mut response = match request.target {
            Target::NotModelled(why) => wire::no_such_resource(why),
            Target::Api => match inner_request(outer, request) {
                Some(inner) => routes
                    .clone()
                    .oneshot(inner)
                    .await
                    .unwrap_or_else(|never| match never {}),
                None => {
                    wire::no_such_resource("an inner request whose URL or headers cannot be sent")
                }
            },
        };
        if let Some(AnswerNote(note)) = response.extensions_mut().remove::<AnswerNote>() {
            if note.starts_with(NOT_MODELLED) {
                run.notes
                    .push(format!("inner request {}: {note}", request.id));
            }
        }
        run.answers.push(answer(request, response, started).await);
    }
    run
}

/// The inner request as the routes see it, or `None` when its URL or a header cannot be sent.
fn inner_request(outer: &HeaderMap, request: &InnerRequest) -> Option<Request<Body>> {
    let mut inner = Request::builder()
        .method(request.method.clone())
        .uri(&request.url);
    let headers = inner.headers_mut()?;
    for (name, value) in &request.headers {
        let name = HeaderName::try_from(name.as_str()).ok()?;
        if !REPLACED.contains(&name) {
            headers.append(name, HeaderValue::try_from(value.as_str()).ok()?);
        }
    }
    for name in [header::AUTHORIZATION, header::COOKIE] {
        for value in outer.get_all(&name) {
            headers.append(name.clone(), value.clone());
        }
    }
    inner.body(Body::from(request.body.clone())).ok()
}

async fn answer(request: &InnerRequest, response: Response, started: Instant) -> InnerAnswer {
    let (parts, body) = response.into_parts();
    // The mock's own handlers write bodies that never fail.
    let body = read_whole(body, usize::MAX).await.unwrap_or_default();
    let headers = if request.exclude_response_headers {
        Vec::new()
    } else {
        let text = |value: &HeaderValue| value.to_str().ok().map(str::to_owned);
        let named = parts.headers.iter();
        named
            .filter_map(|(name, value)| Some((name.as_str().to_owned(), text(value)?)))
            .collect()
    };
    InnerAnswer {
        id: request.id.clone(),
        status: parts.status.as_u16(),
        status_text: parts
            .status
            .canonical_reason()
            .unwrap_or_default()
            .to_owned(),
        headers,
        body: body.to_vec(),
        execution_time_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }
}

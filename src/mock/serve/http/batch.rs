//! `/api/now/v1/batch` (catalogue §12): the batch read by the Batch API's rules, its inner requests run through the
//! mock's own REST routes one after another, each as the caller (`batch::inner_http_request`), and the answer
//! handed back.

use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use tower::ServiceExt;

use crate::mock::apis::batch::{self, Batch, BatchError, InnerAnswer, InnerRequest, Target};
use crate::mock::apis::reply;
use crate::mock::serve::body::read_whole;
use crate::mock::wire::{self, AnswerNote, NOT_MODELLED};

/// `POST /api/now/v1/batch`: every inner request run through `inner` (the REST routes without the Batch API)
/// as the caller.
pub(super) async fn batch(
    inner: Router,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, BatchError> {
    let batch = batch::parse(&body)?;
    let run = run(&inner, &headers, &batch).await;
    Ok(reply::batch_answered(&batch.id, &run.answers, run.notes))
}

/// What a batch got: each inner request's answer, and a journal note per inner request the mock does not model.
struct BatchRun {
    answers: Vec<InnerAnswer>,
    notes: Vec<String>,
}

/// Runs every inner request in order through `routes` (the REST routes without the Batch API).
async fn run(routes: &Router, outer: &HeaderMap, batch: &Batch) -> BatchRun {
    let mut run = BatchRun {
        answers: Vec::with_capacity(batch.requests.len()),
        notes: Vec::new(),
    };
    for request in &batch.requests {
        let started = Instant::now();
        let mut response = match request.target {
            Target::NotModelled(why) => wire::no_such_resource(why),
            Target::Api => match batch::inner_http_request(outer, request) {
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

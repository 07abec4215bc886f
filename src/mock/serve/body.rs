//! Reading a request or response body whole, within a size limit, without copying a body that arrives in one piece.

use std::future::poll_fn;
use std::pin::pin;

use axum::body::{Bytes, HttpBody};

use crate::mock::switches::MAX_ATTACHMENT_BYTES;

/// The largest request body the mock reads, but for file uploads (see [`body_limit`]); a larger one is
/// refused with 413.
pub(crate) const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Where files are uploaded (catalogue §12): their bodies may be as large as the largest attachment limit, plus
/// a multipart envelope.
const UPLOAD_PREFIXES: [&str; 2] = ["/api/now/attachment/", "/api/now/v1/attachment/"];

/// The largest request body the mock reads on `path`: [`MAX_BODY_BYTES`], more for file uploads.
pub(crate) fn body_limit(path: &str) -> usize {
    if UPLOAD_PREFIXES
        .iter()
        .any(|prefix| path.starts_with(prefix))
    {
        usize::try_from(MAX_ATTACHMENT_BYTES).unwrap_or(usize::MAX) + MAX_BODY_BYTES
    } else {
        MAX_BODY_BYTES
    }
}

/// Why a body could not be read: larger than the limit, or its stream failed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Unreadable;

/// The whole body, or [`Unreadable`] once it passes `limit` bytes or its stream fails.
///
/// Unlike `axum::body::to_bytes`, a body that comes as one data frame (every body the mock's own
/// handlers write, and most small requests) is handed back as is, with no buffer list allocated.
pub(crate) async fn read_whole<B: HttpBody<Data = Bytes>>(
    body: B,
    limit: usize,
) -> Result<Bytes, Unreadable> {
    let mut body = pin!(body);
    let (mut first, mut joined): (Option<Bytes>, Option<Vec<u8>>) = (None, None);
    let mut total = 0;
    while let Some(frame) = poll_fn(|cx| body.as_mut().poll_frame(cx)).await {
        let Ok(data) = frame.map_err(|_| Unreadable)?.into_data() else {
            continue; // Trailers carry nothing the mock reads.
        };
        total += data.len();
        if total > limit {
            return Err(Unreadable);
        }
        match (&mut joined, &first) {
            (Some(joined), _) => joined.extend_from_slice(&data),
            (None, None) => first = Some(data),
            (None, Some(first)) => joined = Some([&first[..], &data[..]].concat()),
        }
    }
    Ok(match joined {
        Some(joined) => Bytes::from(joined),
        None => first.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use futures::stream;

    fn chunked(chunks: &[&'static [u8]]) -> Body {
        let frames = chunks
            .iter()
            .map(|chunk| Ok::<_, std::io::Error>(Bytes::from_static(chunk)));
        Body::from_stream(stream::iter(frames.collect::<Vec<_>>()))
    }

    #[test]
    fn uploads_may_be_larger_than_other_bodies() {
        assert_eq!(body_limit("/oauth_token.do"), MAX_BODY_BYTES);
        assert_eq!(body_limit("/api/now/table/incident"), MAX_BODY_BYTES);
        assert!(body_limit("/api/now/attachment/file") > MAX_BODY_BYTES);
        assert!(body_limit("/api/now/v1/attachment/upload") > MAX_BODY_BYTES);
    }

    #[tokio::test]
    async fn one_piece_is_handed_back_without_a_copy() {
        let sent = Bytes::from_static(b"grant_type=client_credentials");
        let read = read_whole(Body::from(sent.clone()), 100).await.unwrap();
        assert_eq!(read, sent);
        assert_eq!(read.as_ptr(), sent.as_ptr());
    }

    #[tokio::test]
    async fn pieces_are_joined_in_order() {
        let read = read_whole(chunked(&[b"a=1", b"&b", b"=2"]), 100).await;
        assert_eq!(read.unwrap(), Bytes::from_static(b"a=1&b=2"));
        let read = read_whole(chunked(&[b"", b"x", b"", b"yz"]), 100).await;
        assert_eq!(read.unwrap(), Bytes::from_static(b"xyz"));
        assert_eq!(read_whole(Body::empty(), 0).await.unwrap(), Bytes::new());
    }

    #[tokio::test]
    async fn a_body_over_the_limit_or_a_failed_stream_is_unreadable() {
        assert_eq!(
            read_whole(chunked(&[b"12", b"34"]), 3).await,
            Err(Unreadable)
        );
        assert_eq!(read_whole(chunked(&[b"1234"]), 3).await, Err(Unreadable));
        assert!(read_whole(chunked(&[b"123"]), 3).await.is_ok());
        let at_the_limit = read_whole(chunked(&[b"1", b"2", b"3"]), 3).await;
        assert_eq!(at_the_limit.unwrap(), Bytes::from_static(b"123"));
        let failing = Body::from_stream(stream::iter([
            Ok(Bytes::from_static(b"a")),
            Err(std::io::Error::other("reset")),
        ]));
        assert_eq!(read_whole(failing, 100).await, Err(Unreadable));
    }
}

//! Reading a `multipart/form-data` body already held whole (the Attachment API's upload, catalogue §12), with `multer`.

use std::convert::Infallible;

use axum::body::Bytes;

/// The parts of a form upload: its text fields, in order, and its first file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FormUpload {
    pub fields: Vec<(String, String)>,
    pub file: Option<FilePart>,
}

impl FormUpload {
    /// The first text field named `name`.
    pub(crate) fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }
}

/// A part that carries a file name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FilePart {
    pub file_name: String,
    pub content_type: Option<String>,
    pub bytes: Bytes,
}

/// Why a body is not a form upload.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum MultipartError {
    #[error("the Content-Type is not multipart/form-data with a boundary")]
    NoBoundary,
    #[error("the multipart body is malformed")]
    Malformed,
}

/// Reads every part of `body`, sent with `content_type`. A part with a file name is a file (only the first
/// is kept); the others are text fields (a field that is not UTF-8 is read lossily).
pub(crate) async fn parse(
    content_type: Option<&str>,
    body: Bytes,
) -> Result<FormUpload, MultipartError> {
    let boundary = content_type
        .and_then(|value| multer::parse_boundary(value).ok())
        .ok_or(MultipartError::NoBoundary)?;
    let stream = futures::stream::once(async move { Ok::<Bytes, Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut upload = FormUpload::default();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| MultipartError::Malformed)?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(|mime| mime.to_string());
        let bytes = field.bytes().await.map_err(|_| MultipartError::Malformed)?;
        match file_name {
            Some(file_name) if upload.file.is_none() => {
                upload.file = Some(FilePart {
                    file_name,
                    content_type,
                    bytes,
                });
            }
            Some(_) => {}
            None => upload
                .fields
                .push((name, String::from_utf8_lossy(&bytes).into_owned())),
        }
    }
    Ok(upload)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const BOUNDARY: &str = "sncc-test-boundary-7f3a";

    fn content_type() -> String {
        format!("multipart/form-data; boundary={BOUNDARY}")
    }

    /// A form body as a client writes one: the fields, then the file.
    fn form(fields: &[(String, String)], file: Option<&FilePart>) -> Vec<u8> {
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        if let Some(file) = file {
            let kind = file
                .content_type
                .as_deref()
                .unwrap_or("application/octet-stream");
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"uploadFile\"; filename=\"{}\"\r\nContent-Type: {kind}\r\n\r\n",
                    file.file_name
                )
                .as_bytes(),
            );
            body.extend_from_slice(&file.bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        body
    }

    fn run<T>(future: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[tokio::test]
    async fn fields_and_the_file_are_read() {
        let fields = vec![
            ("table_name".to_owned(), "incident".to_owned()),
            ("table_sys_id".to_owned(), "abc".to_owned()),
        ];
        let file = FilePart {
            file_name: "notes.txt".into(),
            content_type: Some("text/plain".into()),
            bytes: Bytes::from_static(b"line one\r\nline two"),
        };
        let body = Bytes::from(form(&fields, Some(&file)));
        let upload = parse(Some(&content_type()), body).await.unwrap();
        assert_eq!(upload.field("table_name"), Some("incident"));
        assert_eq!(upload.field("nope"), None);
        assert_eq!(upload.file, Some(file));
    }

    #[tokio::test]
    async fn a_body_without_a_boundary_or_well_formed_parts_is_refused() {
        let body = Bytes::from_static(b"table_name=incident");
        assert_eq!(
            parse(Some("application/x-www-form-urlencoded"), body.clone()).await,
            Err(MultipartError::NoBoundary)
        );
        assert_eq!(parse(None, body).await, Err(MultipartError::NoBoundary));
        let truncated = Bytes::from(format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end"
        ));
        assert_eq!(
            parse(Some(&content_type()), truncated).await,
            Err(MultipartError::Malformed)
        );
    }

    fn field() -> impl Strategy<Value = (String, String)> {
        ("[a-z_]{1,12}", "[ -~]{0,40}")
    }

    fn file() -> impl Strategy<Value = FilePart> {
        (
            "[A-Za-z0-9_.-]{1,20}",
            prop::option::of("(text|image|application)/[a-z0-9.+-]{1,12}"),
            prop::collection::vec(any::<u8>(), 0..2048),
        )
            .prop_map(|(file_name, content_type, bytes)| FilePart {
                file_name,
                content_type,
                bytes: Bytes::from(bytes),
            })
            .prop_filter("the boundary is not in the data", |file| {
                !file
                    .bytes
                    .windows(BOUNDARY.len())
                    .any(|window| window == BOUNDARY.as_bytes())
            })
    }

    proptest! {
        #[test]
        fn what_a_client_writes_reads_back_exactly(
            fields in prop::collection::vec(field(), 0..5),
            file in prop::option::of(file()),
        ) {
            let body = Bytes::from(form(&fields, file.as_ref()));
            let upload = run(parse(Some(&content_type()), body)).unwrap();
            prop_assert_eq!(upload.fields, fields);
            let expected = file.map(|file| FilePart {
                content_type: Some(file.content_type.unwrap_or_else(|| "application/octet-stream".into())),
                ..file
            });
            prop_assert_eq!(upload.file, expected);
        }

        #[test]
        fn any_body_is_answered(body in prop::collection::vec(any::<u8>(), 0..512), kind in ".{0,60}") {
            let _ = run(parse(Some(&kind), Bytes::from(body.clone())));
            let _ = run(parse(Some(&content_type()), Bytes::from(body)));
        }
    }
}

//! The mock's REST surface beyond the Table API (catalogue §12) over real HTTP: the Attachment API, the Batch API,
//! the Table API's XML form, and what the mock answers (and journals) where it models nothing.

use crate::common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::Mock;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

/// What changes from run to run, by pattern, and its placeholder.
const PLACEHOLDERS: [(&str, &str); 4] = [
    (r"\b[0-9a-f]{32}\b", "[SYS_ID]"),
    (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", "[DATETIME]"),
    (r"http://127\.0\.0\.1:\d+", "[BASE_URL]"),
    (r#""execution_time": ?\d+"#, r#""execution_time": "[MS]""#),
];

/// A JSON (or XML) text snapshot with run-dependent values replaced.
fn assert_snapshot(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    for (pattern, placeholder) in PLACEHOLDERS {
        settings.add_filter(pattern, placeholder);
    }
    settings.bind(|| insta::assert_snapshot!(name, text));
}

/// The status and body of a response, the body read as JSON (null when empty).
async fn json_of(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    };
    (status, body)
}

/// The seeded client's token (it acts as `svc.cc`, role `itil`) and a new incident's sys_id.
async fn token_and_incident(mock: &Mock) -> (String, String) {
    let incident = mock
        .create("incident", json!({"short_description": "printer on fire"}))
        .await;
    let sys_id = incident["sys_id"].as_str().unwrap().to_owned();
    (mock.token().await, sys_id)
}

/// The sys_id of the first record of `table` matching `query`, read as `admin`.
async fn first_sys_id(mock: &Mock, table: &str, query: &str) -> String {
    let found = mock.records(table, query).await;
    found[0]["sys_id"].as_str().unwrap().to_owned()
}

/// `POST /api/now/attachment/file` with `bytes` as the body.
async fn upload_raw(mock: &Mock, token: &str, table: &str, sys_id: &str, bytes: &[u8]) -> Response {
    let path = format!(
        "/api/now/attachment/file?table_name={table}&table_sys_id={sys_id}&file_name=notes.bin"
    );
    let request = mock.bearer(Method::POST, &path, token);
    let request = request.header("content-type", "application/x-sncc-test");
    request.body(bytes.to_vec()).send().await.unwrap()
}

/// The journal's newest entry for `path`.
async fn journaled(mock: &Mock, path: &str) -> Value {
    let journal = mock.control_json("/journal").await;
    let entries = journal["entries"].as_array().unwrap();
    let found = entries.iter().rev().find(|entry| entry["path"] == path);
    found
        .unwrap_or_else(|| panic!("{path} not journaled"))
        .clone()
}

/// The status of `method path` sent with `token`.
async fn bearer_status(mock: &Mock, method: Method, path: &str, token: &str) -> StatusCode {
    mock.bearer(method, path, token)
        .send()
        .await
        .unwrap()
        .status()
}

/// How many attachments `GET /api/now/attachment` lists to `token` (its `X-Total-Count`).
async fn attachments_listed(mock: &Mock, token: &str) -> String {
    let listed = mock
        .bearer(Method::GET, "/api/now/attachment", token)
        .send()
        .await
        .unwrap();
    listed.headers()["x-total-count"]
        .to_str()
        .unwrap()
        .to_owned()
}

/// Every byte value, so an upload proves nothing is re-encoded.
fn every_byte() -> Vec<u8> {
    (0..=255).collect()
}

#[tokio::test]
async fn a_raw_upload_reads_back_exactly_lists_and_deletes() {
    let mock = common::start("ready").await;
    let (token, incident) = token_and_incident(&mock).await;
    let response = upload_raw(&mock, &token, "incident", &incident, &every_byte()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let (_, created) = json_of(response).await;
    let sys_id = created["result"]["sys_id"].as_str().unwrap().to_owned();
    assert_eq!(
        location,
        mock.url(&format!("/api/now/attachment/{sys_id}/file"))
    );
    let metadata = &created["result"];
    assert_eq!(metadata["size_bytes"], "256");
    assert_eq!(metadata["content_type"], "application/x-sncc-test");
    assert_eq!(metadata["table_sys_id"], incident.as_str());
    assert_eq!(metadata["sys_created_by"], "svc.cc");
    let download = mock.url(&format!("/api/now/attachment/{sys_id}/file"));
    assert_eq!(metadata["download_link"], download.as_str());
    assert_snapshot("attachment_metadata_201", &created.to_string());

    for version in ["", "/v1"] {
        let path = format!("/api/now{version}/attachment/{sys_id}/file");
        let file = mock
            .bearer(Method::GET, &path, &token)
            .send()
            .await
            .unwrap();
        assert_eq!(file.status(), StatusCode::OK);
        assert_eq!(file.headers()["content-type"], "application/x-sncc-test");
        assert_eq!(file.bytes().await.unwrap().to_vec(), every_byte());
    }

    let list = format!("/api/now/attachment?table_sys_id={incident}&sysparm_limit=10");
    let response = mock
        .bearer(Method::GET, &list, &token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-total-count"], "1");
    let (status, listed) = json_of(response).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["result"][0]["sys_id"], sys_id.as_str());
    assert_snapshot("attachment_list", &listed.to_string());
    let by_query =
        "/api/now/v1/attachment?sysparm_query=file_name%3Dnotes.bin%5Etable_name%3Dincident";
    let (_, listed) = json_of(
        mock.bearer(Method::GET, by_query, &token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(listed["result"].as_array().unwrap().len(), 1);

    let path = format!("/api/now/attachment/{sys_id}");
    let deleted = mock
        .bearer(Method::DELETE, &path, &token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let (status, body) = json_of(
        mock.bearer(Method::GET, &path, &token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["message"], "No Record found");
}

/// A multipart body as a browser or `curl -F` writes one.
fn multipart(boundary: &str, fields: &[(&str, &str)], file: Option<&[u8]>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        let part = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        );
        body.extend_from_slice(part.as_bytes());
    }
    if let Some(bytes) = file {
        let head = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"uploadFile\"; filename=\"scan.png\"\r\nContent-Type: image/png\r\n\r\n"
        );
        body.extend_from_slice(head.as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

async fn upload_form(mock: &Mock, token: &str, content_type: &str, body: Vec<u8>) -> Response {
    let request = mock.bearer(Method::POST, "/api/now/attachment/upload", token);
    let request = request.header("content-type", content_type);
    request.body(body).send().await.unwrap()
}

#[tokio::test]
async fn a_multipart_upload_stores_its_file_part() {
    let mock = common::start("ready").await;
    let (token, incident) = token_and_incident(&mock).await;
    let fields = [
        ("table_name", "incident"),
        ("table_sys_id", incident.as_str()),
    ];
    let body = multipart("xYz", &fields, Some(&every_byte()));
    let response = upload_form(&mock, &token, "multipart/form-data; boundary=xYz", body).await;
    let (status, created) = json_of(response).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["result"]["file_name"], "scan.png");
    assert_eq!(created["result"]["content_type"], "image/png");
    let link = created["result"]["download_link"].as_str().unwrap();
    let file = mock
        .http
        .get(link)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(file.headers()["content-type"], "image/png");
    assert_eq!(file.bytes().await.unwrap().to_vec(), every_byte());
}

#[tokio::test]
async fn a_form_without_a_file_or_a_body_that_is_no_form_is_a_400() {
    let mock = common::start("ready").await;
    let (token, incident) = token_and_incident(&mock).await;
    let fields = [
        ("table_name", "incident"),
        ("table_sys_id", incident.as_str()),
    ];
    let without_file = multipart("b", &fields, None);
    for (content_type, body) in [
        ("multipart/form-data; boundary=b", without_file),
        ("multipart/form-data; boundary=b", b"--b\r\nbroken".to_vec()),
        ("application/json", b"{}".to_vec()),
    ] {
        let (status, body) = json_of(upload_form(&mock, &token, content_type, body).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{content_type}");
        let message = "Failed to create the attachment. File part might be missing in the request.";
        assert_eq!(body["error"]["message"], message);
    }
    assert_eq!(
        journaled(&mock, "/api/now/attachment/upload").await["outcome"],
        "refused: no_file_part"
    );
}

#[tokio::test]
async fn a_file_of_several_megabytes_under_the_default_limit_is_stored_whole() {
    let mock = common::start("ready").await;
    let (token, incident) = token_and_incident(&mock).await;
    let bytes: Vec<u8> = (0..3 * 1024 * 1024).map(|i: u32| (i % 251) as u8).collect();
    let response = upload_raw(&mock, &token, "incident", &incident, &bytes).await;
    let (status, created) = json_of(response).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let sys_id = created["result"]["sys_id"].as_str().unwrap();
    let download = mock
        .http
        .get(mock.url(&format!("/api/now/attachment/{sys_id}/file")));
    let downloaded = download.bearer_auth(&token).send().await.unwrap();
    assert_eq!(downloaded.bytes().await.unwrap().as_ref(), bytes.as_slice());
}

#[tokio::test]
async fn an_attachment_of_a_deleted_record_is_not_found_nor_listed() {
    let mock = common::start("ready").await;
    let (token, incident) = token_and_incident(&mock).await;
    let (status, created) =
        json_of(upload_raw(&mock, &token, "incident", &incident, b"x").await).await;
    assert_eq!(status, StatusCode::CREATED);
    let sys_id = created["result"]["sys_id"].as_str().unwrap();
    let deleted = mock
        .bearer(
            Method::DELETE,
            &format!("/api/now/table/incident/{incident}"),
            &token,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let metadata = format!("/api/now/attachment/{sys_id}");
    assert_eq!(
        bearer_status(&mock, Method::GET, &metadata, &token).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(attachments_listed(&mock, &token).await, "0");
}

#[tokio::test]
async fn a_file_over_the_limit_is_refused_and_one_at_it_stored() {
    let mock = common::start("ready").await;
    let (token, incident) = token_and_incident(&mock).await;
    let switches = mock.switch(json!({"attachment_max_bytes": 16})).await;
    assert_eq!(switches["attachment_max_bytes"], 16);
    let over = upload_raw(&mock, &token, "incident", &incident, &[7; 17]).await;
    let (status, body) = json_of(over).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_snapshot("attachment_over_the_limit_413", &body.to_string());
    let at = upload_raw(&mock, &token, "incident", &incident, &[7; 16]).await;
    assert_eq!(at.status(), StatusCode::CREATED);
    let too_big = mock.control(Method::PATCH, "/switches");
    let too_big = too_big.json(&json!({"attachment_max_bytes": 1u64 << 40}));
    assert_eq!(
        too_big.send().await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn the_parent_must_exist_and_the_caller_read_and_write_it() {
    let mock = common::start("ready").await;
    let (token, incident) = token_and_incident(&mock).await;
    let missing = "0123456789abcdef0123456789abcdef";
    let property = first_sys_id(&mock, "sys_properties", "").await;
    let user = first_sys_id(&mock, "sys_user", "user_name=admin").await;
    let cases = [
        (
            "incident",
            missing,
            StatusCode::NOT_FOUND,
            "No Record found",
        ),
        (
            "sys_properties",
            &property,
            StatusCode::NOT_FOUND,
            "No Record found",
        ),
        ("sys_user", &user, StatusCode::FORBIDDEN, "Operation Failed"),
        (
            "no_such_table",
            &incident,
            StatusCode::BAD_REQUEST,
            "Invalid table no_such_table",
        ),
    ];
    for (table, sys_id, status, message) in cases {
        let (got, body) = json_of(upload_raw(&mock, &token, table, sys_id, b"x").await).await;
        assert_eq!(
            (got, body["error"]["message"].as_str()),
            (status, Some(message)),
            "{table}"
        );
    }
    let (status, body) = json_of(
        mock.bearer(
            Method::POST,
            "/api/now/attachment/file?table_name=incident",
            &token,
        )
        .body("x")
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"]["message"],
        "Missing required parameter: table_sys_id"
    );
    assert_eq!(mock.records("sys_attachment", "").await.len(), 0);
}

#[tokio::test]
async fn an_attachment_of_a_record_the_caller_cannot_read_is_not_found_nor_listed() {
    let mock = common::start("ready").await;
    let token = mock.token().await;
    let property = first_sys_id(&mock, "sys_properties", "").await;
    let path = format!(
        "/api/now/attachment/file?table_name=sys_properties&table_sys_id={property}&file_name=a.txt"
    );
    let response = mock
        .admin(Method::POST, &path)
        .body("admin only")
        .send()
        .await
        .unwrap();
    let (status, created) = json_of(response).await;
    assert_eq!(status, StatusCode::CREATED);
    let sys_id = created["result"]["sys_id"].as_str().unwrap();
    for path in [
        format!("/api/now/attachment/{sys_id}"),
        format!("/api/now/attachment/{sys_id}/file"),
    ] {
        let response = mock
            .bearer(Method::GET, &path, &token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let path = format!("/api/now/attachment/{sys_id}");
    assert_eq!(
        bearer_status(&mock, Method::DELETE, &path, &token).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(attachments_listed(&mock, &token).await, "0");
    let listed = mock
        .admin(Method::GET, "/api/now/attachment")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.headers()["x-total-count"], "1");
}

/// A batch as PySNC writes one, sent with `token`.
async fn send_batch(mock: &Mock, token: &str, body: &Value) -> (StatusCode, Value) {
    let request = mock
        .bearer(Method::POST, "/api/now/v1/batch", token)
        .json(body);
    json_of(request.send().await.unwrap()).await
}

fn inner(id: &str, method: &str, url: &str, body: Option<Value>) -> Value {
    let mut request = json!({
        "id": id,
        "method": method,
        "url": url,
        "headers": [{"name": "Content-Type", "value": "application/json"}, {"name": "Accept", "value": "application/json"}],
    });
    if let Some(body) = body {
        request["body"] = Value::from(STANDARD.encode(body.to_string()));
    }
    request
}

/// The decoded JSON body of a serviced request.
fn decoded(serviced: &Value) -> Value {
    let bytes = STANDARD.decode(serviced["body"].as_str().unwrap()).unwrap();
    if bytes.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn a_batch_runs_each_request_as_the_caller() {
    let mock = common::start("ready").await;
    let (token, incident) = token_and_incident(&mock).await;
    let table = format!("/api/now/table/incident/{incident}?sysparm_fields=short_description");
    let body = json!({
        "batch_request_id": 7,
        "rest_requests": [
            inner("patch", "PATCH", &table, Some(json!({"short_description": "fixed"}))),
            inner("who", "GET", "/api/now/ui/user/current_user", None),
            inner("denied", "GET", "/api/now/table/sys_properties", None),
            inner("gone", "DELETE", &format!("/api/now/table/incident/{incident}"), None),
        ],
    });
    let (status, answer) = send_batch(&mock, &token, &body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["batch_request_id"], "7");
    let serviced = answer["serviced_requests"].as_array().unwrap();
    let statuses: Vec<_> = serviced
        .iter()
        .map(|s| (s["id"].clone(), s["status_code"].clone()))
        .collect();
    assert_eq!(
        statuses,
        [
            (json!("patch"), json!(200)),
            (json!("who"), json!(200)),
            (json!("denied"), json!(403)),
            (json!("gone"), json!(204))
        ]
    );
    assert_eq!(
        decoded(&serviced[0])["result"]["short_description"],
        "fixed"
    );
    assert_eq!(decoded(&serviced[1])["result"]["user_name"], "svc.cc");
    assert!(serviced.iter().all(|s| s["execution_time"].is_u64()));
    assert!(
        mock.records("incident", &format!("sys_id={incident}"))
            .await
            .is_empty()
    );
    let batch = journaled(&mock, "/api/now/v1/batch").await;
    assert_eq!(batch["outcome"], "batch: 4 serviced");
}

/// An inner request's password and an inner answer's session cookie are credentials: the journal shows
/// neither, though the batch carries them in base64 and in header lists.
#[tokio::test]
async fn a_batchs_passwords_and_session_cookies_never_reach_the_journal() {
    let mock = common::start("ready").await;
    let (token, _) = token_and_incident(&mock).await;
    let body = json!({
        "batch_request_id": "s",
        "rest_requests": [
            inner("who", "GET", "/api/now/ui/user/current_user", None),
            inner("user", "PATCH", "/api/now/table/sys_user/nobody", Some(json!({"user_password": "hunter2-batch"}))),
        ],
    });
    let (status, answer) = send_batch(&mock, &token, &body).await;
    assert_eq!(status, StatusCode::OK);
    let cookies: Vec<String> = answer["serviced_requests"][0]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|header| {
            header["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case("set-cookie"))
        })
        .filter_map(|header| {
            header["value"]
                .as_str()?
                .split(';')
                .next()
                .map(str::to_owned)
        })
        .collect();
    assert!(!cookies.is_empty(), "{answer}");
    let journal = mock.control_json("/journal").await.to_string();
    for secret in cookies.iter().map(String::as_str).chain(["hunter2-batch"]) {
        assert!(!journal.contains(secret), "the journal shows {secret}");
    }
}

#[tokio::test]
async fn a_batch_answer_shape_with_and_without_headers() {
    let mock = common::start("ready").await;
    let token = mock.token().await;
    mock.create("incident", json!({"short_description": "shape"}))
        .await;
    let mut quiet = inner(
        "quiet",
        "GET",
        "/api/now/table/incident?sysparm_limit=1&sysparm_fields=number",
        None,
    );
    quiet["exclude_response_headers"] = json!(true);
    let body = json!({
        "batch_request_id": "shape",
        "rest_requests": [quiet, inner("loud", "GET", "/api/now/ui/user/current_user", None)],
    });
    let (_, answer) = send_batch(&mock, &token, &body).await;
    assert_eq!(answer["serviced_requests"][0]["headers"], json!([]));
    let headers = answer["serviced_requests"][1]["headers"]
        .as_array()
        .unwrap();
    assert!(headers.iter().any(|h| h["name"] == "Content-Type"));
    let mut shown = answer.clone();
    // Cookies carry session ids that change from run to run.
    shown["serviced_requests"][1]["headers"] = json!(
        headers
            .iter()
            .filter(|h| h["name"] != "Set-Cookie")
            .collect::<Vec<_>>()
    );
    shown["serviced_requests"][1]["body"] = json!("[BASE64 current_user]");
    assert_snapshot(
        "batch_answer",
        &serde_json::to_string_pretty(&shown).unwrap(),
    );
}

#[tokio::test]
async fn bad_batches_are_refused_whole_and_unmodelled_inner_requests_answered_400() {
    let mock = common::start("ready").await;
    let (token, incident) = token_and_incident(&mock).await;
    let bad_base64 = json!({"batch_request_id": "1", "rest_requests": [{"id": "a", "method": "POST", "url": "/api/now/table/incident", "body": "not base64!"}]});
    let too_many: Vec<Value> = (0..1001)
        .map(|i| inner(&i.to_string(), "GET", "/api/now/table/incident", None))
        .collect();
    let too_many = json!({"batch_request_id": "2", "rest_requests": too_many});
    for (body, outcome) in [
        (bad_base64, "refused: batch_body_not_base64"),
        (too_many, "refused: batch_too_large (a mock limit)"),
    ] {
        let (status, answer) = send_batch(&mock, &token, &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            answer["error"]["message"],
            "Exception while reading request"
        );
        assert_eq!(
            journaled(&mock, "/api/now/v1/batch").await["outcome"],
            outcome
        );
    }
    let malformed = mock
        .bearer(Method::POST, "/api/now/v1/batch", &token)
        .body("{nope");
    let (status, answer) = json_of(malformed.send().await.unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_snapshot("batch_malformed_400", &answer.to_string());

    let nested = json!({"batch_request_id": "n", "rest_requests": [inner("x", "GET", "/api/now/table/incident", None)]});
    let body = json!({
        "batch_request_id": "3",
        "rest_requests": [
            inner("nested", "POST", "/api/now/v1/batch", Some(nested)),
            inner("control", "POST", "/__mock/reset", None),
            inner("token", "POST", "/oauth_token.do", None),
        ],
    });
    let (status, answer) = send_batch(&mock, &token, &body).await;
    assert_eq!(status, StatusCode::OK);
    for serviced in answer["serviced_requests"].as_array().unwrap() {
        assert_eq!(serviced["status_code"], 400, "{serviced}");
        let message = "Requested URI does not represent any resource";
        assert_eq!(decoded(serviced)["error"]["message"], message);
    }
    assert_eq!(
        mock.records("incident", &format!("sys_id={incident}"))
            .await
            .len(),
        1,
        "the reset never ran"
    );
    let outcome = journaled(&mock, "/api/now/v1/batch").await["outcome"].clone();
    let outcome = outcome.as_str().unwrap();
    assert!(
        outcome.starts_with(
            "batch: 3 serviced; inner request nested: not modelled by the mock: a nested batch"
        ),
        "{outcome}"
    );
    assert!(outcome.contains(
        "inner request control: not modelled by the mock: an inner request to the control plane"
    ));

    let anonymous = mock.http.post(mock.url("/api/now/v1/batch")).json(&body);
    assert_eq!(
        anonymous.send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn xml(mock: &Mock, path: &str) -> (StatusCode, String, String) {
    let request = mock.http.get(mock.url(path));
    let request = request.basic_auth("admin", Some(common::ADMIN_PASSWORD));
    let request = request.header("accept", "application/xml");
    let response = request.send().await.unwrap();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    (
        response.status(),
        content_type,
        response.text().await.unwrap(),
    )
}

#[tokio::test]
async fn accept_xml_gets_the_table_apis_xml_form_errors_too() {
    let mock = common::start("ready").await;
    let admin = json!(first_sys_id(&mock, "sys_user", "user_name=admin").await);
    for (description, caller) in [("one", admin), ("two & <three>", json!(""))] {
        let incident = json!({"short_description": description, "caller_id": caller});
        mock.create("incident", incident).await;
    }
    let list = "/api/now/table/incident?sysparm_fields=number,short_description,caller_id&sysparm_query=ORDERBYnumber";
    let (status, content_type, body) = xml(&mock, list).await;
    assert_eq!(
        (status, content_type.as_str()),
        (StatusCode::OK, "application/xml;charset=UTF-8")
    );
    assert_eq!(body.matches("<result>").count(), 2);
    assert_snapshot("xml_list", &body);
    let (status, _, body) = xml(&mock, "/api/now/table/no_such_table").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_snapshot("xml_error", &body);
    let json = mock.admin(Method::GET, list).send().await.unwrap();
    assert_eq!(
        json.headers()["content-type"],
        "application/json;charset=UTF-8"
    );
}

#[tokio::test]
async fn what_the_mock_does_not_model_is_answered_as_an_instance_would_and_journaled() {
    let mock = common::start("ready").await;
    let token = mock.token().await;
    let request = mock.bearer(Method::GET, "/api/now/cmdb/instance/cmdb_ci", &token);
    let request = request.header("user-agent", "pysnc/1.2.1");
    let (status, body) = json_of(request.send().await.unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"]["message"],
        "Requested URI does not represent any resource"
    );
    let entry = journaled(&mock, "/api/now/cmdb/instance/cmdb_ci").await;
    assert_eq!(
        entry["outcome"],
        "not modelled by the mock: no such resource"
    );
    assert_eq!(
        (entry["accept"].as_str(), entry["user_agent"].as_str()),
        (Some("application/json"), Some("pysnc/1.2.1"))
    );

    let put = mock
        .bearer(Method::PUT, "/api/now/table/incident", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::METHOD_NOT_ALLOWED);
    let entry = journaled(&mock, "/api/now/table/incident").await;
    assert_eq!(
        entry["outcome"],
        "not modelled by the mock: the PUT method here"
    );

    let path = "/api/now/table/incident?sysparm_view=mobile&sysparm_limit=1&sysparm_no_count=true";
    let listed = mock.bearer(Method::GET, path, &token).send().await.unwrap();
    assert_eq!(listed.status(), StatusCode::OK);
    let entry = journaled(&mock, "/api/now/table/incident").await;
    assert_eq!(
        entry["outcome"],
        "not modelled by the mock: ignored sysparm_view, sysparm_no_count"
    );
    let modelled = "/api/now/table/incident?sysparm_limit=1&sysparm_display_value=all";
    mock.bearer(Method::GET, modelled, &token)
        .send()
        .await
        .unwrap();
    let entry = journaled(&mock, "/api/now/table/incident").await;
    assert_eq!(entry.get("outcome"), None);
}

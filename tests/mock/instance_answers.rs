//! Catalogue §12, real instances' answers, over real HTTP: the details of real instances' answers that clients read (the `v1` 404, URLs in the
//! request's path form, the `Link` header, lenient JSON, attachment downloads and `Location`, Basic sessions, the
//! Batch API's inner header names), each with a wire-shape snapshot.

use crate::common;

use common::Mock;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

/// What changes from run to run, by pattern, and its placeholder.
const PLACEHOLDERS: [(&str, &str); 5] = [
    (r"\b[0-9A-F]{32}\b", "[SESSION_ID]"),
    (r"\b[0-9a-f]{64}\b", "[SHA256]"),
    (r"\b[0-9a-f]{32}\b", "[SYS_ID]"),
    (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", "[DATETIME]"),
    (r"http://127\.0\.0\.1:\d+", "[BASE_URL]"),
];

/// The `admin` user's sys_id on every instance (catalogue §12).
const ADMIN_SYS_ID: &str = "6816f79cc0a8016401c5a33be04be441";

/// The response headers a snapshot shows, in this order, when present.
const SHOWN_HEADERS: [&str; 8] = [
    "content-type",
    "content-disposition",
    "x-attachment-metadata",
    "x-is-logged-in",
    "x-total-count",
    "link",
    "location",
    "set-cookie",
];

/// The status, the headers that matter and the body, as sent.
async fn shape(response: Response) -> String {
    let mut text = format!("{}\n", response.status());
    for name in SHOWN_HEADERS {
        for value in response.headers().get_all(name) {
            text.push_str(&format!("{name}: {}\n", value.to_str().unwrap()));
        }
    }
    text.push('\n');
    text.push_str(&response.text().await.unwrap());
    text
}

fn assert_shape(name: &str, shape: &str) {
    let mut settings = insta::Settings::clone_current();
    for (pattern, placeholder) in PLACEHOLDERS {
        settings.add_filter(pattern, placeholder);
    }
    settings.bind(|| insta::assert_snapshot!(name, shape));
}

async fn admin_get(mock: &Mock, path: &str) -> Response {
    mock.admin(Method::GET, path).send().await.unwrap()
}

#[tokio::test]
async fn v1_answers_a_query_that_matches_nothing_with_404_and_v2_with_an_empty_list() {
    let mock = common::start("ready").await;
    let query = "incident?sysparm_query=number%3DINC_NONE";
    let v1 = admin_get(&mock, &format!("/api/now/v1/table/{query}")).await;
    assert_eq!(v1.status(), StatusCode::NOT_FOUND);
    assert_shape("v1_nothing_matched_404", &shape(v1).await);
    for base in ["/api/now/v2/table", "/api/now/table"] {
        let answer = admin_get(&mock, &format!("{base}/{query}")).await;
        assert_eq!(answer.status(), StatusCode::OK, "{base}");
        assert_eq!(answer.json::<Value>().await.unwrap(), json!({"result": []}));
    }
    // An offset past the last record is "nothing found" on v1 too; a page with records is not.
    let past = admin_get(&mock, "/api/now/v1/table/sys_user?sysparm_offset=100000").await;
    assert_eq!(past.status(), StatusCode::NOT_FOUND);
    let found = admin_get(&mock, "/api/now/v1/table/sys_user?sysparm_limit=1").await;
    assert_eq!(found.status(), StatusCode::OK);
}

#[tokio::test]
async fn every_url_an_answer_contains_keeps_the_path_form_the_request_used() {
    let mock = common::start("ready").await;
    let created = mock
        .admin(Method::POST, "/api/now/v2/table/incident")
        .json(&json!({"short_description": "v2 links", "caller_id": ADMIN_SYS_ID}))
        .send()
        .await
        .unwrap();
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let record: Value = created.json().await.unwrap();
    let sys_id = record["result"]["sys_id"].as_str().unwrap();
    assert_eq!(
        location,
        mock.url(&format!("/api/now/v2/table/incident/{sys_id}"))
    );
    let caller_link = record["result"]["caller_id"]["link"].as_str().unwrap();
    let user_link = format!("/api/now/v2/table/sys_user/{}", ADMIN_SYS_ID);
    assert_eq!(caller_link, mock.url(&user_link));

    let path = "/api/now/v2/table/incident?sysparm_fields=number&sysparm_query=ORDERBYnumber&sysparm_limit=1";
    let listed = admin_get(&mock, path).await;
    let link = listed.headers()["link"].to_str().unwrap().to_owned();
    let entries = link.split(',').count();
    assert_eq!(entries, 3, "first, prev and last of one page: {link}");
    assert_eq!(
        link.matches("/api/now/v2/table/incident?").count(),
        entries,
        "{link}"
    );
    assert_shape("v2_list_link", &shape(listed).await);
}

#[tokio::test]
async fn link_is_sent_only_with_sysparm_limit_and_names_prev_on_the_first_page() {
    let mock = common::start("ready").await;
    let unlimited = admin_get(&mock, "/api/now/table/sys_user?sysparm_fields=user_name").await;
    assert_eq!(unlimited.status(), StatusCode::OK);
    assert!(unlimited.headers().get("link").is_none());
    assert!(unlimited.headers().get("x-total-count").is_some());

    let first = admin_get(
        &mock,
        "/api/now/table/sys_user?sysparm_fields=user_name&sysparm_limit=1",
    )
    .await;
    let link = first.headers()["link"].to_str().unwrap().to_owned();
    let rels: Vec<&str> = link
        .split(',')
        .map(|entry| entry.rsplit(";rel=").next().unwrap())
        .collect();
    assert_eq!(rels, [r#""first""#, r#""prev""#, r#""next""#, r#""last""#]);
    assert!(
        link.contains("sysparm_limit=1&sysparm_offset=-1>;rel=\"prev\""),
        "{link}"
    );
}

#[tokio::test]
async fn single_quoted_json_is_accepted_and_malformed_lenient_json_is_the_table_api_400() {
    let mock = common::start("ready").await;
    let created = mock
        .admin(Method::POST, "/api/now/table/incident")
        .header("content-type", "application/json")
        .body(
            "{'short_description':'Unable to connect to office wifi','urgency':'1',\"impact\":'1'}",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let record: Value = created.json().await.unwrap();
    assert_eq!(
        record["result"]["short_description"],
        "Unable to connect to office wifi"
    );
    assert_eq!(record["result"]["priority"], "1");

    for malformed in [
        "{'short_description':'unterminated}",
        "{'short_description\":\"mixed'}",
    ] {
        let refused = mock
            .admin(Method::POST, "/api/now/table/incident")
            .header("content-type", "application/json")
            .body(malformed)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{malformed}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["error"]["message"], "Exception while reading request");
    }
    let refused = mock
        .admin(Method::POST, "/api/now/table/incident")
        .body("{'urgency':'1}")
        .send()
        .await
        .unwrap();
    assert_shape("lenient_json_unterminated_400", &shape(refused).await);
}

#[tokio::test]
async fn an_attachment_upload_points_at_its_file_and_the_download_describes_itself() {
    let mock = common::start("ready").await;
    let incident = mock
        .create("incident", json!({"short_description": "with a file"}))
        .await;
    let incident = incident["sys_id"].as_str().unwrap();
    let path = format!(
        "/api/now/attachment/file?table_name=incident&table_sys_id={incident}&file_name=r%C3%A9sum%C3%A9%20v1.txt"
    );
    let uploaded = mock
        .admin(Method::POST, &path)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), StatusCode::CREATED);
    let location = uploaded.headers()["location"].to_str().unwrap().to_owned();
    let uploaded = shape(uploaded).await;
    let metadata: Value = serde_json::from_str(uploaded.split("\n\n").nth(1).unwrap()).unwrap();
    let sys_id = metadata["result"]["sys_id"].as_str().unwrap();
    assert_eq!(
        location,
        mock.url(&format!("/api/now/attachment/{sys_id}/file"))
    );
    let sha256 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
    assert_eq!(metadata["result"]["hash"], sha256);
    assert_eq!(metadata["result"]["state"], "pending");
    assert_eq!(metadata["result"]["chunk_size_bytes"], "700000");
    assert_shape("attachment_upload_201", &uploaded);

    let download = admin_get(&mock, &format!("/api/now/attachment/{sys_id}/file")).await;
    let disposition = download.headers()["content-disposition"].to_str().unwrap();
    assert_eq!(
        disposition,
        "attachment;filename=\"r_sum_ v1.txt\";filename*=UTF-8''r%C3%A9sum%C3%A9%20v1.txt"
    );
    let described = download.headers()["x-attachment-metadata"].as_bytes();
    let described = std::str::from_utf8(described).unwrap();
    assert!(described.starts_with("{  \"sys_id\" : \""), "{described}");
    let described: Value = serde_json::from_str(described).unwrap();
    assert_eq!(described["state"], "available");
    assert_eq!(described["sys_updated_by"], "system");
    assert_eq!(described["sys_mod_count"], "1");
    assert!(described.get("download_link").is_none());
    assert_eq!(download.text().await.unwrap(), "hello");

    let plain = format!(
        "/api/now/attachment/file?table_name=incident&table_sys_id={incident}&file_name=notes.txt"
    );
    let plain = mock
        .admin(Method::POST, &plain)
        .body("x")
        .send()
        .await
        .unwrap();
    let plain: Value = plain.json().await.unwrap();
    let plain = plain["result"]["sys_id"].as_str().unwrap();
    let download = admin_get(&mock, &format!("/api/now/attachment/{plain}/file")).await;
    assert_shape("attachment_download_200", &shape(download).await);
}

#[tokio::test]
async fn a_basic_sign_in_opens_a_session_whose_cookie_alone_authenticates() {
    let mock = common::start("ready").await;
    let first = admin_get(&mock, "/api/now/ui/user/current_user").await;
    assert_eq!(first.headers()["x-is-logged-in"], "true");
    let cookies: Vec<String> = first
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .collect();
    let names: Vec<&str> = cookies
        .iter()
        .map(|c| c.split('=').next().unwrap())
        .collect();
    assert_eq!(
        names,
        ["JSESSIONID", "glide_user_route", "glide_session_store"]
    );
    assert_shape("basic_session_cookies", &shape(first).await);

    let jar: Vec<&str> = cookies
        .iter()
        .map(|c| c.split(';').next().unwrap())
        .collect();
    let jar = jar.join("; ");
    let by_cookie = reqwest::Client::new()
        .get(mock.url("/api/now/ui/user/current_user"))
        .header("cookie", &jar)
        .send()
        .await
        .unwrap();
    assert_eq!(by_cookie.status(), StatusCode::OK);
    assert!(by_cookie.headers().get("set-cookie").is_none());
    let body: Value = by_cookie.json().await.unwrap();
    assert_eq!(body["result"]["user_name"], "admin");

    // A Basic client that keeps its cookie gets no new session.
    let again = mock
        .admin(Method::GET, "/api/now/ui/user/current_user")
        .header("cookie", &jar)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert!(again.headers().get("set-cookie").is_none());
    // The same user signing in again without it gets the same session.
    let other = admin_get(&mock, "/api/now/ui/user/current_user").await;
    let same = other.headers()["set-cookie"].to_str().unwrap();
    assert!(jar.starts_with(same.split(';').next().unwrap()), "{same}");

    let stranger = reqwest::Client::new()
        .get(mock.url("/api/now/ui/user/current_user"))
        .header("cookie", "JSESSIONID=0123456789ABCDEF0123456789ABCDEF")
        .send()
        .await
        .unwrap();
    assert_eq!(stranger.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn batch_inner_header_names_keep_an_instance_s_case() {
    let mock = common::start("ready").await;
    let batch = json!({
        "batch_request_id": "case",
        "rest_requests": [{
            "id": "1", "method": "GET",
            "url": "/api/now/table/sys_user?sysparm_limit=1&sysparm_fields=user_name",
            "headers": [{"name": "Accept", "value": "application/json"}],
        }],
    });
    let answer = mock
        .admin(Method::POST, "/api/now/v1/batch")
        .json(&batch)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let answer: Value = answer.json().await.unwrap();
    let headers = answer["serviced_requests"][0]["headers"]
        .as_array()
        .unwrap();
    let names: Vec<&str> = headers
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    for expected in [
        "Content-Type",
        "Cache-control",
        "Pragma",
        "Expires",
        "X-Total-Count",
        "Link",
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    assert!(
        names
            .iter()
            .all(|name| name.chars().next().unwrap().is_ascii_uppercase())
    );
}

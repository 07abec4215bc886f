//! Rate limit rules over real HTTP (catalogue §18, row P1), on both kinds of instance: a rule for the application
//! user on the suite's own API with a small limit; the 429 and its headers; the count starting again with the next
//! hour; limits of 0 or below, and rules of no API, stored and never applied.

use crate::common;
use crate::scripted_rest::{call, column_labelled, own_api, ready_of, shape, sys_id};

use common::Mock;
use regex::Regex;
use reqwest::{Method, Response};
use serde_json::{Value, json};
use sncc::mock::Provisioned;

/// A rule for the seeded client's user on `api` with `limit`, its columns found by their labels; the mock's
/// clock is first moved into a new hour when this one is about to end, so a test's counting stays in one hour.
async fn rule(mock: &Mock, api: &str, limit: &str) -> Value {
    early_in_an_hour(mock).await;
    let user = mock.records("sys_user", "user_name=svc.cc").await;
    let limit_column =
        column_labelled(mock, "sys_rate_limit_rules", "Request limit per hour").await;
    let api_column = column_labelled(mock, "sys_rate_limit_rules", "REST API").await;
    let mut rule = json!({ "name": "sncc rule", "active": "true", "user": sys_id(&user[0]) });
    rule[limit_column["element"].as_str().unwrap()] = json!(limit);
    rule[api_column["element"].as_str().unwrap()] = json!(api);
    mock.create("sys_rate_limit_rules", rule).await
}

/// Moves the mock's virtual clock (the real clock plus what tests advanced) to the start of the next hour when
/// less than five minutes of this one are left.
async fn early_in_an_hour(mock: &Mock) {
    let elapsed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        % 3600;
    if elapsed > 3600 - 300 {
        mock.advance_clock(3600 - elapsed + 1).await;
    }
}

fn header(response: &Response, name: &str) -> Option<String> {
    let value = response.headers().get(name)?;
    Some(value.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn p1_requests_beyond_the_limit_get_the_429_until_the_hour_ends_on_both_kinds() {
    for kind in Provisioned::ALL {
        let mock = ready_of(kind, "p1").await;
        let api = own_api(&mock, "sncc_p1").await;
        let rule = sys_id(&rule(&mock, &api.sys_id, "2").await);
        let token = mock.token().await;
        for _ in 0..2 {
            let response = mock
                .bearer(Method::GET, &api.probe_path(), &token)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{kind}");
            assert_eq!(
                header(&response, "x-ratelimit-limit").as_deref(),
                Some("2"),
                "{kind}"
            );
            assert_eq!(
                header(&response, "x-ratelimit-rule"),
                Some(rule.clone()),
                "{kind}"
            );
        }
        let response = mock
            .bearer(Method::GET, &api.probe_path(), &token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 429, "{kind}");
        let retry_after: i64 = header(&response, "retry-after").unwrap().parse().unwrap();
        assert!((1..=3600).contains(&retry_after), "{kind}: {retry_after}");
        assert!(header(&response, "x-ratelimit-reset").is_some(), "{kind}");
        let body: Value = response.json().await.unwrap();
        let expected = json!({
            "error": {
                "message": "Rate limit exceeded",
                "detail": "Rate limit of 2 requests per hour for sncc sncc_p1 exceeded",
            },
            "status": "failure",
        });
        assert_eq!(body, expected, "{kind}");
        let (status, _) = call(&mock, Method::GET, "/api/now/table/incident", Some(&token)).await;
        assert_eq!(status, 200, "{kind}: another API is not counted");
        let admin = mock
            .admin(Method::GET, &api.probe_path())
            .send()
            .await
            .unwrap();
        assert_eq!(admin.status(), 200, "{kind}: another user is not counted");
        mock.advance_clock(retry_after).await;
        // The hour may outlast the token's 1800 s: a new one, counted in the new hour.
        let token = mock.token().await;
        assert_eq!(
            call(&mock, Method::GET, &api.probe_path(), Some(&token))
                .await
                .0,
            200,
            "{kind}: a new hour"
        );
    }
}

#[tokio::test]
async fn p1_an_inactive_rule_stops_applying_and_a_changed_limit_counts_again() {
    let mock = common::start("ready").await;
    let api = own_api(&mock, "sncc_p1_change").await;
    let rule = rule(&mock, &api.sys_id, "1").await;
    let token = mock.token().await;
    assert_eq!(
        call(&mock, Method::GET, &api.probe_path(), Some(&token))
            .await
            .0,
        200
    );
    assert_eq!(
        call(&mock, Method::GET, &api.probe_path(), Some(&token))
            .await
            .0,
        429
    );
    let limit = column_labelled(&mock, "sys_rate_limit_rules", "Request limit per hour").await;
    let limit = limit["element"].as_str().unwrap().to_owned();
    mock.patch(
        "sys_rate_limit_rules",
        &sys_id(&rule),
        json!({ limit: "3" }),
    )
    .await;
    assert_eq!(
        call(&mock, Method::GET, &api.probe_path(), Some(&token))
            .await
            .0,
        200
    );
    mock.patch(
        "sys_rate_limit_rules",
        &sys_id(&rule),
        json!({ "active": "false" }),
    )
    .await;
    for _ in 0..4 {
        assert_eq!(
            call(&mock, Method::GET, &api.probe_path(), Some(&token))
                .await
                .0,
            200
        );
    }
}

#[tokio::test]
async fn p1_limits_below_one_and_rules_of_no_api_are_stored_and_never_apply() {
    let mock = common::start("ready").await;
    let api = own_api(&mock, "sncc_p1_bad").await;
    for limit in ["0", "-1", "", "many"] {
        let stored = rule(&mock, &api.sys_id, limit).await;
        assert!(
            stored["sys_id"].is_string(),
            "{limit}: the insert is accepted"
        );
    }
    rule(&mock, "0123456789abcdef0123456789abcdef", "1").await;
    rule(&mock, "", "1").await;
    let token = mock.token().await;
    for _ in 0..3 {
        let response = mock
            .bearer(Method::GET, &api.probe_path(), &token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(header(&response, "x-ratelimit-limit").is_none());
    }
    assert_eq!(
        call(&mock, Method::GET, "/api/now/table/incident", Some(&token))
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn p1_rate_limit_429_wire_shape() {
    let mock = common::start("ready").await;
    let api = own_api(&mock, "sncc_shape").await;
    rule(&mock, &api.sys_id, "1").await;
    let token = mock.token().await;
    assert_eq!(
        call(&mock, Method::GET, &api.probe_path(), Some(&token))
            .await
            .0,
        200
    );
    let response = mock
        .bearer(Method::GET, &api.probe_path(), &token)
        .send()
        .await
        .unwrap();
    let headers = [
        "retry-after",
        "x-ratelimit-limit",
        "x-ratelimit-reset",
        "x-ratelimit-rule",
    ];
    let text = shape(response, &headers).await;
    let text = Regex::new(r"(retry-after|x-ratelimit-reset): \d+")
        .unwrap()
        .replace_all(&text, "$1: [SECONDS]");
    let text = Regex::new(r"\b[0-9a-f]{32}\b")
        .unwrap()
        .replace_all(&text, "[SYS_ID]");
    insta::assert_snapshot!("p1_rate_limit_429", text);
}

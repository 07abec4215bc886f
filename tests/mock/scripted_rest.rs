//! Scripted REST APIs over real HTTP (catalogue §17): an API and its resource created through `sys_ws_definition`
//! and `sys_ws_operation` as the suite creates its own, their derived paths read back, the resource answering as
//! its caller (or anyone, when it needs no sign-in); the out-of-box Table API, policy and profile; and the
//! columns whose names are the mock's own, found through `sys_dictionary` by label. On both kinds of instance.

use crate::common;

use common::{Mock, TempDir};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sncc::mock::{Provisioned, Seed};

const READY: &str = include_str!("../../fixtures/instances/ready.toml");

/// A mock of `kind` from the `ready` seed, its admin keeping Basic sign-in (a new instance enforces the Basic
/// auth restriction, catalogue §13).
pub(crate) async fn ready_of(kind: Provisioned, test: &str) -> Mock {
    let folder = TempDir::new(&format!("rest-apis-{test}-{kind}"));
    let path = folder.0.join("seed.toml");
    let admin = "[[users]]\nuser_name = \"admin\"\nroles = [\"snc_basic_auth_api_access\"]\n";
    std::fs::write(&path, format!("provisioned = \"{kind}\"\n{READY}\n{admin}")).unwrap();
    let seed = Seed::load(path.to_str().expect("a UTF-8 path")).expect("the seed loads");
    common::start_seed(seed).await
}

pub(crate) fn sys_id(record: &Value) -> String {
    record["sys_id"].as_str().expect("a sys_id").to_owned()
}

/// A Scripted REST API of the suite's kind: its `sys_ws_definition`, the `base_uri` read back, and its
/// `GET /probe` resource.
pub(crate) struct OwnApi {
    pub sys_id: String,
    pub base_uri: String,
    pub probe: String,
}

impl OwnApi {
    /// The path of its probe.
    pub(crate) fn probe_path(&self) -> String {
        format!("{}/probe", self.base_uri)
    }
}

/// Creates a Scripted REST API named after `service_id` with one `GET /probe` resource, as admin.
pub(crate) async fn own_api(mock: &Mock, service_id: &str) -> OwnApi {
    let definition = json!({ "name": format!("sncc {service_id}"), "service_id": service_id });
    let definition = mock.create("sys_ws_definition", definition).await;
    let sys_id = sys_id(&definition);
    let resource = json!({
        "web_service_definition": sys_id,
        "name": "probe",
        "http_method": "GET",
        "relative_path": "/probe",
        "operation_script": "(function process(request, response) { return {ok: true}; })(request, response);",
        "requires_authentication": "true",
    });
    let probe = mock.create("sys_ws_operation", resource).await;
    let base_uri = mock
        .records("sys_ws_definition", &format!("sys_id={sys_id}"))
        .await[0]["base_uri"]
        .as_str()
        .expect("a base_uri")
        .to_owned();
    OwnApi {
        sys_id,
        base_uri,
        probe: self::sys_id(&probe),
    }
}

/// Sends `method path` with `token` (or no credentials) and gives the status and JSON body (`null` for none).
pub(crate) async fn call(
    mock: &Mock,
    method: Method,
    path: &str,
    token: Option<&str>,
) -> (StatusCode, Value) {
    let request = match token {
        Some(token) => mock.bearer(method, path, token),
        None => mock.http.request(method, mock.url(path)),
    };
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The dictionary entry of `table`'s column labelled `label`, as the suite finds a column whose name is not
/// documented.
pub(crate) async fn column_labelled(mock: &Mock, table: &str, label: &str) -> Value {
    let query = format!("name={table}^column_label={label}");
    let entries = mock.records("sys_dictionary", &query).await;
    assert_eq!(entries.len(), 1, "{table}: one column labelled {label}");
    entries[0].clone()
}

#[tokio::test]
async fn an_api_created_as_the_suite_does_answers_its_caller_on_both_kinds() {
    for kind in Provisioned::ALL {
        let mock = ready_of(kind, "answers").await;
        let api = own_api(&mock, "sncc_run1").await;
        assert_eq!(api.base_uri, "/api/global/sncc_run1", "{kind}");
        let probe = mock
            .records("sys_ws_operation", &format!("sys_id={}", api.probe))
            .await;
        assert_eq!(
            probe[0]["operation_uri"], "/api/global/sncc_run1/probe",
            "{kind}"
        );
        let token = mock.token().await;
        let (status, body) = call(&mock, Method::GET, &api.probe_path(), Some(&token)).await;
        assert_eq!(
            (status, body),
            (StatusCode::OK, json!({ "result": { "ok": true } })),
            "{kind}"
        );
        let versioned = api.probe_path().replace("/global/", "/global/v1/");
        assert_eq!(
            call(&mock, Method::GET, &versioned, Some(&token)).await.0,
            200,
            "{kind}"
        );
        let basic = mock
            .admin(Method::GET, &api.probe_path())
            .send()
            .await
            .unwrap();
        assert_eq!(basic.status(), 200, "{kind}");
        let (status, _) = call(&mock, Method::GET, &api.probe_path(), None).await;
        assert_eq!(status, 401, "{kind}: it requires authentication");
        let (status, _) = call(&mock, Method::GET, &api.probe_path(), Some("made-up")).await;
        assert_eq!(status, 401, "{kind}");
        let (status, _) = call(&mock, Method::POST, &api.probe_path(), Some(&token)).await;
        assert_eq!(status, 400, "{kind}: no POST resource");
        let (status, _) = call(
            &mock,
            Method::GET,
            &format!("{}/other", api.base_uri),
            Some(&token),
        )
        .await;
        assert_eq!(status, 400, "{kind}: no such resource");
    }
}

#[tokio::test]
async fn a_resource_without_authentication_answers_anyone_and_inactive_ones_nobody() {
    let mock = common::start("ready").await;
    let api = own_api(&mock, "sncc_open").await;
    mock.patch(
        "sys_ws_operation",
        &api.probe,
        json!({ "requires_authentication": "false" }),
    )
    .await;
    let (status, body) = call(&mock, Method::GET, &api.probe_path(), None).await;
    assert_eq!(
        (status, body["result"]["ok"].clone()),
        (StatusCode::OK, json!(true))
    );
    mock.patch("sys_ws_operation", &api.probe, json!({ "active": "false" }))
        .await;
    assert_eq!(
        call(&mock, Method::GET, &api.probe_path(), None).await.0,
        400
    );
    mock.patch("sys_ws_operation", &api.probe, json!({ "active": "true" }))
        .await;
    mock.patch(
        "sys_ws_definition",
        &api.sys_id,
        json!({ "active": "false" }),
    )
    .await;
    assert_eq!(
        call(&mock, Method::GET, &api.probe_path(), None).await.0,
        400
    );
    mock.patch(
        "sys_ws_definition",
        &api.sys_id,
        json!({ "active": "true" }),
    )
    .await;
    mock.delete("sys_ws_definition", &api.sys_id).await;
    assert_eq!(
        call(&mock, Method::GET, &api.probe_path(), None).await.0,
        400
    );
}

#[tokio::test]
async fn renaming_an_api_moves_its_paths() {
    let mock = common::start("ready").await;
    let api = own_api(&mock, "sncc_before").await;
    mock.patch(
        "sys_ws_definition",
        &api.sys_id,
        json!({ "service_id": "sncc_after", "base_uri": "/api/x/y" }),
    )
    .await;
    let definition = mock
        .records("sys_ws_definition", &format!("sys_id={}", api.sys_id))
        .await;
    assert_eq!(
        definition[0]["base_uri"], "/api/global/sncc_after",
        "base_uri is the instance's"
    );
    let probe = mock
        .records("sys_ws_operation", &format!("sys_id={}", api.probe))
        .await;
    assert_eq!(probe[0]["operation_uri"], "/api/global/sncc_after/probe");
    let token = mock.token().await;
    assert_eq!(
        call(
            &mock,
            Method::GET,
            "/api/global/sncc_after/probe",
            Some(&token)
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(&mock, Method::GET, &api.probe_path(), Some(&token))
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn the_table_api_its_get_policy_and_the_basic_profile_ship_on_both_kinds() {
    for kind in Provisioned::ALL {
        let mock = ready_of(kind, "out-of-box").await;
        let table_api = mock.records("sys_ws_definition", "name=Table API").await;
        assert_eq!(table_api.len(), 1, "{kind}");
        assert_eq!(table_api[0]["base_uri"], "/api/now/table", "{kind}");
        let resources = mock
            .records(
                "sys_ws_operation",
                &format!("web_service_definition={}", sys_id(&table_api[0])),
            )
            .await;
        let methods: Vec<&str> = resources
            .iter()
            .map(|r| r["http_method"].as_str().unwrap())
            .collect();
        assert_eq!(
            methods,
            ["GET", "POST", "GET", "PUT", "PATCH", "DELETE"],
            "{kind}"
        );
        let policy = mock
            .records("sys_api_access_policy", "name=Table GET API Access Policy")
            .await;
        assert_eq!(policy[0]["active"], "false", "{kind}: it ships inactive");
        assert_eq!(policy[0]["api_path"], "now/table", "{kind}");
        let basic = mock.records("std_http_auth", "type=basic_auth").await;
        assert_eq!(basic.len(), 1, "{kind}");
        let token = mock.token().await;
        let (status, _) = call(&mock, Method::GET, "/api/now/table/sys_user", Some(&token)).await;
        assert_eq!(status, 200, "{kind}: the Table API is still the mock's own");
    }
}

#[tokio::test]
async fn the_columns_the_mock_names_are_found_by_their_labels() {
    for kind in Provisioned::ALL {
        let mock = ready_of(kind, "labels").await;
        for (table, label, kind_of) in [
            ("oauth_entity", "Enforce token restriction", "boolean"),
            ("std_http_auth", "OAuth Entity", "reference"),
            ("sys_rate_limit_rules", "Request limit per hour", "integer"),
            ("sys_rate_limit_rules", "REST API", "reference"),
        ] {
            let entry = column_labelled(&mock, table, label).await;
            assert_eq!(entry["internal_type"], kind_of, "{kind}: {table} {label}");
        }
        let flag = column_labelled(&mock, "oauth_entity", "Enforce token restriction").await;
        assert_eq!(flag["default_value"], "false", "{kind}");
        let types = mock
            .records("sys_choice", "name=std_http_auth^element=type")
            .await;
        let labels: Vec<&str> = types.iter().map(|c| c["label"].as_str().unwrap()).collect();
        assert_eq!(
            labels,
            ["Basic Auth", "ID Token", "Certificate based Auth", "OAuth"],
            "{kind}"
        );
    }
}

#[tokio::test]
async fn writes_of_apis_and_policies_land_in_the_update_set() {
    let mock = common::start("ready").await;
    let api = own_api(&mock, "sncc_tracked").await;
    let policy = json!({ "name": "sncc policy", "api": api.sys_id });
    let policy = mock.create("sys_api_access_policy", policy).await;
    for (table, sys_id) in [
        ("sys_ws_definition", api.sys_id.clone()),
        ("sys_ws_operation", api.probe.clone()),
        ("sys_api_access_policy", self::sys_id(&policy)),
    ] {
        let rows = mock
            .records("sys_update_xml", &format!("name={table}_{sys_id}"))
            .await;
        assert_eq!(rows.len(), 1, "{table}");
    }
}

#[tokio::test]
async fn the_new_tables_are_admin_only() {
    let mock = common::start("ready").await;
    let token = mock.token().await;
    for table in [
        "sys_ws_definition",
        "sys_ws_operation",
        "sys_api_access_policy",
        "inbound_auth_profile",
        "std_http_auth",
        "sys_auth_profile_mapping",
        "sys_rate_limit_rules",
    ] {
        let path = format!("/api/now/table/{table}");
        assert_eq!(
            call(&mock, Method::GET, &path, Some(&token)).await.0,
            403,
            "{table}"
        );
    }
}

/// A response as a snapshot shows it: the status, `content-type` and the `headers` named, then the body.
pub(crate) async fn shape(response: reqwest::Response, headers: &[&str]) -> String {
    let mut text = format!("{}\n", response.status());
    for name in ["content-type"].iter().chain(headers) {
        for value in response.headers().get_all(*name) {
            text.push_str(&format!(
                "{name}: {}\n",
                value.to_str().expect("ASCII header value")
            ));
        }
    }
    text.push('\n');
    text.push_str(&response.text().await.expect("a body"));
    text
}

#[tokio::test]
async fn scripted_rest_answer_wire_shape() {
    let mock = common::start("ready").await;
    let api = own_api(&mock, "sncc_shape").await;
    let token = mock.token().await;
    let response = mock
        .bearer(Method::GET, &api.probe_path(), &token)
        .send()
        .await
        .unwrap();
    insta::assert_snapshot!("scripted_rest_answer", shape(response, &[]).await);
}

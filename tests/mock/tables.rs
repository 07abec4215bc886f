//! The mock's tables through real HTTP (catalogue §2, §7, §12): out-of-box shapes, filters on real columns,
//! dot-walks and name-value filters, display values, both path forms, the dictionary tables, custom
//! tables through `sys_db_object` and `sys_dictionary`, and a seed's own tables.

use crate::common;

use common::{ADMIN_PASSWORD, Mock, TempDir, urlencode};
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde_json::{Value, json};
use sncc::mock::{MockOptions, MockServer, Seed};

const ADMIN_SYS_ID: &str = "6816f79cc0a8016401c5a33be04be441";

/// Run-dependent values replaced by placeholders in snapshots.
const PLACEHOLDERS: [(&str, &str); 3] = [
    (r"\b[0-9a-f]{32}\b", "[SYS_ID]"),
    (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", "[DATETIME]"),
    (r"http://127\.0\.0\.1:\d+", "[BASE_URL]"),
];

fn assert_stable_snapshot(name: &str, value: &Value) {
    let mut settings = insta::Settings::clone_current();
    for (pattern, placeholder) in PLACEHOLDERS {
        settings.add_filter(pattern, placeholder);
    }
    let text = serde_json::to_string_pretty(value).unwrap();
    settings.bind(|| insta::assert_snapshot!(name, text));
}

/// `GET path` as admin: status and body.
async fn admin_get(mock: &Mock, path: &str) -> (StatusCode, Value) {
    let response = mock.admin(Method::GET, path).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

/// The `result` of a list that must answer 200.
async fn listed(mock: &Mock, path: &str) -> Vec<Value> {
    let (status, body) = admin_get(mock, path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body["result"].as_array().unwrap().clone()
}

fn texts(records: &[Value], field: &str) -> Vec<String> {
    let text = |record: &Value| record[field].as_str().unwrap().to_owned();
    records.iter().map(text).collect()
}

async fn incident(mock: &Mock, fields: Value) -> Value {
    mock.create("incident", fields).await
}

#[tokio::test]
async fn an_incident_has_every_out_of_box_column_and_its_priority_follows_impact_and_urgency() {
    let mock = common::start("ready").await;
    let created = incident(&mock, json!({ "short_description": "defaults" })).await;
    for (field, expected) in [
        ("impact", "3"),
        ("urgency", "3"),
        ("priority", "5"),
        ("state", "1"),
        ("active", "true"),
    ] {
        assert_eq!(created[field], expected, "{field}");
    }
    for field in [
        "number",
        "caller_id",
        "opened_by",
        "assigned_to",
        "assignment_group",
        "category",
        "description",
        "close_code",
        "close_notes",
        "opened_at",
        "resolved_at",
    ] {
        assert!(created.get(field).is_some(), "{field} missing");
    }
    assert!(created["number"].as_str().unwrap().starts_with("INC"));

    let urgent = incident(
        &mock,
        json!({ "impact": "1", "urgency": 2, "priority": "5" }),
    )
    .await;
    assert_eq!(urgent["priority"], "2", "computed, whatever the write gave");
    let sys_id = urgent["sys_id"].as_str().unwrap();
    mock.patch("incident", sys_id, json!({ "urgency": "1" }))
        .await;
    let (_, read) = admin_get(&mock, &format!("/api/now/table/incident/{sys_id}")).await;
    assert_eq!(read["result"]["priority"], "1");
    assert_eq!(read["result"]["impact"], "1");
}

#[tokio::test]
async fn conditions_on_real_columns_filter_and_only_unknown_ones_are_ignored() {
    let mock = common::start("ready").await;
    let high = incident(&mock, json!({ "impact": "1", "urgency": "1" })).await;
    incident(&mock, json!({ "impact": "3", "active": false })).await;
    let path = |query: &str| format!("/api/now/table/incident?sysparm_query={}", urlencode(query));
    let numbers = |records: Vec<Value>| texts(&records, "number");
    let high_number = high["number"].as_str().unwrap();
    assert_eq!(
        numbers(listed(&mock, &path("impact=1")).await),
        [high_number]
    );
    assert_eq!(
        numbers(listed(&mock, &path("priority<=2")).await),
        [high_number]
    );
    assert_eq!(
        numbers(listed(&mock, &path("active=true")).await),
        [high_number]
    );
    assert_eq!(
        numbers(listed(&mock, &path("impact=1^no_such_column=x")).await),
        [high_number]
    );
    assert_eq!(listed(&mock, &path("no_such_column=x")).await.len(), 2);
}

#[tokio::test]
async fn name_value_filters_and_with_the_encoded_query() {
    let mock = common::start("ready").await;
    let first = incident(&mock, json!({ "short_description": "a^b", "impact": "1" })).await;
    incident(
        &mock,
        json!({ "short_description": "other", "impact": "1" }),
    )
    .await;
    let number = first["number"].as_str().unwrap();
    let only = listed(&mock, &format!("/api/now/table/incident?number={number}")).await;
    assert_eq!(texts(&only, "number"), [number]);
    let both = listed(&mock, "/api/now/table/incident?impact=1").await;
    assert_eq!(both.len(), 2);
    let anded = format!(
        "/api/now/table/incident?impact=1&sysparm_query={}",
        urlencode("impact=2")
    );
    assert!(listed(&mock, &anded).await.is_empty());
    let literal = format!(
        "/api/now/table/incident?short_description={}",
        urlencode("a^b")
    );
    assert_eq!(texts(&listed(&mock, &literal).await, "number"), [number]);
    let ignored = listed(&mock, "/api/now/table/incident?no_such_column=x").await;
    assert_eq!(ignored.len(), 2);
}

#[tokio::test]
async fn dot_walked_conditions_follow_references() {
    let mock = common::start("untouched").await;
    let abel = listed(
        &mock,
        "/api/now/table/incident?sysparm_query=caller_id.user_name%3Dabel.tuter",
    )
    .await;
    assert_eq!(abel.len(), 2);
    let by_email = format!(
        "/api/now/table/incident?caller_id.email={}",
        urlencode("abel.tuter@example.com")
    );
    assert_eq!(listed(&mock, &by_email).await.len(), 2);
    let by_assignee = listed(
        &mock,
        "/api/now/table/incident?assigned_to.user_name=david.loo",
    )
    .await;
    assert_eq!(
        texts(&by_assignee, "short_description"),
        ["Network outage on the third floor"]
    );
    let admin = listed(
        &mock,
        &format!("/api/now/table/sys_user?sys_id={ADMIN_SYS_ID}"),
    )
    .await;
    assert_eq!(texts(&admin, "email"), ["admin@example.com"]);
}

#[tokio::test]
async fn display_values_give_choice_labels_and_reference_names() {
    let mock = common::start("untouched").await;
    let path =
        "/api/now/table/incident?sysparm_display_value=true&sysparm_query=category%3Dnetwork";
    let [outage] = listed(&mock, path).await.try_into().unwrap();
    assert_eq!(outage["state"], "In Progress");
    assert_eq!(outage["priority"], "1 - Critical");
    assert_eq!(outage["impact"], "1 - High");
    assert_eq!(outage["active"], "true");
    assert_eq!(outage["caller_id"]["display_value"], "Abel Tuter");
    assert_eq!(outage["assignment_group"]["display_value"], "Network");
    let values =
        "/api/now/table/incident?sysparm_query=category%3Dnetwork&sysparm_fields=state,priority";
    assert_eq!(
        listed(&mock, values).await,
        [json!({ "state": "2", "priority": "1" })]
    );

    let all = "/api/now/table/incident?sysparm_display_value=all&sysparm_query=category%3Dnetwork";
    let [outage] = listed(&mock, all).await.try_into().unwrap();
    assert_eq!(
        outage["state"],
        json!({ "display_value": "In Progress", "value": "2" })
    );
    assert_stable_snapshot("incident_display_value_all", &outage);
}

#[tokio::test]
async fn the_versioned_paths_are_the_same_table_api() {
    let mock = common::start("ready").await;
    let created = mock
        .admin(Method::POST, "/api/now/v2/table/incident")
        .json(&json!({ "short_description": "v2" }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    let sys_id = created["result"]["sys_id"].as_str().unwrap();
    for base in ["/api/now/table", "/api/now/v1/table", "/api/now/v2/table"] {
        let (status, body) = admin_get(&mock, &format!("{base}/incident/{sys_id}")).await;
        assert_eq!(status, StatusCode::OK, "{base}");
        assert_eq!(body["result"]["short_description"], "v2", "{base}");
    }
    let (status, _) = admin_get(&mock, "/api/now/v3/table/incident").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_dictionary_tables_describe_the_schema_to_admins_only() {
    let mock = common::start("ready").await;
    let caller = listed(
        &mock,
        "/api/now/table/sys_dictionary?name=incident&element=caller_id&sysparm_exclude_reference_link=true",
    )
    .await;
    let [caller] = caller.try_into().unwrap();
    assert_eq!(caller["internal_type"], "reference");
    assert_eq!(caller["reference"], "sys_user");
    assert_stable_snapshot("sys_dictionary_incident_caller_id", &caller);

    let states = listed(
        &mock,
        "/api/now/table/sys_choice?name=incident&element=state&sysparm_query=ORDERBYsequence",
    )
    .await;
    let labels = texts(&states, "label");
    assert_eq!(
        labels,
        [
            "New",
            "In Progress",
            "On Hold",
            "Resolved",
            "Closed",
            "Canceled"
        ]
    );
    assert_stable_snapshot("sys_choice_incident_state_new", &states[0]);

    let incident = listed(&mock, "/api/now/table/sys_db_object?name=incident").await;
    let task = listed(&mock, "/api/now/table/sys_db_object?name=task").await;
    assert_eq!(incident[0]["super_class"]["value"], task[0]["sys_id"]);

    let token = mock.token().await;
    for table in ["sys_dictionary", "sys_choice", "sys_db_object"] {
        let path = format!("/api/now/table/{table}");
        let response = mock
            .bearer(Method::GET, &path, &token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{table}");
    }
    let path = "/api/now/table/incident";
    let response = mock.bearer(Method::GET, path, &token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "itil reads incidents");
}

#[tokio::test]
async fn an_admins_custom_table_extends_task_gains_columns_and_goes_with_its_row() {
    let mock = common::start("ready").await;
    let task = listed(&mock, "/api/now/table/sys_db_object?name=task").await;
    let definition = mock
        .create(
            "sys_db_object",
            json!({ "name": "u_ticket", "label": "Ticket", "super_class": task[0]["sys_id"] }),
        )
        .await;
    let ticket = mock
        .create("u_ticket", json!({ "short_description": "inherited" }))
        .await;
    assert_eq!(ticket["short_description"], "inherited");
    assert_eq!(ticket["state"], "1");
    mock.create(
        "sys_dictionary",
        json!({ "name": "u_ticket", "element": "u_size", "internal_type": "integer" }),
    )
    .await;
    let sized = mock.create("u_ticket", json!({ "u_size": "3" })).await;
    assert_eq!(sized["u_size"], "3");
    assert_eq!(
        listed(&mock, "/api/now/table/u_ticket?u_size=3")
            .await
            .len(),
        1
    );

    mock.delete("sys_db_object", definition["sys_id"].as_str().unwrap())
        .await;
    let (status, body) = admin_get(&mock, "/api/now/table/u_ticket").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        listed(&mock, "/api/now/table/sys_dictionary?name=u_ticket")
            .await
            .is_empty()
    );
}

/// Starts a mock from a seed file of the test's own.
async fn start_seeded(dir: &TempDir, text: &str) -> Result<Mock, String> {
    let path = dir.0.join("seed.toml");
    std::fs::write(&path, text).unwrap();
    let seed = Seed::load(path.to_str().unwrap()).map_err(|error| error.to_string())?;
    let (instance, clients) = seed
        .build(&SecretString::from(ADMIN_PASSWORD), None)
        .map_err(|error| error.to_string())?;
    sncc::support::crypto::install_default_crypto_provider();
    let options = MockOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        tls: None,
        instance,
    };
    let server = MockServer::start(options).await.unwrap();
    let http = reqwest::Client::new();
    Ok(Mock {
        server,
        http,
        clients,
    })
}

const WIDGET_SEED: &str = r#"
[[tables]]
name = "u_widget"
label = "Widget"
columns = [
  { name = "u_name", type = "string" },
  { name = "u_size", type = "integer", default = "1", choices = [["1", "Small"], ["2", "Large"]] },
  { name = "u_owner", type = "reference", reference = "sys_user" },
]

[[records.u_widget]]
u_name = "sprocket"
u_size = 2
u_owner = "admin"
"#;

#[tokio::test]
async fn a_seeds_own_table_is_served_with_its_choices_and_references() {
    let dir = TempDir::new("tables-seed");
    let mock = start_seeded(&dir, WIDGET_SEED).await.unwrap();
    let path = "/api/now/table/u_widget?sysparm_display_value=all&u_name=sprocket";
    let [widget] = listed(&mock, path).await.try_into().unwrap();
    assert_eq!(
        widget["u_size"],
        json!({ "display_value": "Large", "value": "2" })
    );
    assert_eq!(widget["u_owner"]["value"], ADMIN_SYS_ID);
    assert_eq!(widget["u_owner"]["display_value"], "System Administrator");
    let described = listed(&mock, "/api/now/table/sys_dictionary?name=u_widget").await;
    assert_eq!(
        texts(&described, "element").len(),
        3 + 6,
        "own and system columns"
    );
}

#[tokio::test]
async fn a_bad_seed_names_its_file_and_line_and_starts_nothing() {
    let dir = TempDir::new("tables-bad-seed");
    let bad = WIDGET_SEED.replace("u_size = 2", "u_size = \"two\"");
    let error = match start_seeded(&dir, &bad).await {
        Ok(_) => panic!("a bad seed started"),
        Err(error) => error,
    };
    assert!(error.contains("seed.toml"), "{error}");
    assert!(error.contains("line 13"), "{error}");
    assert!(
        error.contains("\"two\" is not a valid integer value"),
        "{error}"
    );
}

#[tokio::test]
async fn the_readmes_seed_example_starts_a_mock_serving_its_table() {
    let readme = include_str!("../../README.md");
    let start = readme
        .find("```toml\n[[tables]]")
        .expect("the README's seed example")
        + 8;
    let example = &readme[start..];
    let example = &example[..example.find("```").unwrap()];
    let dir = TempDir::new("tables-readme-seed");
    let mock = start_seeded(&dir, example).await.unwrap();
    let path = "/api/now/table/u_widget?sysparm_display_value=true&u_owner.user_name=admin";
    let [widget] = listed(&mock, path).await.try_into().unwrap();
    assert_eq!(widget["u_size"], "Large");
    assert_eq!(widget["state"], "Open");
    assert!(widget["number"].as_str().unwrap().starts_with("TASK"));
}

//! Catalogue §12: records as a real instance has them, over real HTTP. A record of each out-of-box table, inserted
//! with no more than its mandatory columns and read back, has every column a recorded Table API answer of that
//! table has (the key lists below, written from the recorded answers, whose sources name no licence that lets
//! them be copied here), and a snapshot of the full record shows each column's default.

use std::collections::BTreeSet;

use crate::common;

use common::Mock;
use reqwest::Method;
use serde_json::{Value, json};

/// What changes from run to run, by pattern, and its placeholder.
const PLACEHOLDERS: [(&str, &str); 3] = [
    (r"\b[0-9a-f]{32}\b", "[SYS_ID]"),
    (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", "[DATETIME]"),
    (r"http://127\.0\.0\.1:\d+", "[BASE_URL]"),
];

/// Columns the mock's `sys_user` has beyond the recorded answer's: they are in the ServiceNowDocs Contact API example
/// (`contact` extends `sys_user`), a newer release than the 2020 answer.
const SYS_USER_NEWER: [&str; 3] = ["edu_status", "last_login_device", "time_sheet_policy"];

/// The 92 keys of a recorded insert answer (`POST /api/now/v2/table/incident`, a PDI, Aug 2023; the same 92 keys as
/// a GET of Nov 2022): github.com/swimlane/techpubs-knowledgecenter,
/// docs/Connectors/ServiceNow/Actions/create_incident.md and get_all_incidents.md.
const INCIDENT_ANSWER: &str = "\
    active activity_due additional_assignee_list approval approval_history approval_set assigned_to \
    assignment_group business_duration business_impact business_service business_stc calendar_duration \
    calendar_stc caller_id category cause caused_by child_incidents close_code close_notes closed_at \
    closed_by cmdb_ci comments comments_and_work_notes company contact_type contract correlation_display \
    correlation_id delivery_plan delivery_task description due_date escalation expected_start follow_up \
    group_list hold_reason impact incident_state knowledge location made_sla notify number opened_at \
    opened_by order origin_id origin_table parent parent_incident priority problem_id reassignment_count \
    reopen_count reopened_by reopened_time resolved_at resolved_by rfc route_reason service_offering \
    severity short_description sla_due state subcategory sys_class_name sys_created_by sys_created_on \
    sys_domain sys_domain_path sys_id sys_mod_count sys_tags sys_updated_by sys_updated_on \
    task_effective_number time_worked universal_request upon_approval upon_reject urgency user_input \
    watch_list work_end work_notes work_notes_list work_start";

/// The 94 keys of the problem record sampled from an instance's Table API answer by github.com/ansible-collections/
/// servicenow.itsm, plugins/modules/problem_info.py (its `attachments` list is the collection's, left
/// out).
const PROBLEM_ANSWER: &str = "\
    active activity_due additional_assignee_list approval approval_history approval_set assigned_to \
    assignment_group business_duration business_service calendar_duration category cause_notes \
    close_notes closed_at closed_by cmdb_ci comments comments_and_work_notes company confirmed_at \
    confirmed_by contact_type contract correlation_display correlation_id delivery_plan delivery_task \
    description due_date duplicate_of escalation expected_start first_reported_by_task \
    fix_communicated_at fix_communicated_by fix_notes follow_up group_list impact knowledge known_error \
    location made_sla major_problem number opened_at opened_by order parent priority problem_state \
    reassignment_count related_incidents reopen_count reopened_at reopened_by resolution_code \
    resolved_at resolved_by review_outcome rfc route_reason service_offering short_description sla_due \
    state subcategory sys_class_name sys_created_by sys_created_on sys_domain sys_domain_path sys_id \
    sys_mod_count sys_tags sys_updated_by sys_updated_on task_effective_number time_worked \
    universal_request upon_approval upon_reject urgency user_input watch_list work_end work_notes \
    work_notes_list work_start workaround workaround_applied workaround_communicated_at \
    workaround_communicated_by";

/// The 102 keys of the change request sampled from an instance's Table API answer by github.com/ansible-collections/
/// servicenow.itsm, plugins/modules/change_request_info.py (its `attachments` list left out).
const CHANGE_REQUEST_ANSWER: &str = "\
    active activity_due additional_assignee_list approval approval_history approval_set assigned_to \
    assignment_group backout_plan business_duration business_service cab_date cab_delegate \
    cab_recommendation cab_required calendar_duration category change_plan close_code close_notes \
    closed_at closed_by cmdb_ci comments comments_and_work_notes company conflict_last_run \
    conflict_status contact_type contract correlation_display correlation_id delivery_plan delivery_task \
    description due_date end_date escalation expected_start follow_up group_list impact \
    implementation_plan justification knowledge location made_sla number on_hold on_hold_reason \
    on_hold_task opened_at opened_by order outside_maintenance_schedule parent phase phase_state \
    priority production_system reason reassignment_count requested_by requested_by_date review_comments \
    review_date review_status risk risk_impact_analysis route_reason scope service_offering \
    short_description sla_due start_date state std_change_producer_version sys_class_name sys_created_by \
    sys_created_on sys_domain sys_domain_path sys_id sys_mod_count sys_tags sys_updated_by \
    sys_updated_on task_effective_number test_plan time_worked type unauthorized universal_request \
    upon_approval upon_reject urgency user_input watch_list work_end work_notes work_notes_list \
    work_start";

/// The 65 keys of a recorded `GET /api/now/v1/table/sys_user` answer (2020) in the Siemplify ServiceNow
/// integration's documentation ("Get User Details").
const SYS_USER_ANSWER: &str = "\
    active agent_status avatar building business_criticality calendar_integration city company \
    cost_center country date_format default_perspective department email employee_number \
    enable_multifactor_authn failed_attempts first_name gender geolocation_tracked home_phone \
    internal_integration_user introduction last_login last_login_time last_name last_position_update \
    latitude ldap_server location locked_out longitude manager middle_name mobile_phone name \
    notification on_schedule password_needs_reset phone photo preferred_language roles schedule source \
    state street sys_class_name sys_created_by sys_created_on sys_domain sys_domain_path sys_id \
    sys_mod_count sys_tags sys_updated_by sys_updated_on time_format time_zone title user_name \
    user_password vip web_service_access_only zip";

/// The 20 keys of a recorded `GET /api/now/table/sys_user_group` answer (a PDI's 2020 record): github.com/port-
/// labs/port-docs, docs/build-your-software-catalog/sync-data-to-catalog/itsm/servicenow.md.
const SYS_USER_GROUP_ANSWER: &str = "\
    active cost_center default_assignee description email exclude_manager include_members manager name \
    parent roles source sys_created_by sys_created_on sys_id sys_mod_count sys_tags sys_updated_by \
    sys_updated_on type";

/// The 79 keys of the configuration item sampled from an instance's `cmdb_ci` Table API answer by
/// github.com/ansible-collections/servicenow.itsm, plugins/modules/configuration_item_info.py (its `attachments`
/// list left out).
const CMDB_CI_ANSWER: &str = "\
    asset asset_tag assigned assigned_to assignment_group attestation_score attested attested_by \
    attested_date attributes can_print category change_control checked_in checked_out comments company \
    correlation_id cost cost_cc cost_center delivery_date department discovery_source dns_domain due \
    due_in duplicate_of environment fault_count first_discovered fqdn gl_account install_date \
    install_status invoice_number ip_address justification last_discovered lease_id life_cycle_stage \
    life_cycle_stage_status location mac_address maintenance_schedule managed_by managed_by_group \
    manufacturer model_id model_number monitor name operational_status order_date owned_by po_number \
    purchase_date schedule serial_number short_description skip_sync start_date subcategory \
    support_group supported_by sys_class_name sys_class_path sys_created_by sys_created_on sys_domain \
    sys_domain_path sys_id sys_mod_count sys_tags sys_updated_by sys_updated_on unverified vendor \
    warranty_expiration";

/// A record of `table` inserted as `admin` with `fields`, read back as the Table API answers a GET.
async fn inserted(mock: &Mock, table: &str, fields: Value) -> Value {
    let created = mock.create(table, fields).await;
    let sys_id = created["sys_id"].as_str().unwrap();
    let path = format!("/api/now/table/{table}/{sys_id}");
    let response = mock.admin(Method::GET, &path).send().await.unwrap();
    assert_eq!(response.status(), 200, "{table}");
    let mut body: Value = response.json().await.unwrap();
    body["result"].take()
}

fn key_set(record: &Value) -> BTreeSet<&str> {
    record
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

fn words(list: &str) -> BTreeSet<&str> {
    list.split_whitespace().collect()
}

fn assert_record_snapshot(name: &str, record: &Value) {
    let mut settings = insta::Settings::clone_current();
    for (pattern, placeholder) in PLACEHOLDERS {
        settings.add_filter(pattern, placeholder);
    }
    let text = serde_json::to_string_pretty(record).unwrap();
    settings.bind(|| insta::assert_snapshot!(name, text));
}

#[tokio::test]
async fn a_record_of_each_out_of_box_table_has_the_keys_of_a_recorded_answer() {
    let mock = common::start("ready").await;
    let tables = [
        ("incident", json!({}), INCIDENT_ANSWER),
        ("problem", json!({}), PROBLEM_ANSWER),
        ("change_request", json!({}), CHANGE_REQUEST_ANSWER),
        (
            "sys_user_group",
            json!({ "name": "Network" }),
            SYS_USER_GROUP_ANSWER,
        ),
        ("cmdb_ci", json!({ "name": "lnux100" }), CMDB_CI_ANSWER),
    ];
    for (table, fields, recorded) in tables {
        let record = inserted(&mock, table, fields).await;
        assert_eq!(key_set(&record), words(recorded), "{table}");
    }
    let user = inserted(&mock, "sys_user", json!({ "user_name": "abel.tuter" })).await;
    let mut expected = words(SYS_USER_ANSWER);
    expected.extend(SYS_USER_NEWER);
    assert_eq!(key_set(&user), expected, "sys_user");
}

#[tokio::test]
async fn a_full_record_of_each_out_of_box_table_shows_its_defaults() {
    let mock = common::start("ready").await;
    let tables = [
        ("task", json!({ "short_description": "a task" })),
        ("incident", json!({ "short_description": "an incident" })),
        ("problem", json!({ "short_description": "a problem" })),
        ("change_request", json!({ "short_description": "a change" })),
        (
            "sys_user",
            json!({ "user_name": "abel.tuter", "first_name": "Abel", "last_name": "Tuter" }),
        ),
        ("sys_user_group", json!({ "name": "Network" })),
        ("cmdb_ci", json!({ "name": "lnux100" })),
    ];
    for (table, fields) in tables {
        let record = inserted(&mock, table, fields).await;
        assert_record_snapshot(&format!("full_record_{table}"), &record);
    }
}

#[tokio::test]
async fn journal_fields_take_a_write_and_read_back_empty_and_the_mirrors_follow() {
    let mock = common::start("ready").await;
    let fields = json!({ "comments": "called the user", "work_notes": "rebooted", "state": "2" });
    let incident = inserted(&mock, "incident", fields).await;
    assert_eq!(incident["comments"], "");
    assert_eq!(incident["work_notes"], "");
    assert_eq!(incident["comments_and_work_notes"], "");
    assert_eq!(incident["incident_state"], "2");
    assert_eq!(incident["task_effective_number"], incident["number"]);
    let problem = inserted(&mock, "problem", json!({ "state": "102" })).await;
    assert_eq!(problem["problem_state"], "102");
    assert_eq!(problem["sys_class_name"], "problem");
    let change = inserted(&mock, "change_request", json!({})).await;
    let admin = json!({
        "link": mock.url("/api/now/table/sys_user/6816f79cc0a8016401c5a33be04be441"),
        "value": "6816f79cc0a8016401c5a33be04be441",
    });
    assert_eq!(change["requested_by"], admin, "the caller");
    assert_eq!(change["opened_by"], admin, "the caller");
    assert_eq!(
        incident["caller_id"], "",
        "no default through the Table API"
    );
}

//! Unit tests of the Table API rules, without HTTP.

use serde_json::json;

use super::*;
use crate::mock::tables::schema::{INCIDENT, SYS_PROPERTIES, SYS_USER};

fn caller(roles: &[&str]) -> Caller {
    Caller {
        sys_id: "c0ffee".into(),
        user_name: "svc.cc".into(),
        name: "Svc CC".into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
    }
}

fn params(query: &[(&str, &str)]) -> Params {
    let pairs: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Params::from_pairs(&pairs, "https://i.example")
}

fn with_users(names: &[&str]) -> Instance {
    let mut instance = Instance::default();
    for name in names {
        instance
            .store
            .insert(SYS_USER, &[("user_name", name)], "admin", 0);
    }
    instance
}

fn user_names(page: &Page) -> Vec<&str> {
    page.records
        .iter()
        .map(|record| record["user_name"].as_str().unwrap())
        .collect()
}

#[test]
fn lists_filter_sort_and_page_with_the_total_of_all_matches() {
    let instance = with_users(&["carol", "alice", "bob", "dave"]);
    let query = params(&[
        (
            "sysparm_query",
            "user_nameINalice,bob,carol^ORDERBYuser_name",
        ),
        ("sysparm_limit", "2"),
        ("sysparm_offset", "1"),
    ]);
    let page = list(&instance, &caller(&[]), "sys_user", &query).unwrap();
    assert_eq!(user_names(&page), ["bob", "carol"]);
    assert_eq!(page.total, 3);
}

#[test]
fn a_huge_or_bad_limit_is_clamped_and_bad_numbers_ignored() {
    let instance = with_users(&["a", "b"]);
    for limit in ["99999999999999999999", "-5", "lots", "0"] {
        let query = params(&[("sysparm_limit", limit), ("sysparm_offset", "x")]);
        let page = list(&instance, &caller(&[]), "sys_user", &query).unwrap();
        assert!(!page.records.is_empty(), "limit {limit}");
        assert!(query.page_size() >= 1 && query.page_size() <= MAX_LIMIT);
    }
}

#[test]
fn unknown_query_fields_are_ignored_unless_the_instance_says_otherwise() {
    let mut instance = with_users(&["a", "b"]);
    let query = params(&[("sysparm_query", "no_such_field=1")]);
    assert_eq!(
        list(&instance, &caller(&[]), "sys_user", &query)
            .unwrap()
            .total,
        2
    );
    instance.set_property(INVALID_QUERY_PROPERTY, "boolean", "true", 0);
    assert_eq!(
        list(&instance, &caller(&[]), "sys_user", &query)
            .unwrap()
            .total,
        0
    );
}

#[test]
fn javascript_user_functions_resolve_to_the_caller() {
    let instance = with_users(&["svc.cc", "other"]);
    let query = params(&[("sysparm_query", "user_name=javascript:gs.getUserName()")]);
    let page = list(&instance, &caller(&[]), "sys_user", &query).unwrap();
    assert_eq!(user_names(&page), ["svc.cc"]);
}

#[test]
fn d3_admin_tables_are_denied_to_other_users_and_unknown_tables_invalid() {
    let instance = Instance::default();
    let plain = caller(&["itil"]);
    assert_eq!(
        list(&instance, &plain, "sys_properties", &Params::default()),
        Err(TableError::ReadDenied)
    );
    assert!(
        list(
            &instance,
            &caller(&["admin"]),
            "sys_properties",
            &Params::default()
        )
        .is_ok()
    );
    assert_eq!(
        list(&instance, &plain, "u_nope", &Params::default()),
        Err(TableError::InvalidTable("u_nope".into()))
    );
    assert!(list(&instance, &caller(&[]), "incident", &Params::default()).is_err());
    assert!(list(&instance, &plain, "incident", &Params::default()).is_ok());
}

#[test]
fn a_record_the_caller_may_not_read_is_not_found() {
    let mut instance = Instance::default();
    instance.set_property("p", "string", "v", 0);
    let id = instance
        .store
        .all(SYS_PROPERTIES)
        .next()
        .unwrap()
        .sys_id()
        .to_owned();
    let result = get(
        &instance,
        &caller(&[]),
        "sys_properties",
        &id,
        &Params::default(),
    );
    assert_eq!(result, Err(TableError::NotFound));
    let shown = get(
        &instance,
        &caller(&["admin"]),
        "sys_properties",
        &id,
        &Params::default(),
    );
    assert_eq!(shown.unwrap()["value"], json!("v"));
}

#[test]
fn d4_created_records_are_stamped_with_the_acting_user() {
    let mut instance = Instance::default();
    let body = br#"{"short_description":"printer on fire","state":2,"caller_id":{"value":"abc"},"junk":[1]}"#;
    let (sys_id, shown) = create(
        &mut instance,
        &caller(&["itil"]),
        "incident",
        body,
        &Params::default(),
        0,
    )
    .unwrap();
    assert_eq!(shown["sys_created_by"], json!("svc.cc"));
    assert_eq!(shown["state"], json!("2"));
    assert_eq!(shown["number"], json!("INC0010001"));
    let record = instance.store.get(INCIDENT, &sys_id).unwrap();
    assert_eq!(record.raw("caller_id"), Some("abc"));
}

#[test]
fn writes_need_the_write_role_and_valid_json() {
    let mut instance = Instance::default();
    let anyone = caller(&[]);
    let body = br#"{"user_name":"x"}"#;
    assert_eq!(
        create(
            &mut instance,
            &anyone,
            "sys_user",
            body,
            &Params::default(),
            0
        ),
        Err(TableError::WriteDenied(Operation::Insert))
    );
    let admin = caller(&["admin"]);
    for bad in [&b"{"[..], b"[]", b"\"text\"", b"", b"\xff\xfe"] {
        assert_eq!(
            create(
                &mut instance,
                &admin,
                "sys_user",
                bad,
                &Params::default(),
                0
            ),
            Err(TableError::InvalidJson)
        );
    }
    assert_eq!(instance.store.count(SYS_USER), 0, "nothing half-written");
}

#[test]
fn update_and_delete_change_existing_records_only() {
    let mut instance = with_users(&["a"]);
    let id = instance
        .store
        .all(SYS_USER)
        .next()
        .unwrap()
        .sys_id()
        .to_owned();
    let admin = caller(&["admin"]);
    let shown = update(
        &mut instance,
        &admin,
        "sys_user",
        &id,
        br#"{"active":false}"#,
        &Params::default(),
        5,
    )
    .unwrap();
    assert_eq!(shown["active"], json!("false"));
    assert_eq!(shown["sys_updated_by"], json!("svc.cc"));
    assert_eq!(
        update(
            &mut instance,
            &caller(&[]),
            "sys_user",
            &id,
            b"{}",
            &Params::default(),
            5
        ),
        Err(TableError::WriteDenied(Operation::Update))
    );
    assert_eq!(
        delete(&mut instance, &caller(&[]), "sys_user", &id, 0),
        Err(TableError::WriteDenied(Operation::Delete))
    );
    assert_eq!(delete(&mut instance, &admin, "sys_user", &id, 0), Ok(()));
    assert_eq!(
        delete(&mut instance, &admin, "sys_user", &id, 0),
        Err(TableError::NotFound)
    );
    assert_eq!(
        update(
            &mut instance,
            &admin,
            "sys_user",
            &id,
            b"{}",
            &Params::default(),
            5
        ),
        Err(TableError::NotFound)
    );
}

#[test]
fn unmodelled_sysparm_parameters_are_named_once() {
    let pairs: Vec<(String, String)> = [
        ("sysparm_view", "a"),
        ("sysparm_limit", "1"),
        ("number", "INC1"),
        ("sysparm_view", "b"),
        ("sysparm_no_count", "true"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(
        unmodelled_parameters(&pairs),
        ["sysparm_view", "sysparm_no_count"]
    );
    assert!(unmodelled_parameters(&[]).is_empty());
}

//! Unit tests of the Table API rules, without HTTP.

use serde_json::json;

use super::*;
use crate::mock::seed::provisioned::DEFAULT_MODE_PROPERTY;
use crate::mock::tables::schema::{
    INCIDENT, SYS_PROPERTIES, SYS_SCOPE, SYS_SECURITY_ACL, SYS_SECURITY_ACL_ROLE, SYS_UPDATE_SET,
    SYS_UPDATE_XML, SYS_USER, SYS_USER_PREFERENCE, SYS_USER_ROLE,
};
use crate::mock::tables::update_sets::{CURRENT_APP_PREFERENCE, GLOBAL_SCOPE};

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

/// An instance with the global application and the `Default` update set, as every seeded one has.
fn with_default_update_set() -> (Instance, String) {
    let mut instance = Instance::default();
    let store = &mut instance.store;
    store.insert_well_known(
        SYS_SCOPE,
        GLOBAL_SCOPE,
        &[("scope", GLOBAL_SCOPE)],
        "system",
        0,
    );
    let set: &[(&str, &str)] = &[("name", "Default"), ("application", GLOBAL_SCOPE)];
    let set = store.insert(SYS_UPDATE_SET, set, "system", 0);
    (instance, set)
}

fn refused(operation: Operation) -> Result<(), TableError> {
    Err(TableError::WriteDenied(operation))
}

#[test]
fn a_property_whose_write_roles_the_admin_lacks_is_refused_every_write() {
    let mut instance = Instance::default();
    let admin = caller(&["admin"]);
    let none = &Params::default();
    let insert = |instance: &mut Instance, body: &[u8]| {
        create(instance, &admin, SYS_PROPERTIES, body, none, 0).map(drop)
    };
    let enforce = br#"{"name":"glide.authenticate.basic_auth.restriction.enforce","value":"true"}"#;
    assert_eq!(insert(&mut instance, enforce), refused(Operation::Insert));
    let listed = br#"{"name":"x.y","value":"1","write_roles":"security_admin"}"#;
    assert_eq!(insert(&mut instance, listed), refused(Operation::Insert));
    assert_eq!(
        insert(&mut instance, br#"{"name":"x.z","write_roles":"itil"}"#),
        Ok(())
    );
    assert_eq!(instance.store.count(SYS_PROPERTIES), 1);
    instance.set_property(DEFAULT_MODE_PROPERTY, "string", "deny", 0);
    let mode = instance
        .store
        .find(SYS_PROPERTIES, "name", DEFAULT_MODE_PROPERTY)
        .unwrap();
    assert_eq!(
        mode.raw("write_roles"),
        Some("security_admin"),
        "stamped by the instance"
    );
    let mode = mode.sys_id().to_owned();
    let change = update(
        &mut instance,
        &admin,
        SYS_PROPERTIES,
        &mode,
        br#"{"value":"allow"}"#,
        none,
        0,
    );
    assert_eq!(change.map(drop), refused(Operation::Update));
    assert_eq!(
        delete(&mut instance, &admin, SYS_PROPERTIES, &mode, 0),
        refused(Operation::Delete)
    );
    assert_eq!(instance.property(DEFAULT_MODE_PROPERTY), Some("deny"));
}

#[test]
fn tracked_writes_are_captured_once_per_record_and_untracked_ones_not_at_all() {
    let (mut instance, set) = with_default_update_set();
    let admin = caller(&["admin"]);
    let none = &Params::default();
    let body = br#"{"name":"x.y","value":"1"}"#;
    let (property, _) = create(&mut instance, &admin, SYS_PROPERTIES, body, none, 0).unwrap();
    update(
        &mut instance,
        &admin,
        SYS_PROPERTIES,
        &property,
        br#"{"value":"2"}"#,
        none,
        1,
    )
    .unwrap();
    let private = br#"{"name":"x.private","is_private":"true"}"#;
    create(&mut instance, &admin, SYS_PROPERTIES, private, none, 2).unwrap();
    create(&mut instance, &admin, INCIDENT, b"{}", none, 3).unwrap();
    let rows: Vec<_> = instance.store.all(SYS_UPDATE_XML).collect();
    let [row] = rows.as_slice() else {
        panic!("one row, not {}", rows.len());
    };
    assert_eq!(
        row.raw("name"),
        Some(format!("sys_properties_{property}").as_str())
    );
    assert_eq!(row.raw("update_set"), Some(set.as_str()));
    assert_eq!(row.raw("action"), Some("INSERT_OR_UPDATE"));
    delete(&mut instance, &admin, SYS_PROPERTIES, &property, 4).unwrap();
    let row = instance.store.all(SYS_UPDATE_XML).next().unwrap();
    assert_eq!(row.raw("action"), Some("DELETE"));
    assert_eq!(row.raw("target_name"), Some("x.y"));
    assert_eq!(instance.store.count(SYS_UPDATE_XML), 1);
}

#[test]
fn a_writer_in_a_scoped_application_is_refused_tracked_tables() {
    let (mut instance, _) = with_default_update_set();
    let admin = caller(&["admin"]);
    let app = instance
        .store
        .insert(SYS_SCOPE, &[("scope", "x_acme")], "system", 0);
    let preference: &[(&str, &str)] = &[
        ("user", &admin.sys_id),
        ("name", CURRENT_APP_PREFERENCE),
        ("value", &app),
    ];
    instance
        .store
        .insert(SYS_USER_PREFERENCE, preference, "system", 0);
    let none = &Params::default();
    let body = br#"{"name":"x.y"}"#;
    let insert = create(&mut instance, &admin, SYS_PROPERTIES, body, none, 0).map(drop);
    assert_eq!(insert, refused(Operation::Insert));
    assert!(create(&mut instance, &admin, INCIDENT, b"{}", none, 0).is_ok());
    assert_eq!(instance.store.count(SYS_UPDATE_XML), 0);
}

#[test]
fn a_custom_table_with_access_controls_needs_its_role_under_deny_and_leaves_them_behind() {
    let mut instance = Instance::default();
    instance.set_property(DEFAULT_MODE_PROPERTY, "string", "deny", 0);
    let admin = caller(&["admin"]);
    let none = &Params::default();
    let define = br#"{"name":"u_x","label":"X","create_access_controls":"true","user_role":""}"#;
    let (definition, shown) =
        create(&mut instance, &admin, SYS_DB_OBJECT, define, none, 0).unwrap();
    let role = instance
        .store
        .find(SYS_USER_ROLE, "name", "u_x_user")
        .unwrap();
    let role = role.sys_id().to_owned();
    assert_eq!(shown["user_role"]["value"], json!(role));
    let acls: Vec<_> = instance.store.all(SYS_SECURITY_ACL).collect();
    let operations: Vec<_> = acls
        .iter()
        .map(|acl| acl.raw("operation").unwrap())
        .collect();
    assert_eq!(operations, ["read", "write", "create", "delete"]);
    assert!(
        acls.iter()
            .all(|acl| acl.raw("name") == Some("u_x") && acl.is_true("active"))
    );
    assert_eq!(instance.store.count(SYS_SECURITY_ACL_ROLE), 4);
    let holder = caller(&["u_x_user"]);
    assert!(create(&mut instance, &holder, "u_x", b"{}", none, 0).is_ok());
    assert!(list(&instance, &holder, "u_x", none).is_ok());
    let plain = caller(&["itil"]);
    assert_eq!(
        list(&instance, &plain, "u_x", none),
        Err(TableError::ReadDenied)
    );
    let bare = br#"{"name":"u_bare"}"#;
    create(&mut instance, &admin, SYS_DB_OBJECT, bare, none, 0).unwrap();
    let write = create(&mut instance, &holder, "u_bare", b"{}", none, 0).map(drop);
    assert_eq!(
        write,
        refused(Operation::Insert),
        "no ACLs under deny: admin only"
    );
    assert!(create(&mut instance, &admin, "u_bare", b"{}", none, 0).is_ok());
    delete(&mut instance, &admin, SYS_DB_OBJECT, &definition, 0).unwrap();
    assert!(instance.store.table("u_x").is_none());
    assert_eq!(instance.store.count(SYS_SECURITY_ACL), 4, "left behind");
    assert!(
        instance.store.get(SYS_USER_ROLE, &role).is_some(),
        "left behind"
    );
}

#[test]
fn access_controls_take_an_existing_role_by_sys_id_or_name() {
    let mut instance = Instance::default();
    let admin = caller(&["admin"]);
    let none = &Params::default();
    let role = instance.ensure_role("shared_role", 0);
    for (table, asked) in [("u_a", role.as_str()), ("u_b", "shared_role")] {
        let body = json!({ "name": table, "create_access_controls": true, "user_role": asked });
        let body = body.to_string();
        let (_, shown) = create(
            &mut instance,
            &admin,
            SYS_DB_OBJECT,
            body.as_bytes(),
            none,
            0,
        )
        .unwrap();
        assert_eq!(shown["user_role"]["value"], json!(role), "{table}");
    }
    let roles = instance
        .store
        .all(SYS_USER_ROLE)
        .filter(|r| r.raw("name") == Some("shared_role"));
    assert_eq!(roles.count(), 1);
    let not_custom = br#"{"name":"x_table","create_access_controls":"true"}"#;
    create(&mut instance, &admin, SYS_DB_OBJECT, not_custom, none, 0).unwrap();
    assert_eq!(
        instance.store.count(SYS_SECURITY_ACL),
        8,
        "none for a table that is not u_"
    );
}

//! The two kinds of instance (catalogue §13) over real HTTP: a new instance's defaults (the grant's body-only
//! parameters, default deny, the Basic auth restriction enforcing from provisioning, new entities restricted),
//! and what both kinds do: a property's `write_roles`, update sets capturing tracked writes, custom tables
//! with their own access controls, and refresh tokens kept and revoked.

use crate::common;
use common::{ADMIN_PASSWORD, Mock, TempDir, urlencode};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sncc::mock::{Provisioned, Seed};
use sncc::servicenow::captured::{BASIC_AUTH_ROLE, BASIC_RESTRICTION_ENFORCE_PROPERTY, REST_401};

const READY: &str = include_str!("../../fixtures/instances/ready.toml");
const DEFAULT_MODE: &str = "glide.sm.default_mode";
const POST_BODY_ONLY: &str = "glide.oauth.allow.parameters.in.post.body.only";
const USER_PASSWORD: &str = "Us3r+pw/kinds%!";

/// The ACL exception of a write the caller's roles do not cover (catalogue §13), for `verb`.
fn acl_exception(verb: &str) -> Value {
    json!({
        "error": {
            "message": "Operation Failed",
            "detail": format!("ACL Exception {verb} Failed due to security constraints"),
        },
        "status": "failure",
    })
}

/// A mock from the `ready` seed with `top` (top-level keys) before it and `more` after it, in a folder named
/// after the test.
async fn ready_with(test: &str, top: &str, more: &str) -> Mock {
    let folder = TempDir::new(&format!("kinds-{test}"));
    let path = folder.0.join("seed.toml");
    std::fs::write(&path, format!("{top}\n{READY}\n{more}")).expect("write the seed");
    let seed = Seed::load(path.to_str().expect("a UTF-8 path")).expect("the seed loads");
    common::start_seed(seed).await
}

/// The `ready` seed as a new instance.
async fn new_ready() -> Mock {
    let seed = Seed::load("ready").expect("built-in seed");
    common::start_seed(seed.provisioned_as(Provisioned::New)).await
}

/// A token of `user`'s from the password grant through the seeded client (panics unless one is issued).
async fn password_token(mock: &Mock, user: &str, password: &str) -> Value {
    let form = format!(
        "grant_type=password&client_id={}&client_secret={}&username={user}&password={}",
        mock.client_id(),
        urlencode(&mock.client_secret()),
        urlencode(password)
    );
    let response = mock.post_token(form).await;
    assert_eq!(response.status(), 200, "{user}'s password grant");
    response.json().await.unwrap()
}

/// The admin's access token, from the password grant (its Basic sign-in may be refused).
async fn admin_token(mock: &Mock) -> String {
    let body = password_token(mock, "admin", ADMIN_PASSWORD).await;
    body["access_token"].as_str().unwrap().to_owned()
}

/// Sends a request with `token` and gives its status and JSON body (`null` for none).
async fn call(
    mock: &Mock,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = mock.bearer(method, path, token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The records of `table` matching `query`, read with `token`.
async fn records(mock: &Mock, token: &str, table: &str, query: &str) -> Vec<Value> {
    let path = format!("/api/now/table/{table}?sysparm_query={}", urlencode(query));
    let (status, body) = call(mock, token, Method::GET, &path, None).await;
    assert_eq!(status, 200, "list {table}");
    body["result"].as_array().cloned().unwrap_or_default()
}

/// A property's value and `write_roles`, read with `token`.
async fn property(mock: &Mock, token: &str, name: &str) -> Option<(String, String)> {
    let found = records(mock, token, "sys_properties", &format!("name={name}")).await;
    let record = found.first()?;
    let text = |field: &str| record[field].as_str().unwrap().to_owned();
    Some((text("value"), text("write_roles")))
}

/// A user with [`USER_PASSWORD`], created with `token`; gives its sys_id.
async fn user_with_password(mock: &Mock, token: &str, name: &str) -> String {
    let user = json!({ "user_name": name, "user_password": USER_PASSWORD });
    let (status, body) = call(
        mock,
        token,
        Method::POST,
        "/api/now/table/sys_user",
        Some(user),
    )
    .await;
    assert_eq!(status, 201);
    body["result"]["sys_id"].as_str().unwrap().to_owned()
}

/// Grants a role by name, with `token`.
async fn grant(mock: &Mock, token: &str, user: &str, role: &str) {
    let role = records(mock, token, "sys_user_role", &format!("name={role}")).await;
    let role = role[0]["sys_id"].as_str().expect("the role exists");
    let grant = json!({ "user": user, "role": role });
    let path = "/api/now/table/sys_user_has_role";
    assert_eq!(
        call(mock, token, Method::POST, path, Some(grant)).await.0,
        201
    );
}

#[tokio::test]
async fn a_new_instance_starts_restricted_and_an_upgraded_one_as_before() {
    let new = new_ready().await;
    let token = admin_token(&new).await;
    let high_security = "security_admin".to_owned();
    assert_eq!(
        property(&new, &token, POST_BODY_ONLY).await.unwrap().0,
        "true"
    );
    assert_eq!(
        property(&new, &token, DEFAULT_MODE).await,
        Some(("deny".into(), high_security.clone()))
    );
    for name in [
        BASIC_RESTRICTION_ENFORCE_PROPERTY,
        "glide.authenticate.basic_auth.restriction.active",
    ] {
        let expected = Some(("true".to_owned(), high_security.clone()));
        assert_eq!(property(&new, &token, name).await, expected, "{name}");
    }
    assert_eq!(
        property(&new, &token, "instance_name").await.unwrap().0,
        "sncc-mock"
    );
    let status = new.control_json("").await;
    assert_eq!(status["provisioned"], "new");

    let upgraded = common::start("ready").await;
    let token = admin_token(&upgraded).await;
    assert_eq!(
        property(&upgraded, &token, POST_BODY_ONLY).await.unwrap().0,
        "true"
    );
    assert_eq!(
        property(&upgraded, &token, DEFAULT_MODE).await.unwrap().0,
        "allow"
    );
    assert_eq!(
        property(&upgraded, &token, BASIC_RESTRICTION_ENFORCE_PROPERTY).await,
        None
    );
    assert_eq!(upgraded.control_json("").await["provisioned"], "upgraded");
}

#[tokio::test]
async fn a_new_instance_refuses_the_admins_basic_unless_the_seed_grants_the_role() {
    let new = new_ready().await;
    let response = new
        .admin(Method::GET, "/api/now/table/sys_user")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()["www-authenticate"],
        REST_401.header("www-authenticate").unwrap()
    );
    assert_eq!(response.json::<Value>().await.unwrap(), REST_401.json());
    let token = admin_token(&new).await;
    let roles = records(&new, &token, "sys_user_has_role", "user.user_name=admin").await;
    assert_eq!(roles.len(), 1, "admin only: {roles:?}");

    let granted = format!("[[users]]\nuser_name = \"admin\"\nroles = [\"{BASIC_AUTH_ROLE}\"]\n");
    let mock = ready_with("granted", "provisioned = \"new\"", &granted).await;
    let response = mock
        .admin(Method::GET, "/api/now/table/sys_user")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn default_deny_keeps_a_table_without_acls_to_the_admin_and_allow_does_not() {
    for (mock, user_may) in [
        (new_ready().await, false),
        (common::start("ready").await, true),
    ] {
        let token = admin_token(&mock).await;
        let table = json!({ "name": "u_kinds_bare", "label": "Bare" });
        let (status, _) = call(
            &mock,
            &token,
            Method::POST,
            "/api/now/table/sys_db_object",
            Some(table),
        )
        .await;
        assert_eq!(status, 201);
        let path = "/api/now/table/u_kinds_bare";
        assert_eq!(
            call(&mock, &token, Method::POST, path, Some(json!({})))
                .await
                .0,
            201
        );
        let user = mock.token().await;
        let (read, _) = call(&mock, &user, Method::GET, path, None).await;
        let (write, body) = call(&mock, &user, Method::POST, path, Some(json!({}))).await;
        if user_may {
            assert_eq!((read, write), (StatusCode::OK, StatusCode::CREATED));
        } else {
            assert_eq!(
                (read, write),
                (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN)
            );
            assert_eq!(body, acl_exception("Insert"));
        }
    }
}

#[tokio::test]
async fn a_new_zurich_instance_restricts_entities_inserted_without_a_status() {
    for (top, expected) in [
        ("provisioned = \"new\"\nrelease = \"zurich\"", "restricted"),
        (
            "provisioned = \"new\"\nrelease = \"yokohama\"",
            "unrestricted",
        ),
        ("release = \"zurich\"", "unrestricted"),
    ] {
        let mock = ready_with(&format!("entities-{expected}-{}", top.len()), top, "").await;
        let token = admin_token(&mock).await;
        let path = "/api/now/table/oauth_entity";
        let (_, created) = call(
            &mock,
            &token,
            Method::POST,
            path,
            Some(json!({ "name": "e" })),
        )
        .await;
        assert_eq!(
            created["result"]["scope_restriction_status"], expected,
            "{top}"
        );
        let explicit = json!({ "name": "f", "scope_restriction_status": "unrestricted" });
        let (_, created) = call(&mock, &token, Method::POST, path, Some(explicit)).await;
        assert_eq!(
            created["result"]["scope_restriction_status"],
            "unrestricted"
        );
        let query = "name=oauth_entity^element=scope_restriction_status";
        let column = records(&mock, &token, "sys_dictionary", query).await;
        assert_eq!(column[0]["default_value"], expected, "{top}");
        let seeded = records(&mock, &token, "oauth_entity", "name=svc-cc").await;
        assert_eq!(
            seeded[0]["scope_restriction_status"], "unrestricted",
            "as the seed says"
        );
    }
}

#[tokio::test]
async fn a_property_write_its_write_roles_do_not_cover_is_refused_and_the_control_plane_is_not() {
    let mock = common::start("ready").await;
    let admin = admin_token(&mock).await;
    let path = "/api/now/table/sys_properties";
    let enforce = json!({ "name": BASIC_RESTRICTION_ENFORCE_PROPERTY, "value": "true" });
    let (status, body) = call(&mock, &admin, Method::POST, path, Some(enforce)).await;
    assert_eq!(
        (status, body),
        (StatusCode::FORBIDDEN, acl_exception("Insert"))
    );
    let listed = json!({ "name": "x.kinds", "value": "1", "write_roles": "security_admin" });
    let (status, body) = call(&mock, &admin, Method::POST, path, Some(listed)).await;
    assert_eq!(
        (status, body),
        (StatusCode::FORBIDDEN, acl_exception("Insert"))
    );
    let mode = records(
        &mock,
        &admin,
        "sys_properties",
        &format!("name={DEFAULT_MODE}"),
    )
    .await;
    let mode = format!("{path}/{}", mode[0]["sys_id"].as_str().unwrap());
    let change = Some(json!({ "value": "deny" }));
    let (status, body) = call(&mock, &admin, Method::PATCH, &mode, change).await;
    assert_eq!(
        (status, body),
        (StatusCode::FORBIDDEN, acl_exception("Update"))
    );
    let (status, body) = call(&mock, &admin, Method::DELETE, &mode, None).await;
    assert_eq!(
        (status, body),
        (StatusCode::FORBIDDEN, acl_exception("Delete"))
    );
    let own = json!({ "name": "x.kinds.own", "value": "1", "write_roles": "x_kinds_writer" });
    assert_eq!(
        call(&mock, &admin, Method::POST, path, Some(own)).await.0,
        201,
        "admin covers it"
    );

    let changed = mock
        .control_properties(
            json!({ DEFAULT_MODE: "deny", BASIC_RESTRICTION_ENFORCE_PROPERTY: "true" }),
        )
        .await;
    assert_eq!(changed["properties"][DEFAULT_MODE], "deny");
    assert_eq!(
        property(&mock, &admin, DEFAULT_MODE).await,
        Some(("deny".into(), "security_admin".into()))
    );
    let enforcing = property(&mock, &admin, BASIC_RESTRICTION_ENFORCE_PROPERTY).await;
    assert_eq!(
        enforcing,
        Some(("true".into(), "security_admin".into())),
        "created with it"
    );
    mock.control_properties(json!({ BASIC_RESTRICTION_ENFORCE_PROPERTY: null }))
        .await;
    assert_eq!(
        property(&mock, &admin, BASIC_RESTRICTION_ENFORCE_PROPERTY).await,
        None
    );
    let bad = mock
        .control(Method::PATCH, "/properties")
        .json(&json!({ "x": 1 }));
    assert_eq!(bad.send().await.unwrap().status(), 400);
}

/// The `sys_update_xml` rows of the records of `table`, as (name, action, update set).
async fn captured(mock: &Mock, token: &str, table: &str) -> Vec<(String, String, String)> {
    let rows = records(
        mock,
        token,
        "sys_update_xml",
        &format!("nameSTARTSWITH{table}_"),
    )
    .await;
    rows.iter()
        .map(|row| {
            let text = |field: &str| row[field].as_str().unwrap_or_default().to_owned();
            let set = row["update_set"]["value"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            (text("name"), text("action"), set)
        })
        .collect()
}

#[tokio::test]
async fn tracked_writes_are_captured_once_per_record_in_the_default_set() {
    let mock = common::start("ready").await;
    let admin = admin_token(&mock).await;
    let default = records(&mock, &admin, "sys_update_set", "name=Default").await;
    assert_eq!(default[0]["state"], "in progress");
    assert_eq!(default[0]["application"]["value"], "global");
    let default = default[0]["sys_id"].as_str().unwrap().to_owned();
    let path = "/api/now/table/sys_properties";
    let (_, created) = call(
        &mock,
        &admin,
        Method::POST,
        path,
        Some(json!({ "name": "x.kinds" })),
    )
    .await;
    let sys_id = created["result"]["sys_id"].as_str().unwrap().to_owned();
    let record = format!("{path}/{sys_id}");
    call(
        &mock,
        &admin,
        Method::PATCH,
        &record,
        Some(json!({ "value": "2" })),
    )
    .await;
    let name = format!("sys_properties_{sys_id}");
    let row = (name.clone(), "INSERT_OR_UPDATE".to_owned(), default.clone());
    assert_eq!(captured(&mock, &admin, "sys_properties").await, [row]);
    let private = json!({ "name": "x.kinds.private", "is_private": "true" });
    assert_eq!(
        call(&mock, &admin, Method::POST, path, Some(private))
            .await
            .0,
        201
    );
    let incident = "/api/now/table/incident";
    assert_eq!(
        call(&mock, &admin, Method::POST, incident, Some(json!({})))
            .await
            .0,
        201
    );
    let user = json!({ "user_name": "kinds.user" });
    call(
        &mock,
        &admin,
        Method::POST,
        "/api/now/table/sys_user",
        Some(user),
    )
    .await;
    assert_eq!(
        captured(&mock, &admin, "sys_properties").await.len(),
        1,
        "not the private one"
    );
    assert!(captured(&mock, &admin, "incident").await.is_empty());
    assert!(captured(&mock, &admin, "sys_user").await.is_empty());
    call(&mock, &admin, Method::DELETE, &record, None).await;
    let row = (name, "DELETE".to_owned(), default);
    assert_eq!(captured(&mock, &admin, "sys_properties").await, [row]);
    let entity = json!({ "name": "kinds-entity" });
    call(
        &mock,
        &admin,
        Method::POST,
        "/api/now/table/oauth_entity",
        Some(entity),
    )
    .await;
    let rows = records(
        &mock,
        &admin,
        "sys_update_xml",
        "nameSTARTSWITHoauth_entity_",
    )
    .await;
    assert_eq!(rows[0]["type"], "Application Registry");
    assert_eq!(rows[0]["target_name"], "kinds-entity");
    assert_eq!(rows[0]["category"], "customer");
    assert_eq!(rows[0]["application"]["value"], "global");
    assert_eq!(rows[0]["sys_created_by"], "admin");
}

#[tokio::test]
async fn writes_land_in_the_writers_update_set_and_a_scoped_writer_is_refused() {
    let chosen = "[[update_sets]]\nname = \"Kinds work\"\n\n[[preferences]]\nuser = \"admin\"\nname = \"sys_update_set\"\nvalue = \"Kinds work\"\n";
    let mock = ready_with("chosen-set", "", chosen).await;
    let admin = admin_token(&mock).await;
    let set = records(&mock, &admin, "sys_update_set", "name=Kinds work").await;
    let set = set[0]["sys_id"].as_str().unwrap().to_owned();
    let path = "/api/now/table/sys_properties";
    call(
        &mock,
        &admin,
        Method::POST,
        path,
        Some(json!({ "name": "x.kinds" })),
    )
    .await;
    let rows = captured(&mock, &admin, "sys_properties").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].2, set);

    let scoped = "[[records.sys_scope]]\nscope = \"x_kinds_app\"\nname = \"Kinds\"\n\n[[preferences]]\nuser = \"admin\"\nname = \"apps.current_app\"\nvalue = \"x_kinds_app\"\n";
    let mock = ready_with("scoped", "", scoped).await;
    let admin = admin_token(&mock).await;
    let (status, body) = call(
        &mock,
        &admin,
        Method::POST,
        path,
        Some(json!({ "name": "x.kinds" })),
    )
    .await;
    assert_eq!(
        (status, body),
        (StatusCode::FORBIDDEN, acl_exception("Insert"))
    );
    let incident = "/api/now/table/incident";
    assert_eq!(
        call(&mock, &admin, Method::POST, incident, Some(json!({})))
            .await
            .0,
        201,
        "not tracked"
    );
}

#[tokio::test]
async fn a_custom_tables_access_controls_admit_its_role_under_deny_and_stay_when_it_goes() {
    let mock = new_ready().await;
    let admin = admin_token(&mock).await;
    let definition = json!({
        "name": "u_kinds_x",
        "label": "Kinds",
        "create_access_controls": "true",
        "user_role": "u_kinds_x_user",
    });
    let (status, created) = call(
        &mock,
        &admin,
        Method::POST,
        "/api/now/table/sys_db_object",
        Some(definition),
    )
    .await;
    assert_eq!(status, 201);
    let definition = created["result"]["sys_id"].as_str().unwrap().to_owned();
    let role = records(&mock, &admin, "sys_user_role", "name=u_kinds_x_user").await;
    assert_eq!(role.len(), 1);
    assert_eq!(created["result"]["user_role"]["value"], role[0]["sys_id"]);
    let acls = records(
        &mock,
        &admin,
        "sys_security_acl",
        "name=u_kinds_x^ORDERBYoperation",
    )
    .await;
    let operations: Vec<&str> = acls
        .iter()
        .map(|acl| acl["operation"].as_str().unwrap())
        .collect();
    assert_eq!(operations, ["create", "delete", "read", "write"]);
    let links = records(
        &mock,
        &admin,
        "sys_security_acl_role",
        "sys_security_acl.name=u_kinds_x",
    )
    .await;
    assert!(
        links
            .iter()
            .all(|link| link["sys_user_role"]["value"] == role[0]["sys_id"])
    );
    assert_eq!(links.len(), 4);

    user_with_password(&mock, &admin, "kinds.plain").await;
    let member = user_with_password(&mock, &admin, "kinds.member").await;
    grant(&mock, &admin, &member, "u_kinds_x_user").await;
    let token = |name: &'static str| {
        let mock = &mock;
        async move {
            let body = password_token(mock, name, USER_PASSWORD).await;
            body["access_token"].as_str().unwrap().to_owned()
        }
    };
    let (plain, member) = (token("kinds.plain").await, token("kinds.member").await);
    let path = "/api/now/table/u_kinds_x";
    assert_eq!(call(&mock, &plain, Method::GET, path, None).await.0, 403);
    let (status, body) = call(&mock, &plain, Method::POST, path, Some(json!({}))).await;
    assert_eq!(
        (status, body),
        (StatusCode::FORBIDDEN, acl_exception("Insert"))
    );
    assert_eq!(
        call(&mock, &member, Method::POST, path, Some(json!({})))
            .await
            .0,
        201
    );
    assert_eq!(call(&mock, &member, Method::GET, path, None).await.0, 200);

    let definition = format!("/api/now/table/sys_db_object/{definition}");
    assert_eq!(
        call(&mock, &admin, Method::DELETE, &definition, None)
            .await
            .0,
        204
    );
    assert_eq!(
        call(&mock, &admin, Method::GET, path, None).await.0,
        400,
        "the table is gone"
    );
    let query = "name=u_kinds_x";
    assert!(
        records(&mock, &admin, "sys_dictionary", query)
            .await
            .is_empty()
    );
    assert_eq!(
        records(&mock, &admin, "sys_security_acl", query)
            .await
            .len(),
        4,
        "left behind"
    );
    let role = records(&mock, &admin, "sys_user_role", "name=u_kinds_x_user").await;
    assert_eq!(role.len(), 1, "left behind");
}

#[tokio::test]
async fn the_password_grants_refresh_token_is_kept_and_revoked_like_an_access_token() {
    let mock = common::start("ready").await;
    let body = password_token(&mock, "admin", ADMIN_PASSWORD).await;
    let (access, refresh) = (
        body["access_token"].as_str().unwrap().to_owned(),
        body["refresh_token"].as_str().unwrap().to_owned(),
    );
    let rows = mock.records("oauth_credential", "type=refresh_token").await;
    let [row] = rows.as_slice() else {
        panic!("one refresh token: {rows:?}");
    };
    assert_eq!(row["peer"]["value"], mock.entity_sys_id().await.as_str());
    assert_eq!(row["user"]["value"], "6816f79cc0a8016401c5a33be04be441");
    assert_eq!(row["token"], "********");
    let now = mock.control_json("").await["now"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(row["expires"].as_str().unwrap() > now.as_str());
    let revoke = |token: &str| {
        let form = format!("token={}", urlencode(token));
        let request = mock.http.post(mock.url("/oauth_revoke_token.do"));
        request
            .header("content-type", common::FORM)
            .body(form)
            .send()
    };
    assert_eq!(revoke(&refresh).await.unwrap().status(), 200);
    let now = mock.control_json("").await["now"]
        .as_str()
        .unwrap()
        .to_owned();
    let rows = mock.records("oauth_credential", "type=refresh_token").await;
    assert!(
        rows[0]["expires"].as_str().unwrap() <= now.as_str(),
        "expired by the revocation"
    );
    let path = "/api/now/table/sys_user?sysparm_limit=1";
    assert_eq!(
        call(&mock, &access, Method::GET, path, None).await.0,
        200,
        "only that row"
    );
    assert_eq!(revoke(&access).await.unwrap().status(), 200);
    assert_eq!(call(&mock, &access, Method::GET, path, None).await.0, 401);
}

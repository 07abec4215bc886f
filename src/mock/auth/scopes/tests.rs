//! Unit tests of the scope check rules (catalogue H1–H7, with §17's bindings by API), without HTTP.

use super::*;
use crate::mock::Breaks;
use crate::mock::apis::api_call::TABLE_API_SYS_ID;
use crate::mock::seed::rest_apis;
use crate::mock::tables::schema::{SYS_WS_DEFINITION, SYS_WS_OPERATION};

/// The suite's own Scripted REST API's resource (catalogue §17).
const TABLE: &str = "/api/global/sncc_x/probe";
const OTHER: &str = "/api/now/table/incident";

struct ScopeSetup {
    instance: Instance,
    entity: String,
    useraccount: String,
    /// The `sys_ws_definition` of the API at [`TABLE`].
    own_api: String,
}

impl ScopeSetup {
    fn new() -> ScopeSetup {
        let mut instance = Instance::default();
        rest_apis::add_out_of_box(&mut instance.store, 0);
        let useraccount = scope(&mut instance, DEFAULT_SCOPE);
        let entity = instance
            .store
            .insert(OAUTH_ENTITY, &[("name", "e")], "admin", 0);
        let api: &[(&str, &str)] = &[("name", "sncc x"), ("service_id", "sncc_x")];
        let own_api = instance.store.insert(SYS_WS_DEFINITION, api, "admin", 0);
        let probe: &[(&str, &str)] = &[
            ("web_service_definition", &own_api),
            ("name", "probe"),
            ("relative_path", "/probe"),
        ];
        instance.store.insert(SYS_WS_OPERATION, probe, "admin", 0);
        ScopeSetup {
            instance,
            entity,
            useraccount,
            own_api,
        }
    }

    fn scope(&mut self, name: &str) -> String {
        scope(&mut self.instance, name)
    }

    /// Binds `scope` to the API `api` (a `sys_ws_definition`'s sys_id, or anything else).
    fn bind(&mut self, scope: &str, api: &str, extra: &[(&str, &str)]) -> String {
        let mut row = vec![("auth_scope", scope), ("api", api)];
        row.extend_from_slice(extra);
        let store = &mut self.instance.store;
        store.insert(SYS_API_ACCESS_SCOPE, &row, "admin", 0)
    }

    /// Binds `scope` to the suite's own API.
    fn bind_own(&mut self, scope: &str, extra: &[(&str, &str)]) -> String {
        let api = self.own_api.clone();
        self.bind(scope, &api, extra)
    }

    fn map(&mut self, scope: &str) -> String {
        let row: &[(&str, &str)] = &[("oauth_entity", &self.entity), ("auth_scope", scope)];
        let store = &mut self.instance.store;
        store.insert(OAUTH_ENTITY_AUTH_SCOPE_MAPPING, row, "admin", 0)
    }

    fn status(&mut self, status: &str) {
        let change: &[(&str, &str)] = &[("scope_restriction_status", status)];
        let store = &mut self.instance.store;
        store.update(OAUTH_ENTITY, &self.entity, change, "admin", 0);
    }

    fn token(&self, issued_scopes: Option<&'static str>) -> SignInKind<'_> {
        SignInKind::OAuth {
            entity: Some(&self.entity),
            issued_scopes,
        }
    }

    fn check(
        &self,
        credentials: SignInKind<'_>,
        method: &str,
        path: &str,
    ) -> Result<(), ScopeRefusal> {
        let call = LazyCall::new(&self.instance.store, method, path);
        check(&self.instance, credentials, &call)
    }

    fn get(&self, path: &str) -> Result<(), ScopeRefusal> {
        self.check(self.token(None), "GET", path)
    }

    fn broken(mut self, which: Break) -> ScopeSetup {
        self.instance = self.instance.with_breaks(Breaks::new([which]));
        self
    }

    fn clone_broken(&self, which: Break) -> ScopeSetup {
        ScopeSetup {
            instance: self.instance.clone(),
            entity: self.entity.clone(),
            useraccount: self.useraccount.clone(),
            own_api: self.own_api.clone(),
        }
        .broken(which)
    }

    fn entity(&self) -> RecordRef<'_> {
        self.instance.store.get(OAUTH_ENTITY, &self.entity).unwrap()
    }
}

fn scope(instance: &mut Instance, name: &str) -> String {
    let row: &[(&str, &str)] = &[("name", name)];
    instance.store.insert(SYS_AUTH_SCOPE, row, "admin", 0)
}

fn missing(name: &str) -> Result<(), ScopeRefusal> {
    Err(ScopeRefusal::Missing(name.to_owned()))
}

/// Entity mapped to A, the suite's own API bound to B.
fn h1_setup() -> (ScopeSetup, String) {
    let mut setup = ScopeSetup::new();
    let a = setup.scope("sncc-a");
    let b = setup.scope("sncc-b");
    setup.map(&a);
    setup.bind_own(&b, &[]);
    (setup, b)
}

#[test]
fn without_bindings_or_mappings_every_api_is_open() {
    let setup = ScopeSetup::new();
    assert_eq!(setup.get(TABLE), Ok(()));
    assert_eq!(setup.check(SignInKind::Basic, "GET", TABLE), Ok(()));
}

#[test]
fn h1_a_token_without_the_binding_scope_gets_the_missing_scope() {
    let (setup, _) = h1_setup();
    assert_eq!(setup.get(TABLE), missing("sncc-b"));
    assert_eq!(setup.get("/api/global/v1/sncc_x/probe"), missing("sncc-b"));
    assert_eq!(setup.get(OTHER), Ok(()), "an unprotected API stays open");
}

#[test]
fn h1_a_binding_of_the_table_api_covers_every_table() {
    let mut setup = ScopeSetup::new();
    let a = setup.scope("sncc-a");
    let b = setup.scope("sncc-b");
    setup.map(&a);
    setup.bind(&b, TABLE_API_SYS_ID, &[]);
    assert_eq!(setup.get(OTHER), missing("sncc-b"));
    assert_eq!(
        setup.get("/api/now/v2/table/sys_user/abc"),
        missing("sncc-b")
    );
    assert_eq!(setup.get(TABLE), Ok(()), "not the Scripted REST API");
    assert_eq!(setup.get("/api/now/ui/user/current_user"), Ok(()));
}

#[test]
fn a_binding_by_path_alone_covers_its_path_or_per_the_switch_nothing_unless_broken() {
    let mut setup = ScopeSetup::new();
    let a = setup.scope("sncc-a");
    let b = setup.scope("sncc-b");
    setup.map(&a);
    setup.bind(&b, "", &[("api_path", "global/sncc_x")]);
    setup.bind(&b, "", &[("api_path", "now/table/incident")]);
    assert_eq!(
        setup.get(TABLE),
        Ok(()),
        "the default: nothing, as real instances"
    );
    assert_eq!(setup.get(OTHER), Ok(()));
    setup.instance.switches.path_only_bindings = PathOnlyBindings::CoverTheirPath;
    assert_eq!(setup.get(TABLE), missing("sncc-b"), "§7's model");
    assert_eq!(setup.get(OTHER), missing("sncc-b"));
    setup.instance.switches.path_only_bindings = PathOnlyBindings::CoverNothing;
    let setup = setup.broken(Break::BindingByPath);
    assert_eq!(setup.get(TABLE), missing("sncc-b"));
    assert_eq!(setup.get(OTHER), missing("sncc-b"));
    assert_eq!(setup.get("/api/now/table/sys_user"), Ok(()));
}

#[test]
fn h1_an_unmapped_entity_carries_useraccount_which_opens_protected_apis() {
    let mut setup = ScopeSetup::new();
    let b = setup.scope("sncc-b");
    setup.bind_own(&b, &[]);
    assert_eq!(setup.get(TABLE), Ok(()));
}

#[test]
fn h1_the_missing_scope_named_is_the_first_by_name() {
    let (mut setup, _) = h1_setup();
    let c = setup.scope("sncc-aa");
    setup.bind_own(&c, &[]);
    assert_eq!(setup.get(TABLE), missing("sncc-aa"));
}

#[test]
fn h2_mappings_are_read_live() {
    let (mut setup, b) = h1_setup();
    let mapping = setup.map(&b);
    assert_eq!(setup.get(TABLE), Ok(()));
    setup
        .instance
        .store
        .delete(OAUTH_ENTITY_AUTH_SCOPE_MAPPING, &mapping);
    assert_eq!(setup.get(TABLE), missing("sncc-b"));
}

#[test]
fn h2_the_break_reads_the_scopes_stored_with_the_token() {
    let (mut setup, b) = h1_setup();
    setup.map(&b);
    let setup = setup.broken(Break::ScopesFrozenAtIssue);
    let frozen = setup.token(Some("sncc-a"));
    assert_eq!(setup.check(frozen, "GET", TABLE), missing("sncc-b"));
    let frozen = setup.token(Some("sncc-a sncc-b"));
    assert_eq!(setup.check(frozen, "GET", TABLE), Ok(()));
    let frozen = setup.token(Some("useraccount"));
    assert_eq!(setup.check(frozen, "GET", TABLE), Ok(()));
}

#[test]
fn h3_a_mapping_to_useraccount_or_the_useraccount_status_opens_every_api() {
    let (mut setup, _) = h1_setup();
    let useraccount = setup.useraccount.clone();
    let mapping = setup.map(&useraccount);
    assert_eq!(setup.get(TABLE), Ok(()));
    setup
        .instance
        .store
        .delete(OAUTH_ENTITY_AUTH_SCOPE_MAPPING, &mapping);
    setup.status("useraccount");
    assert_eq!(setup.get(TABLE), Ok(()));
    let setup = setup.broken(Break::UseraccountScopeIgnored);
    assert_eq!(setup.get(TABLE), missing("sncc-b"));
}

#[test]
fn h4_the_property_switches_the_check_off_unless_broken() {
    let (mut setup, _) = h1_setup();
    setup
        .instance
        .set_property(CHECK_PROPERTY, "boolean", "false", 0);
    assert_eq!(setup.get(TABLE), Ok(()));
    setup
        .instance
        .set_property(CHECK_PROPERTY, "boolean", "true", 0);
    assert_eq!(setup.get(TABLE), missing("sncc-b"));
    setup
        .instance
        .set_property(CHECK_PROPERTY, "boolean", "FALSE", 0);
    let setup = setup.broken(Break::ScopeSwitchIgnored);
    assert_eq!(setup.get(TABLE), missing("sncc-b"));
}

#[test]
fn h5_basic_is_never_checked_unless_broken() {
    let (setup, _) = h1_setup();
    assert_eq!(setup.check(SignInKind::Basic, "GET", TABLE), Ok(()));
    let setup = setup.broken(Break::ScopeCheckOnBasic);
    let basic = setup.check(SignInKind::Basic, "GET", TABLE);
    assert_eq!(basic, missing("sncc-b"));
    assert_eq!(setup.check(SignInKind::Basic, "GET", OTHER), Ok(()));
}

#[test]
fn h6_restricted_refuses_unprotected_apis_too() {
    let (mut setup, b) = h1_setup();
    setup.map(&b);
    setup.status("restricted");
    assert_eq!(setup.get(TABLE), Ok(()));
    assert_eq!(setup.get(OTHER), Err(ScopeRefusal::UnscopedApi));
    let wrong_body = setup.clone_broken(Break::UnscopedApiBodyWrong);
    assert_eq!(wrong_body.get(OTHER), missing("useraccount"));
    let setup = setup.broken(Break::RestrictedStatusIgnored);
    assert_eq!(setup.get(OTHER), Ok(()));
}

#[test]
fn h6_a_restricted_entity_mapped_to_nothing_carries_no_scope_not_useraccount() {
    let mut setup = ScopeSetup::new();
    let b = setup.scope("sncc-b");
    setup.bind_own(&b, &[]);
    assert_eq!(setup.get(TABLE), Ok(()), "unmapped and unrestricted");
    setup.status("restricted");
    assert_eq!(setup.get(TABLE), missing("sncc-b"));
    assert_eq!(setup.get(OTHER), Err(ScopeRefusal::UnscopedApi));
    let setup = setup.broken(Break::RestrictedStatusIgnored);
    assert_eq!(setup.get(TABLE), Ok(()));
    assert_eq!(setup.get(OTHER), Ok(()));
}

#[test]
fn the_skip_break_allows_everything() {
    let (mut setup, _) = h1_setup();
    setup.status("restricted");
    let setup = setup.broken(Break::ScopeCheckSkipped);
    assert_eq!(setup.get(TABLE), Ok(()));
    assert_eq!(setup.get(OTHER), Ok(()));
}

#[test]
fn inactive_bindings_other_methods_and_other_resources_protect_nothing_else() {
    let mut setup = ScopeSetup::new();
    let a = setup.scope("sncc-a");
    let b = setup.scope("sncc-b");
    setup.map(&a);
    setup.bind(&b, TABLE_API_SYS_ID, &[("active", "false")]);
    setup.bind_own(&b, &[("http_method", "POST,DELETE")]);
    let delete_record = setup
        .instance
        .store
        .find(SYS_WS_OPERATION, "http_method", "DELETE")
        .unwrap()
        .sys_id()
        .to_owned();
    let one_resource = [
        ("apply_all_resources", "false"),
        ("api_resource", delete_record.as_str()),
    ];
    setup.bind(&b, TABLE_API_SYS_ID, &one_resource);
    assert_eq!(setup.get(OTHER), Ok(()));
    assert_eq!(setup.get(TABLE), Ok(()));
    let delete = setup.check(setup.token(None), "DELETE", TABLE);
    assert_eq!(delete, missing("sncc-b"));
    let delete = setup.check(setup.token(None), "DELETE", "/api/now/table/incident/abc");
    assert_eq!(delete, missing("sncc-b"));
    setup.bind_own(
        &b,
        &[("apply_all_methods", "true"), ("http_method", "POST")],
    );
    assert_eq!(setup.get(TABLE), missing("sncc-b"));
}

#[test]
fn bad_bindings_and_mappings_protect_and_grant_nothing() {
    let mut setup = ScopeSetup::new();
    setup.instance.switches.path_only_bindings = PathOnlyBindings::CoverNothing;
    let a = setup.scope("sncc-a");
    setup.map(&a);
    setup.map("0123456789abcdef0123456789abcdef");
    let own_api = setup.own_api.clone();
    setup.bind("0123456789abcdef0123456789abcdef", &own_api, &[]);
    setup.bind("", &own_api, &[]);
    let b = setup.scope("sncc-b");
    setup.bind(&b, "", &[]);
    setup.bind(&b, "0123456789abcdef0123456789abcdef", &[]);
    setup.bind(&b, "", &[("api_path", "global/sncc_x")]);
    setup.bind(&b, &own_api, &[("apply_all_resources", "false")]);
    assert_eq!(setup.get(TABLE), Ok(()));
    assert_eq!(setup.get("/api/global/v2/sncc_x/probe"), Ok(()));
    assert_eq!(setup.check(setup.token(None), "GET", "/no/api"), Ok(()));
}

#[test]
fn a_token_of_a_deleted_or_unknown_entity_carries_useraccount() {
    let (setup, _) = h1_setup();
    let unknown = SignInKind::OAuth {
        entity: Some("nope"),
        issued_scopes: None,
    };
    assert_eq!(setup.check(unknown, "GET", TABLE), Ok(()));
    let none = SignInKind::OAuth {
        entity: None,
        issued_scopes: None,
    };
    assert_eq!(setup.check(none, "GET", TABLE), Ok(()));
}

#[test]
fn h7_the_granted_scope_is_the_mapped_names_in_name_order() {
    let mut setup = ScopeSetup::new();
    assert_eq!(h7_granted(&setup.instance, setup.entity()), None);
    let z = setup.scope("zeta");
    let a = setup.scope("alpha");
    setup.map(&z);
    setup.map(&a);
    setup.map(&a);
    setup.map("0123456789abcdef0123456789abcdef");
    let granted = h7_granted(&setup.instance, setup.entity());
    assert_eq!(granted.as_deref(), Some("alpha zeta"));
    setup.status("useraccount");
    assert_eq!(h7_granted(&setup.instance, setup.entity()), None);
}

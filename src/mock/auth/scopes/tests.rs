//! Unit tests of the scope check rules (catalogue H1–H7), without HTTP.

use super::*;
use crate::mock::Breaks;

const TABLE: &str = "/api/now/table/u_sncc_x";
const OTHER: &str = "/api/now/table/incident";

struct ScopeSetup {
    instance: Instance,
    entity: String,
    useraccount: String,
}

impl ScopeSetup {
    fn new() -> ScopeSetup {
        let mut instance = Instance::default();
        let useraccount = scope(&mut instance, DEFAULT_SCOPE);
        let entity = instance
            .store
            .insert(OAUTH_ENTITY, &[("name", "e")], "admin", 0);
        ScopeSetup {
            instance,
            entity,
            useraccount,
        }
    }

    fn scope(&mut self, name: &str) -> String {
        scope(&mut self.instance, name)
    }

    fn bind(&mut self, scope: &str, api_path: &str, extra: &[(&str, &str)]) -> String {
        let mut row = vec![("auth_scope", scope), ("api_path", api_path)];
        row.extend_from_slice(extra);
        let store = &mut self.instance.store;
        store.insert(SYS_API_ACCESS_SCOPE, &row, "admin", 0)
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

    fn get(&self, path: &str) -> Result<(), MissingScope> {
        check(&self.instance, self.token(None), "GET", path)
    }

    fn broken(mut self, which: Break) -> ScopeSetup {
        self.instance = self.instance.with_breaks(Breaks::new([which]));
        self
    }

    fn entity(&self) -> RecordRef<'_> {
        self.instance.store.get(OAUTH_ENTITY, &self.entity).unwrap()
    }
}

fn scope(instance: &mut Instance, name: &str) -> String {
    let row: &[(&str, &str)] = &[("name", name)];
    instance.store.insert(SYS_AUTH_SCOPE, row, "admin", 0)
}

fn missing(name: &str) -> Result<(), MissingScope> {
    Err(MissingScope(name.to_owned()))
}

/// Entity mapped to A, the custom table bound to B.
fn h1_setup() -> (ScopeSetup, String) {
    let mut setup = ScopeSetup::new();
    let a = setup.scope("sncc-a");
    let b = setup.scope("sncc-b");
    setup.map(&a);
    setup.bind(&b, "now/table/u_sncc_x", &[]);
    (setup, b)
}

#[test]
fn without_bindings_or_mappings_every_api_is_open() {
    let setup = ScopeSetup::new();
    assert_eq!(setup.get(TABLE), Ok(()));
    assert_eq!(
        check(&setup.instance, SignInKind::Basic, "GET", TABLE),
        Ok(())
    );
}

#[test]
fn h1_a_token_without_the_binding_scope_gets_the_missing_scope() {
    let (setup, _) = h1_setup();
    assert_eq!(setup.get(TABLE), missing("sncc-b"));
    assert_eq!(
        setup.get("/api/now/v2/table/u_sncc_x/abc"),
        missing("sncc-b")
    );
    assert_eq!(setup.get(OTHER), Ok(()), "an unprotected API stays open");
}

#[test]
fn h1_an_unmapped_entity_carries_useraccount_which_opens_protected_apis() {
    let mut setup = ScopeSetup::new();
    let b = setup.scope("sncc-b");
    setup.bind(&b, "now/table", &[]);
    assert_eq!(setup.get(TABLE), Ok(()));
}

#[test]
fn h1_the_missing_scope_named_is_the_first_by_name() {
    let (mut setup, _) = h1_setup();
    let c = setup.scope("sncc-aa");
    setup.bind(&c, "now/table", &[]);
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
    assert_eq!(
        check(&setup.instance, frozen, "GET", TABLE),
        missing("sncc-b")
    );
    let frozen = setup.token(Some("sncc-a sncc-b"));
    assert_eq!(check(&setup.instance, frozen, "GET", TABLE), Ok(()));
    let frozen = setup.token(Some("useraccount"));
    assert_eq!(check(&setup.instance, frozen, "GET", TABLE), Ok(()));
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
    assert_eq!(
        check(&setup.instance, SignInKind::Basic, "GET", TABLE),
        Ok(())
    );
    let setup = setup.broken(Break::ScopeCheckOnBasic);
    let basic = check(&setup.instance, SignInKind::Basic, "GET", TABLE);
    assert_eq!(basic, missing("sncc-b"));
    assert_eq!(
        check(&setup.instance, SignInKind::Basic, "GET", OTHER),
        Ok(())
    );
}

#[test]
fn h6_restricted_refuses_unprotected_apis_too() {
    let (mut setup, b) = h1_setup();
    setup.map(&b);
    setup.status("restricted");
    assert_eq!(setup.get(TABLE), Ok(()));
    assert_eq!(setup.get(OTHER), missing("useraccount"));
    let setup = setup.broken(Break::RestrictedStatusIgnored);
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
fn inactive_bindings_other_methods_and_exact_resources_protect_nothing_else() {
    let mut setup = ScopeSetup::new();
    let a = setup.scope("sncc-a");
    let b = setup.scope("sncc-b");
    setup.map(&a);
    setup.bind(&b, "now/table/incident", &[("active", "false")]);
    setup.bind(&b, "now/table/u_sncc_x", &[("http_method", "POST,DELETE")]);
    setup.bind(&b, "now/table", &[("apply_all_resources", "false")]);
    assert_eq!(setup.get(OTHER), Ok(()));
    assert_eq!(setup.get(TABLE), Ok(()));
    let delete = check(&setup.instance, setup.token(None), "DELETE", TABLE);
    assert_eq!(delete, missing("sncc-b"));
    assert_eq!(setup.get("/api/now/table"), missing("sncc-b"));
    setup.bind(
        &b,
        "now/table/u_sncc_x",
        &[("apply_all_methods", "true"), ("http_method", "POST")],
    );
    assert_eq!(setup.get(TABLE), missing("sncc-b"));
}

#[test]
fn bad_bindings_and_mappings_protect_and_grant_nothing() {
    let mut setup = ScopeSetup::new();
    let a = setup.scope("sncc-a");
    setup.map(&a);
    setup.map("0123456789abcdef0123456789abcdef");
    setup.bind("0123456789abcdef0123456789abcdef", "now/table", &[]);
    setup.bind("", "now/table", &[]);
    setup.bind(&a, "", &[]);
    let b = setup.scope("sncc-b");
    setup.bind(&b, "now/v2/table/u_sncc_x", &[]);
    setup.bind(&b, "now/table/*", &[]);
    assert_eq!(setup.get(TABLE), Ok(()));
    assert_eq!(setup.get("/api/now/v2/table/u_sncc_x"), Ok(()));
    assert_eq!(
        check(&setup.instance, setup.token(None), "GET", "/no/api"),
        Ok(())
    );
}

#[test]
fn a_token_of_a_deleted_or_unknown_entity_carries_useraccount() {
    let (setup, _) = h1_setup();
    let unknown = SignInKind::OAuth {
        entity: Some("nope"),
        issued_scopes: None,
    };
    assert_eq!(check(&setup.instance, unknown, "GET", TABLE), Ok(()));
    let none = SignInKind::OAuth {
        entity: None,
        issued_scopes: None,
    };
    assert_eq!(check(&setup.instance, none, "GET", TABLE), Ok(()));
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

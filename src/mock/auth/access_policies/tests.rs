//! Unit tests of the access policy rules (catalogue §18, rows N1 and N2), without HTTP.

use super::*;
use crate::mock::Breaks;
use crate::mock::apis::api_call::TABLE_API_SYS_ID;
use crate::mock::seed::rest_apis;
use crate::mock::tables::schema::{SYS_WS_DEFINITION, SYS_WS_OPERATION};
use crate::servicenow::release::{Family, Release};

const OWN: &str = "/api/global/sncc_x/probe";
const TABLE: &str = "/api/now/table/incident";

struct PolicySetup {
    instance: Instance,
    own_api: String,
    entity_a: String,
    entity_b: String,
}

impl PolicySetup {
    fn new() -> PolicySetup {
        let mut instance = Instance::default();
        instance.set_release(&Release::ga(Family::Xanadu), 0);
        rest_apis::add_out_of_box(&mut instance.store, 0);
        let store = &mut instance.store;
        let api: &[(&str, &str)] = &[("name", "sncc x"), ("service_id", "sncc_x")];
        let own_api = store.insert(SYS_WS_DEFINITION, api, "admin", 0);
        let probe: &[(&str, &str)] = &[
            ("web_service_definition", &own_api),
            ("relative_path", "/probe"),
        ];
        store.insert(SYS_WS_OPERATION, probe, "admin", 0);
        let entity_a = store.insert(OAUTH_ENTITY, &[("name", "a")], "admin", 0);
        let entity_b = store.insert(OAUTH_ENTITY, &[("name", "b")], "admin", 0);
        PolicySetup {
            instance,
            own_api,
            entity_a,
            entity_b,
        }
    }

    fn policy(&mut self, api: &str, extra: &[(&str, &str)]) -> String {
        let mut row = vec![("name", "p"), ("api", api)];
        row.extend_from_slice(extra);
        self.instance
            .store
            .insert(SYS_API_ACCESS_POLICY, &row, "admin", 0)
    }

    fn profile(&mut self, kind: &str, entity: &str) -> String {
        let row: &[(&str, &str)] = &[
            ("name", kind),
            ("type", kind),
            (PROFILE_ENTITY_COLUMN, entity),
        ];
        self.instance.store.insert(STD_HTTP_AUTH, row, "admin", 0)
    }

    fn basic_profile(&self) -> String {
        let basic = self
            .instance
            .store
            .find(STD_HTTP_AUTH, "type", "basic_auth");
        basic.unwrap().sys_id().to_owned()
    }

    fn map(&mut self, policy: &str, profile: &str) {
        let row: &[(&str, &str)] = &[
            ("api_access_policy", policy),
            ("inbound_auth_profile", profile),
        ];
        self.instance
            .store
            .insert(SYS_AUTH_PROFILE_MAPPING, row, "admin", 0);
    }

    fn restrict(&mut self, entity: &str, on: bool) {
        let change: &[(&str, &str)] =
            &[(TOKEN_RESTRICTION_COLUMN, if on { "true" } else { "false" })];
        self.instance
            .store
            .update(OAUTH_ENTITY, entity, change, "admin", 0);
    }

    fn check(
        &self,
        credentials: SignInKind<'_>,
        method: &str,
        path: &str,
    ) -> Result<(), Challenge> {
        let call = LazyCall::new(&self.instance.store, method, path);
        check(&self.instance, credentials, &call)
    }

    fn token<'s>(&'s self, entity: &'s str) -> SignInKind<'s> {
        SignInKind::OAuth {
            entity: Some(entity),
            issued_scopes: None,
        }
    }

    /// A policy on the suite's own API mapped to an OAuth profile linked to A, and to the Basic profile.
    fn n2(&mut self) -> String {
        let own_api = self.own_api.clone();
        let policy = self.policy(&own_api, &[]);
        let entity_a = self.entity_a.clone();
        let oauth = self.profile("oauth", &entity_a);
        self.map(&policy, &oauth);
        let basic = self.basic_profile();
        self.map(&policy, &basic);
        policy
    }

    fn broken(mut self, which: Break) -> PolicySetup {
        self.instance = self.instance.with_breaks(Breaks::new([which]));
        self
    }
}

#[test]
fn without_policies_every_request_is_let_in() {
    let setup = PolicySetup::new();
    assert_eq!(
        setup.check(setup.token(&setup.entity_a), "GET", OWN),
        Ok(())
    );
    assert_eq!(setup.check(SignInKind::Basic, "GET", TABLE), Ok(()));
}

#[test]
fn n2_a_policy_admits_only_its_profiles() {
    let mut setup = PolicySetup::new();
    setup.n2();
    assert_eq!(
        setup.check(setup.token(&setup.entity_a), "GET", OWN),
        Ok(())
    );
    assert_eq!(
        setup.check(setup.token(&setup.entity_b), "GET", OWN),
        Err(Challenge::Bearer)
    );
    assert_eq!(setup.check(SignInKind::Basic, "GET", OWN), Ok(()));
    assert_eq!(
        setup.check(setup.token(&setup.entity_b), "GET", TABLE),
        Ok(()),
        "another API"
    );
    let broken = setup.broken(Break::AccessPolicyIgnored);
    assert_eq!(
        broken.check(broken.token(&broken.entity_b), "GET", OWN),
        Ok(())
    );
}

#[test]
fn n2_the_challenge_names_the_first_profile() {
    let mut setup = PolicySetup::new();
    let own_api = setup.own_api.clone();
    let policy = setup.policy(&own_api, &[]);
    let basic = setup.basic_profile();
    setup.map(&policy, &basic);
    let entity_a = setup.entity_a.clone();
    let oauth = setup.profile("oauth", &entity_a);
    setup.map(&policy, &oauth);
    assert_eq!(
        setup.check(setup.token(&setup.entity_b), "GET", OWN),
        Err(Challenge::Basic)
    );
    let unlinked = setup.profile("oauth", "");
    let oauth_only = setup.policy(
        &own_api,
        &[("apply_all_methods", "false"), ("http_method", "POST")],
    );
    setup.map(&oauth_only, &unlinked);
    assert_eq!(
        setup.check(SignInKind::Basic, "POST", OWN),
        Err(Challenge::Bearer),
        "the more specific policy"
    );
    assert_eq!(
        setup.check(setup.token(&setup.entity_b), "POST", OWN),
        Ok(()),
        "any entity's token"
    );
}

#[test]
fn n2_inactive_unmapped_and_other_table_policies_restrict_nothing() {
    let mut setup = PolicySetup::new();
    let own_api = setup.own_api.clone();
    let inactive = setup.policy(&own_api, &[("active", "false")]);
    let basic = setup.basic_profile();
    setup.map(&inactive, &basic);
    setup.policy(&own_api, &[]);
    let sys_user_only = setup.policy(
        TABLE_API_SYS_ID,
        &[("apply_all_tables", "false"), ("api_tablename", "sys_user")],
    );
    setup.map(&sys_user_only, &basic);
    let token = setup.token(&setup.entity_a);
    assert_eq!(setup.check(token, "GET", OWN), Ok(()));
    assert_eq!(setup.check(token, "GET", TABLE), Ok(()));
    assert_eq!(
        setup.check(token, "GET", "/api/now/table/sys_user"),
        Err(Challenge::Basic)
    );
}

#[test]
fn n2_bad_policies_and_mappings_restrict_nothing() {
    let mut setup = PolicySetup::new();
    let missing_api = setup.policy("0123456789abcdef0123456789abcdef", &[]);
    let basic = setup.basic_profile();
    setup.map(&missing_api, &basic);
    let without_api = setup.policy("", &[]);
    setup.map(&without_api, &basic);
    let own_api = setup.own_api.clone();
    let gone_profile = setup.policy(&own_api, &[]);
    setup.map(&gone_profile, "fedcba9876543210fedcba9876543210");
    setup.map("", &basic);
    let token = setup.token(&setup.entity_a);
    assert_eq!(setup.check(token, "GET", OWN), Ok(()));
    assert_eq!(setup.check(token, "GET", TABLE), Ok(()));
}

#[test]
fn n1_a_restricted_entitys_token_needs_a_policy_that_admits_it() {
    let mut setup = PolicySetup::new();
    let entity_a = setup.entity_a.clone();
    setup.restrict(&entity_a, true);
    assert_eq!(
        setup.check(setup.token(&entity_a), "GET", OWN),
        Err(Challenge::Basic)
    );
    assert_eq!(
        setup.check(setup.token(&entity_a), "GET", TABLE),
        Err(Challenge::Basic)
    );
    assert_eq!(
        setup.check(setup.token(&setup.entity_b), "GET", OWN),
        Ok(())
    );
    assert_eq!(setup.check(SignInKind::Basic, "GET", OWN), Ok(()));
    setup.n2();
    assert_eq!(setup.check(setup.token(&entity_a), "GET", OWN), Ok(()));
    setup.restrict(&entity_a, false);
    assert_eq!(
        setup.check(setup.token(&entity_a), "GET", TABLE),
        Ok(()),
        "read live"
    );
    setup.restrict(&entity_a, true);
    let broken = setup.broken(Break::EnforceTokenRestrictionIgnored);
    assert_eq!(broken.check(broken.token(&entity_a), "GET", TABLE), Ok(()));
}

#[test]
fn before_xanadu_there_are_no_policies() {
    let mut setup = PolicySetup::new();
    setup.n2();
    let entity_a = setup.entity_a.clone();
    setup.restrict(&entity_a, true);
    setup
        .instance
        .set_release(&Release::ga(Family::WashingtonDc), 0);
    assert_eq!(
        setup.check(setup.token(&setup.entity_b), "GET", OWN),
        Ok(())
    );
    assert_eq!(setup.check(setup.token(&entity_a), "GET", TABLE), Ok(()));
}

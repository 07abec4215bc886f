//! Unit tests of every token endpoint rule, without HTTP.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::*;
use crate::mock::instance::{GRANT_PROPERTY, Instance};
use crate::mock::switches::RepeatToken;
use crate::mock::tables::schema::{OAUTH_ENTITY, SYS_USER};
use crate::servicenow::release::{Family, Release};

const SECRET: &str = "s3cr+t/%:[~";
const FORM: &str = "application/x-www-form-urlencoded";

struct Setup {
    instance: Instance,
    client_id: String,
    entity: String,
    user: String,
}

/// A Washington DC instance with the grant enabled and one client acting as `svc.cc`.
fn ready() -> Setup {
    let mut instance = Instance::default();
    instance.set_release(&Release::ga(Family::WashingtonDc), 0);
    instance.set_property(GRANT_PROPERTY, "boolean", "true", 0);
    let user = instance
        .store
        .insert(SYS_USER, &[("user_name", "svc.cc")], "admin", 0);
    let entity = instance.store.insert(
        OAUTH_ENTITY,
        &[
            ("name", "svc-cc"),
            ("client_secret", SECRET),
            ("user", &user),
        ],
        "admin",
        0,
    );
    let client_id = instance
        .store
        .get(OAUTH_ENTITY, &entity)
        .unwrap()
        .raw("client_id")
        .unwrap()
        .to_owned();
    Setup {
        instance,
        client_id,
        entity,
        user,
    }
}

fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

impl Setup {
    fn body(&self) -> String {
        format!(
            "grant_type=client_credentials&client_id={}&client_secret={}",
            self.client_id,
            encode(SECRET)
        )
    }

    fn decide_body(&self, body: &str) -> Decision {
        decide(&post(body), &self.instance, 0)
    }

    fn decide(&self) -> Decision {
        self.decide_body(&self.body())
    }

    fn set_entity(&mut self, column: &str, value: &str) {
        let changes: &[(&str, &str)] = &[(column, value)];
        self.instance
            .store
            .update(OAUTH_ENTITY, &self.entity, changes, "admin", 0);
    }

    fn set_user(&mut self, column: &str, value: &str) {
        let changes: &[(&str, &str)] = &[(column, value)];
        self.instance
            .store
            .update(SYS_USER, &self.user, changes, "admin", 0);
    }
}

fn post(body: &str) -> TokenHttpRequest<'_> {
    TokenHttpRequest {
        is_post: true,
        is_get: false,
        content_type: Some(FORM),
        authorization: None,
        query: None,
        body: body.as_bytes(),
    }
}

fn refused(reason: Reason) -> Decision {
    Decision::Refuse(Refusal::Generic(reason))
}

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

#[test]
fn a3_a_ready_client_is_granted_useraccount_for_the_entity_lifespan() {
    let setup = ready();
    let Decision::Issue(grant) = setup.decide() else {
        panic!("expected a grant, got {:?}", setup.decide());
    };
    assert_eq!(grant.user_sys_id, setup.user);
    assert_eq!(grant.entity_sys_id, setup.entity);
    assert_eq!(grant.user_name, "svc.cc");
    assert_eq!(grant.scope, "useraccount");
    assert_eq!(grant.lifespan, 1800);
}

#[test]
fn a1_a2_a4_the_property_gates_the_grant_live() {
    let mut setup = ready();
    setup.instance.store = {
        let mut store = setup.instance.store.clone();
        let property = store
            .find(
                crate::mock::tables::schema::SYS_PROPERTIES,
                "name",
                GRANT_PROPERTY,
            )
            .unwrap()
            .sys_id()
            .to_owned();
        store.delete(crate::mock::tables::schema::SYS_PROPERTIES, &property);
        store
    };
    assert_eq!(setup.decide(), refused(Reason::GrantDisabled), "absent");
    setup
        .instance
        .set_property(GRANT_PROPERTY, "boolean", "false", 0);
    assert_eq!(setup.decide(), refused(Reason::GrantDisabled), "false");
    setup
        .instance
        .set_property(GRANT_PROPERTY, "boolean", "TRUE", 0);
    assert!(matches!(setup.decide(), Decision::Issue(_)), "true again");
}

#[test]
fn b1_an_entity_without_application_user_is_unauthorized_client() {
    let mut setup = ready();
    setup.set_entity("user", "");
    let expected = Decision::Refuse(Refusal::UnauthorizedClient {
        entity_sys_id: setup.entity.clone(),
    });
    assert_eq!(setup.decide(), expected);
}

#[test]
fn b2_an_application_user_that_was_deleted_is_unauthorized_client() {
    let mut setup = ready();
    setup.instance.store.delete(SYS_USER, &setup.user);
    assert!(matches!(
        setup.decide(),
        Decision::Refuse(Refusal::UnauthorizedClient { .. })
    ));
}

#[test]
fn b3_b4_wrong_secret_and_unknown_client_are_generic() {
    let setup = ready();
    let wrong = setup.body().replace(&encode(SECRET), "nope");
    assert_eq!(setup.decide_body(&wrong), refused(Reason::WrongSecret));
    let unknown = setup.body().replace(&setup.client_id, &"0".repeat(32));
    assert_eq!(setup.decide_body(&unknown), refused(Reason::UnknownClient));
}

#[test]
fn b5_an_inactive_entity_is_refused_before_its_user_is_looked_at() {
    let mut setup = ready();
    setup.set_entity("active", "false");
    setup.set_entity("user", "");
    assert_eq!(setup.decide(), refused(Reason::EntityInactive));
}

#[test]
fn b6_b7_default_grant_type_is_irrelevant_and_lifespan_comes_from_the_entity() {
    let mut setup = ready();
    setup.set_entity("default_grant_type", "password");
    setup.set_entity("access_token_lifespan", "600");
    let Decision::Issue(grant) = setup.decide() else {
        panic!("expected a grant");
    };
    assert_eq!(grant.lifespan, 600);
    let issued = issue(&mut setup.instance, &grant, 1_000, Fresh::draw());
    assert_eq!(issued.expires_in, 599);
}

#[test]
fn d5_d6_d7_the_user_must_be_able_to_log_in() {
    for (column, reason) in [
        ("active", Reason::UserInactive),
        ("locked_out", Reason::UserLockedOut),
        ("password_needs_reset", Reason::UserMustResetPassword),
    ] {
        let mut setup = ready();
        let value = if column == "active" { "false" } else { "true" };
        setup.set_user(column, value);
        assert_eq!(setup.decide(), refused(reason), "{column}");
    }
}

#[test]
fn f1_f3_only_a_form_post_is_read() {
    let setup = ready();
    let body = setup.body();
    let get = TokenHttpRequest {
        is_post: false,
        ..post(&body)
    };
    assert_eq!(decide(&get, &setup.instance, 0), refused(Reason::NotPost));
    for content_type in [Some("application/json"), None] {
        let request = TokenHttpRequest {
            content_type,
            ..post(&body)
        };
        assert_eq!(
            decide(&request, &setup.instance, 0),
            refused(Reason::NotFormEncoded)
        );
    }
    let charset = TokenHttpRequest {
        content_type: Some("Application/X-WWW-Form-Urlencoded; charset=UTF-8"),
        ..post(&body)
    };
    assert!(matches!(
        decide(&charset, &setup.instance, 0),
        Decision::Issue(_)
    ));
}

#[test]
fn f5_f6_grant_type_and_secret_are_required() {
    let setup = ready();
    let other = setup
        .body()
        .replace("client_credentials", "authorization_code");
    assert_eq!(
        setup.decide_body(&other),
        refused(Reason::UnsupportedGrantType)
    );
    let password = setup.body().replace("client_credentials", "password");
    assert_eq!(
        setup.decide_body(&password),
        refused(Reason::UnknownUser),
        "a password grant without its user"
    );
    let no_secret = format!(
        "grant_type=client_credentials&client_id={}",
        setup.client_id
    );
    assert_eq!(
        setup.decide_body(&no_secret),
        refused(Reason::MissingClientCredentials)
    );
}

#[test]
fn f4_basic_client_auth_follows_its_switch_and_the_body_wins() {
    let mut setup = ready();
    let header = basic(&setup.client_id, SECRET);
    let request = TokenHttpRequest {
        authorization: Some(&header),
        ..post("grant_type=client_credentials")
    };
    assert!(matches!(
        decide(&request, &setup.instance, 0),
        Decision::Issue(_)
    ));

    let encoded = basic(&setup.client_id, &encode(SECRET));
    let form_encoded = TokenHttpRequest {
        authorization: Some(&encoded),
        ..request
    };
    assert!(matches!(
        decide(&form_encoded, &setup.instance, 0),
        Decision::Issue(_)
    ));

    let wrong_body = format!(
        "grant_type=client_credentials&client_id={}&client_secret=wrong",
        setup.client_id
    );
    let body_wins = TokenHttpRequest {
        authorization: Some(&header),
        ..post(&wrong_body)
    };
    assert_eq!(
        decide(&body_wins, &setup.instance, 0),
        refused(Reason::WrongSecret)
    );

    setup.instance.switches.basic_client_auth = false;
    assert_eq!(
        decide(&request, &setup.instance, 0),
        refused(Reason::MissingClientCredentials)
    );
}

#[test]
fn f7_only_useraccount_scope_is_granted() {
    let setup = ready();
    let explicit = format!("{}&scope=useraccount", setup.body());
    assert!(matches!(setup.decide_body(&explicit), Decision::Issue(g) if g.scope == "useraccount"));
    let unknown = format!("{}&scope=useraccount+admin", setup.body());
    assert_eq!(
        setup.decide_body(&unknown),
        refused(Reason::ScopeNotAllowed)
    );
}

#[test]
fn a4_break_the_cached_property_is_the_one_the_first_request_reaching_it_read() {
    let mut setup = ready();
    setup.instance = setup
        .instance
        .with_breaks(Breaks::new([Break::PropertyCached]));
    let get = TokenHttpRequest {
        is_post: false,
        ..post("")
    };
    remember(&get, &mut setup.instance);
    assert_eq!(setup.instance.break_state.cached_grant_property(), None);
    let body = setup.body();
    remember(&post(&body), &mut setup.instance);
    setup
        .instance
        .set_property(GRANT_PROPERTY, "boolean", "false", 0);
    assert!(matches!(setup.decide(), Decision::Issue(_)), "cached true");
}

#[test]
fn g1_releases_before_washington_dc_refuse_even_when_configured() {
    let mut setup = ready();
    for family in [Family::Tokyo, Family::Utah, Family::Vancouver] {
        setup.instance.set_release(&Release::ga(family), 0);
        assert_eq!(
            setup.decide(),
            refused(Reason::ReleaseWithoutGrant),
            "{family}"
        );
    }
    setup.instance.set_release(&Release::ga(Family::Zurich), 0);
    assert!(matches!(setup.decide(), Decision::Issue(_)));
}

#[test]
fn the_check_order_puts_grant_type_before_release_before_property() {
    let mut setup = ready();
    setup
        .instance
        .set_release(&Release::ga(Family::Vancouver), 0);
    setup
        .instance
        .set_property(GRANT_PROPERTY, "boolean", "false", 0);
    let other = setup.body().replace("client_credentials", "implicit");
    assert_eq!(
        setup.decide_body(&other),
        refused(Reason::UnsupportedGrantType)
    );
    assert_eq!(setup.decide(), refused(Reason::ReleaseWithoutGrant));
}

#[test]
fn issuing_records_an_oauth_credential_with_an_86_char_token() {
    let mut setup = ready();
    let Decision::Issue(grant) = setup.decide() else {
        panic!("expected a grant");
    };
    let issued = issue(&mut setup.instance, &grant, 0, Fresh::draw());
    assert_eq!(issued.access_token.len(), 86);
    assert_eq!(issued.expires_in, 1799);
    let record = setup
        .instance
        .store
        .find_unique(OAUTH_CREDENTIAL, &issued.access_token)
        .unwrap();
    assert_eq!(record.raw("peer"), Some(setup.entity.as_str()));
    assert_eq!(record.raw("user"), Some(setup.user.as_str()));
    assert_eq!(record.raw("expires"), Some("1970-01-01 00:30:00"));
    assert_eq!(record.raw("scopes"), Some("useraccount"));
}

#[test]
fn repeat_token_switch_chooses_a_new_or_the_live_token() {
    let mut setup = ready();
    let Decision::Issue(grant) = setup.decide() else {
        panic!("expected a grant");
    };
    let first = issue(&mut setup.instance, &grant, 0, Fresh::draw());
    let second = issue(&mut setup.instance, &grant, 10, Fresh::draw());
    assert_ne!(first.access_token, second.access_token);

    setup.instance.switches.repeat_token = RepeatToken::Current;
    let third = issue(&mut setup.instance, &grant, 100, Fresh::draw());
    assert_eq!(third.access_token, second.access_token);
    assert_eq!(third.expires_in, 1800 + 10 - 100 - 1);
    let after_expiry = issue(&mut setup.instance, &grant, 5000, Fresh::draw());
    assert_ne!(after_expiry.access_token, second.access_token);
}

#[test]
fn basic_header_parsing_rejects_other_schemes_and_garbage() {
    assert_eq!(
        basic_credentials(&basic("id", "a:b")),
        Some(("id".into(), "a:b".into()))
    );
    assert_eq!(basic_credentials("Bearer abc"), None);
    assert_eq!(basic_credentials("Basic !!!"), None);
    assert_eq!(basic_credentials("Basic"), None);
}

const OWNER_PASSWORD: &str = "own+er/pw%";

impl Setup {
    /// Gives `svc.cc` a password, and the password grant's body for it.
    fn password_body(&mut self, password: &str) -> String {
        self.set_user("user_password", OWNER_PASSWORD);
        format!(
            "grant_type=password&client_id={}&client_secret={}&username=SVC.CC&password={}",
            self.client_id,
            encode(SECRET),
            encode(password)
        )
    }
}

#[test]
fn the_password_grant_acts_as_the_user_with_a_refresh_token_on_every_release() {
    let mut setup = ready();
    let body = setup.password_body(OWNER_PASSWORD);
    // Neither the release nor the client credentials property matters; nor the entity's own user.
    setup
        .instance
        .set_release(&Release::ga(Family::Vancouver), 0);
    setup
        .instance
        .set_property(GRANT_PROPERTY, "boolean", "false", 0);
    setup.set_entity("user", "");
    let Decision::Issue(grant) = setup.decide_body(&body) else {
        panic!("expected a grant, got {:?}", setup.decide_body(&body));
    };
    assert_eq!(grant.user_sys_id, setup.user);
    assert_eq!(grant.entity_sys_id, setup.entity);
    assert_eq!(grant.scope, "useraccount");
    assert!(grant.refresh);
    let issued = issue(&mut setup.instance, &grant, 0, Fresh::draw());
    assert_eq!(
        issued.refresh_token.as_ref().map(|token| token.len()),
        Some(86)
    );
    let refresh = issued.refresh_token.as_deref().unwrap();
    let kept = setup
        .instance
        .store
        .find_unique(OAUTH_CREDENTIAL, refresh)
        .unwrap();
    assert_eq!(kept.raw("type"), Some("refresh_token"));
    assert_eq!(kept.raw("peer"), Some(setup.entity.as_str()));
    assert_eq!(kept.raw("user"), Some(setup.user.as_str()));
    assert_eq!(kept.raw("expires"), Some("1970-04-11 00:00:00"), "100 days");
    assert_eq!(issued.expires_in, 1799);
    setup.instance.switches.repeat_token = RepeatToken::Current;
    let again = issue(&mut setup.instance, &grant, 1, Fresh::draw());
    assert_ne!(
        again.access_token, issued.access_token,
        "never the live one"
    );
    let Decision::Issue(client_credentials) = ready().decide() else {
        panic!("expected a grant");
    };
    assert!(!client_credentials.refresh);
}

#[test]
fn the_password_grant_refuses_like_client_credentials_and_a_wrong_or_missing_password() {
    let mut setup = ready();
    let body = setup.password_body(OWNER_PASSWORD);
    let wrong = setup.password_body("nope");
    assert_eq!(setup.decide_body(&wrong), refused(Reason::WrongPassword));
    let other_user = body.replace("SVC.CC", "nobody");
    assert_eq!(setup.decide_body(&other_user), refused(Reason::UnknownUser));
    let wrong_secret = body.replace(&encode(SECRET), "x");
    assert_eq!(
        setup.decide_body(&wrong_secret),
        refused(Reason::WrongSecret)
    );
    let unknown_client = body.replace(&setup.client_id, "0123");
    assert_eq!(
        setup.decide_body(&unknown_client),
        refused(Reason::UnknownClient)
    );
    for (column, reason) in [
        ("locked_out", Reason::UserLockedOut),
        ("password_needs_reset", Reason::UserMustResetPassword),
    ] {
        setup.set_user(column, "true");
        assert_eq!(setup.decide_body(&body), refused(reason), "{column}");
        setup.set_user(column, "false");
    }
    setup.set_user("active", "false");
    assert_eq!(setup.decide_body(&body), refused(Reason::UserInactive));
    setup.set_entity("active", "false");
    assert_eq!(setup.decide_body(&body), refused(Reason::EntityInactive));
    setup.set_user("user_password", "");
    assert_eq!(
        setup.decide_body(&body.replace(&encode(OWNER_PASSWORD), "")),
        refused(Reason::EntityInactive),
        "the client is checked first"
    );
    setup.set_entity("active", "true");
    setup.set_user("active", "true");
    assert_eq!(
        setup.decide_body(&body.replace(&encode(OWNER_PASSWORD), "")),
        refused(Reason::WrongPassword),
        "a user without a password has none to match"
    );
}

#[test]
fn k2_an_enforcing_basic_auth_restriction_leaves_basic_client_auth_alone_but_for_its_break() {
    use crate::mock::auth::basic_restriction::ENFORCE_PROPERTY;
    let mut setup = ready();
    setup.instance.set_release(&Release::ga(Family::Brazil), 0);
    setup
        .instance
        .set_property(ENFORCE_PROPERTY, "boolean", "true", 0);
    let header = basic(&setup.client_id, SECRET);
    let request = TokenHttpRequest {
        authorization: Some(&header),
        ..post("grant_type=client_credentials")
    };
    assert!(matches!(
        decide(&request, &setup.instance, 0),
        Decision::Issue(_)
    ));
    let broken = setup
        .instance
        .with_breaks(Breaks::new([Break::RestrictionBlocksBasicClientAuth]));
    assert_eq!(
        decide(&request, &broken, 0),
        refused(Reason::MissingClientCredentials)
    );
}

#[test]
fn o1_the_sliding_switch_gives_the_live_token_a_full_lifespan_again() {
    let mut setup = ready();
    let Decision::Issue(grant) = setup.decide() else {
        panic!("expected a grant");
    };
    setup.instance.switches.repeat_token = RepeatToken::Sliding;
    let first = issue(&mut setup.instance, &grant, 0, Fresh::draw());
    let second = issue(&mut setup.instance, &grant, 100, Fresh::draw());
    assert_eq!(second.access_token, first.access_token);
    assert_eq!(second.expires_in, 1799);
    let record = setup
        .instance
        .store
        .find_unique(OAUTH_CREDENTIAL, &first.access_token)
        .unwrap();
    assert_eq!(record.raw("expires"), Some("1970-01-01 00:31:40"));
    setup.instance.purge_expired_tokens(1850);
    let kept = setup
        .instance
        .store
        .find_unique(OAUTH_CREDENTIAL, &first.access_token);
    assert!(kept.is_some(), "the slid token outlives its first expiry");
}

#[test]
fn o1_the_break_slides_the_live_tokens_and_issues_a_new_one() {
    let mut setup = ready();
    let Decision::Issue(grant) = setup.decide() else {
        panic!("expected a grant");
    };
    let first = issue(&mut setup.instance, &grant, 0, Fresh::draw());
    let expires = |setup: &Setup| {
        let record = setup
            .instance
            .store
            .find_unique(OAUTH_CREDENTIAL, &first.access_token);
        record.unwrap().raw("expires").unwrap().to_owned()
    };
    issue(&mut setup.instance, &grant, 100, Fresh::draw());
    assert_eq!(
        expires(&setup),
        "1970-01-01 00:30:00",
        "faithfully untouched"
    );
    setup.instance = setup
        .instance
        .with_breaks(Breaks::new([Break::TokenRequestSlidesLiveTokens]));
    let third = issue(&mut setup.instance, &grant, 200, Fresh::draw());
    assert_ne!(third.access_token, first.access_token);
    assert_eq!(expires(&setup), "1970-01-01 00:33:20");
}

#[test]
fn r1_the_ropc_property_refuses_the_password_grant_only() {
    let mut setup = ready();
    let body = setup.password_body(OWNER_PASSWORD);
    setup
        .instance
        .set_property(ROPC_DISABLED_PROPERTY, "boolean", "true", 0);
    assert_eq!(
        setup.decide_body(&body),
        refused(Reason::PasswordGrantDisabled)
    );
    assert!(matches!(setup.decide(), Decision::Issue(_)));
    setup
        .instance
        .set_property(ROPC_DISABLED_PROPERTY, "boolean", "false", 0);
    assert!(matches!(setup.decide_body(&body), Decision::Issue(_)));
    setup
        .instance
        .set_property(ROPC_DISABLED_PROPERTY, "boolean", "TRUE", 0);
    setup.instance = setup
        .instance
        .with_breaks(Breaks::new([Break::RopcSwitchIgnored]));
    assert!(matches!(setup.decide_body(&body), Decision::Issue(_)));
}

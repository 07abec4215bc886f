//! Unit tests of the JWT rules: format per release and column, subject, acting user, claims and signature.

use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};

use super::*;
use crate::mock::breaks::Breaks;
use crate::mock::instance::GRANT_PROPERTY;
use crate::mock::tables::schema::{OAUTH_CREDENTIAL, OAUTH_ENTITY};
use crate::mock::token::grant::{self, Decision, Fresh, TokenHttpRequest};
use crate::servicenow::release::{Family, Release};

const SECRET: &str = "jwt-test-secret";

struct Setup {
    instance: Instance,
    entity: String,
    user: String,
    admin: String,
}

/// A Zurich Patch 1 instance (the first Zurich patch with JWTs) whose entity asks for JWTs.
fn jwt_entity() -> Setup {
    let mut instance = Instance::default();
    instance.set_release(&Release::patched(Family::Zurich, 1), 0);
    instance.set_property(GRANT_PROPERTY, "boolean", "true", 0);
    let admin = instance
        .store
        .insert(SYS_USER, &[("user_name", "admin")], "system", 0);
    let user = instance.store.insert(
        SYS_USER,
        &[
            ("user_name", "svc.cc"),
            ("email", "svc.cc@example.com"),
            ("user_password", "never-in-a-token"),
        ],
        "admin",
        0,
    );
    let entity = instance.store.insert(
        OAUTH_ENTITY,
        &[
            ("name", "svc-cc"),
            ("client_secret", SECRET),
            ("user", &user),
            ("token_format", JWT_FORMAT),
        ],
        "admin",
        0,
    );
    Setup {
        instance,
        entity,
        user,
        admin,
    }
}

impl Setup {
    fn set_entity(&mut self, column: &str, value: &str) {
        let changes: &[(&str, &str)] = &[(column, value)];
        self.instance
            .store
            .update(OAUTH_ENTITY, &self.entity, changes, "admin", 0);
    }

    fn format(&self) -> TokenFormat {
        let entity = self.instance.store.get(OAUTH_ENTITY, &self.entity).unwrap();
        let user = self.instance.store.get(SYS_USER, &self.user).unwrap();
        j1_token_format(entity, user, &self.instance)
    }

    fn subject(&self) -> String {
        match self.format() {
            TokenFormat::Jwt(jwt) => jwt.subject,
            TokenFormat::Opaque => panic!("expected a JWT"),
        }
    }

    fn client_id(&self) -> String {
        let entity = self.instance.store.get(OAUTH_ENTITY, &self.entity).unwrap();
        entity.raw("client_id").unwrap().to_owned()
    }

    fn broken(self, which: Break) -> Setup {
        Setup {
            instance: self.instance.with_breaks(Breaks::new([which])),
            ..self
        }
    }

    /// Decides a correct token request and issues the token at `now`, signing a JWT as the token endpoint does.
    fn issue(&mut self, now: VirtualInstant) -> (grant::Grant, grant::IssuedToken) {
        let body = format!(
            "grant_type=client_credentials&client_id={}&client_secret={SECRET}",
            self.client_id()
        );
        let request = TokenHttpRequest {
            is_post: true,
            is_get: false,
            content_type: Some("application/x-www-form-urlencoded"),
            authorization: None,
            query: None,
            body: body.as_bytes(),
        };
        let Decision::Issue(granted) = grant::decide(&request, &self.instance, 0) else {
            panic!("expected a grant");
        };
        let fresh = Fresh::draw().signed(&granted, "https://dev1.service-now.com", now);
        let issued = grant::issue(&mut self.instance, &granted, now, fresh);
        (granted, issued)
    }
}

fn jws_part(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

fn verifies_with_jwks(token: &str) -> bool {
    let (message, signature) = token.rsplit_once('.').unwrap();
    let key = &jwks()["keys"][0];
    let component = |name: &str| URL_SAFE_NO_PAD.decode(key[name].as_str().unwrap()).unwrap();
    let public = RsaPublicKeyComponents {
        n: component("n"),
        e: component("e"),
    };
    let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
    public
        .verify(&RSA_PKCS1_2048_8192_SHA256, message.as_bytes(), &signature)
        .is_ok()
}

#[test]
fn j1_jwt_asked_for_on_a_release_with_the_gate_gives_a_jwt_for_the_client_id() {
    let setup = jwt_entity();
    let TokenFormat::Jwt(jwt) = setup.format() else {
        panic!("expected a JWT");
    };
    assert_eq!(jwt.audience, setup.client_id());
    assert_eq!(jwt.key, KeyChoice::Published);
}

#[test]
fn j4_releases_before_the_gate_give_opaque_tokens_and_the_first_patches_with_it_jwts() {
    let mut setup = jwt_entity();
    for (release, jwt) in [
        (Release::patched(Family::Yokohama, 6), false),
        (Release::patched(Family::Yokohama, 7), true),
        (Release::ga(Family::Zurich), false),
        (Release::patched(Family::Zurich, 1), true),
        (Release::ga(Family::Australia), true),
        (Release::ga(Family::Brazil), true),
        (Release::ga(Family::WashingtonDc), false),
    ] {
        setup.instance.set_release(&release, 0);
        assert_eq!(
            matches!(setup.format(), TokenFormat::Jwt(_)),
            jwt,
            "{release}"
        );
    }
    setup
        .instance
        .set_release(&Release::patched(Family::Yokohama, 6), 0);
    let broken = setup.broken(Break::JwtBeforeGate);
    assert!(matches!(broken.format(), TokenFormat::Jwt(_)));
}

#[test]
fn j1_opaque_and_unknown_token_formats_give_opaque_tokens() {
    let mut setup = jwt_entity();
    for value in ["opaque", "", "JWT", " jwt", "jwe", "bogus"] {
        setup.set_entity("token_format", value);
        assert_eq!(setup.format(), TokenFormat::Opaque, "{value:?}");
    }
}

#[test]
fn j1_breaks_ignore_the_format_or_sign_with_an_unpublished_key() {
    let ignored = jwt_entity().broken(Break::JwtFormatIgnored);
    assert_eq!(ignored.format(), TokenFormat::Opaque);
    let unpublished = jwt_entity().broken(Break::JwtUnpublishedKey);
    let TokenFormat::Jwt(jwt) = unpublished.format() else {
        panic!("expected a JWT");
    };
    assert_eq!(jwt.key, KeyChoice::Unpublished);
}

#[test]
fn sub_is_the_named_user_field_else_the_sys_id() {
    let mut setup = jwt_entity();
    assert_eq!(setup.subject(), setup.user);
    setup.set_entity("sub_claim", "email");
    assert_eq!(setup.subject(), "svc.cc@example.com");
    setup.set_entity("subject_claim", "user_name");
    assert_eq!(
        setup.subject(),
        "svc.cc",
        "subject_claim wins over sub_claim"
    );
    for unusable in ["user_password", "no_such_field", "first_name"] {
        setup.set_entity("subject_claim", unusable);
        setup.set_entity("sub_claim", "");
        assert_eq!(setup.subject(), setup.user, "{unusable}");
    }
}

#[test]
fn j2_a_jwt_acts_as_the_application_user_unless_broken() {
    let mut setup = jwt_entity();
    let (granted, _) = setup.issue(1_000);
    assert_eq!(granted.user_sys_id, setup.user);
    let mut broken = jwt_entity().broken(Break::JwtActsAsAdmin);
    let (granted, _) = broken.issue(1_000);
    assert_eq!(granted.user_sys_id, broken.admin);
    assert_eq!(
        broken.subject(),
        broken.user,
        "the JWT still names the user"
    );
    broken.set_entity("token_format", "opaque");
    let (granted, _) = broken.issue(1_000);
    assert_eq!(
        granted.user_sys_id, broken.user,
        "opaque tokens are not broken"
    );
}

#[test]
fn j1_j2_an_issued_jwt_is_signed_has_its_claims_and_is_an_oauth_credential_row() {
    let mut setup = jwt_entity();
    let (_, issued) = setup.issue(1_000);
    let token = &issued.access_token;
    assert_eq!(token.split('.').count(), 3);
    assert!(verifies_with_jwks(token));
    let header = jws_part(token, 0);
    assert_eq!(
        header,
        json!({"alg": "RS256", "typ": "JWT", "kid": jwks()["keys"][0]["kid"]})
    );
    let credential = setup
        .instance
        .store
        .find_unique(OAUTH_CREDENTIAL, token)
        .expect("the JWT is looked up as a token");
    let claims = jws_part(token, 1);
    assert_eq!(
        claims,
        json!({
            "iss": "https://dev1.service-now.com",
            "sub": setup.user,
            "aud": setup.client_id(),
            "iat": 1_000,
            "exp": 2_800,
            "jti": credential.sys_id(),
            "scope": "useraccount",
        })
    );
    assert_eq!(issued.expires_in, 1799, "expires_in as for an opaque token");
    assert_eq!(credential.raw("user"), Some(setup.user.as_str()));
    assert_eq!(
        credential.raw("expires"),
        Some(crate::servicenow::glide_time::glide_datetime(2_800).as_str())
    );
}

#[test]
fn j1_a_jwt_signed_with_the_unpublished_key_keeps_the_kid_and_fails_verification() {
    let mut broken = jwt_entity().broken(Break::JwtUnpublishedKey);
    let (_, issued) = broken.issue(1_000);
    let token = &issued.access_token;
    assert_eq!(jws_part(token, 0)["kid"], jwks()["keys"][0]["kid"]);
    assert!(!verifies_with_jwks(token));
}

#[test]
fn c5_short_tokens_shorten_only_opaque_tokens() {
    let mut broken = jwt_entity().broken(Break::ShortTokens);
    let (_, issued) = broken.issue(1_000);
    assert!(verifies_with_jwks(&issued.access_token));
    broken.set_entity("token_format", "opaque");
    let (_, issued) = broken.issue(1_000);
    assert_eq!(issued.access_token.len(), 16);
}

#[test]
fn the_issuer_is_the_host_the_request_came_to_with_the_mock_s_scheme() {
    let base = "https://127.0.0.1:8443";
    assert_eq!(
        issuer(base, Some("dev1.service-now.com")),
        "https://dev1.service-now.com"
    );
    assert_eq!(
        issuer(base, Some("localhost:8443")),
        "https://localhost:8443"
    );
    assert_eq!(
        issuer("http://[::1]:80", Some("[::1]:80")),
        "http://[::1]:80"
    );
    for odd in [
        None,
        Some(""),
        Some("a/b"),
        Some("u@h"),
        Some("h?x"),
        Some("h h"),
    ] {
        assert_eq!(issuer(base, odd), base, "{odd:?}");
    }
}

#[test]
fn the_jwks_lists_the_published_key_as_an_rs256_signing_jwk() {
    let key_set = jwks();
    let keys = key_set["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let members: Vec<&str> = keys[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(members, ["kty", "kid", "use", "alg", "n", "e"]);
}

#[test]
fn a_repeated_token_keeps_its_format() {
    let mut setup = jwt_entity();
    setup.instance.switches.repeat_token = crate::mock::switches::RepeatToken::Current;
    setup.set_entity("token_format", "opaque");
    let (_, opaque) = setup.issue(1_000);
    setup.set_entity("token_format", JWT_FORMAT);
    let (_, jwt) = setup.issue(1_001);
    assert!(verifies_with_jwks(&jwt.access_token), "not the opaque one");
    let (_, again) = setup.issue(1_002);
    assert_eq!(again.access_token, jwt.access_token);
    setup.set_entity("token_format", "opaque");
    let (_, back) = setup.issue(1_003);
    assert_eq!(back.access_token, opaque.access_token);
}

//! Who a REST request acts as (catalogue §3): HTTP Basic for users with a password, Bearer for issued tokens, and
//! a Bearer call's session cookie (catalogue I3, I4); then whether the access policies of the API it calls let it
//! in (catalogue §18) and its scopes let it call the API (catalogue §7, §17).
//! A Basic sign-in also answers to the Basic auth restriction (catalogue §10, see `basic_restriction`).
//!
//! Only the `Authorization` header and the session cookie are read: `?access_token=` in a query string
//! authenticates nothing (E6). The policies and the scope check follow a valid sign-in, read live.

use super::access_policies::{self, Challenge};
use super::auth_failure::AuthFailure;
use super::basic::{basic_credentials, password_matches};
use super::basic_restriction::{self, BasicVerdict};
use super::issued_tokens;
use super::rate_limits::RateLimited;
use super::scopes::{self, ScopeRefusal, SignInKind};
use super::sessions::Session;
use crate::mock::apis::api_call::LazyCall;
use crate::mock::breaks::{Break, Breaks};
use crate::mock::clock::VirtualInstant;
use crate::mock::instance::Instance;
use crate::mock::tables::schema::{OAUTH_CREDENTIAL, SYS_USER};
use crate::mock::tables::store::RecordRef;
use crate::servicenow::glide_time::parse_glide_datetime;

/// The user a request runs as, with that user's roles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Caller {
    pub sys_id: String,
    pub user_name: String,
    pub name: String,
    pub roles: Vec<String>,
}

impl Caller {
    /// True when the caller holds one of `roles`, or `admin`, or `roles` is empty (any authenticated user).
    pub(crate) fn has_any_role(&self, roles: &[impl AsRef<str>]) -> bool {
        roles.is_empty()
            || self.roles.iter().any(|held| {
                held == "admin" || roles.iter().any(|role| role.as_ref() == held.as_str())
            })
    }
}

/// Why a REST request was refused before it reached its API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum RestRefusal {
    /// The catalogue §3 401.
    NotAuthenticated(AuthFailure),
    /// The catalogue §3 401 of an access policy, or of Enforce Token Restriction (catalogue §18), its challenge
    /// naming the policy's first profile.
    RefusedByPolicy(Challenge),
    /// The catalogue §7 403.
    Scope(ScopeRefusal),
    /// The catalogue §18 429.
    RateLimited(RateLimited),
}

/// What the rules see of a REST request: where it goes and its credentials.
pub(crate) struct RestRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub authorization: Option<&'a str>,
    pub cookie: Option<&'a str>,
    /// Read only by [`Break::QueryTokenAccepted`].
    pub query: Option<&'a str>,
}

/// A REST request authenticated and admitted by the scope check: who it acts as, and how it signed in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Admitted {
    pub caller: Caller,
    /// The sys_id of the `oauth_credential` of the Bearer token it sent, if it sent one that has a record
    /// (its session is opened, its user's sign-in recorded: catalogue I3, I5).
    pub bearer_credential: Option<String>,
    /// A Basic sign-in the tracking Basic auth restriction let through, which it would refuse once it
    /// enforces (catalogue §10): the mock's journal notes it.
    pub basic_tracked: bool,
    /// Signed in with an HTTP Basic header (its user's Basic session is opened: catalogue §12).
    pub basic: bool,
}

/// How a request signed in, with what the scope check reads of it.
enum SignedIn<'i> {
    /// HTTP Basic; `tracked` as [`Admitted::basic_tracked`].
    Basic {
        tracked: bool,
    },
    /// A Bearer token, with its record (none for a token the breaks let through without one).
    Bearer(Option<RecordRef<'i>>),
    Session(&'i Session),
}

impl<'i> SignedIn<'i> {
    fn sign_in_kind(&self) -> SignInKind<'i> {
        match self {
            SignedIn::Basic { .. } => SignInKind::Basic,
            SignedIn::Bearer(credential) => SignInKind::OAuth {
                entity: credential.and_then(|credential| credential.raw("peer")),
                issued_scopes: credential.and_then(|credential| credential.raw("scopes")),
            },
            // catalogue §12: a Basic session's cookie is checked as its Basic sign-in was.
            SignedIn::Session(session) if session.basic => SignInKind::Basic,
            SignedIn::Session(session) => SignInKind::OAuth {
                entity: Some(&session.entity),
                issued_scopes: None,
            },
        }
    }
}

/// Who a REST request acts as, once the access policies let it in and its scopes allow the API: the
/// `Authorization` header's user (catalogue E6: never a query string's token), else its session cookie's.
pub(crate) fn authenticate_request(
    request: &RestRequest<'_>,
    instance: &Instance,
    now: VirtualInstant,
) -> Result<Admitted, RestRefusal> {
    let query_token = e6_query_token(request.query, &instance.breaks);
    let authorization = request.authorization.or(query_token.as_deref());
    let (caller, signed_in) = authenticate(authorization, request.cookie, instance, now)
        .map_err(RestRefusal::NotAuthenticated)?;
    let call = LazyCall::new(&instance.store, request.method, request.path);
    access_policies::check(instance, signed_in.sign_in_kind(), &call)
        .map_err(RestRefusal::RefusedByPolicy)?;
    scopes::check(instance, signed_in.sign_in_kind(), &call).map_err(RestRefusal::Scope)?;
    let bearer_credential = match signed_in {
        SignedIn::Bearer(Some(credential)) => Some(credential.sys_id().to_owned()),
        _ => None,
    };
    Ok(Admitted {
        caller,
        bearer_credential,
        basic_tracked: matches!(signed_in, SignedIn::Basic { tracked: true }),
        basic: matches!(signed_in, SignedIn::Basic { .. }),
    })
}

/// catalogue E6: `?access_token=` authenticates nothing. Break [`Break::QueryTokenAccepted`]: it does, as a
/// Bearer token when no header is sent.
fn e6_query_token(query: Option<&str>, breaks: &Breaks) -> Option<String> {
    if !breaks.has(Break::QueryTokenAccepted) {
        return None;
    }
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(name, _)| name == "access_token")
        .map(|(_, token)| format!("Bearer {token}"))
}

/// Who an `Authorization` header acts as; without one, a session cookie (catalogue I3).
fn authenticate<'i>(
    authorization: Option<&str>,
    cookie: Option<&str>,
    instance: &'i Instance,
    now: VirtualInstant,
) -> Result<(Caller, SignedIn<'i>), AuthFailure> {
    let Some(header) = authorization
        .map(str::trim)
        .filter(|value| !value.is_empty())
    else {
        return i4_session(cookie, instance, now);
    };
    let scheme = header.split(' ').next().unwrap_or_default();
    if scheme.eq_ignore_ascii_case("bearer") {
        bearer(header[scheme.len()..].trim(), instance, now)
    } else if scheme.eq_ignore_ascii_case("basic") {
        basic(header, instance)
    } else {
        Err(AuthFailure::UnsupportedScheme)
    }
}

/// catalogue I3, I4: a session authenticates while its token's record exists and has not expired (expiry and
/// revocation both set `expires`), or always when sessions outlive tokens.
/// A Basic session (catalogue §12) has no token to end it.
pub(crate) fn i4_alive(instance: &Instance, session: &Session, now: VirtualInstant) -> bool {
    if session.basic {
        return true;
    }
    if !instance.sessions_die_with_tokens() {
        return true;
    }
    instance
        .store
        .get(OAUTH_CREDENTIAL, &session.credential)
        .and_then(|credential| parse_glide_datetime(credential.raw("expires")?))
        .is_some_and(|expires| now < expires)
}

/// catalogue I3, I4: a session cookie acts as its token's user while the session is alive.
fn i4_session<'i>(
    cookie: Option<&str>,
    instance: &'i Instance,
    now: VirtualInstant,
) -> Result<(Caller, SignedIn<'i>), AuthFailure> {
    let session = cookie
        .and_then(|cookie| instance.sessions.find(cookie))
        .ok_or(AuthFailure::NoCredentials)?;
    if !i4_alive(instance, session, now) {
        return Err(AuthFailure::SessionEnded);
    }
    let user = instance.store.get(SYS_USER, &session.user);
    let caller = caller(user.ok_or(AuthFailure::UserCannotLogIn)?, instance)?;
    Ok((caller, SignedIn::Session(session)))
}

/// E1, E3, E4, E5: a token acts as its user while its record exists and has not expired.
fn bearer<'i>(
    token: &str,
    instance: &'i Instance,
    now: VirtualInstant,
) -> Result<(Caller, SignedIn<'i>), AuthFailure> {
    let broken = |which| instance.breaks.has(which);
    // Break (E1, C5, D1–D4): a Bearer token authenticates nothing.
    if broken(Break::BearerRefused) || !basic_restriction::k2_bearer_allowed(instance) {
        return Err(AuthFailure::UnknownToken);
    }
    let credential = instance
        .store
        .find_unique(OAUTH_CREDENTIAL, token)
        .filter(|record| record.raw("type") == Some("access_token"));
    if credential.is_none() {
        // Break (E5): a token whose record was deleted still acts as its user until it expires.
        let remembered = instance.break_state.issued_token(token);
        if let Some((expires, user)) = remembered.filter(|_| broken(Break::RevokedTokensAccepted)) {
            if now >= expires {
                return Err(AuthFailure::ExpiredToken);
            }
            let user = instance.store.get(SYS_USER, user);
            let caller = caller(user.ok_or(AuthFailure::UserCannotLogIn)?, instance)?;
            return Ok((caller, SignedIn::Bearer(None)));
        }
        // Break (E3, E5): an unknown (or purged, or revoked) bearer token acts as admin.
        if broken(Break::AnyTokenAccepted) {
            return Ok((admin(instance)?, SignedIn::Bearer(None)));
        }
    }
    let credential = credential.ok_or(AuthFailure::UnknownToken)?;
    let expires = credential
        .raw("expires")
        .and_then(parse_glide_datetime)
        .ok_or(AuthFailure::ExpiredToken)?;
    if now >= expires {
        // Break (E4): expired tokens act as admin, whether or not their records were purged yet (a token
        // issued elsewhere purges them; real time may not have).
        if broken(Break::AnyTokenAccepted) {
            return Ok((admin(instance)?, SignedIn::Bearer(None)));
        }
        // Break (E4): expired tokens are accepted.
        if !broken(Break::ExpiredTokensAccepted) {
            return Err(AuthFailure::ExpiredToken);
        }
    }
    let signed_in = SignedIn::Bearer(Some(credential));
    // Break (D1–D4): every token acts as admin.
    if broken(Break::TokensActAsAdmin) {
        return Ok((admin(instance)?, signed_in));
    }
    let user = issued_tokens::o2_acting_user(instance, credential)?
        .and_then(|sys_id| instance.store.get(SYS_USER, sys_id))
        .ok_or(AuthFailure::UserCannotLogIn)?;
    Ok((caller(user, instance)?, signed_in))
}

/// The instance's `admin`, as the breaks that let a token act as admin see it.
fn admin(instance: &Instance) -> Result<Caller, AuthFailure> {
    let admin = instance.user_named("admin");
    let user = admin.and_then(|sys_id| instance.store.get(SYS_USER, &sys_id));
    caller(user.ok_or(AuthFailure::UserCannotLogIn)?, instance)
}

/// A Basic sign-in: the user's password, then the Basic auth restriction (catalogue K1, K3).
fn basic<'i>(header: &str, instance: &'i Instance) -> Result<(Caller, SignedIn<'i>), AuthFailure> {
    let (user_name, password) = basic_credentials(header).ok_or(AuthFailure::WrongPassword)?;
    let user = instance
        .user_named(&user_name)
        .and_then(|sys_id| instance.store.get(SYS_USER, &sys_id))
        .ok_or(AuthFailure::WrongPassword)?;
    if !password_matches(user, &password) {
        return Err(AuthFailure::WrongPassword);
    }
    let caller = caller(user, instance)?;
    match basic_restriction::k1_basic_sign_in(instance, user, &caller.roles) {
        BasicVerdict::Allowed => Ok((caller, SignedIn::Basic { tracked: false })),
        BasicVerdict::Tracked => Ok((caller, SignedIn::Basic { tracked: true })),
        BasicVerdict::Refused => Err(AuthFailure::BasicAuthRestricted),
    }
}

fn caller(user: RecordRef<'_>, instance: &Instance) -> Result<Caller, AuthFailure> {
    if !user.is_true("active") || user.is_true("locked_out") {
        return Err(AuthFailure::UserCannotLogIn);
    }
    let text = |column| user.raw(column).unwrap_or_default().to_owned();
    Ok(Caller {
        sys_id: user.sys_id().to_owned(),
        user_name: text("user_name"),
        name: text("name"),
        roles: instance.roles_of(user.sys_id()),
    })
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;

    use super::*;
    use crate::mock::auth::sessions::SESSION_COOKIE;
    use crate::mock::instance::COOKIE_AUTH_DISABLED_PROPERTY;
    use crate::servicenow::glide_time::glide_datetime;

    const TOKEN: &str = "tok";

    fn sign_in(
        authorization: Option<&str>,
        instance: &Instance,
        now: VirtualInstant,
    ) -> Result<Caller, AuthFailure> {
        authenticate(authorization, None, instance, now).map(|(caller, _)| caller)
    }

    fn instance() -> (Instance, String) {
        let mut instance = Instance::default();
        let user = instance.store.insert(
            SYS_USER,
            &[
                ("user_name", "svc.cc"),
                ("user_password", "pw"),
                ("first_name", "Svc"),
            ],
            "admin",
            0,
        );
        instance.grant_role(&user, "itil", 0);
        let credential: &[(&str, &str)] = &[
            ("token", TOKEN),
            ("expires", &glide_datetime(100)),
            ("user", &user),
        ];
        instance
            .store
            .insert(OAUTH_CREDENTIAL, credential, "system", 0);
        (instance, user)
    }

    fn basic_header(user: &str, password: &str) -> String {
        format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
    }

    #[test]
    fn e1_a_live_bearer_token_acts_as_its_user_with_roles() {
        let (instance, user) = instance();
        let caller = sign_in(Some("Bearer tok"), &instance, 99).unwrap();
        assert_eq!(caller.sys_id, user);
        assert_eq!(caller.user_name, "svc.cc");
        assert_eq!(caller.roles, ["itil"]);
        assert!(caller.has_any_role(&["itil"]) && caller.has_any_role(&[] as &[&str]));
        assert!(!caller.has_any_role(&["admin"]));
    }

    #[test]
    fn e2_e3_e4_e5_missing_unknown_expired_and_revoked_tokens_fail() {
        let (mut instance, _) = instance();
        assert_eq!(sign_in(None, &instance, 0), Err(AuthFailure::NoCredentials));
        assert_eq!(
            sign_in(Some("Bearer nope"), &instance, 0),
            Err(AuthFailure::UnknownToken)
        );
        assert_eq!(
            sign_in(Some("Bearer tok"), &instance, 100),
            Err(AuthFailure::ExpiredToken)
        );
        let row = instance
            .store
            .find_unique(OAUTH_CREDENTIAL, TOKEN)
            .unwrap()
            .sys_id()
            .to_owned();
        instance.store.delete(OAUTH_CREDENTIAL, &row);
        assert_eq!(
            sign_in(Some("Bearer tok"), &instance, 0),
            Err(AuthFailure::UnknownToken)
        );
        assert_eq!(
            sign_in(Some("Digest x"), &instance, 0),
            Err(AuthFailure::UnsupportedScheme)
        );
    }

    #[test]
    fn basic_needs_the_right_password_and_a_user_who_can_log_in() {
        let (mut instance, user) = instance();
        assert!(sign_in(Some(&basic_header("SVC.CC", "pw")), &instance, 0).is_ok());
        assert_eq!(
            sign_in(Some(&basic_header("svc.cc", "PW")), &instance, 0),
            Err(AuthFailure::WrongPassword)
        );
        instance
            .store
            .update(SYS_USER, &user, &[("locked_out", "true")], "a", 0);
        assert_eq!(
            sign_in(Some(&basic_header("svc.cc", "pw")), &instance, 0),
            Err(AuthFailure::UserCannotLogIn)
        );
        assert_eq!(
            sign_in(Some("Bearer tok"), &instance, 0),
            Err(AuthFailure::UserCannotLogIn)
        );
    }

    #[test]
    fn a_user_without_a_password_cannot_use_basic() {
        let mut instance = Instance::default();
        instance
            .store
            .insert(SYS_USER, &[("user_name", "nopw")], "a", 0);
        assert_eq!(
            sign_in(Some(&basic_header("nopw", "")), &instance, 0),
            Err(AuthFailure::WrongPassword)
        );
    }

    fn with_token_record(expires: VirtualInstant) -> (Instance, String) {
        let mut instance = Instance::default();
        let row: &[(&str, &str)] = &[("token", "t"), ("expires", &glide_datetime(expires))];
        let credential = instance.store.insert(OAUTH_CREDENTIAL, row, "a", 0);
        (instance, credential)
    }

    #[test]
    fn i4_a_session_dies_with_its_token_unless_the_property_is_false() {
        let (mut instance, credential) = with_token_record(100);
        let cookies = instance.sessions.open(&credential, "u", || "e".to_owned());
        let header = format!("{SESSION_COOKIE}={}", cookies[0]);
        let session = instance.sessions.find(&header).unwrap().clone();
        assert!(i4_alive(&instance, &session, 99));
        assert!(!i4_alive(&instance, &session, 100));
        instance.set_property(COOKIE_AUTH_DISABLED_PROPERTY, "boolean", "false", 0);
        assert!(i4_alive(&instance, &session, 100));
        instance.set_property(COOKIE_AUTH_DISABLED_PROPERTY, "boolean", "true", 0);
        instance.store.delete(OAUTH_CREDENTIAL, &credential);
        assert!(!i4_alive(&instance, &session, 0));
        let broken = instance.with_breaks(crate::mock::Breaks::new([Break::CookieOutlivesToken]));
        assert!(i4_alive(&broken, &session, 100));
    }
}

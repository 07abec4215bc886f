//! The token endpoint's rules (catalogue §1): a request and the instance in, a decision out; then issuance.
//! Besides client credentials, the password grant an admin signs in with (catalogue §10) runs the same client
//! rules, then checks the resource owner's user name and password; the refresh token grant (catalogue §19, in
//! `refresh`) runs the client rules, then checks the refresh token.
//!
//! Each catalogue row is one small pure rule (`f3_post_only`, `a1_property_enabled`, …) that cites its
//! catalogue id and owns the breaks of that row; [`decide`] chains them in catalogue §1's order. The query string
//! is in [`TokenHttpRequest`] only for the breaks: an instance never reads parameters from it
//! (`glide.oauth.allow.parameters.in.post.body.only`, catalogue F2).

mod refresh;

use std::borrow::Cow;

use subtle::ConstantTimeEq;

use super::form::{self, Form};
use super::jwt::{self, Claims, TokenFormat};
use super::signing_key::KeyChoice;
use crate::mock::auth::basic::{basic_credentials, password_matches};
use crate::mock::auth::basic_restriction;
use crate::mock::auth::scopes;
use crate::mock::auth::scopes::DEFAULT_SCOPE;
use crate::mock::breaks::{Break, Breaks};
use crate::mock::clock::VirtualInstant;
use crate::mock::instance::{GRANT_PROPERTY, Instance};
use crate::mock::switches::RepeatToken;
use crate::mock::tables::schema::{OAUTH_CREDENTIAL, OAUTH_ENTITY, SYS_USER};
use crate::mock::tables::store::RecordRef;
use crate::mock::tables::store::SYSTEM_ACTOR;
use crate::servicenow::captured::ROPC_DISABLED_PROPERTY;
use crate::servicenow::glide_time::{glide_datetime, parse_glide_datetime};
use crate::support::random;

const DEFAULT_LIFESPAN: i64 = 1800;
/// `oauth_entity.refresh_token_lifespan`'s default: 100 days.
const DEFAULT_REFRESH_LIFESPAN: i64 = 8_640_000;

/// What the rules see of an HTTP request to `/oauth_token.do`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TokenHttpRequest<'a> {
    pub is_post: bool,
    pub is_get: bool,
    pub content_type: Option<&'a str>,
    pub authorization: Option<&'a str>,
    /// Read only by the F2 and F3 breaks.
    pub query: Option<&'a str>,
    pub body: &'a [u8],
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    Issue(Grant),
    Refuse(Refusal),
}

/// A token to issue: for whom, with what scope, for how long.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Grant {
    pub entity_sys_id: String,
    pub user_sys_id: String,
    pub user_name: String,
    /// [`DEFAULT_SCOPE`], or the entity's mapped scopes (catalogue H7), unless [`Break::ScopeIgnored`] grants a
    /// requested one.
    pub scope: Cow<'static, str>,
    pub lifespan: i64,
    /// Whether a refresh token comes with it (the password grant's, catalogue §10).
    pub refresh: bool,
    /// How long that refresh token lives: the entity's `refresh_token_lifespan` (catalogue §13).
    pub refresh_lifespan: i64,
    /// Opaque, or a JWT (catalogue §9).
    pub format: TokenFormat,
    /// The sys_id of the refresh token exchanged for this one (catalogue §19): it comes back as this token's
    /// refresh token rather than a new one.
    pub refresh_from: Option<String>,
}

impl Grant {
    /// The key that signs the token, when it is a JWT.
    pub(crate) fn jwt_key(&self) -> Option<KeyChoice> {
        match &self.format {
            TokenFormat::Opaque => None,
            TokenFormat::Jwt(jwt) => Some(jwt.key),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The generic `server_error` / `access_denied` 401, whatever the cause.
    Generic(Reason),
    /// The entity has no usable OAuth Application User (B1, B2).
    UnauthorizedClient { entity_sys_id: String },
}

/// Why a generic refusal happened: never sent to the client, kept in the mock's journal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reason {
    NotPost,
    NotFormEncoded,
    UnsupportedGrantType,
    ReleaseWithoutGrant,
    GrantDisabled,
    MissingClientCredentials,
    UnknownClient,
    WrongSecret,
    EntityInactive,
    /// The application user is missing (only with [`Break::UserlessEntityGeneric`]; faithfully B1's refusal).
    UserMissing,
    UserInactive,
    UserLockedOut,
    UserMustResetPassword,
    ScopeNotAllowed,
    /// The password grant names no user, or one the instance does not have.
    UnknownUser,
    /// The password grant's password is not the user's (or the user has none).
    WrongPassword,
    /// The password grant is switched off (`glide.oauth.inbound.ropc.grant_type.disabled`).
    PasswordGrantDisabled,
    /// The refresh token grant names no refresh token, or one the instance never issued.
    UnknownRefreshToken,
    /// The refresh token was issued to another client.
    RefreshTokenOfAnotherClient,
    /// The refresh token has expired or was revoked.
    RefreshTokenExpired,
}

impl Reason {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Reason::NotPost => "not_post",
            Reason::NotFormEncoded => "not_form_encoded",
            Reason::UnsupportedGrantType => "unsupported_grant_type",
            Reason::ReleaseWithoutGrant => "release_without_grant",
            Reason::GrantDisabled => "grant_disabled",
            Reason::MissingClientCredentials => "missing_client_credentials",
            Reason::UnknownClient => "unknown_client",
            Reason::WrongSecret => "wrong_secret",
            Reason::EntityInactive => "entity_inactive",
            Reason::UserMissing => "user_missing",
            Reason::UserInactive => "user_inactive",
            Reason::UserLockedOut => "user_locked_out",
            Reason::UserMustResetPassword => "user_must_reset_password",
            Reason::ScopeNotAllowed => "scope_not_allowed",
            Reason::UnknownUser => "unknown_user",
            Reason::WrongPassword => "wrong_password",
            Reason::PasswordGrantDisabled => "password_grant_disabled",
            Reason::UnknownRefreshToken => "unknown_refresh_token",
            Reason::RefreshTokenOfAnotherClient => "refresh_token_of_another_client",
            Reason::RefreshTokenExpired => "refresh_token_expired",
        }
    }
}

/// The grant types the token endpoint issues tokens for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GrantType {
    ClientCredentials,
    /// The resource owner password grant (catalogue §10).
    Password,
    /// A password grant's refresh token exchanged (catalogue §19).
    RefreshToken,
}

/// Decides a token request, checking in catalogue §1's order: method and form, grant type, release, property,
/// client, secret, entity, user, user state, scope (the password grant: method and form, grant type,
/// client, secret, entity, user and password, user state, scope; the refresh token grant: method and form, grant
/// type, client, secret, entity, refresh token, user state). `now` dates the refresh token's expiry.
pub(crate) fn decide(
    request: &TokenHttpRequest<'_>,
    instance: &Instance,
    now: VirtualInstant,
) -> Decision {
    let breaks = &instance.breaks;
    let body = f2_parameters(request, breaks); // catalogue F2
    let outcome =
        read_request(request, &body, instance).and_then(|(form, grant_type)| match grant_type {
            GrantType::ClientCredentials => grant(request, &body, &form, instance),
            GrantType::Password => password_grant(request, &body, &form, instance),
            GrantType::RefreshToken => {
                refresh::refresh_token_grant(request, &body, &form, instance, now)
            }
        });
    match outcome {
        Ok(grant) => Decision::Issue(grant),
        Err(refusal) => Decision::Refuse(refusal),
    }
}

/// What the breaks remember of a token request once it is decided (only [`Break::PropertyCached`] does:
/// the grant property as the first request that reached it read it).
pub(crate) fn remember(request: &TokenHttpRequest<'_>, instance: &mut Instance) {
    let breaks = &instance.breaks;
    if breaks.has(Break::PropertyCached) && instance.break_state.cached_grant_property().is_none() {
        let body = f2_parameters(request, breaks);
        let read = read_request(request, &body, instance);
        if matches!(read, Ok((_, GrantType::ClientCredentials))) {
            let property = instance.property(GRANT_PROPERTY).map(str::to_owned);
            instance.break_state.cache_grant_property(property);
        }
    }
}

/// The rules before the grant property is read: what the request itself must be, and its grant type.
fn read_request<'b>(
    request: &TokenHttpRequest<'_>,
    body: &'b [u8],
    instance: &Instance,
) -> Result<(Form<'b>, GrantType), Refusal> {
    let breaks = &instance.breaks;
    f3_post_only(request, breaks)?; // catalogue F3
    let form = f1_form_encoded(request, body, breaks)?; // catalogue F1
    let grant_type = f5_grant_type(&form, breaks)?; // catalogue F5
    if grant_type == GrantType::ClientCredentials {
        g1_release_has_grant(instance, breaks)?; // catalogue G1
    }
    Ok((form, grant_type))
}

/// The rules from the grant property on: whether and for whom the instance grants a token.
fn grant(
    request: &TokenHttpRequest<'_>,
    body: &[u8],
    form: &Form<'_>,
    instance: &Instance,
) -> Result<Grant, Refusal> {
    let breaks = &instance.breaks;
    a1_property_enabled(instance, breaks)?; // catalogue A1, A2, A4
    let entity = authenticated_client(request, body, form, instance)?; // catalogue F6, F4, F2, B4, B3, F8, B5
    b6_default_grant_type(entity, breaks)?; // catalogue B6
    let user = b1_application_user(entity, instance, breaks)?; // catalogue B1, B2, D2
    d5_user_may_sign_in(user, breaks)?; // catalogue D5, D6, D7
    let mapped = scopes::h7_granted(instance, entity); // catalogue H7
    let scope = f7_scope(form, mapped, breaks)?; // catalogue F7
    Ok(granted(entity, user, scope, false, instance))
}

/// catalogue §10: the password grant, on every release and whatever the client credentials property says, unless
/// switched off (catalogue §18): the client as for client credentials, then the resource owner, who must be able to
/// sign in. Every refusal is the generic 401.
fn password_grant(
    request: &TokenHttpRequest<'_>,
    body: &[u8],
    form: &Form<'_>,
    instance: &Instance,
) -> Result<Grant, Refusal> {
    let breaks = &instance.breaks;
    r1_password_grant_enabled(instance, breaks)?; // catalogue §18, row R1
    let entity = authenticated_client(request, body, form, instance)?; // catalogue F6, F4, F2, B4, B3, F8, B5
    let user = resource_owner(form, instance)?; // catalogue §10: users with a password
    d5_user_may_sign_in(user, breaks)?; // catalogue D5, D6, D7
    let mapped = scopes::h7_granted(instance, entity); // catalogue H7
    let scope = f7_scope(form, mapped, breaks)?; // catalogue F7
    Ok(granted(entity, user, scope, true, instance))
}

/// The client of every grant: its credentials read, found by `client_id`, its secret matching, active.
pub(super) fn authenticated_client<'i>(
    request: &TokenHttpRequest<'_>,
    body: &[u8],
    form: &Form<'_>,
    instance: &'i Instance,
) -> Result<RecordRef<'i>, Refusal> {
    let breaks = &instance.breaks;
    let credentials = f6_client_credentials(form, request, instance, breaks)?; // catalogue F6, F4, F2
    let entity = b4_known_client(&credentials, instance)?; // catalogue B4
    b3_secret_matches(credentials, entity, body, breaks)?; // catalogue B3, F8: constant time
    b5_entity_active(entity, breaks)?; // catalogue B5
    Ok(entity)
}

/// catalogue §10: the password grant's `username` names a user whose password is `password`.
fn resource_owner<'i>(form: &Form<'_>, instance: &'i Instance) -> Result<RecordRef<'i>, Refusal> {
    let user = form
        .get("username")
        .and_then(|name| instance.user_named(name))
        .and_then(|sys_id| instance.store.get(SYS_USER, &sys_id));
    let Some(user) = user else {
        return refuse(Reason::UnknownUser);
    };
    if !password_matches(user, form.get("password").unwrap_or_default()) {
        return refuse(Reason::WrongPassword);
    }
    Ok(user)
}

/// The token a decided request gets: the entity's lifespan (catalogue B7) and format (catalogue J1, J4), acting as
/// `user` (catalogue J2).
pub(super) fn granted(
    entity: RecordRef<'_>,
    user: RecordRef<'_>,
    scope: Cow<'static, str>,
    refresh: bool,
    instance: &Instance,
) -> Grant {
    let format = jwt::j1_token_format(entity, user, instance); // catalogue J1, J4
    let user = jwt::j2_acting_user(&format, user, instance); // catalogue J2
    Grant {
        entity_sys_id: entity.sys_id().to_owned(),
        user_sys_id: user.sys_id().to_owned(),
        user_name: user.raw("user_name").unwrap_or_default().to_owned(),
        scope,
        lifespan: b7_lifespan(entity), // catalogue B7
        refresh,
        refresh_lifespan: refresh_lifespan(entity),
        format,
        refresh_from: None,
    }
}

pub(super) fn refuse<T>(reason: Reason) -> Result<T, Refusal> {
    Err(Refusal::Generic(reason))
}

/// catalogue F2: parameters come from the body only.
/// Break [`Break::QueryStringRead`]: from the query string too; [`Break::GetIssuesTokens`]: so are a GET's.
fn f2_parameters<'r>(request: &TokenHttpRequest<'r>, breaks: &Breaks) -> Cow<'r, [u8]> {
    let reads_query = breaks.has(Break::QueryStringRead)
        || (request.is_get && breaks.has(Break::GetIssuesTokens));
    match request.query.filter(|_| reads_query) {
        Some(query) => Cow::Owned([request.body, b"&", query.as_bytes()].concat()),
        None => Cow::Borrowed(request.body),
    }
}

/// catalogue F3: only POST issues tokens. Break [`Break::GetIssuesTokens`]: GET does too.
fn f3_post_only(request: &TokenHttpRequest<'_>, breaks: &Breaks) -> Result<(), Refusal> {
    if !request.is_post && !breaks.has(Break::GetIssuesTokens) {
        return refuse(Reason::NotPost);
    }
    Ok(())
}

/// catalogue F1, L1: the servlet reads parameters from form bodies only (a `charset` parameter is fine); a JSON
/// body has none. Breaks: [`Break::JsonBodyAccepted`] (a JSON body is read like a form),
/// [`Break::FormCharsetRefused`] (a form `Content-Type` with parameters is refused).
fn f1_form_encoded<'b>(
    request: &TokenHttpRequest<'_>,
    body: &'b [u8],
    breaks: &Breaks,
) -> Result<Form<'b>, Refusal> {
    let json_form = breaks
        .has(Break::JsonBodyAccepted)
        .then(|| json_as_form(body))
        .flatten();
    if !is_form_encoded(request.content_type) && json_form.is_none() {
        return refuse(Reason::NotFormEncoded);
    }
    let has_parameters = request
        .content_type
        .is_some_and(|value| value.contains(';'));
    if has_parameters && breaks.has(Break::FormCharsetRefused) {
        return refuse(Reason::NotFormEncoded);
    }
    Ok(json_form.unwrap_or_else(|| Form::parse(body)))
}

/// catalogue F5: the grant type must be client_credentials (or, catalogue §10, password; catalogue §19,
/// refresh_token).
/// Break [`Break::GrantTypeIgnored`]: it is not checked, every request is a client credentials one.
fn f5_grant_type(form: &Form<'_>, breaks: &Breaks) -> Result<GrantType, Refusal> {
    if breaks.has(Break::GrantTypeIgnored) {
        return Ok(GrantType::ClientCredentials);
    }
    match form.get("grant_type") {
        Some("client_credentials") => Ok(GrantType::ClientCredentials),
        Some("password") => Ok(GrantType::Password),
        Some("refresh_token") => Ok(GrantType::RefreshToken),
        _ => refuse(Reason::UnsupportedGrantType),
    }
}

/// catalogue §18 (row R1): `glide.oauth.inbound.ropc.grant_type.disabled=true` switches the password grant off, read
/// live; its refusal is the generic 401 (inferred). Break [`Break::RopcSwitchIgnored`]: the property is not read.
fn r1_password_grant_enabled(instance: &Instance, breaks: &Breaks) -> Result<(), Refusal> {
    let disabled = instance
        .property(ROPC_DISABLED_PROPERTY)
        .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"));
    if disabled && !breaks.has(Break::RopcSwitchIgnored) {
        return refuse(Reason::PasswordGrantDisabled);
    }
    Ok(())
}

/// catalogue G1: before Washington DC the inbound grant does not exist.
/// Break [`Break::GrantOnOldReleases`]: older releases issue tokens.
fn g1_release_has_grant(instance: &Instance, breaks: &Breaks) -> Result<(), Refusal> {
    if !instance.release().supports_client_credentials() && !breaks.has(Break::GrantOnOldReleases) {
        return refuse(Reason::ReleaseWithoutGrant);
    }
    Ok(())
}

/// catalogue A1, A2, A4: the property is read live on every request; absent means false.
/// Breaks: [`Break::PropertyCached`] (read once), [`Break::GrantEnabledByDefault`] (absent counts as
/// true), [`Break::PropertyValueIgnored`] (any value enables), [`Break::GrantAlwaysDisabled`] (never on).
fn a1_property_enabled(instance: &Instance, breaks: &Breaks) -> Result<(), Refusal> {
    let live = instance.property(GRANT_PROPERTY);
    let property = match instance.break_state.cached_grant_property() {
        Some(cached) if breaks.has(Break::PropertyCached) => cached,
        _ => live,
    };
    let enabled = property.is_some_and(|value| value.trim().eq_ignore_ascii_case("true"));
    let enabled = enabled || (property.is_none() && breaks.has(Break::GrantEnabledByDefault));
    let enabled = enabled || (property.is_some() && breaks.has(Break::PropertyValueIgnored));
    if !enabled || breaks.has(Break::GrantAlwaysDisabled) {
        return refuse(Reason::GrantDisabled);
    }
    Ok(())
}

/// catalogue F6, F4, F2: credentials from the body; from HTTP Basic only when the body names no client.
/// Break [`Break::MissingSecretAccepted`]: a client id without a secret is let through, as if it had sent
/// the right one.
fn f6_client_credentials<'a>(
    form: &'a Form<'_>,
    request: &TokenHttpRequest<'_>,
    instance: &'a Instance,
    breaks: &Breaks,
) -> Result<ClientCredentials<'a>, Refusal> {
    // catalogue K2: the token endpoint is checked before the Basic auth restriction.
    let basic = instance.switches.basic_client_auth
        && basic_restriction::k2_token_endpoint_basic_allowed(instance);
    if let Some(credentials) = client_credentials(form, request, basic) {
        return Ok(credentials);
    }
    match form.get("client_id") {
        Some(id) if breaks.has(Break::MissingSecretAccepted) => {
            let entity = instance.store.find(OAUTH_ENTITY, "client_id", id);
            let stored = entity.and_then(|entity| entity.raw("client_secret"));
            Ok(ClientCredentials {
                id: Cow::Borrowed(id),
                secret: Cow::Borrowed(stored.unwrap_or_default()),
                decoded_secret: None,
            })
        }
        _ => refuse(Reason::MissingClientCredentials),
    }
}

/// catalogue B4: the client must be registered.
fn b4_known_client<'i>(
    credentials: &ClientCredentials<'_>,
    instance: &'i Instance,
) -> Result<RecordRef<'i>, Refusal> {
    match instance
        .store
        .find(OAUTH_ENTITY, "client_id", &credentials.id)
    {
        Some(entity) => Ok(entity),
        None => refuse(Reason::UnknownClient),
    }
}

/// catalogue B3, F8: the secret must match, compared in constant time.
/// Breaks: [`Break::SecretNotDecoded`] (compared as sent, before form-decoding),
/// [`Break::AnySecretAccepted`] (any secret matches).
fn b3_secret_matches(
    credentials: ClientCredentials<'_>,
    entity: RecordRef<'_>,
    body: &[u8],
    breaks: &Breaks,
) -> Result<(), Refusal> {
    let raw_secret = breaks
        .has(Break::SecretNotDecoded)
        .then(|| raw_parameter(body, "client_secret"))
        .flatten();
    let credentials = match raw_secret {
        Some(raw) => ClientCredentials {
            secret: Cow::Borrowed(raw),
            decoded_secret: None,
            ..credentials
        },
        None => credentials,
    };
    let stored_secret = entity.raw("client_secret").unwrap_or_default();
    if (stored_secret.is_empty() || !credentials.matches(stored_secret))
        && !breaks.has(Break::AnySecretAccepted)
    {
        return refuse(Reason::WrongSecret);
    }
    Ok(())
}

/// catalogue B5: an inactive entity issues nothing. Break [`Break::InactiveEntityAccepted`]: it still does.
fn b5_entity_active(entity: RecordRef<'_>, breaks: &Breaks) -> Result<(), Refusal> {
    if !entity.is_true("active") && !breaks.has(Break::InactiveEntityAccepted) {
        return refuse(Reason::EntityInactive);
    }
    Ok(())
}

/// catalogue B6: the entity's default grant type does not matter.
/// Break [`Break::DefaultGrantTypeEnforced`]: only entities whose default is client_credentials issue tokens.
fn b6_default_grant_type(entity: RecordRef<'_>, breaks: &Breaks) -> Result<(), Refusal> {
    if breaks.has(Break::DefaultGrantTypeEnforced)
        && entity.raw("default_grant_type") != Some("client_credentials")
    {
        return refuse(Reason::UnsupportedGrantType);
    }
    Ok(())
}

/// catalogue B1, B2: the OAuth Application User must be set and exist (catalogue D2: as it is now).
/// Breaks: [`Break::UserChangeIgnored`] (the entity's first user), [`Break::UserCachedAtFirstIssue`]
/// (its user at its first token), [`Break::UserlessEntityGeneric`] (a missing user gets the generic
/// error).
fn b1_application_user<'i>(
    entity: RecordRef<'i>,
    instance: &'i Instance,
    breaks: &Breaks,
) -> Result<RecordRef<'i>, Refusal> {
    let first_user = instance
        .break_state
        .first_user(entity.sys_id())
        .filter(|_| {
            breaks.has(Break::UserChangeIgnored) || breaks.has(Break::UserCachedAtFirstIssue)
        });
    let user = first_user
        .or(entity.raw("user"))
        .filter(|sys_id| !sys_id.is_empty())
        .and_then(|sys_id| instance.store.get(SYS_USER, sys_id));
    match user {
        Some(user) => Ok(user),
        None if breaks.has(Break::UserlessEntityGeneric) => refuse(Reason::UserMissing),
        None => Err(Refusal::UnauthorizedClient {
            entity_sys_id: entity.sys_id().to_owned(),
        }),
    }
}

/// catalogue D5, D6, D7: the user must be able to log in. Break [`Break::UserStateIgnored`]: not checked.
pub(super) fn d5_user_may_sign_in(user: RecordRef<'_>, breaks: &Breaks) -> Result<(), Refusal> {
    if breaks.has(Break::UserStateIgnored) {
        return Ok(());
    }
    if !user.is_true("active") {
        return refuse(Reason::UserInactive);
    }
    if user.is_true("locked_out") {
        return refuse(Reason::UserLockedOut);
    }
    if user.is_true("password_needs_reset") {
        return refuse(Reason::UserMustResetPassword);
    }
    Ok(())
}

/// catalogue F7: only `useraccount` (or, catalogue H7, a scope the entity is mapped to) may be requested; the
/// token gets `useraccount`, or the `mapped` scopes when there are.
/// Break [`Break::ScopeIgnored`]: any scope is granted.
fn f7_scope(
    form: &Form<'_>,
    mapped: Option<String>,
    breaks: &Breaks,
) -> Result<Cow<'static, str>, Refusal> {
    let allowed = |scope: &str| {
        scope == DEFAULT_SCOPE
            || mapped
                .as_deref()
                .is_some_and(|names| names.split(' ').any(|name| name == scope))
    };
    match form.get("scope").map(str::trim).filter(|s| !s.is_empty()) {
        Some(requested) if !requested.split_whitespace().all(allowed) => {
            if breaks.has(Break::ScopeIgnored) {
                Ok(Cow::Owned(requested.to_owned()))
            } else {
                refuse(Reason::ScopeNotAllowed)
            }
        }
        _ => Ok(mapped.map_or(Cow::Borrowed(DEFAULT_SCOPE), Cow::Owned)),
    }
}

/// catalogue B7: the lifespan comes from the entity (an integer field, so 32 bits: a larger value is as
/// unusable as a missing one).
fn b7_lifespan(entity: RecordRef<'_>) -> i64 {
    entity
        .raw("access_token_lifespan")
        .and_then(|text| text.parse::<i32>().ok())
        .filter(|seconds| *seconds > 0)
        .map_or(DEFAULT_LIFESPAN, i64::from)
}

/// catalogue §13: a refresh token lives the entity's `refresh_token_lifespan` (seconds; the column's default when
/// unset or not positive).
fn refresh_lifespan(entity: RecordRef<'_>) -> i64 {
    entity
        .raw("refresh_token_lifespan")
        .and_then(|text| text.parse::<i32>().ok())
        .filter(|seconds| *seconds > 0)
        .map_or(DEFAULT_REFRESH_LIFESPAN, i64::from)
}

/// Whether a `Content-Type` names a form body, with or without parameters (catalogue L1: `; charset=UTF-8`).
pub(crate) fn is_form_encoded(content_type: Option<&str>) -> bool {
    content_type
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| {
            media
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// A client id and the secrets it may have meant (a Basic secret as sent, and form-decoded).
struct ClientCredentials<'a> {
    id: Cow<'a, str>,
    secret: Cow<'a, str>,
    /// A Basic secret form-decoded, when that differs from it as sent.
    decoded_secret: Option<String>,
}

impl ClientCredentials<'_> {
    /// Whether a secret it may have meant is `stored`, each compared in constant time.
    fn matches(&self, stored: &str) -> bool {
        let equal = |given: &str| bool::from(given.as_bytes().ct_eq(stored.as_bytes()));
        equal(&self.secret) | self.decoded_secret.as_deref().is_some_and(equal)
    }
}

fn client_credentials<'a>(
    form: &'a Form<'_>,
    request: &TokenHttpRequest<'_>,
    basic_enabled: bool,
) -> Option<ClientCredentials<'a>> {
    if let Some(id) = form.get("client_id") {
        let secret = form.get("client_secret")?;
        return Some(ClientCredentials {
            id: Cow::Borrowed(id),
            secret: Cow::Borrowed(secret),
            decoded_secret: None,
        });
    }
    if !basic_enabled {
        return None;
    }
    let (id, secret) = basic_credentials(request.authorization?)?;
    let decoded_secret = form::decode(secret.as_bytes())
        .filter(|decoded| *decoded != secret)
        .map(Cow::into_owned);
    Some(ClientCredentials {
        id: Cow::Owned(
            form::decode(id.as_bytes())
                .map(Cow::into_owned)
                .unwrap_or(id),
        ),
        secret: Cow::Owned(secret),
        decoded_secret,
    })
}

/// A JSON object's string members as a form (only [`Break::JsonBodyAccepted`] reads one).
fn json_as_form(body: &[u8]) -> Option<Form<'static>> {
    let serde_json::Value::Object(members) = serde_json::from_slice(body).ok()? else {
        return None;
    };
    let mut encoded = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in &members {
        if let Some(text) = value.as_str() {
            encoded.append_pair(name, text);
        }
    }
    Some(Form::parse(encoded.finish().as_bytes()).into_owned())
}

/// A body parameter's first value as sent, not form-decoded (only [`Break::SecretNotDecoded`] reads it).
fn raw_parameter<'b>(body: &'b [u8], name: &str) -> Option<&'b str> {
    let body = std::str::from_utf8(body).ok()?;
    body.split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

/// What the token endpoint returns on success.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct IssuedToken {
    pub access_token: String,
    /// The password grant's (catalogue §10), kept as an `oauth_credential` record of type `refresh_token` that
    /// `oauth_revoke_token.do` revokes (catalogue §13) and the refresh token grant exchanges (catalogue §19).
    pub refresh_token: Option<String>,
    pub scope: Cow<'static, str>,
    pub expires_in: i64,
}

/// The random parts of a token about to be issued: drawn before the instance is locked, since the
/// operating system's random source now and then takes a system call. Deliberately not `Debug`: it holds
/// the token.
pub(crate) struct Fresh {
    access_token: String,
    credential_sys_id: String,
}

impl Fresh {
    pub(crate) fn draw() -> Fresh {
        Fresh {
            access_token: random::access_token(),
            credential_sys_id: random::sys_id(),
        }
    }

    /// The same, its access token the JWT of `grant` when it is one (catalogue J1), issued by `issuer` at `now`;
    /// its `jti` is the sys_id its `oauth_credential` record gets.
    pub(crate) fn signed(self, grant: &Grant, issuer: &str, now: VirtualInstant) -> Fresh {
        let TokenFormat::Jwt(jwt) = &grant.format else {
            return self;
        };
        let claims = Claims {
            iss: issuer,
            sub: &jwt.subject,
            aud: &jwt.audience,
            iat: now,
            exp: now.saturating_add(grant.lifespan),
            jti: &self.credential_sys_id,
            scope: &grant.scope,
        };
        Fresh {
            access_token: jwt::sign(jwt.key, &claims),
            ..self
        }
    }
}

/// Issues the granted token: a new `oauth_credential` record made from `fresh` (or the live one, per
/// [`RepeatToken`]: catalogue C5, §18 row O1).
pub(crate) fn issue(
    instance: &mut Instance,
    grant: &Grant,
    now: VirtualInstant,
    fresh: Fresh,
) -> IssuedToken {
    instance.purge_expired_tokens(now);
    let repeat = instance.switches.repeat_token;
    if repeat != RepeatToken::New && !grant.refresh {
        if let Some(live) = live_token(instance, grant, now) {
            if repeat == RepeatToken::Sliding {
                slide(instance, &live.credential, grant.lifespan, now);
                return IssuedToken {
                    expires_in: grant.lifespan - 1,
                    ..live.issued
                };
            }
            return live.issued;
        }
    }
    // Break (O1): a token request moves the expiry of its entity's live tokens, and issues a new one.
    if instance.breaks.has(Break::TokenRequestSlidesLiveTokens) {
        let live: Vec<String> = live_credentials(instance, grant, now)
            .map(|record| record.sys_id().to_owned())
            .collect();
        for credential in live {
            slide(instance, &credential, grant.lifespan, now);
        }
    }
    let mut access_token = fresh.access_token;
    // Break (C5): opaque tokens are 16 characters long.
    if instance.breaks.has(Break::ShortTokens) && grant.format == TokenFormat::Opaque {
        access_token.truncate(16);
    }
    let expires = now.saturating_add(grant.lifespan);
    let expires_at = glide_datetime(expires);
    let changes = [
        ("sys_id", fresh.credential_sys_id.as_str()),
        ("token", access_token.as_str()),
        ("type", "access_token"),
        ("expires", &expires_at),
        ("peer", &grant.entity_sys_id),
        ("user", &grant.user_sys_id),
        ("scopes", &grant.scope),
    ];
    let credential = instance
        .store
        .insert_row(OAUTH_CREDENTIAL, &changes, &grant.user_name, now);
    instance.track_expiry(expires, credential);
    // Break (E5): the token is remembered apart from its record, so deleting the record does not revoke it.
    let breaks = &instance.breaks;
    instance.break_state.token_issued(
        breaks,
        &access_token,
        expires,
        (&grant.entity_sys_id, &grant.user_sys_id),
    );
    // Breaks (B7): `expires_in` is the lifespan itself, not one less; or the default's whatever the
    // lifespan.
    let expires_in = if instance.breaks.has(Break::ExpiresInOffByOne) {
        grant.lifespan
    } else if instance.breaks.has(Break::ExpiresInFixed) {
        1799
    } else {
        grant.lifespan - 1
    };
    IssuedToken {
        access_token,
        refresh_token: grant.refresh.then(|| match &grant.refresh_from {
            Some(exchanged) => exchanged_refresh_token(instance, exchanged),
            None => keep_refresh_token(instance, grant, now),
        }),
        scope: grant.scope.clone(),
        expires_in,
    }
}

/// catalogue §19: the refresh token a refresh token grant exchanged, returned again as it is.
fn exchanged_refresh_token(instance: &Instance, credential: &str) -> String {
    instance
        .store
        .get(OAUTH_CREDENTIAL, credential)
        .and_then(|record| record.raw("token"))
        .unwrap_or_default()
        .to_owned()
}

/// catalogue §13: a refresh token, kept as an `oauth_credential` record of type `refresh_token` for the same entity
/// and user, expiring after the entity's refresh token lifespan.
fn keep_refresh_token(instance: &mut Instance, grant: &Grant, now: VirtualInstant) -> String {
    // Drawn under the lock: the password grant is an admin's sign-in, rare beside token requests.
    let token = random::access_token();
    let expires = now.saturating_add(grant.refresh_lifespan);
    let changes = [
        ("token", token.as_str()),
        ("type", "refresh_token"),
        ("expires", &glide_datetime(expires)),
        ("peer", &grant.entity_sys_id),
        ("user", &grant.user_sys_id),
        ("scopes", &grant.scope),
    ];
    let credential = instance
        .store
        .insert_row(OAUTH_CREDENTIAL, &changes, &grant.user_name, now);
    instance.track_expiry(expires, credential);
    token
}

/// A live token the grant may get again, and its `oauth_credential` record's sys_id.
struct LiveToken {
    issued: IssuedToken,
    credential: String,
}

/// The live access tokens of the grant's entity and user with its scope and format, newest first.
fn live_credentials<'i>(
    instance: &'i Instance,
    grant: &'i Grant,
    now: VirtualInstant,
) -> impl Iterator<Item = RecordRef<'i>> {
    instance
        .store
        .all(OAUTH_CREDENTIAL)
        .rev()
        .filter(|record| record.raw("type") == Some("access_token"))
        .filter(|record| record.raw("peer") == Some(grant.entity_sys_id.as_str()))
        .filter(|record| record.raw("user") == Some(grant.user_sys_id.as_str()))
        .filter(|record| record.raw("scopes") == Some(grant.scope.as_ref()))
        // A JWT (compact JWS, with dots) repeats only for a JWT, an opaque token (base64url) for an opaque one.
        .filter(|record| {
            record.raw("token").is_some_and(|token| token.contains('.'))
                == grant.jwt_key().is_some()
        })
        .filter(move |record| {
            let expires = record.raw("expires").and_then(parse_glide_datetime);
            expires.is_some_and(|expires| expires > now)
        })
}

fn live_token(instance: &Instance, grant: &Grant, now: VirtualInstant) -> Option<LiveToken> {
    live_credentials(instance, grant, now).find_map(|record| {
        let expires = parse_glide_datetime(record.raw("expires")?)?;
        let access_token = record.raw("token")?.to_owned();
        Some(LiveToken {
            issued: IssuedToken {
                access_token,
                refresh_token: None,
                scope: grant.scope.clone(),
                expires_in: expires - now - 1,
            },
            credential: record.sys_id().to_owned(),
        })
    })
}

/// catalogue §18 (row O1): moves a live token's expiry to a full `lifespan` from `now`, as the instance does (its
/// purge finds the later expiry when the earlier one comes).
fn slide(instance: &mut Instance, credential: &str, lifespan: i64, now: VirtualInstant) {
    let expires = glide_datetime(now.saturating_add(lifespan));
    let change: &[(&str, &str)] = &[("expires", &expires)];
    instance
        .store
        .update(OAUTH_CREDENTIAL, credential, change, SYSTEM_ACTOR, now);
}

#[cfg(test)]
mod tests;

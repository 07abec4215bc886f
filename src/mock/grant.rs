//! The token endpoint's rules (SPEC §1): a request and the instance in, a decision out; then issuance.
//!
//! The query string is deliberately not part of [`TokenRequest`]: an instance never reads parameters
//! from it (`glide.oauth.allow.parameters.in.post.body.only`, SPEC F2).

use std::borrow::Cow;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use subtle::ConstantTimeEq;

use super::breaks::Break;
use super::clock::{Instant, glide_datetime, parse_glide_datetime};
use super::form::{self, Form};
use super::instance::{GRANT_PROPERTY, Instance};
use super::random;
use super::schema::{OAUTH_CREDENTIAL, OAUTH_ENTITY, SYS_USER};
use super::switches::RepeatToken;

/// The only scope an OAuth API endpoint grants by default.
pub const DEFAULT_SCOPE: &str = "useraccount";
const DEFAULT_LIFESPAN: i64 = 1800;

/// What the rules see of an HTTP request to `/oauth_token.do`.
#[derive(Clone, Copy, Debug)]
pub struct TokenRequest<'a> {
    pub is_post: bool,
    pub content_type: Option<&'a str>,
    pub authorization: Option<&'a str>,
    pub body: &'a [u8],
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Issue(Grant),
    Refuse(Refusal),
}

/// A token to issue: for whom, with what scope, for how long.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub entity_sys_id: String,
    pub user_sys_id: String,
    pub user_name: String,
    /// Always [`DEFAULT_SCOPE`] unless [`Break::ScopeIgnored`] grants a requested one.
    pub scope: Cow<'static, str>,
    pub lifespan: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The generic `server_error` / `access_denied` 401, whatever the cause.
    Generic(Reason),
    /// The entity has no usable OAuth Application User (B1, B2).
    UnauthorizedClient { entity_sys_id: String },
}

/// Why a generic refusal happened: never sent to the client, kept in the mock's journal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
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
}

impl Reason {
    pub fn code(self) -> &'static str {
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
        }
    }
}

/// Decides a token request, checking in SPEC §1's order.
pub fn decide(request: &TokenRequest<'_>, instance: &Instance) -> Decision {
    match check(request, instance) {
        Ok(grant) => Decision::Issue(grant),
        Err(refusal) => Decision::Refuse(refusal),
    }
}

fn check(request: &TokenRequest<'_>, instance: &Instance) -> Result<Grant, Refusal> {
    use Reason::*;
    let refuse = |reason| Err(Refusal::Generic(reason));
    let broken = |which| instance.breaks.has(which);

    // F3: only POST issues tokens.
    // Break (F3): GET issues tokens (the adapter gives the rules its query string as the form).
    if !request.is_post && !broken(Break::GetIssuesTokens) {
        return refuse(NotPost);
    }
    // Break (F1): a JSON body is read like a form.
    let json_form = broken(Break::JsonBodyAccepted)
        .then(|| json_as_form(request.body))
        .flatten();
    // F1: the servlet reads parameters from form bodies only; a JSON body has none.
    if !is_form_encoded(request.content_type) && json_form.is_none() {
        return refuse(NotFormEncoded);
    }
    let form = json_form.unwrap_or_else(|| Form::parse(request.body));
    // F5: the grant type must be client_credentials.
    // Break (F5): the grant type is not checked.
    if form.get("grant_type") != Some("client_credentials") && !broken(Break::GrantTypeIgnored) {
        return refuse(UnsupportedGrantType);
    }
    // G1: before Washington DC the inbound grant does not exist.
    // Break (G1): releases before Washington DC issue tokens.
    if !instance.release().supports_client_credentials() && !broken(Break::GrantOnOldReleases) {
        return refuse(ReleaseWithoutGrant);
    }
    // A1, A2, A4: the property is read live on every request; absent means false.
    let property = instance.property(GRANT_PROPERTY);
    // Break (A4): the property is read once and cached.
    let property = if broken(Break::PropertyCached) {
        let first = &instance.first_grant_property;
        first.get_or_init(|| property.map(str::to_owned)).as_deref()
    } else {
        property
    };
    let enabled = property.is_some_and(|value| value.trim().eq_ignore_ascii_case("true"));
    // Break (A1): an absent property counts as true.
    let enabled = enabled || (property.is_none() && broken(Break::GrantEnabledByDefault));
    // Break (A2, A4): the property enables the grant whatever its value.
    let enabled = enabled || (property.is_some() && broken(Break::PropertyValueIgnored));
    // Break (A3, and every scenario that needs a token): the grant stays off whatever the property says.
    let enabled = enabled && !broken(Break::GrantAlwaysDisabled);
    if !enabled {
        return refuse(GrantDisabled);
    }
    // F6, F4, F2: credentials from the body; from HTTP Basic only when the body names no client.
    let basic = instance.switches.basic_client_auth;
    let credentials = match client_credentials(&form, request, basic) {
        Some(credentials) => credentials,
        // Break (F6): a client id without a secret is let through, as if it had sent the right one.
        None if broken(Break::MissingSecretAccepted) && form.get("client_id").is_some() => {
            let id = form.get("client_id").unwrap_or_default();
            let entity = instance.store.find(&OAUTH_ENTITY, "client_id", id);
            let stored = entity.and_then(|entity| entity.raw("client_secret"));
            ClientCredentials {
                id: Cow::Borrowed(id),
                secret: Cow::Borrowed(stored.unwrap_or_default()),
                decoded_secret: None,
            }
        }
        None => return refuse(MissingClientCredentials),
    };
    // B4: the client must be registered.
    let Some(entity) = instance
        .store
        .find(&OAUTH_ENTITY, "client_id", &credentials.id)
    else {
        return refuse(UnknownClient);
    };
    // Break (F8): the secret is compared as sent, before form-decoding.
    let raw_secret = broken(Break::SecretNotDecoded)
        .then(|| raw_parameter(request.body, "client_secret"))
        .flatten();
    let credentials = match raw_secret {
        Some(raw) => ClientCredentials {
            secret: Cow::Borrowed(raw),
            decoded_secret: None,
            ..credentials
        },
        None => credentials,
    };
    // B3, F8: the secret must match, compared in constant time.
    let stored_secret = entity.raw("client_secret").unwrap_or_default();
    // Break (B3, C6): any secret is accepted.
    if (stored_secret.is_empty() || !credentials.matches(stored_secret))
        && !broken(Break::AnySecretAccepted)
    {
        return refuse(WrongSecret);
    }
    // B5: an inactive entity issues nothing.
    // Break (B5): an inactive entity still issues tokens.
    if !entity.is_true("active") && !broken(Break::InactiveEntityAccepted) {
        return refuse(EntityInactive);
    }
    // Break (B6): only entities whose default grant type is client_credentials issue tokens.
    if broken(Break::DefaultGrantTypeEnforced)
        && entity.raw("default_grant_type") != Some("client_credentials")
    {
        return refuse(UnsupportedGrantType);
    }
    // Break (D2): a token acts as the first user its entity ever had.
    let first_user = instance
        .first_users
        .get(entity.sys_id())
        .filter(|_| broken(Break::UserChangeIgnored));
    // B1, B2: the OAuth Application User must be set and exist.
    let user = first_user
        .map(String::as_str)
        .or(entity.raw("user"))
        .filter(|sys_id| !sys_id.is_empty())
        .and_then(|sys_id| instance.store.get(&SYS_USER, sys_id));
    let Some(user) = user else {
        // Break (B1, B2): a missing or deleted application user gets the generic error.
        if broken(Break::UserlessEntityGeneric) {
            return refuse(UserMissing);
        }
        return Err(Refusal::UnauthorizedClient {
            entity_sys_id: entity.sys_id().to_owned(),
        });
    };
    // D5, D6, D7: the user must be able to log in.
    // Break (D5, D6, D7): the application user's state is not checked.
    if !broken(Break::UserStateIgnored) {
        if !user.is_true("active") {
            return refuse(UserInactive);
        }
        if user.is_true("locked_out") {
            return refuse(UserLockedOut);
        }
        if user.is_true("password_needs_reset") {
            return refuse(UserMustResetPassword);
        }
    }
    // F7: only `useraccount` is granted; none requested means `useraccount`.
    let scope = match form.get("scope").map(str::trim).filter(|s| !s.is_empty()) {
        None => Cow::Borrowed(DEFAULT_SCOPE),
        Some(requested) if requested.split_whitespace().all(|s| s == DEFAULT_SCOPE) => {
            Cow::Borrowed(DEFAULT_SCOPE)
        }
        // Break (F7): any scope is granted.
        Some(requested) if broken(Break::ScopeIgnored) => Cow::Owned(requested.to_owned()),
        Some(_) => return refuse(ScopeNotAllowed),
    };
    // B6: the entity's default grant type does not matter. B7: the lifespan comes from the entity
    // (an integer field, so 32 bits: a larger value is as unusable as a missing one).
    let lifespan = entity
        .raw("access_token_lifespan")
        .and_then(|text| text.parse::<i32>().ok())
        .filter(|seconds| *seconds > 0)
        .map_or(DEFAULT_LIFESPAN, i64::from);
    Ok(Grant {
        entity_sys_id: entity.sys_id().to_owned(),
        user_sys_id: user.sys_id().to_owned(),
        user_name: user.raw("user_name").unwrap_or_default().to_owned(),
        scope,
        lifespan,
    })
}

fn is_form_encoded(content_type: Option<&str>) -> bool {
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
    request: &TokenRequest<'_>,
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

/// Splits an `Authorization: Basic …` header into id and secret.
pub fn basic_credentials(header: &str) -> Option<(String, String)> {
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// What the token endpoint returns on success.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedToken {
    pub access_token: String,
    pub scope: Cow<'static, str>,
    pub expires_in: i64,
}

/// The random parts of a token about to be issued: drawn before the instance is locked, since the
/// operating system's random source now and then takes a system call. Deliberately not `Debug`: it holds
/// the token.
pub struct Fresh {
    access_token: String,
    credential_sys_id: String,
}

impl Fresh {
    pub fn draw() -> Fresh {
        Fresh {
            access_token: random::access_token(),
            credential_sys_id: random::sys_id(),
        }
    }
}

/// Issues the granted token: a new `oauth_credential` record made from `fresh` (or the live one, per
/// [`RepeatToken`]).
pub fn issue(instance: &mut Instance, grant: &Grant, now: Instant, fresh: Fresh) -> IssuedToken {
    instance.purge_expired_tokens(now);
    if instance.switches.repeat_token == RepeatToken::Current {
        if let Some(live) = live_token(instance, grant, now) {
            return live;
        }
    }
    let mut access_token = fresh.access_token;
    // Break (C5): tokens are 16 characters long.
    if instance.breaks.has(Break::ShortTokens) {
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
        .insert_row(&OAUTH_CREDENTIAL, &changes, &grant.user_name, now);
    instance.track_expiry(expires, credential);
    // Break (E5): the token is remembered apart from its record, so deleting the record does not revoke it.
    if instance.breaks.has(Break::RevokedTokensAccepted) {
        let issued = (expires, grant.user_sys_id.clone());
        instance.issued_tokens.insert(access_token.clone(), issued);
    }
    // Break (B7): `expires_in` is the lifespan itself, not one less.
    let expires_in = if instance.breaks.has(Break::ExpiresInOffByOne) {
        grant.lifespan
    } else {
        grant.lifespan - 1
    };
    IssuedToken {
        access_token,
        scope: grant.scope.clone(),
        expires_in,
    }
}

fn live_token(instance: &Instance, grant: &Grant, now: Instant) -> Option<IssuedToken> {
    instance
        .store
        .all(&OAUTH_CREDENTIAL)
        .rev()
        .filter(|record| record.raw("peer") == Some(grant.entity_sys_id.as_str()))
        .filter(|record| record.raw("user") == Some(grant.user_sys_id.as_str()))
        .filter(|record| record.raw("scopes") == Some(grant.scope.as_ref()))
        .find_map(|record| {
            let expires = parse_glide_datetime(record.raw("expires")?)?;
            let access_token = record.raw("token")?.to_owned();
            (expires > now).then(|| IssuedToken {
                access_token,
                scope: grant.scope.clone(),
                expires_in: expires - now - 1,
            })
        })
}

#[cfg(test)]
mod tests;

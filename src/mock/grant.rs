//! The token endpoint's rules (SPEC §1): a request and the instance in, a decision out; then issuance.
//!
//! The query string is deliberately not part of [`TokenRequest`]: an instance never reads parameters
//! from it (`glide.oauth.allow.parameters.in.post.body.only`, SPEC F2).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use subtle::ConstantTimeEq;

use super::clock::{Instant, glide_datetime, parse_glide_datetime};
use super::form::{self, Form};
use super::instance::{GRANT_PROPERTY, Instance, pairs};
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
    pub scope: String,
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

    // F3: only POST issues tokens.
    if !request.is_post {
        return refuse(NotPost);
    }
    // F1: the servlet reads parameters from form bodies only; a JSON body has none.
    if !is_form_encoded(request.content_type) {
        return refuse(NotFormEncoded);
    }
    let form = Form::parse(request.body);
    // F5: the grant type must be client_credentials.
    if form.get("grant_type") != Some("client_credentials") {
        return refuse(UnsupportedGrantType);
    }
    // G1: before Washington DC the inbound grant does not exist.
    if !instance.release().supports_client_credentials() {
        return refuse(ReleaseWithoutGrant);
    }
    // A1, A2, A4: the property is read live on every request; absent means false.
    if !instance
        .property(GRANT_PROPERTY)
        .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"))
    {
        return refuse(GrantDisabled);
    }
    // F6, F4, F2: credentials from the body; from HTTP Basic only when the body names no client.
    let Some(credentials) = client_credentials(&form, request, instance.switches.basic_client_auth)
    else {
        return refuse(MissingClientCredentials);
    };
    // B4: the client must be registered.
    let Some(entity) = instance
        .store
        .find(&OAUTH_ENTITY, "client_id", &credentials.id)
    else {
        return refuse(UnknownClient);
    };
    // B3, F8: the secret must match, compared in constant time.
    let stored_secret = entity.raw("client_secret").unwrap_or_default();
    if stored_secret.is_empty() || !credentials.matches(stored_secret) {
        return refuse(WrongSecret);
    }
    // B5: an inactive entity issues nothing.
    if !entity.is_true("active") {
        return refuse(EntityInactive);
    }
    // B1, B2: the OAuth Application User must be set and exist.
    let user = entity
        .raw("user")
        .filter(|sys_id| !sys_id.is_empty())
        .and_then(|sys_id| instance.store.get(&SYS_USER, sys_id));
    let Some(user) = user else {
        return Err(Refusal::UnauthorizedClient {
            entity_sys_id: entity.sys_id().to_owned(),
        });
    };
    // D5, D6, D7: the user must be able to log in.
    if !user.is_true("active") {
        return refuse(UserInactive);
    }
    if user.is_true("locked_out") {
        return refuse(UserLockedOut);
    }
    if user.is_true("password_needs_reset") {
        return refuse(UserMustResetPassword);
    }
    // F7: only `useraccount` is granted; none requested means `useraccount`.
    let scope = match form.get("scope").map(str::trim).filter(|s| !s.is_empty()) {
        None => DEFAULT_SCOPE,
        Some(requested) if requested.split_whitespace().all(|s| s == DEFAULT_SCOPE) => {
            DEFAULT_SCOPE
        }
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
        scope: scope.to_owned(),
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

/// A client id and the secrets it may have meant (a Basic secret as sent and form-decoded).
struct ClientCredentials {
    id: String,
    secrets: Vec<String>,
}

impl ClientCredentials {
    fn matches(&self, stored: &str) -> bool {
        self.secrets.iter().fold(false, |found, given| {
            found | bool::from(given.as_bytes().ct_eq(stored.as_bytes()))
        })
    }
}

fn client_credentials(
    form: &Form,
    request: &TokenRequest<'_>,
    basic_enabled: bool,
) -> Option<ClientCredentials> {
    if let Some(id) = form.get("client_id") {
        let secret = form.get("client_secret")?;
        return Some(ClientCredentials {
            id: id.to_owned(),
            secrets: vec![secret.to_owned()],
        });
    }
    if !basic_enabled {
        return None;
    }
    let (id, secret) = basic_credentials(request.authorization?)?;
    let mut secrets = vec![secret.clone()];
    secrets.extend(form::decode(secret.as_bytes()).filter(|decoded| *decoded != secret));
    Some(ClientCredentials {
        id: form::decode(id.as_bytes()).unwrap_or(id),
        secrets,
    })
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
    pub scope: String,
    pub expires_in: i64,
}

/// Issues the granted token: a new `oauth_credential` record (or the live one, per [`RepeatToken`]).
pub fn issue(instance: &mut Instance, grant: &Grant, now: Instant) -> IssuedToken {
    instance.purge_expired_tokens(now);
    if instance.switches.repeat_token == RepeatToken::Current {
        if let Some(live) = live_token(instance, grant, now) {
            return live;
        }
    }
    let access_token = random::access_token();
    let expires = now.saturating_add(grant.lifespan);
    let changes = pairs(&[
        ("token", &access_token),
        ("type", "access_token"),
        ("expires", &glide_datetime(expires)),
        ("peer", &grant.entity_sys_id),
        ("user", &grant.user_sys_id),
        ("scopes", &grant.scope),
    ]);
    let sys_id = instance
        .store
        .insert(&OAUTH_CREDENTIAL, &changes, &grant.user_name, now);
    instance.track_expiry(expires, sys_id);
    IssuedToken {
        access_token,
        scope: grant.scope.clone(),
        expires_in: grant.lifespan - 1,
    }
}

fn live_token(instance: &Instance, grant: &Grant, now: Instant) -> Option<IssuedToken> {
    instance
        .store
        .all(&OAUTH_CREDENTIAL)
        .rev()
        .filter(|record| record.raw("peer") == Some(grant.entity_sys_id.as_str()))
        .filter(|record| record.raw("user") == Some(grant.user_sys_id.as_str()))
        .filter(|record| record.raw("scopes") == Some(grant.scope.as_str()))
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

//! JWT access tokens (catalogue §9, J1–J4): which format an entity's tokens take on this release, whom a JWT names
//! and acts as, its claims and its RS256 signature, and the JWKS that publishes the key.
//!
//! Inferred (ServiceNow documents neither): the header `{"alg":"RS256","typ":"JWT","kid":…}`; the claims
//! `iss` (the URL the token request came to), `sub`, `aud` (the client id), `iat`, `exp` (`iat` + the
//! entity's lifespan, on the mock's virtual clock), `jti` (the token's `oauth_credential` sys_id) and
//! `scope`, in that order.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::{Value, json};

use super::signing_key::{self, KeyChoice};
use crate::mock::breaks::Break;
use crate::mock::clock::VirtualInstant;
use crate::mock::instance::Instance;
use crate::mock::tables::schema::{Kind, SYS_USER};
use crate::mock::tables::store::RecordRef;
use crate::servicenow::release::Gate;

/// The `oauth_entity.token_format` value that asks for JWTs (a choice value, compared exactly).
pub(crate) const JWT_FORMAT: &str = "jwt";
/// The columns naming the `sys_user` field that becomes `sub`: the documented one first, then the one
/// scripts write.
const SUBJECT_COLUMNS: [&str; 2] = ["subject_claim", "sub_claim"];

/// How an issued access token looks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TokenFormat {
    /// catalogue §1's 86 random characters.
    Opaque,
    /// An RS256 compact JWS (catalogue J1).
    Jwt(JwtGrant),
}

/// What a JWT takes from its entity and user, decided with the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct JwtGrant {
    /// `sub`.
    pub subject: String,
    /// `aud`: the entity's client id.
    pub audience: String,
    pub key: KeyChoice,
}

/// catalogue J1, J4: `token_format=jwt` gives JWTs on a release that has them; before it the column is ignored,
/// and any other value (a choice column stores whatever it is given) gives opaque tokens too.
/// Breaks: [`Break::JwtBeforeGate`] (JWTs before the gate), [`Break::JwtFormatIgnored`] (opaque tokens
/// whatever the column says), [`Break::JwtUnpublishedKey`] (signed with a key the JWKS lacks).
pub(crate) fn j1_token_format(
    entity: RecordRef<'_>,
    user: RecordRef<'_>,
    instance: &Instance,
) -> TokenFormat {
    let breaks = &instance.breaks;
    let asks_for_jwt = entity.raw("token_format") == Some(JWT_FORMAT);
    let release_has_jwt =
        instance.release().has(Gate::JwtAccessTokens) || breaks.has(Break::JwtBeforeGate);
    if !asks_for_jwt || !release_has_jwt || breaks.has(Break::JwtFormatIgnored) {
        return TokenFormat::Opaque;
    }
    let key = if breaks.has(Break::JwtUnpublishedKey) {
        KeyChoice::Unpublished
    } else {
        KeyChoice::Published
    };
    TokenFormat::Jwt(JwtGrant {
        subject: subject(entity, user),
        audience: entity.raw("client_id").unwrap_or_default().to_owned(),
        key,
    })
}

/// catalogue §9: `sub` is the `sys_user` field that `subject_claim` (else `sub_claim`) names; the user's sys_id
/// when neither names one (inferred), and also when the field is not a `sys_user` column, is write-only
/// (a password is never put in a token) or is empty for this user (a JWT always names its subject).
fn subject(entity: RecordRef<'_>, user: RecordRef<'_>) -> String {
    let named = SUBJECT_COLUMNS
        .iter()
        .filter_map(|column| entity.raw(column))
        .map(str::trim)
        .find(|field| !field.is_empty());
    let readable = named.filter(|field| {
        user.table()
            .column(field)
            .is_some_and(|column| column.kind != Kind::Secret)
    });
    readable
        .and_then(|field| user.raw(field))
        .filter(|value| !value.is_empty())
        .unwrap_or(user.sys_id())
        .to_owned()
}

/// catalogue J2: a JWT acts as the application user, as an opaque token does.
/// Break [`Break::JwtActsAsAdmin`]: a JWT's record acts as the instance's `admin`.
pub(crate) fn j2_acting_user<'i>(
    format: &TokenFormat,
    user: RecordRef<'i>,
    instance: &'i Instance,
) -> RecordRef<'i> {
    let admin = || {
        let sys_id = instance.user_named("admin")?;
        instance.store.get(SYS_USER, &sys_id)
    };
    match format {
        TokenFormat::Jwt(_) if instance.breaks.has(Break::JwtActsAsAdmin) => {
            admin().unwrap_or(user)
        }
        _ => user,
    }
}

/// The header every JWT of the mock carries, but for its `kid`.
#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    typ: &'static str,
    kid: &'a str,
}

/// A JWT's claims, in the order they are written.
#[derive(Serialize)]
pub(crate) struct Claims<'a> {
    pub iss: &'a str,
    pub sub: &'a str,
    pub aud: &'a str,
    pub iat: VirtualInstant,
    pub exp: VirtualInstant,
    pub jti: &'a str,
    pub scope: &'a str,
}

/// The compact JWS of `claims`, signed with the key `key` names under the published key's `kid` (so a
/// verifier finds a key, which the unpublished one's signature then fails).
pub(crate) fn sign(key: KeyChoice, claims: &Claims<'_>) -> String {
    let kid = signing_key::key(KeyChoice::Published).kid();
    let header = Header {
        alg: "RS256",
        typ: "JWT",
        kid,
    };
    let mut token = format!("{}.{}", encoded_part(&header), encoded_part(claims));
    let signature = signing_key::key(key).sign(token.as_bytes());
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(signature));
    token
}

/// A JWS part: compact JSON, base64url without padding.
fn encoded_part(value: &impl Serialize) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("a JWT part serialises"))
}

/// `GET /api/now/oauth/jwks` (catalogue §9): the published key (anonymous: whether a real instance asks for
/// authentication is not documented).
pub(crate) fn jwks() -> Value {
    json!({ "keys": [signing_key::key(KeyChoice::Published).jwk()] })
}

/// `iss`: the instance URL the request came to, from its `Host` header with the mock's scheme; the mock's
/// own URL when the header is missing or is not a bare host and port.
pub(crate) fn issuer(base_url: &str, host: Option<&str>) -> String {
    let scheme = base_url
        .split_once("://")
        .map_or("http", |(scheme, _)| scheme);
    let bare_authority = |host: &&str| {
        let url = url::Url::parse(&format!("{scheme}://{host}/")).ok();
        !host.is_empty()
            && !host.contains(['/', '@', '?', '#', '\\'])
            && url.is_some_and(|url| url.host().is_some())
    };
    match host.filter(bare_authority) {
        Some(host) => format!("{scheme}://{host}"),
        None => base_url.to_owned(),
    }
}

#[cfg(test)]
mod tests;

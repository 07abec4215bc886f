//! The refresh token grant (catalogue §19; the password grant it follows is catalogue §10): a password-grant
//! token's refresh token, presented with its client's credentials, gets a new access token for the same user and
//! scope, and the same refresh token again (a refresh token is exchanged until it expires, never rotated).
//! An unknown, revoked or expired refresh token, another client's, or a user who may no longer sign in gets the
//! generic 401 every token refusal gets. Client credentials tokens never have a refresh token to present.

use std::borrow::Cow;

use super::{
    Grant, Reason, Refusal, TokenHttpRequest, authenticated_client, d5_user_may_sign_in, granted,
    refuse,
};
use crate::mock::clock::VirtualInstant;
use crate::mock::instance::Instance;
use crate::mock::tables::schema::{OAUTH_CREDENTIAL, SYS_USER};
use crate::mock::tables::store::RecordRef;
use crate::mock::token::form::Form;
use crate::servicenow::glide_time::parse_glide_datetime;

/// catalogue §19: `grant_type=refresh_token`: the client as for the other grants, then its live refresh token,
/// then the token's user, who must still be able to sign in (catalogue D5, D6, D7).
pub(super) fn refresh_token_grant(
    request: &TokenHttpRequest<'_>,
    body: &[u8],
    form: &Form<'_>,
    instance: &Instance,
    now: VirtualInstant,
) -> Result<Grant, Refusal> {
    let breaks = &instance.breaks;
    let entity = authenticated_client(request, body, form, instance)?; // catalogue F6, F4, F2, B4, B3, F8, B5
    let credential = s19_live_refresh_token(form, entity, instance, now)?; // catalogue §19
    let user = credential
        .raw("user")
        .and_then(|sys_id| instance.store.get(SYS_USER, sys_id));
    let Some(user) = user else {
        return refuse(Reason::UnknownUser);
    };
    d5_user_may_sign_in(user, breaks)?; // catalogue D5, D6, D7
    let scope = Cow::Owned(credential.raw("scopes").unwrap_or_default().to_owned());
    let mut grant = granted(entity, user, scope, true, instance);
    grant.refresh_from = Some(credential.sys_id().to_owned());
    Ok(grant)
}

/// catalogue §19: the `refresh_token` parameter names an `oauth_credential` of type `refresh_token` that the
/// authenticated client was issued and that has not expired (revocation, catalogue §8, sets its expiry to the
/// moment it was revoked).
fn s19_live_refresh_token<'i>(
    form: &Form<'_>,
    entity: RecordRef<'_>,
    instance: &'i Instance,
    now: VirtualInstant,
) -> Result<RecordRef<'i>, Refusal> {
    let credential = form
        .get("refresh_token")
        .filter(|token| !token.is_empty())
        .and_then(|token| instance.store.find_unique(OAUTH_CREDENTIAL, token))
        .filter(|credential| credential.raw("type") == Some("refresh_token"));
    let Some(credential) = credential else {
        return refuse(Reason::UnknownRefreshToken);
    };
    if credential.raw("peer") != Some(entity.sys_id()) {
        return refuse(Reason::RefreshTokenOfAnotherClient);
    }
    let live = credential
        .raw("expires")
        .and_then(parse_glide_datetime)
        .is_some_and(|expires| now < expires);
    if !live {
        return refuse(Reason::RefreshTokenExpired);
    }
    Ok(credential)
}

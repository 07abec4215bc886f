//! Token revocation (catalogue §8, I1, I2): `oauth_revoke_token.do` (GET or POST, `token` from a form body or the
//! query string) needs no authentication; "the token in this request is marked as expired": its
//! `oauth_credential` record is kept, its `expires` set to now (its session dies with it, catalogue I4). An access
//! token and a refresh token are revoked alike (catalogue §13).
//!
//! Open in the catalogue, chosen here: an unknown token is answered like a revoked one (RFC 7009 §2.2: 200, nothing
//! to tell), a token already expired is left as it is, and a request without `token` is a 400.

use super::form::Form;
use super::grant::is_form_encoded;
use crate::mock::breaks::Break;
use crate::mock::clock::VirtualInstant;
use crate::mock::instance::{Instance, SYSTEM_ACTOR};
use crate::mock::tables::schema::OAUTH_CREDENTIAL;
use crate::servicenow::glide_time::{glide_datetime, parse_glide_datetime};

/// What the rules see of a request to `oauth_revoke_token.do`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RevokeRequest<'a> {
    pub content_type: Option<&'a str>,
    pub query: Option<&'a str>,
    pub body: &'a [u8],
}

/// How a revocation request was answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Revocation {
    /// The token's record now expires (or already had): 200, empty body.
    Revoked,
    /// No record has this token: answered as [`Revocation::Revoked`] is.
    UnknownToken,
    /// No `token` parameter, or an empty one: 400.
    MissingToken,
}

impl Revocation {
    /// Why, for the mock's journal.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Revocation::Revoked => "revoked",
            Revocation::UnknownToken => "revoke: unknown_token",
            Revocation::MissingToken => "revoke: missing_token",
        }
    }
}

/// catalogue I1, I2: marks the request's token as expired, keeping its record.
/// Breaks: [`Break::RevocationIgnored`] (nothing changes), [`Break::RevocationDeletesRow`] (the record is
/// deleted).
pub(crate) fn i1_revoke(
    instance: &mut Instance,
    request: &RevokeRequest<'_>,
    now: VirtualInstant,
) -> Revocation {
    let body = Form::parse(request.body);
    let query = Form::parse(request.query.unwrap_or_default().as_bytes());
    let from_body = is_form_encoded(request.content_type).then(|| body.get("token"));
    let token = from_body.flatten().or_else(|| query.get("token"));
    let Some(token) = token.filter(|token| !token.is_empty()) else {
        return Revocation::MissingToken;
    };
    let Some(credential) = instance.store.find_unique(OAUTH_CREDENTIAL, token) else {
        return Revocation::UnknownToken;
    };
    let sys_id = credential.sys_id().to_owned();
    let expires = credential.raw("expires").and_then(parse_glide_datetime);
    let breaks = &instance.breaks;
    if breaks.has(Break::RevocationIgnored) {
        return Revocation::Revoked;
    }
    if breaks.has(Break::RevocationDeletesRow) {
        instance.store.delete(OAUTH_CREDENTIAL, &sys_id);
        return Revocation::Revoked;
    }
    if expires.is_none_or(|expires| expires > now) {
        let change: &[(&str, &str)] = &[("expires", &glide_datetime(now))];
        instance
            .store
            .update(OAUTH_CREDENTIAL, &sys_id, change, SYSTEM_ACTOR, now);
    }
    Revocation::Revoked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::Breaks;

    const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

    fn issued(instance: &mut Instance) -> String {
        let row: &[(&str, &str)] = &[("token", "tok+en"), ("expires", &glide_datetime(1000))];
        instance.store.insert(OAUTH_CREDENTIAL, row, "a", 0)
    }

    fn expires(instance: &Instance, sys_id: &str) -> Option<String> {
        let record = instance.store.get(OAUTH_CREDENTIAL, sys_id)?;
        record.raw("expires").map(str::to_owned)
    }

    fn revoke(
        instance: &mut Instance,
        query: Option<&str>,
        body: &str,
        now: VirtualInstant,
    ) -> Revocation {
        let request = RevokeRequest {
            content_type: FORM,
            query,
            body: body.as_bytes(),
        };
        i1_revoke(instance, &request, now)
    }

    #[test]
    fn i1_i2_revoking_expires_the_record_and_keeps_it() {
        let mut instance = Instance::default();
        let sys_id = issued(&mut instance);
        assert_eq!(
            revoke(&mut instance, None, "token=tok%2Ben", 10),
            Revocation::Revoked
        );
        assert_eq!(
            expires(&instance, &sys_id).as_deref(),
            Some("1970-01-01 00:00:10")
        );
        assert_eq!(
            revoke(&mut instance, None, "token=tok%2Ben", 20),
            Revocation::Revoked
        );
        assert_eq!(
            expires(&instance, &sys_id).as_deref(),
            Some("1970-01-01 00:00:10"),
            "revoking twice keeps the first revocation"
        );
    }

    #[test]
    fn a_refresh_token_is_revoked_like_an_access_token() {
        let mut instance = Instance::default();
        let row: &[(&str, &str)] = &[
            ("token", "refresh"),
            ("type", "refresh_token"),
            ("expires", &glide_datetime(1000)),
        ];
        let sys_id = instance.store.insert(OAUTH_CREDENTIAL, row, "a", 0);
        assert_eq!(
            revoke(&mut instance, None, "token=refresh", 7),
            Revocation::Revoked
        );
        assert_eq!(
            expires(&instance, &sys_id).as_deref(),
            Some("1970-01-01 00:00:07")
        );
    }

    #[test]
    fn the_token_comes_from_a_form_body_or_the_query() {
        let mut instance = Instance::default();
        let sys_id = issued(&mut instance);
        assert_eq!(
            revoke(&mut instance, Some("token=tok%2Ben"), "", 5),
            Revocation::Revoked
        );
        assert_eq!(
            expires(&instance, &sys_id).as_deref(),
            Some("1970-01-01 00:00:05")
        );
        let json = RevokeRequest {
            content_type: Some("application/json"),
            query: None,
            body: b"token=tok%2Ben",
        };
        assert_eq!(i1_revoke(&mut instance, &json, 6), Revocation::MissingToken);
    }

    #[test]
    fn missing_unknown_and_huge_tokens_change_nothing() {
        let mut instance = Instance::default();
        let sys_id = issued(&mut instance);
        let huge = format!("token={}", "A".repeat(200_000));
        for (body, expected) in [
            ("", Revocation::MissingToken),
            ("token=", Revocation::MissingToken),
            ("tok=x&token", Revocation::MissingToken),
            ("token=nope", Revocation::UnknownToken),
            ("token=%ZZ", Revocation::MissingToken),
            (huge.as_str(), Revocation::UnknownToken),
        ] {
            assert_eq!(
                revoke(&mut instance, None, body, 10),
                expected,
                "{body:.20}"
            );
        }
        assert_eq!(
            expires(&instance, &sys_id).as_deref(),
            Some("1970-01-01 00:16:40")
        );
    }

    #[test]
    fn the_breaks_ignore_or_delete() {
        let mut ignoring = Instance::default().with_breaks(Breaks::new([Break::RevocationIgnored]));
        let sys_id = issued(&mut ignoring);
        assert_eq!(
            revoke(&mut ignoring, None, "token=tok%2Ben", 10),
            Revocation::Revoked
        );
        assert_eq!(
            expires(&ignoring, &sys_id).as_deref(),
            Some("1970-01-01 00:16:40")
        );
        let mut deleting =
            Instance::default().with_breaks(Breaks::new([Break::RevocationDeletesRow]));
        let sys_id = issued(&mut deleting);
        assert_eq!(
            revoke(&mut deleting, None, "token=tok%2Ben", 10),
            Revocation::Revoked
        );
        assert_eq!(expires(&deleting, &sys_id), None);
    }
}

//! A REST request let in, or not, before its API (catalogue §3, §7, §18): whom it acts as and, for what the answer
//! then carries, how it signed in: a Bearer call opens its token's session (catalogue I3) and records its user's
//! sign-in (catalogue I5); a Basic sign-in opens its user's session when it sent no cookie (catalogue §12); a Basic
//! sign-in the restriction only tracks is noted (catalogue §10); a request a rate limit rule counts names the rule
//! (catalogue §18).

use std::sync::Arc;

use super::authn::{self, Caller, RestRefusal, RestRequest};
use super::rate_limits::{self, AppliedRule};
use super::sign_in;
use crate::mock::breaks::Breaks;
use crate::mock::clock::VirtualInstant;
use crate::mock::instance::Instance;
use crate::mock::tables::schema::OAUTH_CREDENTIAL;

/// A REST request let in: the caller its API acts for, and the marks its answer gets.
pub(crate) struct Admission {
    pub caller: Caller,
    pub marks: SignInMarks,
}

/// What a REST answer carries because of how its request signed in (written by `reply`).
pub(crate) struct SignInMarks {
    /// The cookies of a Bearer call's session (catalogue I3), or of a Basic sign-in's (catalogue §12).
    pub session_cookies: Option<Arc<[String; 3]>>,
    /// A Basic sign-in the tracking Basic auth restriction let through (catalogue §10).
    pub basic_tracked: bool,
    /// The rate limit rule that counted the request (catalogue §18).
    pub rate_limit: Option<AppliedRule>,
}

/// A REST request refused before its API, with the breaks that shape its answer (see `reply`).
pub(crate) struct RestRefused {
    pub refusal: RestRefusal,
    pub breaks: Breaks,
}

/// Lets `request` in at `now`, or refuses it: the catalogue §3 401 for a request that authenticates nobody or an
/// access policy refuses, the catalogue §7 403 for one its token's scopes do not allow, the catalogue §18 429 for one
/// over its rate limit. A Bearer call opens its token's session (catalogue I3) and records its user's sign-in
/// (catalogue I5).
pub(crate) fn admit(
    request: &RestRequest<'_>,
    instance: &mut Instance,
    now: VirtualInstant,
) -> Result<Admission, RestRefused> {
    let refused = |refusal, instance: &Instance| RestRefused {
        refusal,
        breaks: instance.breaks.clone(),
    };
    let admitted = match authn::authenticate_request(request, instance, now) {
        Ok(admitted) => admitted,
        Err(refusal) => return Err(refused(refusal, instance)),
    };
    let counted = (request.method, request.path);
    let rate_limit = match rate_limits::p1_count(instance, &admitted.caller.sys_id, counted, now) {
        Ok(applied) => applied,
        Err(limited) => return Err(refused(RestRefusal::RateLimited(limited), instance)),
    };
    let session_cookies = admitted.bearer_credential.map(|credential| {
        sign_in::i5_record_bearer_call(instance, &admitted.caller.sys_id, now);
        let store = &instance.store;
        let entity = || {
            let record = store.get(OAUTH_CREDENTIAL, &credential);
            let peer = record.and_then(|record| record.raw("peer"));
            peer.unwrap_or_default().to_owned()
        };
        let user = &admitted.caller.sys_id;
        instance.sessions.open(&credential, user, entity)
    });
    // catalogue §12: a Basic sign-in that sent no session cookie gets its user's Basic session.
    let sent_session = request
        .cookie
        .is_some_and(|cookie| instance.sessions.find(cookie).is_some());
    let session_cookies = match session_cookies {
        None if admitted.basic && !sent_session => {
            Some(instance.sessions.open_basic(&admitted.caller.sys_id))
        }
        other => other,
    };
    Ok(Admission {
        caller: admitted.caller,
        marks: SignInMarks {
            session_cookies,
            basic_tracked: admitted.basic_tracked,
            rate_limit,
        },
    })
}

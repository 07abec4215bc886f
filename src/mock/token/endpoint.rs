//! One token request answered (catalogue §1, §9): the rules decide with the instance locked and the granted token
//! (a JWT signed with the mock's key) is issued at once.

use super::grant::{self, Decision, Fresh, IssuedToken, Refusal, TokenHttpRequest};
use super::jwt;
use crate::mock::breaks::Breaks;
use crate::mock::clock::VirtualInstant;
use crate::mock::instance::{Instance, InstanceLock};
use crate::mock::switches::Switches;

/// A decided token request: the token issued or the refusal, with the breaks and switches that shape its
/// response (see `reply`), as they were when it was decided.
pub(crate) struct TokenAnswer {
    pub outcome: Result<IssuedToken, Refusal>,
    pub breaks: Breaks,
    pub switches: Switches,
}

/// Answers `request`, sent to the mock at `base_url` naming `host`, at `now`: decided with `instance` locked,
/// and the granted token issued (a JWT signed, its `iss` from `base_url` and `host`).
pub(crate) fn answer(
    request: &TokenHttpRequest<'_>,
    instance: &impl InstanceLock,
    base_url: &str,
    host: Option<&str>,
    now: VirtualInstant,
) -> TokenAnswer {
    // Drawn before the instance is locked: the operating system's random source now and then takes a
    // system call.
    let fresh = Fresh::draw();
    let issuer = jwt::issuer(base_url, host);
    instance.with_locked(|instance| {
        let decision = grant::decide(request, instance, now);
        grant::remember(request, instance);
        let fresh = match &decision {
            Decision::Issue(granted) => fresh.signed(granted, &issuer, now),
            Decision::Refuse(_) => fresh,
        };
        settle(instance, decision, now, fresh)
    })
}

/// A decided token request's answer (the granted token issued), with the breaks and switches that shape
/// its response.
fn settle(
    instance: &mut Instance,
    decision: Decision,
    now: VirtualInstant,
    fresh: Fresh,
) -> TokenAnswer {
    let outcome = match decision {
        Decision::Issue(granted) => Ok(grant::issue(instance, &granted, now, fresh)),
        Decision::Refuse(refusal) => Err(refusal),
    };
    TokenAnswer {
        outcome,
        breaks: instance.breaks.clone(),
        switches: instance.switches.clone(),
    }
}

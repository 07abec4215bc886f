//! One token request answered (catalogue §1, §9): the rules decide with the instance locked and the granted token
//! is issued at once; a JWT is signed with the instance unlocked (the first one waits for the key), then
//! issued only if the rules, asked again, still grant that very token, since the instance may have changed
//! meanwhile.

use super::grant::{self, Decision, Fresh, Grant, IssuedToken, Refusal, TokenHttpRequest};
use super::jwt;
use super::signing_key::{self, KeyChoice};
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

/// Where a token request stands after a step with the instance locked.
enum Stage {
    /// Decided, and the granted token issued.
    Answered(TokenAnswer),
    /// A JWT granted, to be signed with the instance unlocked.
    Sign(Unsigned),
}

/// A JWT granted but not yet signed.
struct Unsigned {
    granted: Grant,
    key: KeyChoice,
    fresh: Fresh,
}

/// Answers `request`, sent to the mock at `base_url` naming `host`, at `now`: decided, and the token issued,
/// with `instance` locked only while the rules run; a JWT (its `iss` from `base_url` and `host`) is signed
/// between two such steps.
pub(crate) async fn answer(
    request: &TokenHttpRequest<'_>,
    instance: &impl InstanceLock,
    base_url: &str,
    host: Option<&str>,
    now: VirtualInstant,
) -> TokenAnswer {
    // Drawn before the instance is locked: the operating system's random source now and then takes a
    // system call.
    let fresh = Fresh::draw();
    let mut stage = instance.with_locked(|instance| {
        let decision = grant::decide(request, instance, now);
        grant::remember(request, instance);
        decided(instance, decision, now, fresh)
    });
    loop {
        let unsigned = match stage {
            Stage::Answered(answer) => return answer,
            Stage::Sign(unsigned) => unsigned,
        };
        signing_key::ready(unsigned.key).await;
        let issuer = jwt::issuer(base_url, host);
        let signed = unsigned.fresh.signed(&unsigned.granted, &issuer, now);
        let granted = unsigned.granted;
        stage = instance.with_locked(|instance| match grant::decide(request, instance, now) {
            // The rules still grant that very token: it is issued as signed.
            Decision::Issue(again) if again == granted => {
                Stage::Answered(settle(instance, Decision::Issue(granted), now, signed))
            }
            changed => decided(instance, changed, now, Fresh::draw()),
        });
    }
}

/// The stage after `decision`: a JWT to sign, or the answer (the granted token issued from `fresh`).
fn decided(
    instance: &mut Instance,
    decision: Decision,
    now: VirtualInstant,
    fresh: Fresh,
) -> Stage {
    match decision {
        Decision::Issue(granted) => match granted.jwt_key() {
            Some(key) => Stage::Sign(Unsigned {
                granted,
                key,
                fresh,
            }),
            None => Stage::Answered(settle(instance, Decision::Issue(granted), now, fresh)),
        },
        refused => Stage::Answered(settle(instance, refused, now, fresh)),
    }
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

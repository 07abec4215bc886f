//! REST API access policies and Enforce Token Restriction (catalogue §18; plugin `com.glide.rest.policy`, from
//! Xanadu: [`Gate::AccessPolicies`]). Of the active policies that cover a request (its API, resource, method,
//! version and, on the Table API, table) and have profiles mapped to them, the most specific decides (then the
//! oldest; inferred from the documented "prioritization"): the request is let in only when one of its profiles
//! authenticates it. A policy without mappings restricts nothing. An entity with Enforce Token Restriction on
//! lets its tokens in only where such a policy admits them. A refusal is the catalogue §3 401, its challenge naming
//! the deciding policy's first profile.

use super::coverage;
use super::scopes::SignInKind;
use crate::mock::apis::api_call::{ApiCall, LazyCall};
use crate::mock::breaks::{Break, Breaks};
use crate::mock::instance::Instance;
use crate::mock::tables::schema::{
    INBOUND_AUTH_PROFILE, OAUTH_ENTITY, STD_HTTP_AUTH, SYS_API_ACCESS_POLICY,
    SYS_AUTH_PROFILE_MAPPING,
};
use crate::mock::tables::store::RecordRef;
use crate::servicenow::release::Gate;

/// The column of the Enforce Token Restriction flag on `oauth_entity` (not documented: the mock's choice; its
/// label is "Enforce token restriction").
pub(crate) const TOKEN_RESTRICTION_COLUMN: &str = "token_restriction_enforced";
/// The column of a standard HTTP profile's OAuth entity (not documented: the mock's choice; its label is
/// "OAuth Entity").
pub(crate) const PROFILE_ENTITY_COLUMN: &str = "linked_oauth_entity";

/// The scheme a refusal's `WWW-Authenticate` challenge names: the first profile of the policy that refused,
/// `BASIC` for a Basic Auth profile and `BEARER` for the others (inferred); the catalogue §3 `BASIC` when no policy
/// decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Challenge {
    Basic,
    Bearer,
}

/// A profile's type, as `std_http_auth.type` stores it (the values are the mock's choice; the labels are the
/// documented ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ProfileType {
    Basic,
    OAuth,
    /// ID Token, Certificate based Auth, or a type the mock does not know: no credentials the mock takes.
    Other,
}

/// Whether a request authenticated by `credentials` is let in by the access policies that cover its call.
pub(crate) fn check(
    instance: &Instance,
    credentials: SignInKind<'_>,
    call: &LazyCall<'_>,
) -> Result<(), Challenge> {
    if !instance.release().has(Gate::AccessPolicies) {
        return Ok(());
    }
    let breaks = &instance.breaks;
    let restricted_entity = n1_restricted_entity(instance, credentials, breaks);
    let deciding = call
        .get()
        .and_then(|called| n2_deciding_policy(instance, called, call.method(), breaks));
    match deciding {
        Some(policy) => n2_admitted(instance, policy, credentials),
        // catalogue §18, N1: no policy opens the API to the entity's tokens.
        None if restricted_entity => Err(Challenge::Basic),
        None => Ok(()),
    }
}

/// catalogue §18 (row N1): whether the request carries a token of an entity with Enforce Token Restriction on,
/// read live. Break [`Break::EnforceTokenRestrictionIgnored`]: the flag is not read.
fn n1_restricted_entity(instance: &Instance, credentials: SignInKind<'_>, breaks: &Breaks) -> bool {
    let SignInKind::OAuth {
        entity: Some(entity),
        ..
    } = credentials
    else {
        return false;
    };
    !breaks.has(Break::EnforceTokenRestrictionIgnored)
        && instance
            .store
            .get(OAUTH_ENTITY, entity)
            .is_some_and(|entity| entity.is_true(TOKEN_RESTRICTION_COLUMN))
}

/// catalogue §18 (row N2): the policy that decides a call: of the active ones covering it with profiles mapped,
/// the most specific, then the oldest. Break [`Break::AccessPolicyIgnored`]: none ever decides.
fn n2_deciding_policy<'i>(
    instance: &'i Instance,
    call: &ApiCall<'_>,
    method: &str,
    breaks: &Breaks,
) -> Option<RecordRef<'i>> {
    if breaks.has(Break::AccessPolicyIgnored) {
        return None;
    }
    let mut deciding: Option<(usize, RecordRef<'i>)> = None;
    let covering = instance
        .store
        .all(SYS_API_ACCESS_POLICY)
        .filter(|policy| policy.is_true("active"))
        .filter(|policy| coverage::covers(*policy, call, method))
        .filter(|policy| coverage::covers_the_table(*policy, call))
        .filter(|policy| profiles(instance, *policy).next().is_some());
    for policy in covering {
        let score = specificity(policy);
        if deciding.is_none_or(|(best, _)| score > best) {
            deciding = Some((score, policy));
        }
    }
    deciding.map(|(_, policy)| policy)
}

/// catalogue §18 (row N2): one of the policy's profiles authenticates the request; else the refusal names its
/// first profile.
fn n2_admitted(
    instance: &Instance,
    policy: RecordRef<'_>,
    credentials: SignInKind<'_>,
) -> Result<(), Challenge> {
    let mut first = None;
    for profile in profiles(instance, policy) {
        if admits(profile, credentials) {
            return Ok(());
        }
        first.get_or_insert(profile);
    }
    let first_type = first.map_or(ProfileType::Other, profile_type);
    Err(match first_type {
        ProfileType::Basic => Challenge::Basic,
        ProfileType::OAuth | ProfileType::Other => Challenge::Bearer,
    })
}

/// How many of a policy's dimensions name something narrower than "all": resources, methods, versions, tables.
fn specificity(policy: RecordRef<'_>) -> usize {
    let narrowed = |all: &str, named: &str| {
        !policy.is_true(all) && !policy.raw(named).unwrap_or_default().trim().is_empty()
    };
    [
        narrowed("apply_all_resources", "api_resource"),
        narrowed("apply_all_methods", "http_method"),
        narrowed("apply_all_versions", "version"),
        narrowed("apply_all_tables", "api_tablename"),
    ]
    .into_iter()
    .filter(|narrow| *narrow)
    .count()
}

/// The profiles mapped to a policy, in the order they were mapped (a mapping to a profile that is gone counts
/// for nothing).
fn profiles<'i>(
    instance: &'i Instance,
    policy: RecordRef<'i>,
) -> impl Iterator<Item = RecordRef<'i>> {
    let store = &instance.store;
    store
        .all(SYS_AUTH_PROFILE_MAPPING)
        .filter(move |mapping| mapping.raw("api_access_policy") == Some(policy.sys_id()))
        .filter_map(move |mapping| {
            let profile = mapping.raw("inbound_auth_profile")?;
            // The mock keeps a subclass's records in their own table: a profile is a standard HTTP one, or
            // a bare inbound profile.
            store
                .get(STD_HTTP_AUTH, profile)
                .or_else(|| store.get(INBOUND_AUTH_PROFILE, profile))
        })
}

fn profile_type(profile: RecordRef<'_>) -> ProfileType {
    match profile.raw("type").unwrap_or_default() {
        "basic_auth" => ProfileType::Basic,
        "oauth" => ProfileType::OAuth,
        _ => ProfileType::Other,
    }
}

/// Whether a profile authenticates the request: a Basic Auth profile its Basic sign-in, an OAuth profile the
/// token of any entity or, when linked to one, of that entity only.
fn admits(profile: RecordRef<'_>, credentials: SignInKind<'_>) -> bool {
    match (profile_type(profile), credentials) {
        (ProfileType::Basic, SignInKind::Basic) => true,
        (ProfileType::OAuth, SignInKind::OAuth { entity, .. }) => {
            let linked = profile.raw(PROFILE_ENTITY_COLUMN).unwrap_or_default();
            linked.is_empty() || entity == Some(linked)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests;

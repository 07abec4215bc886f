//! The REST API auth scope check (catalogue §7, with §17's bindings by API): whether an OAuth token may call an
//! API, its scopes read live from its entity's mappings on every request (never stored with the token), and the
//! `scope` a token response names (H7).
//!
//! Each rule is a small function citing its catalogue id and owning the breaks of that row; [`check`] chains
//! them. With no binding and no mapping it reads a few records and allocates nothing.

use super::api_path::{covers_method, covers_path};
use super::coverage;
use crate::mock::apis::api_call::LazyCall;
use crate::mock::breaks::{Break, Breaks};
use crate::mock::instance::Instance;
use crate::mock::switches::PathOnlyBindings;
use crate::mock::tables::schema::{
    OAUTH_ENTITY, OAUTH_ENTITY_AUTH_SCOPE_MAPPING, SYS_API_ACCESS_SCOPE, SYS_AUTH_SCOPE,
};
use crate::mock::tables::store::RecordRef;
use crate::servicenow::release::Gate;

/// The only scope an OAuth API endpoint grants by default, and the one that opens every API (catalogue H3).
pub(crate) const DEFAULT_SCOPE: &str = "useraccount";
/// `false` switches the check off instance-wide (catalogue H4); absent means true.
pub(crate) const CHECK_PROPERTY: &str = "com.glide.rest.api.auth.scope.check.enable";
const RESTRICTED: &str = "restricted";

/// How a REST request authenticated, as the check sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SignInKind<'a> {
    Basic,
    /// An OAuth token (or its session cookie): its entity's sys_id, and the scopes stored with it at issue
    /// (read only by [`Break::ScopesFrozenAtIssue`]); either is unknown for a token the breaks let through
    /// without its record.
    OAuth {
        entity: Option<&'a str>,
        issued_scopes: Option<&'a str>,
    },
}

/// The check's refusal, a 403.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ScopeRefusal {
    /// catalogue H1: the API needs this scope, which the token lacks.
    Missing(String),
    /// catalogue H6, §13: a restricted entity's token on an API no scope protects.
    UnscopedApi,
}

/// What a request's credentials carry.
#[derive(Clone, Copy)]
enum Carried<'a> {
    /// `useraccount`, which opens every API.
    Useraccount,
    /// The scopes the entity is mapped to now.
    Mapped(&'a str),
    /// The scope names stored with the token ([`Break::ScopesFrozenAtIssue`]).
    Issued(&'a str),
    /// No scope at all ([`Break::ScopeCheckOnBasic`]'s Basic caller).
    Nothing,
}

impl Carried<'_> {
    fn has(self, instance: &Instance, scope: RecordRef<'_>) -> bool {
        match self {
            Carried::Useraccount => true,
            Carried::Mapped(entity) => mappings(instance, entity)
                .any(|mapping| mapping.raw("auth_scope") == Some(scope.sys_id())),
            Carried::Issued(names) => {
                let name = scope.raw("name").unwrap_or_default();
                names.split_whitespace().any(|issued| issued == name)
            }
            Carried::Nothing => false,
        }
    }
}

/// Whether a request authenticated by `credentials` may make `call`.
pub(crate) fn check(
    instance: &Instance,
    credentials: SignInKind<'_>,
    call: &LazyCall<'_>,
) -> Result<(), ScopeRefusal> {
    let breaks = &instance.breaks;
    let Some((entity, issued)) = h5_oauth_only(credentials, breaks) else {
        return Ok(());
    };
    // Break (H1, H2, H6): the check is never made.
    if breaks.has(Break::ScopeCheckSkipped) || !h4_check_enabled(instance, breaks) {
        return Ok(());
    }
    let entity = entity.and_then(|sys_id| instance.store.get(OAUTH_ENTITY, sys_id));
    let carried = match credentials {
        SignInKind::Basic => Carried::Nothing,
        SignInKind::OAuth { .. } => h2_carried(instance, entity, issued, breaks),
    };
    if let Carried::Useraccount = carried {
        return Ok(());
    }
    let mut protecting = h1_protecting(instance, call).peekable();
    if protecting.peek().is_none() {
        return h6_unprotected(instance, entity, breaks);
    }
    let mut missing: Option<&str> = None;
    for scope in protecting {
        if carried.has(instance, scope) {
            return Ok(());
        }
        let name = scope.raw("name").unwrap_or_default();
        missing = Some(missing.map_or(name, |other| other.min(name)));
    }
    Err(ScopeRefusal::Missing(
        missing.unwrap_or_default().to_owned(),
    ))
}

/// catalogue §7's superseded model: the binding's `api_path` starts the request's path, for its methods.
fn covers_by_path(binding: RecordRef<'_>, call: &LazyCall<'_>) -> bool {
    let api_path = binding.raw("api_path").unwrap_or_default();
    covers_path(
        api_path,
        binding.is_true("apply_all_resources"),
        call.path(),
    ) && covers_method(
        binding.is_true("apply_all_methods"),
        binding.raw("http_method").unwrap_or_default(),
        call.method(),
    )
}

/// catalogue H5: the check applies to OAuth tokens only; gives their entity and issued scopes.
/// Break [`Break::ScopeCheckOnBasic`]: Basic callers are checked too, as carrying no scope.
fn h5_oauth_only<'a>(
    credentials: SignInKind<'a>,
    breaks: &Breaks,
) -> Option<(Option<&'a str>, Option<&'a str>)> {
    match credentials {
        SignInKind::OAuth {
            entity,
            issued_scopes,
        } => Some((entity, issued_scopes)),
        SignInKind::Basic if breaks.has(Break::ScopeCheckOnBasic) => Some((None, None)),
        SignInKind::Basic => None,
    }
}

/// catalogue H4: `com.glide.rest.api.auth.scope.check.enable=false` switches the check off.
/// Break [`Break::ScopeSwitchIgnored`]: the property is not read.
fn h4_check_enabled(instance: &Instance, breaks: &Breaks) -> bool {
    breaks.has(Break::ScopeSwitchIgnored)
        || !instance
            .property(CHECK_PROPERTY)
            .is_some_and(|value| value.trim().eq_ignore_ascii_case("false"))
}

/// catalogue H2, H3: the scopes a token carries, read live from its entity's mappings: `useraccount` when the
/// entity has none (unless it is restricted, [`h6_restricted`]: then it carries none at all), is mapped to
/// `useraccount`, or has `scope_restriction_status=useraccount`.
/// Breaks: [`Break::ScopesFrozenAtIssue`] (the scopes stored with the token), [`Break::UseraccountScopeIgnored`]
/// (a mapping to `useraccount`, or that status, opens nothing).
fn h2_carried<'i>(
    instance: &'i Instance,
    entity: Option<RecordRef<'i>>,
    issued: Option<&'i str>,
    breaks: &Breaks,
) -> Carried<'i> {
    let honours_useraccount = !breaks.has(Break::UseraccountScopeIgnored);
    if let Some(names) = issued.filter(|_| breaks.has(Break::ScopesFrozenAtIssue)) {
        let useraccount = names.split_whitespace().any(|name| name == DEFAULT_SCOPE);
        return if useraccount && honours_useraccount {
            Carried::Useraccount
        } else {
            Carried::Issued(names)
        };
    }
    let Some(entity) = entity else {
        return Carried::Useraccount;
    };
    if entity.raw("scope_restriction_status") == Some(DEFAULT_SCOPE) && honours_useraccount {
        return Carried::Useraccount;
    }
    let mut mapped = mapped_scopes(instance, entity.sys_id()).peekable();
    if mapped.peek().is_none() && !h6_restricted(instance, Some(entity), breaks) {
        return Carried::Useraccount;
    }
    if mapped.any(|scope| scope.raw("name") == Some(DEFAULT_SCOPE)) && honours_useraccount {
        return Carried::Useraccount;
    }
    Carried::Mapped(entity.sys_id())
}

/// catalogue H1, §17: the scopes of the active bindings that cover the request: by the API they name (a
/// binding whose scope is gone covers nothing, as if deleted with it). A binding without `api` covers its
/// `api_path` or nothing, per the switch [`PathOnlyBindings`].
/// Break [`Break::BindingByPath`]: every binding covers by its `api_path`, as a prefix of the request's path
/// (catalogue §7's superseded model), whatever API it names.
fn h1_protecting<'i>(
    instance: &'i Instance,
    call: &'i LazyCall<'_>,
) -> impl Iterator<Item = RecordRef<'i>> {
    let by_path = instance.breaks.has(Break::BindingByPath);
    let path_only = instance.switches.path_only_bindings;
    instance
        .store
        .all(SYS_API_ACCESS_SCOPE)
        .filter(|binding| binding.is_true("active"))
        .filter(move |binding| {
            let names_an_api = !binding.raw("api").unwrap_or_default().trim().is_empty();
            if by_path || (!names_an_api && path_only == PathOnlyBindings::CoverTheirPath) {
                covers_by_path(*binding, call)
            } else {
                names_an_api
                    && call
                        .get()
                        .is_some_and(|called| coverage::covers(*binding, called, call.method()))
            }
        })
        .filter_map(|binding| {
            instance
                .store
                .get(SYS_AUTH_SCOPE, binding.raw("auth_scope")?)
        })
}

/// catalogue H6, §13: an API no binding protects is open, except to a `restricted` entity's token, refused with
/// the 403 "Access to unscoped api is not allowed" (captured), where the status is in force ([`h6_restricted`],
/// which owns the breaks of when; before its release the value means nothing, inferred).
/// Break [`Break::UnscopedApiBodyWrong`]: the refusal names the missing scope `useraccount`, as the mock inferred before the capture).
fn h6_unprotected(
    instance: &Instance,
    entity: Option<RecordRef<'_>>,
    breaks: &Breaks,
) -> Result<(), ScopeRefusal> {
    if h6_restricted(instance, entity, breaks) {
        if breaks.has(Break::UnscopedApiBodyWrong) {
            return Err(ScopeRefusal::Missing(DEFAULT_SCOPE.to_owned()));
        }
        return Err(ScopeRefusal::UnscopedApi);
    }
    Ok(())
}

/// catalogue H6, §17: whether the entity's `scope_restriction_status=restricted` is in force, limiting its tokens
/// to the APIs its own scopes protect (so an entity restricted and mapped to nothing carries no scope, not
/// `useraccount`: every API is refused to it). In force on releases that have the status
/// ([`Gate::RestrictedScopes`]).
/// Breaks: [`Break::RestrictedStatusIgnored`] (never in force), [`Break::RestrictedBeforeItsPatch`] (in force on
/// every release).
fn h6_restricted(instance: &Instance, entity: Option<RecordRef<'_>>, breaks: &Breaks) -> bool {
    let restricted = entity.is_some_and(|e| e.raw("scope_restriction_status") == Some(RESTRICTED));
    restricted
        && (instance.release().has(Gate::RestrictedScopes)
            || breaks.has(Break::RestrictedBeforeItsPatch))
        && !breaks.has(Break::RestrictedStatusIgnored)
}

/// catalogue H7 (inferred): the `scope` of a token response: the mapped scope names, space separated, in name
/// order; `None` (so `useraccount`) when the entity is unmapped or has `scope_restriction_status=useraccount`.
pub(crate) fn h7_granted(instance: &Instance, entity: RecordRef<'_>) -> Option<String> {
    if entity.raw("scope_restriction_status") == Some(DEFAULT_SCOPE) {
        return None;
    }
    let mut names: Vec<&str> = mapped_scopes(instance, entity.sys_id())
        .filter_map(|scope| scope.raw("name"))
        .collect();
    if names.is_empty() {
        return None;
    }
    names.sort_unstable();
    names.dedup();
    Some(names.join(" "))
}

fn mappings<'i>(instance: &'i Instance, entity: &'i str) -> impl Iterator<Item = RecordRef<'i>> {
    instance
        .store
        .all(OAUTH_ENTITY_AUTH_SCOPE_MAPPING)
        .filter(move |mapping| mapping.raw("oauth_entity") == Some(entity))
}

/// The scopes an entity is mapped to (mappings to a scope that is gone count for nothing).
fn mapped_scopes<'i>(
    instance: &'i Instance,
    entity: &'i str,
) -> impl Iterator<Item = RecordRef<'i>> {
    mappings(instance, entity).filter_map(|mapping| {
        instance
            .store
            .get(SYS_AUTH_SCOPE, mapping.raw("auth_scope")?)
    })
}

#[cfg(test)]
mod tests;

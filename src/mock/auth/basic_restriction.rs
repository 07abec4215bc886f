//! The Basic authentication restriction (catalogue §10, Brazil): whether a user's HTTP Basic sign-in on REST is
//! let through, let through and tracked, or refused; and that it leaves the token endpoint and tokens alone.
//!
//! On an upgraded instance the restriction exists from Brazil: active (absent property: true) and only tracking
//! until `…restriction.enforce` is `true`; before Brazil the properties mean nothing. A new instance has it from
//! Yokohama, seeded enforcing (catalogue §13). The admin is not exempt.

use crate::mock::breaks::Break;
use crate::mock::instance::Instance;
use crate::mock::seed::provisioned;
use crate::mock::tables::store::RecordRef;

pub(crate) use crate::servicenow::captured::{
    BASIC_ALLOWED_ROLES_PROPERTY as ALLOWED_ROLES_PROPERTY,
    BASIC_ALLOWED_USERS_PROPERTY as ALLOWED_USERS_PROPERTY,
    BASIC_AUTH_ROLE as DEFAULT_ALLOWED_ROLE, BASIC_RESTRICTION_ACTIVE_PROPERTY as ACTIVE_PROPERTY,
    BASIC_RESTRICTION_ENFORCE_PROPERTY as ENFORCE_PROPERTY,
};

/// How the restriction stands on an instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Before Brazil, or `…restriction.active=false`.
    Off,
    /// Basic sign-ins that would be refused are let through and noted.
    Tracking,
    /// Basic sign-ins of users it does not exempt are refused.
    Enforcing,
}

/// What the restriction makes of one Basic sign-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BasicVerdict {
    Allowed,
    /// Let through, but it would be refused once the restriction enforces.
    Tracked,
    Refused,
}

/// catalogue §10: the restriction's mode, read live from its properties on releases that have it (catalogue §13: a
/// new instance's from Yokohama).
pub(crate) fn mode(instance: &Instance) -> Mode {
    if !provisioned::has_basic_auth_restriction(instance.provisioned, &instance.release()) {
        return Mode::Off;
    }
    let flag = |name, absent| {
        instance
            .property(name)
            .map_or(absent, |value| value.trim().eq_ignore_ascii_case("true"))
    };
    match (flag(ACTIVE_PROPERTY, true), flag(ENFORCE_PROPERTY, false)) {
        (false, _) => Mode::Off,
        (true, false) => Mode::Tracking,
        (true, true) => Mode::Enforcing,
    }
}

/// catalogue K1: an enforcing restriction refuses the Basic sign-in of a user it does not exempt (K3); a
/// tracking one lets it through, tracked. Break [`Break::RestrictionNotEnforced`]: enforcing only tracks.
pub(crate) fn k1_basic_sign_in(
    instance: &Instance,
    user: RecordRef<'_>,
    roles: &[String],
) -> BasicVerdict {
    let mode = mode(instance);
    if mode == Mode::Off || k3_exempt(instance, user, roles) {
        return BasicVerdict::Allowed;
    }
    if mode == Mode::Tracking || instance.breaks.has(Break::RestrictionNotEnforced) {
        return BasicVerdict::Tracked;
    }
    BasicVerdict::Refused
}

/// catalogue K3: a `web_service_access_only` user, a holder of an allowed role (held by name: `admin` is no
/// wildcard here) and a listed user keep Basic. Breaks: [`Break::WebServiceUsersRestricted`] (the flag
/// exempts nobody), [`Break::AllowedRolesIgnored`] (roles exempt nobody).
fn k3_exempt(instance: &Instance, user: RecordRef<'_>, roles: &[String]) -> bool {
    let breaks = &instance.breaks;
    let web_service_only =
        user.is_true("web_service_access_only") && !breaks.has(Break::WebServiceUsersRestricted);
    let allowed_roles = instance
        .property(ALLOWED_ROLES_PROPERTY)
        .unwrap_or(DEFAULT_ALLOWED_ROLE);
    let holds_allowed_role = !breaks.has(Break::AllowedRolesIgnored)
        && comma_list(allowed_roles).any(|allowed| roles.iter().any(|held| held == allowed));
    let listed = instance
        .property(ALLOWED_USERS_PROPERTY)
        .is_some_and(|users| comma_list(users).any(|sys_id| sys_id == user.sys_id()));
    web_service_only || holds_allowed_role || listed
}

/// catalogue K2: token endpoint requests are checked before the gate, so Basic client authentication at
/// `/oauth_token.do` is unaffected. Break [`Break::RestrictionBlocksBasicClientAuth`]: an enforcing
/// restriction refuses it too.
pub(crate) fn k2_token_endpoint_basic_allowed(instance: &Instance) -> bool {
    !(instance.breaks.has(Break::RestrictionBlocksBasicClientAuth)
        && mode(instance) == Mode::Enforcing)
}

/// catalogue K2: tokens are not Basic auth, so the restriction never refuses them.
/// Break [`Break::RestrictionBlocksTokens`]: an enforcing restriction refuses Bearer calls too.
pub(crate) fn k2_bearer_allowed(instance: &Instance) -> bool {
    !(instance.breaks.has(Break::RestrictionBlocksTokens) && mode(instance) == Mode::Enforcing)
}

fn comma_list(text: &str) -> impl Iterator<Item = &str> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::Breaks;
    use crate::mock::tables::schema::SYS_USER;
    use crate::servicenow::release::{Family, Release};

    /// A Brazil instance and a user who is neither web-service-only nor holds a role.
    fn brazil() -> (Instance, String) {
        let mut instance = Instance::default();
        instance.set_release(&Release::ga(Family::Brazil), 0);
        let user = instance
            .store
            .insert(SYS_USER, &[("user_name", "u")], "a", 0);
        (instance, user)
    }

    fn verdict(instance: &Instance, user: &str, roles: &[&str]) -> BasicVerdict {
        let record = instance.store.get(SYS_USER, user).unwrap();
        let roles: Vec<String> = roles.iter().map(|role| (*role).to_owned()).collect();
        k1_basic_sign_in(instance, record, &roles)
    }

    fn enforce(instance: &mut Instance) {
        instance.set_property(ENFORCE_PROPERTY, "boolean", "true", 0);
    }

    #[test]
    fn the_mode_follows_release_and_properties_absent_ones_at_their_defaults() {
        let (mut instance, _) = brazil();
        assert_eq!(mode(&instance), Mode::Tracking, "an upgraded instance");
        enforce(&mut instance);
        assert_eq!(mode(&instance), Mode::Enforcing);
        instance.set_property(ACTIVE_PROPERTY, "boolean", "false", 0);
        assert_eq!(mode(&instance), Mode::Off);
        instance.set_property(ACTIVE_PROPERTY, "boolean", "TRUE", 0);
        assert_eq!(mode(&instance), Mode::Enforcing);
        instance.set_release(&Release::patched(Family::Australia, 9), 0);
        assert_eq!(mode(&instance), Mode::Off, "before Brazil");
    }

    #[test]
    fn a_new_instance_has_the_restriction_from_yokohama() {
        let (mut instance, _) = brazil();
        instance.provisioned = crate::mock::Provisioned::New;
        enforce(&mut instance);
        for (family, expected) in [
            (Family::Xanadu, Mode::Off),
            (Family::Yokohama, Mode::Enforcing),
            (Family::Australia, Mode::Enforcing),
        ] {
            instance.set_release(&Release::ga(family), 0);
            assert_eq!(mode(&instance), expected, "{family}");
        }
    }

    #[test]
    fn k1_enforcing_refuses_what_tracking_lets_through_the_admin_included() {
        let (mut instance, user) = brazil();
        assert_eq!(verdict(&instance, &user, &[]), BasicVerdict::Tracked);
        assert_eq!(verdict(&instance, &user, &["admin"]), BasicVerdict::Tracked);
        enforce(&mut instance);
        assert_eq!(verdict(&instance, &user, &[]), BasicVerdict::Refused);
        assert_eq!(verdict(&instance, &user, &["admin"]), BasicVerdict::Refused);
        let broken = instance.with_breaks(Breaks::new([Break::RestrictionNotEnforced]));
        assert_eq!(verdict(&broken, &user, &[]), BasicVerdict::Tracked);
    }

    #[test]
    fn k3_web_service_users_allowed_roles_and_listed_users_keep_basic() {
        let (mut instance, user) = brazil();
        enforce(&mut instance);
        assert_eq!(
            verdict(&instance, &user, &[DEFAULT_ALLOWED_ROLE]),
            BasicVerdict::Allowed
        );
        instance.set_property(ALLOWED_ROLES_PROPERTY, "string", "x_api, itil", 0);
        assert_eq!(verdict(&instance, &user, &["itil"]), BasicVerdict::Allowed);
        assert_eq!(
            verdict(&instance, &user, &[DEFAULT_ALLOWED_ROLE]),
            BasicVerdict::Refused,
            "the property replaces the default"
        );
        instance.set_property(ALLOWED_USERS_PROPERTY, "string", &format!("x,{user}"), 0);
        assert_eq!(verdict(&instance, &user, &[]), BasicVerdict::Allowed);
        let other = instance.store.insert(
            SYS_USER,
            &[("user_name", "ws"), ("web_service_access_only", "true")],
            "a",
            0,
        );
        assert_eq!(verdict(&instance, &other, &[]), BasicVerdict::Allowed);
        let broken = instance.with_breaks(Breaks::new([
            Break::WebServiceUsersRestricted,
            Break::AllowedRolesIgnored,
        ]));
        assert_eq!(verdict(&broken, &other, &["itil"]), BasicVerdict::Refused);
        assert_eq!(
            verdict(&broken, &user, &[]),
            BasicVerdict::Allowed,
            "listed"
        );
    }

    #[test]
    fn k2_the_token_endpoint_and_tokens_are_unaffected_but_for_their_breaks() {
        let (mut instance, _) = brazil();
        enforce(&mut instance);
        assert!(k2_token_endpoint_basic_allowed(&instance));
        assert!(k2_bearer_allowed(&instance));
        let broken = instance.with_breaks(Breaks::new([
            Break::RestrictionBlocksBasicClientAuth,
            Break::RestrictionBlocksTokens,
        ]));
        assert!(!k2_token_endpoint_basic_allowed(&broken));
        assert!(!k2_bearer_allowed(&broken));
        let mut tracking = broken;
        tracking.set_property(ENFORCE_PROPERTY, "boolean", "false", 0);
        assert!(k2_token_endpoint_basic_allowed(&tracking));
        assert!(k2_bearer_allowed(&tracking));
    }
}

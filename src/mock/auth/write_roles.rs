//! A property's `write_roles` (catalogue §13): the roles one of which a caller needs to insert, change or delete a
//! `sys_properties` record. The High Security properties carry `security_admin`, a role taken on interactively in
//! the UI for one session and never over REST, so no REST caller may change them; `admin` covers every other
//! role. Only the Table API asks: the control plane and seeds are the instance itself.

use super::authn::Caller;
use super::basic_restriction::{
    ACTIVE_PROPERTY, ALLOWED_ROLES_PROPERTY, ALLOWED_USERS_PROPERTY, ENFORCE_PROPERTY,
};
use crate::mock::seed::provisioned::DEFAULT_MODE_PROPERTY;

/// The elevated role: never held by a REST caller, whatever its roles say.
pub(crate) const SECURITY_ADMIN: &str = "security_admin";
/// Whether the password grant is switched off instance-wide (catalogue §13, §14).
pub(crate) const ROPC_DISABLED_PROPERTY: &str = "glide.oauth.inbound.ropc.grant_type.disabled";

/// catalogue §13: the High Security properties, whose `write_roles` are `security_admin` on every instance.
const HIGH_SECURITY_PROPERTIES: [&str; 6] = [
    ACTIVE_PROPERTY,
    ENFORCE_PROPERTY,
    ALLOWED_ROLES_PROPERTY,
    ALLOWED_USERS_PROPERTY,
    ROPC_DISABLED_PROPERTY,
    DEFAULT_MODE_PROPERTY,
];

/// catalogue §13: the `write_roles` a property of this name gets when the instance creates it, and that an insert
/// of one is held to whatever it says.
pub(crate) fn high_security_write_roles(name: &str) -> Option<&'static str> {
    HIGH_SECURITY_PROPERTIES
        .contains(&name)
        .then_some(SECURITY_ADMIN)
}

/// catalogue §13: whether the caller's roles cover a `write_roles` comma list: an empty list is covered by anyone;
/// otherwise the caller holds one of the roles, or `admin` and the role is not `security_admin` (which no REST
/// caller holds).
pub(crate) fn covers(caller: &Caller, write_roles: &str) -> bool {
    let mut listed = write_roles
        .split(',')
        .map(str::trim)
        .filter(|role| !role.is_empty())
        .peekable();
    if listed.peek().is_none() {
        return true;
    }
    let holds = |role: &str| caller.roles.iter().any(|held| held == role);
    listed.any(|role| role != SECURITY_ADMIN && (holds(role) || holds("admin")))
}

/// catalogue §13: the roles an insert of a property needs: those it lists itself and, for a High Security name,
/// `security_admin`.
pub(crate) fn insert_covered(caller: &Caller, name: &str, write_roles: &str) -> bool {
    high_security_write_roles(name).is_none() && covers(caller, write_roles)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(roles: &[&str]) -> Caller {
        Caller {
            sys_id: "u".into(),
            user_name: "u".into(),
            name: "U".into(),
            roles: roles.iter().map(|role| (*role).to_owned()).collect(),
        }
    }

    #[test]
    fn an_empty_list_is_anyones_and_admin_covers_all_but_security_admin() {
        assert!(covers(&caller(&[]), ""));
        assert!(covers(&caller(&[]), " , "));
        assert!(!covers(&caller(&["itil"]), "x_writer"));
        assert!(covers(&caller(&["itil", "x_writer"]), "other, x_writer"));
        assert!(covers(&caller(&["admin"]), "x_writer"));
        assert!(!covers(&caller(&["admin"]), SECURITY_ADMIN));
        assert!(
            !covers(&caller(&["admin", SECURITY_ADMIN]), SECURITY_ADMIN),
            "never held over REST"
        );
        assert!(covers(&caller(&["admin"]), "security_admin,x_writer"));
    }

    #[test]
    fn the_high_security_properties_need_security_admin_even_on_insert() {
        assert_eq!(
            high_security_write_roles(ENFORCE_PROPERTY),
            Some(SECURITY_ADMIN)
        );
        assert_eq!(
            high_security_write_roles("glide.sm.default_mode"),
            Some(SECURITY_ADMIN)
        );
        assert_eq!(
            high_security_write_roles(ROPC_DISABLED_PROPERTY),
            Some(SECURITY_ADMIN)
        );
        assert_eq!(high_security_write_roles("x.y"), None);
        let admin = caller(&["admin"]);
        assert!(!insert_covered(&admin, ALLOWED_USERS_PROPERTY, ""));
        assert!(insert_covered(&admin, "x.y", "itil"));
        assert!(!insert_covered(&caller(&["itil"]), "x.y", "x_writer"));
    }
}

//! A property's `write_roles` (catalogue §13): the roles one of which a caller needs to insert, change or delete a
//! `sys_properties` record. The High Security properties carry `security_admin`, a role taken on interactively in
//! the UI for one session and never over REST, so no REST caller may change them; `admin` covers every other
//! role. Only the Table API asks: the control plane and seeds are the instance itself.

use super::authn::Caller;
pub(crate) use crate::servicenow::captured::{
    SECURITY_ADMIN_ROLE as SECURITY_ADMIN, high_security_write_roles,
};

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
    use crate::servicenow::captured::{
        BASIC_ALLOWED_USERS_PROPERTY as ALLOWED_USERS_PROPERTY,
        BASIC_RESTRICTION_ENFORCE_PROPERTY as ENFORCE_PROPERTY, ROPC_DISABLED_PROPERTY,
    };

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

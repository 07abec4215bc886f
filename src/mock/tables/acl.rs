//! Who may read and write a table's records (catalogue §2, §13): the roles its declaration lists (its out-of-box
//! ACLs), the `sys_security_acl` rows naming it (each passing a caller who holds one of its
//! `sys_security_acl_role` roles, or `admin` where it lets admin override), and for a table with neither, the
//! instance's default mode (`glide.sm.default_mode`): `allow` lets any authenticated user through, `deny` only
//! `admin`.

use super::schema::{SYS_SECURITY_ACL, SYS_SECURITY_ACL_ROLE, SYS_USER_ROLE, Table};
use crate::mock::auth::authn::Caller;
use crate::mock::instance::Instance;
use crate::mock::seed::provisioned::DEFAULT_MODE_PROPERTY;
use crate::mock::tables::store::RecordRef;

/// What a write was, for the ACL error's wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Operation {
    Insert,
    Update,
    Delete,
}

/// What a caller asks to do with a table's records, as ACLs name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    Read,
    Write(Operation),
}

impl Access {
    /// The `operation` of the `sys_security_acl` rows that govern it.
    pub(crate) fn acl_operation(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write(Operation::Insert) => "create",
            Access::Write(Operation::Update) => "write",
            Access::Write(Operation::Delete) => "delete",
        }
    }
}

/// catalogue §13: whether `caller` may `access` the records of `table`: one of its ACLs passes (the declared roles,
/// or a `sys_security_acl` row); a table with none answers to the default mode.
pub(crate) fn allows(instance: &Instance, caller: &Caller, table: &Table, access: Access) -> bool {
    let declared = match access {
        Access::Read => &table.access.read,
        Access::Write(_) => &table.access.write,
    };
    if table.access.declared && caller.has_any_role(declared) {
        return true;
    }
    let mut rows = acl_rows(instance, &table.name, access.acl_operation()).peekable();
    if rows.peek().is_none() && !table.access.declared {
        return default_mode_allows(instance, caller);
    }
    rows.any(|acl| acl_passes(instance, caller, acl))
}

/// catalogue §13: `deny` (any case) lets only `admin` through a table without ACLs; anything else, or no
/// property, lets any authenticated user through.
fn default_mode_allows(instance: &Instance, caller: &Caller) -> bool {
    let denies = instance
        .property(DEFAULT_MODE_PROPERTY)
        .is_some_and(|mode| mode.trim().eq_ignore_ascii_case("deny"));
    !denies || holds(caller, "admin")
}

/// The active table-level ACL rows of type `record` for `table` and `operation`.
fn acl_rows<'i>(
    instance: &'i Instance,
    table: &'i str,
    operation: &'i str,
) -> impl Iterator<Item = RecordRef<'i>> {
    instance.store.all(SYS_SECURITY_ACL).filter(move |acl| {
        acl.is_true("active")
            && acl.raw("type") == Some("record")
            && acl.raw("name") == Some(table)
            && acl.raw("operation") == Some(operation)
    })
}

/// An ACL row passes `admin` when it lets admin override, and anyone holding one of its roles (anyone at all
/// when it requires none).
fn acl_passes(instance: &Instance, caller: &Caller, acl: RecordRef<'_>) -> bool {
    if acl.is_true("admin_overrides") && holds(caller, "admin") {
        return true;
    }
    let mut required = required_roles(instance, acl.sys_id()).peekable();
    required.peek().is_none() || required.any(|role| holds(caller, role))
}

/// The names of the roles an ACL row requires (its `sys_security_acl_role` rows).
fn required_roles<'i>(instance: &'i Instance, acl: &'i str) -> impl Iterator<Item = &'i str> {
    instance
        .store
        .all(SYS_SECURITY_ACL_ROLE)
        .filter(move |link| link.raw("sys_security_acl") == Some(acl))
        .filter_map(|link| {
            let role = instance
                .store
                .get(SYS_USER_ROLE, link.raw("sys_user_role")?)?;
            role.raw("name")
        })
}

fn holds(caller: &Caller, role: &str) -> bool {
    caller.roles.iter().any(|held| held == role)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::tables::schema::INCIDENT;

    fn caller(roles: &[&str]) -> Caller {
        Caller {
            sys_id: "u".into(),
            user_name: "u".into(),
            name: "U".into(),
            roles: roles.iter().map(|role| (*role).to_owned()).collect(),
        }
    }

    fn bare_table() -> Table {
        Table::new("u_x".into(), "X".into(), None, Vec::new(), 0)
    }

    fn acl(instance: &mut Instance, operation: &str, role: Option<&str>, admin_overrides: bool) {
        let overrides = admin_overrides.to_string();
        let row: &[(&str, &str)] = &[
            ("name", "u_x"),
            ("operation", operation),
            ("admin_overrides", &overrides),
        ];
        let acl = instance.store.insert(SYS_SECURITY_ACL, row, "admin", 0);
        if let Some(role) = role {
            let role = instance.ensure_role(role, 0);
            let link: &[(&str, &str)] = &[("sys_security_acl", &acl), ("sys_user_role", &role)];
            instance
                .store
                .insert(SYS_SECURITY_ACL_ROLE, link, "admin", 0);
        }
    }

    #[test]
    fn a_table_without_acls_follows_the_default_mode() {
        let mut instance = Instance::default();
        let table = bare_table();
        let (user, admin) = (caller(&["itil"]), caller(&["admin"]));
        let write = Access::Write(Operation::Insert);
        assert!(
            allows(&instance, &user, &table, Access::Read),
            "no property: allow"
        );
        instance.set_property(DEFAULT_MODE_PROPERTY, "string", "Deny", 0);
        assert!(!allows(&instance, &user, &table, Access::Read));
        assert!(!allows(&instance, &user, &table, write));
        assert!(allows(&instance, &admin, &table, write));
        instance.set_property(DEFAULT_MODE_PROPERTY, "string", "allow", 0);
        assert!(allows(&instance, &user, &table, write));
    }

    #[test]
    fn acl_rows_require_their_roles_in_either_mode_and_admin_overrides_where_they_say() {
        let mut instance = Instance::default();
        let table = bare_table();
        acl(&mut instance, "read", Some("u_x_user"), true);
        acl(&mut instance, "delete", Some("u_x_user"), false);
        let (user, holder, admin) = (caller(&["itil"]), caller(&["u_x_user"]), caller(&["admin"]));
        assert!(
            !allows(&instance, &user, &table, Access::Read),
            "allow mode too"
        );
        assert!(allows(&instance, &holder, &table, Access::Read));
        assert!(allows(&instance, &admin, &table, Access::Read));
        let delete = Access::Write(Operation::Delete);
        assert!(!allows(&instance, &admin, &table, delete), "no override");
        assert!(allows(&instance, &holder, &table, delete));
        assert!(
            allows(&instance, &user, &table, Access::Write(Operation::Update)),
            "no write ACL: the default mode, allow"
        );
        instance.set_property(DEFAULT_MODE_PROPERTY, "string", "deny", 0);
        assert!(!allows(
            &instance,
            &holder,
            &table,
            Access::Write(Operation::Update)
        ));
        assert!(allows(&instance, &holder, &table, Access::Read));
        acl(&mut instance, "write", None, false);
        assert!(
            allows(&instance, &user, &table, Access::Write(Operation::Update)),
            "an ACL requiring no role passes anyone"
        );
    }

    #[test]
    fn inactive_or_field_acls_do_not_count_and_declared_tables_keep_their_roles() {
        let mut instance = Instance::default();
        instance.set_property(DEFAULT_MODE_PROPERTY, "string", "deny", 0);
        let row: &[(&str, &str)] = &[("name", "u_x"), ("operation", "read"), ("active", "false")];
        instance.store.insert(SYS_SECURITY_ACL, row, "admin", 0);
        let row: &[(&str, &str)] = &[("name", "u_x.u_field"), ("operation", "read")];
        instance.store.insert(SYS_SECURITY_ACL, row, "admin", 0);
        assert!(!allows(
            &instance,
            &caller(&["itil"]),
            &bare_table(),
            Access::Read
        ));
        let incident = instance.store.table(INCIDENT).unwrap().clone();
        assert!(allows(
            &instance,
            &caller(&["itil"]),
            &incident,
            Access::Read
        ));
        assert!(!allows(&instance, &caller(&[]), &incident, Access::Read));
    }
}

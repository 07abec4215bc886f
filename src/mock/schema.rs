//! The tables the mock instance serves (SPEC §2, §7, §8): columns, their kinds and defaults, display columns and
//! ACL roles.

/// How a column's value is stored, validated and shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Text,
    /// Stored as `"true"` / `"false"`.
    Boolean,
    Integer,
    /// `YYYY-MM-DD HH:MM:SS` in UTC.
    DateTime,
    /// A sys_id in the named table; rendered as `{"link":…,"value":…}`.
    Reference(&'static str),
    /// Write-only: accepted on insert and update, never returned in clear (`client_secret`, passwords, tokens).
    Secret,
}

/// The value a column takes when an insert does not give one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Default {
    Empty,
    Value(&'static str),
    /// 32 hex digits, as ServiceNow generates `client_id`.
    ClientId,
    /// A random secret, as the application registry generates `client_secret`.
    Secret,
    /// The next `INC00nnnnn` number.
    IncidentNumber,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Column {
    pub name: &'static str,
    pub kind: Kind,
    pub default: Default,
}

const fn column(name: &'static str, kind: Kind, default: Default) -> Column {
    Column {
        name,
        kind,
        default,
    }
}

const fn text(name: &'static str) -> Column {
    column(name, Kind::Text, Default::Empty)
}

const fn flag(name: &'static str, value: &'static str) -> Column {
    column(name, Kind::Boolean, Default::Value(value))
}

const fn reference(name: &'static str, table: &'static str) -> Column {
    column(name, Kind::Reference(table), Default::Empty)
}

/// Columns every table has, maintained by the instance; writes to them are ignored.
pub(crate) const SYSTEM_COLUMNS: [Column; 6] = [
    text("sys_id"),
    column("sys_created_on", Kind::DateTime, Default::Empty),
    text("sys_created_by"),
    column("sys_updated_on", Kind::DateTime, Default::Empty),
    text("sys_updated_by"),
    column("sys_mod_count", Kind::Integer, Default::Value("0")),
];

/// Roles that may read or write a table; an empty list means any authenticated user.
/// The `admin` role passes every check, as on an instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Access {
    pub read: &'static [&'static str],
    pub write: &'static [&'static str],
}

const ADMIN_ONLY: Access = Access {
    read: &["admin"],
    write: &["admin"],
};

#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Table {
    pub name: &'static str,
    /// The table's own columns, after [`SYSTEM_COLUMNS`].
    pub columns: &'static [Column],
    /// The column shown as a reference's display value.
    pub display_column: &'static str,
    pub access: Access,
    /// A column whose values are unique and looked up directly (issued tokens).
    pub unique_column: Option<&'static str>,
}

impl Table {
    /// System columns first, then the table's own.
    pub(crate) fn all_columns(&self) -> impl Iterator<Item = &Column> {
        SYSTEM_COLUMNS.iter().chain(self.columns)
    }

    /// The position of a column in a record's values.
    pub(crate) fn position(&self, name: &str) -> Option<usize> {
        self.all_columns().position(|column| column.name == name)
    }

    pub(crate) fn column(&self, name: &str) -> Option<&Column> {
        self.all_columns().find(|column| column.name == name)
    }

    pub(crate) fn width(&self) -> usize {
        SYSTEM_COLUMNS.len() + self.columns.len()
    }
}

pub(crate) const SYS_PROPERTIES: Table = Table {
    name: "sys_properties",
    columns: &[
        text("name"),
        text("value"),
        column("type", Kind::Text, Default::Value("string")),
        text("description"),
    ],
    display_column: "name",
    access: ADMIN_ONLY,
    unique_column: None,
};

pub(crate) const OAUTH_ENTITY: Table = Table {
    name: "oauth_entity",
    columns: &[
        text("name"),
        column("client_id", Kind::Text, Default::ClientId),
        column("client_secret", Kind::Secret, Default::Secret),
        column("type", Kind::Text, Default::Value("client")),
        reference("user", "sys_user"),
        column(
            "default_grant_type",
            Kind::Text,
            Default::Value("authorization_code"),
        ),
        column(
            "access_token_lifespan",
            Kind::Integer,
            Default::Value("1800"),
        ),
        column(
            "refresh_token_lifespan",
            Kind::Integer,
            Default::Value("8640000"),
        ),
        flag("active", "true"),
        // SPEC §7: which APIs the entity's tokens may call.
        column(
            "scope_restriction_status",
            Kind::Text,
            Default::Value("unrestricted"),
        ),
        // SPEC §9: `jwt` gives JWT access tokens on releases that have them (see `jwt`).
        column("token_format", Kind::Text, Default::Value("opaque")),
        // SPEC §9: the sys_user field that becomes a JWT's `sub` (the documented name, and the one
        // scripts write).
        text("subject_claim"),
        text("sub_claim"),
        // SPEC L3: stored, not acted on.
        text("inbound_grant_type"),
    ],
    display_column: "name",
    access: ADMIN_ONLY,
    unique_column: None,
};

pub(crate) const SYS_USER: Table = Table {
    name: "sys_user",
    columns: &[
        text("user_name"),
        text("first_name"),
        text("last_name"),
        text("name"),
        text("email"),
        flag("active", "true"),
        flag("locked_out", "false"),
        flag("password_needs_reset", "false"),
        flag("web_service_access_only", "false"),
        column("user_password", Kind::Secret, Default::Empty),
        // SPEC I5: a Bearer call sets it.
        column("last_login_time", Kind::DateTime, Default::Empty),
    ],
    display_column: "name",
    access: Access {
        read: &[],
        write: &["admin"],
    },
    unique_column: None,
};

pub(crate) const SYS_USER_ROLE: Table = Table {
    name: "sys_user_role",
    columns: &[text("name"), text("description")],
    display_column: "name",
    access: Access {
        read: &[],
        write: &["admin"],
    },
    unique_column: None,
};

pub(crate) const SYS_USER_HAS_ROLE: Table = Table {
    name: "sys_user_has_role",
    columns: &[
        reference("user", "sys_user"),
        reference("role", "sys_user_role"),
    ],
    display_column: "sys_id",
    access: ADMIN_ONLY,
    unique_column: None,
};

pub(crate) const OAUTH_CREDENTIAL: Table = Table {
    name: "oauth_credential",
    columns: &[
        column("token", Kind::Secret, Default::Empty),
        column("type", Kind::Text, Default::Value("access_token")),
        column("expires", Kind::DateTime, Default::Empty),
        reference("peer", "oauth_entity"),
        reference("user", "sys_user"),
        text("scopes"),
    ],
    display_column: "sys_id",
    access: ADMIN_ONLY,
    unique_column: Some("token"),
};

pub(crate) const INCIDENT: Table = Table {
    name: "incident",
    columns: &[
        column("number", Kind::Text, Default::IncidentNumber),
        text("short_description"),
        text("description"),
        reference("caller_id", "sys_user"),
        column("state", Kind::Integer, Default::Value("1")),
    ],
    display_column: "number",
    access: Access {
        read: &["itil"],
        write: &["itil"],
    },
    unique_column: None,
};

/// SPEC §7: the REST API auth scopes.
pub(crate) const SYS_AUTH_SCOPE: Table = Table {
    name: "sys_auth_scope",
    columns: &[text("name"), text("description")],
    display_column: "name",
    access: ADMIN_ONLY,
    unique_column: None,
};

/// SPEC §7: an API bound to a scope ("REST API Auth Scope").
pub(crate) const SYS_API_ACCESS_SCOPE: Table = Table {
    name: "sys_api_access_scope",
    columns: &[
        reference("auth_scope", "sys_auth_scope"),
        text("api_path"),
        text("http_method"),
        flag("apply_all_methods", "false"),
        flag("apply_all_resources", "true"),
        flag("apply_all_versions", "false"),
        flag("active", "true"),
    ],
    display_column: "api_path",
    access: ADMIN_ONLY,
    unique_column: None,
};

/// SPEC §7: the scopes an entity's tokens carry.
pub(crate) const OAUTH_ENTITY_AUTH_SCOPE_MAPPING: Table = Table {
    name: "oauth_entity_auth_scope_mapping",
    columns: &[
        reference("oauth_entity", "oauth_entity"),
        reference("auth_scope", "sys_auth_scope"),
    ],
    display_column: "sys_id",
    access: ADMIN_ONLY,
    unique_column: None,
};

/// SPEC §7, §12: table definitions; an admin's `u_` row makes a custom table (see `custom_tables`).
pub(crate) const SYS_DB_OBJECT: Table = Table {
    name: "sys_db_object",
    columns: &[text("name"), text("label"), text("super_class")],
    display_column: "label",
    access: ADMIN_ONLY,
    unique_column: None,
};

/// The records of every custom (`u_`) table, each naming its table in `sys_class_name`; never served
/// under its own name (see `custom_tables`). A new table has only system columns, and any authenticated
/// user may read and write it (SPEC §7).
pub(crate) const CUSTOM_RECORDS: Table = Table {
    name: "u_*",
    columns: &[text("sys_class_name")],
    display_column: "sys_id",
    access: Access {
        read: &[],
        write: &[],
    },
    unique_column: None,
};

/// Every table the mock stores.
pub(crate) const TABLES: [&Table; 12] = [
    &SYS_PROPERTIES,
    &OAUTH_ENTITY,
    &SYS_USER,
    &SYS_USER_ROLE,
    &SYS_USER_HAS_ROLE,
    &OAUTH_CREDENTIAL,
    &INCIDENT,
    &SYS_AUTH_SCOPE,
    &SYS_API_ACCESS_SCOPE,
    &OAUTH_ENTITY_AUTH_SCOPE_MAPPING,
    &SYS_DB_OBJECT,
    &CUSTOM_RECORDS,
];

/// Looks a built-in table up by name ([`CUSTOM_RECORDS`] is reached through its tables' names only).
pub(crate) fn table(name: &str) -> Option<&'static Table> {
    TABLES
        .into_iter()
        .find(|table| table.name == name && table.name != CUSTOM_RECORDS.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_names_a_served_table() {
        for table in TABLES {
            for column in table.all_columns() {
                if let Kind::Reference(target) = column.kind {
                    assert!(
                        super::table(target).is_some(),
                        "{}.{}",
                        table.name,
                        column.name
                    );
                }
            }
            assert!(
                table.column(table.display_column).is_some(),
                "{}",
                table.name
            );
        }
    }

    #[test]
    fn custom_records_are_not_served_under_their_own_name() {
        assert_eq!(table(CUSTOM_RECORDS.name), None);
        assert_eq!(table("sys_auth_scope"), Some(&SYS_AUTH_SCOPE));
    }

    #[test]
    fn column_names_are_unique_per_table() {
        for table in TABLES {
            let mut names: Vec<_> = table.all_columns().map(|c| c.name).collect();
            names.sort_unstable();
            let before = names.len();
            names.dedup();
            assert_eq!(before, names.len(), "{}", table.name);
        }
    }
}

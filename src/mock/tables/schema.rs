//! The shape of the tables the mock serves (catalogue §2, §7, §12, §13, §17, §18): columns with their kinds, defaults, choices and
//! computed rules, display columns and ACL roles. The out-of-box tables are data
//! (`fixtures/schema/out_of_box.toml`, read by `declaration`); the names below are the tables the
//! instance's own rules read and write.

use std::collections::HashMap;

pub(crate) const SYS_PROPERTIES: &str = "sys_properties";
pub(crate) const OAUTH_ENTITY: &str = "oauth_entity";
pub(crate) const SYS_USER: &str = "sys_user";
pub(crate) const SYS_USER_ROLE: &str = "sys_user_role";
pub(crate) const SYS_USER_HAS_ROLE: &str = "sys_user_has_role";
pub(crate) const OAUTH_CREDENTIAL: &str = "oauth_credential";
#[cfg(test)]
pub(crate) const INCIDENT: &str = "incident";
pub(crate) const CHANGE_REQUEST: &str = "change_request";
pub(crate) const SYS_AUTH_SCOPE: &str = "sys_auth_scope";
pub(crate) const SYS_API_ACCESS_SCOPE: &str = "sys_api_access_scope";
pub(crate) const OAUTH_ENTITY_AUTH_SCOPE_MAPPING: &str = "oauth_entity_auth_scope_mapping";
pub(crate) const SYS_DB_OBJECT: &str = "sys_db_object";
pub(crate) const SYS_DICTIONARY: &str = "sys_dictionary";
pub(crate) const SYS_CHOICE: &str = "sys_choice";
pub(crate) const SYS_ATTACHMENT: &str = "sys_attachment";
pub(crate) const SYS_SECURITY_ACL: &str = "sys_security_acl";
pub(crate) const SYS_SECURITY_ACL_ROLE: &str = "sys_security_acl_role";
pub(crate) const SYS_SCOPE: &str = "sys_scope";
pub(crate) const SYS_UPDATE_SET: &str = "sys_update_set";
pub(crate) const SYS_USER_PREFERENCE: &str = "sys_user_preference";
pub(crate) const SYS_UPDATE_XML: &str = "sys_update_xml";
pub(crate) const SYS_WS_DEFINITION: &str = "sys_ws_definition";
pub(crate) const SYS_WS_OPERATION: &str = "sys_ws_operation";
pub(crate) const SYS_API_ACCESS_POLICY: &str = "sys_api_access_policy";
pub(crate) const INBOUND_AUTH_PROFILE: &str = "inbound_auth_profile";
pub(crate) const STD_HTTP_AUTH: &str = "std_http_auth";
pub(crate) const SYS_AUTH_PROFILE_MAPPING: &str = "sys_auth_profile_mapping";
pub(crate) const SYS_RATE_LIMIT_RULES: &str = "sys_rate_limit_rules";

/// The tables the instance's own rules use by name: the out-of-box schema must define each.
#[cfg(test)]
pub(crate) const WELL_KNOWN: [&str; 27] = [
    SYS_PROPERTIES,
    OAUTH_ENTITY,
    SYS_USER,
    SYS_USER_ROLE,
    SYS_USER_HAS_ROLE,
    OAUTH_CREDENTIAL,
    INCIDENT,
    SYS_AUTH_SCOPE,
    SYS_API_ACCESS_SCOPE,
    OAUTH_ENTITY_AUTH_SCOPE_MAPPING,
    SYS_DB_OBJECT,
    SYS_DICTIONARY,
    SYS_ATTACHMENT,
    SYS_CHOICE,
    SYS_SECURITY_ACL,
    SYS_SECURITY_ACL_ROLE,
    SYS_SCOPE,
    SYS_UPDATE_SET,
    SYS_USER_PREFERENCE,
    SYS_UPDATE_XML,
    SYS_WS_DEFINITION,
    SYS_WS_OPERATION,
    SYS_API_ACCESS_POLICY,
    INBOUND_AUTH_PROFILE,
    STD_HTTP_AUTH,
    SYS_AUTH_PROFILE_MAPPING,
    SYS_RATE_LIMIT_RULES,
];

/// How a column's value is stored, validated and shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Text,
    /// Stored as `"true"` / `"false"`.
    Boolean,
    Integer,
    /// `YYYY-MM-DD HH:MM:SS` in UTC.
    DateTime,
    /// A sys_id in the named table; rendered as `{"link":…,"value":…}`.
    Reference(String),
    /// Write-only: accepted on insert and update, never returned in clear (`client_secret`, passwords, tokens).
    Secret,
    /// catalogue §12: a `journal_input` column (`comments`, `work_notes`): a write is taken and the column reads
    /// back `""`, as in every recorded answer (the entries themselves are not kept).
    Journal,
}

/// A value the instance generates when an insert does not give one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Generated {
    /// 32 hex digits, as ServiceNow generates `client_id`.
    ClientId,
    /// A random secret, as the application registry generates `client_secret`.
    Secret,
    /// The table's next number: its prefix and seven digits (`INC0010001`).
    Number,
    /// The time of the insert.
    Now,
}

/// The value a column takes when an insert does not give one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Default {
    Empty,
    Value(String),
    Generated(Generated),
}

/// A column whose value a rule computes on every insert and update (see `computed`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Computed {
    /// catalogue §12: incident priority from impact × urgency.
    IncidentPriority,
    /// A user's `name` from first and last name.
    FullName,
    /// catalogue §17: a REST API's `base_uri` from its namespace and API id.
    ApiBaseUri,
    /// catalogue §12: `incident_state` (and `problem_state`) follows `state`.
    StateMirror,
    /// catalogue §12: `task_effective_number` follows `number`.
    NumberMirror,
}

/// One entry of a choice list: the stored value and the label `sysparm_display_value` shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Column {
    pub name: String,
    pub label: String,
    /// ServiceNow's type name, as `sys_dictionary.internal_type` shows it.
    pub internal_type: String,
    pub kind: Kind,
    pub max_length: u32,
    pub mandatory: bool,
    pub default: Default,
    pub computed: Option<Computed>,
    /// `None`: not a choice column.
    pub choices: Option<Vec<Choice>>,
    /// The table whose dictionary defines the column (a parent's, for an inherited column).
    pub defined_on: String,
    /// The table whose choice list the column uses (differs from `defined_on` where a child overrides it).
    pub choices_on: String,
}

impl Column {
    /// The label of a choice value, if the column has a choice list holding it.
    pub(crate) fn choice_label(&self, value: &str) -> Option<&str> {
        let choices = self.choices.as_ref()?;
        let choice = choices.iter().find(|choice| choice.value == value)?;
        Some(&choice.label)
    }
}

/// Roles that may read or write a table; an empty list means any authenticated user.
/// The `admin` role passes every check, as on an instance.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Access {
    pub read: Vec<String>,
    pub write: Vec<String>,
    /// Whether the lists are the table's own ACLs (declared, or inherited from its parent). A custom table made
    /// without them has none: its `sys_security_acl` rows, else the instance's default mode, decide
    /// (catalogue §13).
    pub declared: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Table {
    pub name: String,
    pub label: String,
    /// The parent table, whose columns this one inherits.
    pub extends: Option<String>,
    /// The column shown as a reference's display value.
    pub display_column: String,
    pub access: Access,
    /// A column whose values are unique and looked up directly (issued tokens).
    pub unique_column: Option<String>,
    /// The prefix of generated numbers (`INC`).
    pub number_prefix: String,
    /// System columns first (`sys_id` at 0), then inherited ones, then the table's own.
    columns: Vec<Column>,
    /// How many of `columns` are the system columns.
    system_width: usize,
    positions: HashMap<String, usize>,
}

impl Table {
    pub(crate) fn new(
        name: String,
        label: String,
        extends: Option<String>,
        columns: Vec<Column>,
        system_width: usize,
    ) -> Table {
        let positions = columns
            .iter()
            .enumerate()
            .map(|(position, column)| (column.name.clone(), position))
            .collect();
        Table {
            name,
            label,
            extends,
            display_column: "sys_id".into(),
            access: Access::default(),
            unique_column: None,
            number_prefix: String::new(),
            columns,
            system_width,
            positions,
        }
    }

    pub(crate) fn all_columns(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter()
    }

    /// The position of a column in a record's values.
    pub(crate) fn position(&self, name: &str) -> Option<usize> {
        self.positions.get(name).copied()
    }

    pub(crate) fn column(&self, name: &str) -> Option<&Column> {
        Some(&self.columns[self.position(name)?])
    }

    /// The column at a position of a record's values.
    pub(crate) fn column_at(&self, position: usize) -> &Column {
        &self.columns[position]
    }

    pub(crate) fn width(&self) -> usize {
        self.columns.len()
    }

    /// Adds a column after the others (the table's records get its default).
    pub(crate) fn push_column(&mut self, column: Column) {
        self.positions
            .insert(column.name.clone(), self.columns.len());
        self.columns.push(column);
    }

    /// Changes the default of the column at `position`.
    pub(crate) fn set_default(&mut self, position: usize, default: Default) {
        self.columns[position].default = default;
    }

    /// The columns an insert or update never writes: the system columns.
    pub(crate) fn is_system(&self, position: usize) -> bool {
        position < self.system_width
    }
}

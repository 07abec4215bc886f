//! What the preflight of an admin run read of the instance before its first change (catalogue §14), as every
//! report keeps it and `sncc compare` compares it: the instance, the admin, the update set and application its
//! writes land in, the settings of catalogue §13 and §16 with their write roles, the `oauth_entity` columns.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The preflight's facts (`summary.json`'s `preflight`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct PreflightFacts {
    /// The instance's `instance_name` property, when it has one.
    pub instance_name: Option<String>,
    /// `glide.buildtag`, when readable.
    pub buildtag: Option<String>,
    /// What the instance's host is, which decides whether `--confirm-instance` is needed.
    pub host: HostKind,
    pub admin: AdminFacts,
    /// The update set the run's writes land in.
    pub update_set: UpdateSetFacts,
    /// The admin's current application (`apps.current_app`): its scope, `global` unless the admin chose one.
    pub application: String,
    /// Each setting of catalogue §13 and §16 by property name: its value (`None`: absent) and write roles.
    pub settings: BTreeMap<String, Setting>,
    /// The `oauth_entity` columns the rows depend on, by what they are (`scope_restriction_status`,
    /// `token_format`, `enforce_token_restriction`), as the dictionary describes them; absent ones missing.
    pub entity_columns: BTreeMap<String, EntityColumn>,
    /// How many requests the preflight sent (its sign-in included).
    pub requests: usize,
}

/// What the host of an instance's URL is (catalogue §14).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum HostKind {
    /// sncc's own mock (its `instance_name` is `sncc-mock`).
    SnccMock,
    /// A loopback address or `localhost`.
    Loopback,
    /// A personal developer instance, `dev<digits>.service-now.com`.
    DeveloperInstance,
    /// Anything else: possibly production, so the run needs `--confirm-instance`.
    Other,
}

impl HostKind {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            HostKind::SnccMock => "sncc's mock",
            HostKind::Loopback => "a loopback address",
            HostKind::DeveloperInstance => "a developer instance",
            HostKind::Other => "neither sncc's mock, loopback nor a developer instance",
        }
    }
}

/// The admin as the preflight found it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct AdminFacts {
    pub user_name: String,
    /// `basic`, or `token` (the password grant of `--admin-client-id`).
    pub signs_in_with: String,
    /// Its roles (`sys_user_has_role`), by name, sorted.
    pub roles: Vec<String>,
    pub locked_out: bool,
    pub password_needs_reset: bool,
    pub web_service_access_only: bool,
}

/// An update set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct UpdateSetFacts {
    pub name: String,
    /// Its sys_id; empty when the instance has no update sets to read.
    pub sys_id: String,
    /// Whether `--update-set` named it (it is not `Default`).
    pub named_by_flag: bool,
}

/// A property of catalogue §13 or §16.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Setting {
    /// Its value; `None` when the instance does not have it.
    pub value: Option<String>,
    /// The roles one of which a writer needs (`write_roles`), empty when anyone with the table's rights may.
    pub write_roles: Vec<String>,
}

/// A column of `oauth_entity`, as `sys_dictionary` describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct EntityColumn {
    /// Its column name (`element`).
    pub element: String,
    pub label: String,
    /// Its dictionary default.
    pub default: String,
}

//! The preflight's reads (catalogue §14), every one a GET as the admin: the properties (the build tag, the
//! instance's name, the settings of catalogue §13 and §16 with their write roles), the admin's record and
//! roles, its preferences (current update set and application) and what they name, and the dictionary of
//! `oauth_entity`.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::client::{Credentials, Reply, ServiceNow, TransportError};
use crate::report::preflight::{EntityColumn, Setting, UpdateSetFacts};
use crate::servicenow::captured::{
    BASIC_ALLOWED_ROLES_PROPERTY, BASIC_ALLOWED_USERS_PROPERTY, BASIC_RESTRICTION_ACTIVE_PROPERTY,
    BASIC_RESTRICTION_ENFORCE_PROPERTY, BUILDTAG_PROPERTY, GRANT_PROPERTY, SCOPE_CHECK_PROPERTY,
};
use crate::suite::table_reply::text;

use super::stops::{DEFAULT_UPDATE_SET, GLOBAL_APPLICATION, ROPC_DISABLED_PROPERTY, Stop};
use super::{PreflightError, sign_in};

/// The instance's name, which `--confirm-instance` must equal (catalogue §14).
pub(crate) const INSTANCE_NAME_PROPERTY: &str = "instance_name";
/// Whether `/oauth_token.do` reads parameters from the body only (catalogue §13, F2).
pub(crate) const POST_BODY_ONLY_PROPERTY: &str = "glide.oauth.allow.parameters.in.post.body.only";
/// High Security's default deny (catalogue §13).
pub(crate) const DEFAULT_MODE_PROPERTY: &str = "glide.sm.default_mode";
/// Whether an API user must reset a password an admin set (catalogue D7).
pub(crate) const RESET_PASSWORD_MANDATORY_PROPERTY: &str =
    "glide.authenticate.api.user.reset_password.mandatory";

/// The settings of catalogue §13 and §16 the preflight reads, with their write roles.
pub(crate) const SETTINGS: [&str; 10] = [
    GRANT_PROPERTY,
    POST_BODY_ONLY_PROPERTY,
    BASIC_RESTRICTION_ACTIVE_PROPERTY,
    BASIC_RESTRICTION_ENFORCE_PROPERTY,
    BASIC_ALLOWED_ROLES_PROPERTY,
    BASIC_ALLOWED_USERS_PROPERTY,
    ROPC_DISABLED_PROPERTY,
    SCOPE_CHECK_PROPERTY,
    DEFAULT_MODE_PROPERTY,
    RESET_PASSWORD_MANDATORY_PROPERTY,
];

/// The preferences naming the admin's current update set and application (catalogue §13).
const UPDATE_SET_PREFERENCE: &str = "sys_update_set";
const APPLICATION_PREFERENCE: &str = "apps.current_app";

/// The `oauth_entity` columns the rows depend on: by column name, and the Enforce Token Restriction flag by
/// its label (its column name is not documented).
const ENTITY_COLUMNS: [&str; 2] = ["scope_restriction_status", "token_format"];
pub(crate) const ENFORCE_TOKEN_RESTRICTION: &str = "enforce_token_restriction";
const ENFORCE_TOKEN_RESTRICTION_LABEL: &str = "enforce token restriction";

/// The preflight's Table API reads, as the admin.
pub(super) struct Reads<'a> {
    pub servicenow: &'a ServiceNow,
    pub admin: &'a Credentials,
    pub url: &'a str,
}

/// What the properties read gave.
pub(super) struct Properties {
    pub buildtag: Option<String>,
    pub instance_name: Option<String>,
    pub settings: BTreeMap<String, Setting>,
}

/// The admin's own record.
#[derive(Default)]
pub(super) struct AdminRecord {
    pub locked_out: bool,
    pub password_needs_reset: bool,
    pub web_service_access_only: bool,
}

impl Reads<'_> {
    /// The admin's first Table API request: every property the preflight needs, in one list.
    pub(super) async fn properties_reply(&self) -> Result<Reply, TransportError> {
        let names = [BUILDTAG_PROPERTY, INSTANCE_NAME_PROPERTY]
            .iter()
            .chain(SETTINGS.iter())
            .copied()
            .collect::<Vec<_>>()
            .join(",");
        let query = format!("nameIN{names}");
        let params = [
            ("sysparm_query", query.as_str()),
            ("sysparm_fields", "name,value,write_roles"),
        ];
        self.servicenow
            .list(self.admin, "sys_properties", &params)
            .await
    }

    /// Reads the answer to [`Self::properties_reply`].
    pub(super) fn properties(&self, reply: &Reply) -> Result<Properties, PreflightError> {
        let records = self.records_of("the system properties", reply)?;
        let value = |name: &str| {
            records
                .iter()
                .find(|record| text(record, "name") == name)
                .map(|record| text(record, "value"))
        };
        let settings = SETTINGS
            .iter()
            .map(|name| {
                let found = records.iter().find(|record| text(record, "name") == *name);
                let setting = Setting {
                    value: found.map(|record| text(record, "value")),
                    write_roles: found
                        .map(|record| roles_of(&text(record, "write_roles")))
                        .unwrap_or_default(),
                };
                ((*name).to_owned(), setting)
            })
            .collect();
        Ok(Properties {
            buildtag: value(BUILDTAG_PROPERTY),
            instance_name: value(INSTANCE_NAME_PROPERTY).filter(|name| !name.is_empty()),
            settings,
        })
    }

    /// The admin's `sys_user` record's flags (all false when it cannot be found by its user name).
    pub(super) async fn admin_record(&self, user: &str) -> Result<AdminRecord, PreflightError> {
        let query = format!("user_name={user}");
        let params = [
            ("sysparm_query", query.as_str()),
            (
                "sysparm_fields",
                "sys_id,locked_out,password_needs_reset,web_service_access_only",
            ),
        ];
        let found = self
            .list("the admin's sys_user record", "sys_user", &params)
            .await?;
        let flag = |name: &str| {
            found
                .first()
                .is_some_and(|record| text(record, name) == "true")
        };
        Ok(AdminRecord {
            locked_out: flag("locked_out"),
            password_needs_reset: flag("password_needs_reset"),
            web_service_access_only: flag("web_service_access_only"),
        })
    }

    /// The admin's roles by name, sorted.
    pub(super) async fn roles(&self, user: &str) -> Result<Vec<String>, PreflightError> {
        let query = format!("user.user_name={user}");
        let params = [
            ("sysparm_query", query.as_str()),
            ("sysparm_fields", "role"),
            ("sysparm_display_value", "true"),
            ("sysparm_exclude_reference_link", "true"),
        ];
        let found = self
            .list("the admin's roles", "sys_user_has_role", &params)
            .await?;
        let mut roles: Vec<String> = found
            .iter()
            .map(|record| match &record["role"] {
                Value::Object(role) => role
                    .get("display_value")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                _ => text(record, "role"),
            })
            .filter(|role| !role.is_empty())
            .collect();
        roles.sort();
        roles.dedup();
        Ok(roles)
    }

    /// The admin's current update set and application preferences (their values), by name.
    pub(super) async fn preferences(
        &self,
        user: &str,
    ) -> Result<BTreeMap<String, String>, PreflightError> {
        let query =
            format!("user.user_name={user}^nameIN{UPDATE_SET_PREFERENCE},{APPLICATION_PREFERENCE}");
        let params = [
            ("sysparm_query", query.as_str()),
            ("sysparm_fields", "name,value"),
        ];
        let found = self
            .list("the admin's preferences", "sys_user_preference", &params)
            .await?;
        Ok(found
            .iter()
            .map(|record| (text(record, "name"), text(record, "value")))
            .filter(|(_, value)| !value.is_empty())
            .collect())
    }

    /// The admin's current update set: the one its preference names, else the global `Default`.
    pub(super) async fn current_update_set(
        &self,
        preferences: &BTreeMap<String, String>,
    ) -> Result<UpdateSetFacts, PreflightError> {
        if let Some(sys_id) = preferences.get(UPDATE_SET_PREFERENCE) {
            let query = format!("sys_id={sys_id}");
            let found = self.update_sets(&query).await?;
            if let Some(set) = found.first() {
                return Ok(update_set_of(set));
            }
        }
        let query = format!("name={DEFAULT_UPDATE_SET}^application={GLOBAL_APPLICATION}");
        let found = self.update_sets(&query).await?;
        Ok(UpdateSetFacts {
            name: DEFAULT_UPDATE_SET.to_owned(),
            sys_id: found
                .first()
                .map(|set| text(set, "sys_id"))
                .unwrap_or_default(),
            named_by_flag: false,
        })
    }

    /// Whether the instance has an update set of this name (`--update-set`).
    pub(super) async fn update_set_exists(&self, name: &str) -> Result<bool, PreflightError> {
        let query = format!("name={name}");
        Ok(!self.update_sets(&query).await?.is_empty())
    }

    async fn update_sets(&self, query: &str) -> Result<Vec<Value>, PreflightError> {
        let params = [
            ("sysparm_query", query),
            ("sysparm_fields", "sys_id,name"),
            ("sysparm_limit", "1"),
        ];
        self.list("the update sets", "sys_update_set", &params)
            .await
    }

    /// The admin's current application, by scope: global unless its preference names another that exists.
    pub(super) async fn application(
        &self,
        preferences: &BTreeMap<String, String>,
    ) -> Result<String, PreflightError> {
        let Some(sys_id) = preferences
            .get(APPLICATION_PREFERENCE)
            .filter(|sys_id| *sys_id != GLOBAL_APPLICATION)
        else {
            return Ok(GLOBAL_APPLICATION.to_owned());
        };
        let query = format!("sys_id={sys_id}");
        let params = [
            ("sysparm_query", query.as_str()),
            ("sysparm_fields", "scope,name"),
        ];
        let found = self
            .list("the admin's application", "sys_scope", &params)
            .await?;
        Ok(found
            .first()
            .map(|scope| text(scope, "scope"))
            .filter(|scope| !scope.is_empty())
            .unwrap_or_else(|| GLOBAL_APPLICATION.to_owned()))
    }

    /// The `oauth_entity` columns the rows depend on, as the dictionary describes them.
    pub(super) async fn entity_columns(
        &self,
    ) -> Result<BTreeMap<String, EntityColumn>, PreflightError> {
        let params = [
            ("sysparm_query", "name=oauth_entity"),
            ("sysparm_fields", "element,column_label,default_value"),
        ];
        let found = self
            .list("the dictionary of oauth_entity", "sys_dictionary", &params)
            .await?;
        let mut columns = BTreeMap::new();
        for row in &found {
            let column = EntityColumn {
                element: text(row, "element"),
                label: text(row, "column_label"),
                default: text(row, "default_value"),
            };
            if ENTITY_COLUMNS.contains(&column.element.as_str()) {
                columns.insert(column.element.clone(), column);
            } else if column
                .label
                .to_ascii_lowercase()
                .contains(ENFORCE_TOKEN_RESTRICTION_LABEL)
            {
                columns.insert(ENFORCE_TOKEN_RESTRICTION.to_owned(), column);
            }
        }
        Ok(columns)
    }

    /// A list read: its records, none when the instance has no such table (`400 Invalid table`).
    async fn list(
        &self,
        what: &str,
        table: &str,
        params: &[(&str, &str)],
    ) -> Result<Vec<Value>, PreflightError> {
        let reply = self.servicenow.list(self.admin, table, params).await?;
        match reply.status {
            400 => Ok(Vec::new()),
            _ => self.records_of(what, &reply),
        }
    }

    fn records_of(&self, what: &str, reply: &Reply) -> Result<Vec<Value>, PreflightError> {
        let records = reply
            .result()
            .filter(|_| reply.status == 200)
            .and_then(|result| result.as_array().cloned());
        records.ok_or_else(|| {
            PreflightError::Stop(Stop::Unreadable {
                url: self.url.to_owned(),
                what: what.to_owned(),
                status: reply.status,
                detail: sign_in::detail(reply),
            })
        })
    }
}

/// A comma list of role names.
fn roles_of(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|role| !role.is_empty())
        .map(str::to_owned)
        .collect()
}

fn update_set_of(record: &Value) -> UpdateSetFacts {
    UpdateSetFacts {
        name: text(record, "name"),
        sys_id: text(record, "sys_id"),
        named_by_flag: false,
    }
}

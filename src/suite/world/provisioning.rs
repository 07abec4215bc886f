//! Making on the instance what the steps name, through the Table API on every target: users, OAuth API
//! endpoints, auth scopes and their mappings, the suite's own table; and the names they get there. On a real
//! instance provisioning harms nothing (catalogue §15): entities explicitly unrestricted, secrets written the
//! way the instance takes them, strong passwords, the suite's table with access controls and a role of its own.

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use crate::suite::context::Target;
use crate::suite::undo::access_of;
use crate::support::random;

use super::SuiteWorld;
use super::journaled::UndoAt;
use super::secret_form::AS_DISPLAY_VALUE;
use super::vocabulary::{Endpoint, User};
use crate::suite::context::SecretForm;
use crate::suite::table_reply::text;

/// The `scope_restriction_status` column of `oauth_entity`, and the value the suite's entities get on a real
/// instance (catalogue §15: a new instance's default, `restricted`, would refuse the suite's tokens).
const SCOPE_RESTRICTION: &str = "scope_restriction_status";
const UNRESTRICTED: &str = "unrestricted";

/// A user's password (catalogue §15): upper and lower case letters, a digit and a symbol, and at least 16
/// characters, whatever an instance's password policy asks; random but for the four that guarantee the classes.
pub(crate) fn strong_password() -> String {
    format!("{}Aa7!", random::secret())
}

impl SuiteWorld {
    /// `a user "X"`: created on the mock or an admin target; the expected user on a client target.
    pub(crate) async fn add_user(&mut self, logical: &str) -> Result<(), String> {
        let user = match &self.context.run.target {
            Target::Client { expect_user, .. } => User {
                user_name: expect_user.clone(),
                sys_id: None,
                password: None,
            },
            _ => {
                let user_name = self.instance_name(logical);
                let record = json!({
                    "user_name": user_name,
                    "first_name": "sncc",
                    "last_name": logical,
                    "web_service_access_only": "true",
                });
                let created = self.records.create("sys_user", record).await?;
                User {
                    user_name,
                    sys_id: Some(text(&created, "sys_id")),
                    password: None,
                }
            }
        };
        self.vocabulary.users.insert(logical.to_owned(), user);
        Ok(())
    }

    /// `a user "X" who signs in with a password` (catalogue §10): a user with a random password, for Basic
    /// sign-ins; web-service-only or not. The password is set as its display value
    /// (`sysparm_input_display_value=true`), as an instance hashes a password written through the Table
    /// API.
    pub(crate) async fn add_user_with_password(
        &mut self,
        logical: &str,
        web_service_only: bool,
    ) -> Result<(), String> {
        if self.is_client_target() {
            return Err("a client target cannot create users".into());
        }
        let user_name = self.instance_name(logical);
        let password = self.held_secret(strong_password());
        let record = json!({
            "user_name": user_name,
            "first_name": "sncc",
            "last_name": logical,
            "web_service_access_only": web_service_only.to_string(),
            "user_password": password.expose_secret(),
        });
        let query = [("sysparm_input_display_value", "true")];
        let created = self
            .records
            .create_undone_at(UndoAt::ScenarioEnd, "sys_user", record, &query)
            .await?;
        let user = User {
            user_name,
            sys_id: Some(text(&created, "sys_id")),
            password: Some(password),
        };
        self.vocabulary.users.insert(logical.to_owned(), user);
        Ok(())
    }

    /// `an OAuth API endpoint "C" whose OAuth Application User is "U"` (or none): the configured client on
    /// a client target.
    pub(crate) async fn add_endpoint(
        &mut self,
        logical: &str,
        user: Option<&str>,
    ) -> Result<(), String> {
        let endpoint = match &self.context.run.target {
            Target::Client {
                client_id,
                client_secret,
                ..
            } => Endpoint {
                sys_id: None,
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
            },
            _ => {
                let user_sys_id = match user {
                    Some(user) => self
                        .vocabulary
                        .user(user)?
                        .sys_id
                        .clone()
                        .unwrap_or_default(),
                    None => String::new(),
                };
                let secret = self.held_secret(random::secret());
                let mut record = json!({
                    "name": self.instance_name(logical),
                    "type": "client",
                    "client_secret": secret.expose_secret(),
                    "user": user_sys_id,
                    "default_grant_type": "client_credentials",
                });
                let settings = self.context.run.settings.as_ref();
                if settings.is_some_and(|settings| settings.entity_has(SCOPE_RESTRICTION)) {
                    record[SCOPE_RESTRICTION] = json!(UNRESTRICTED);
                }
                let created = self.records.create("oauth_entity", record).await?;
                let client_id = text(&created, "client_id");
                if client_id.is_empty() {
                    return Err("the new OAuth API endpoint has no client_id".into());
                }
                let sys_id = text(&created, "sys_id");
                self.write_secret_as_taken(&sys_id, &secret).await?;
                Endpoint {
                    sys_id: Some(sys_id),
                    client_id,
                    client_secret: secret,
                }
            }
        };
        self.vocabulary
            .endpoints
            .insert(logical.to_owned(), endpoint);
        Ok(())
    }

    /// catalogue S1: an OAuth API endpoint inserted without `scope_restriction_status` (and without a user), to
    /// see what the instance gives it; removed with the scenario, never asked for a token. Returns the status it
    /// got.
    pub(crate) async fn insert_endpoint_without_scope_status(
        &mut self,
        logical: &str,
    ) -> Result<String, String> {
        if self.is_client_target() {
            return Err("a client target cannot create endpoints".into());
        }
        let secret = self.held_secret(random::secret());
        let record = json!({
            "name": self.instance_name(logical),
            "type": "client",
            "client_secret": secret.expose_secret(),
            "default_grant_type": "client_credentials",
        });
        let created = self.records.create("oauth_entity", record).await?;
        Ok(text(&created, SCOPE_RESTRICTION))
    }

    /// Changes a user's fields.
    pub(crate) async fn update_user(
        &mut self,
        logical: &str,
        changes: Value,
    ) -> Result<(), String> {
        let sys_id = self
            .vocabulary
            .user(logical)?
            .sys_id
            .clone()
            .ok_or("this target cannot change users")?;
        self.records.update("sys_user", &sys_id, changes).await
    }

    /// Changes an endpoint's fields.
    pub(crate) async fn update_endpoint(
        &mut self,
        logical: &str,
        changes: Value,
    ) -> Result<(), String> {
        let sys_id = self
            .vocabulary
            .endpoint(logical)?
            .sys_id
            .clone()
            .ok_or("this target cannot change endpoints")?;
        self.records.update("oauth_entity", &sys_id, changes).await
    }

    /// Gives an endpoint a new client secret, and uses it from then on.
    pub(crate) async fn set_client_secret(
        &mut self,
        logical: &str,
        secret: String,
    ) -> Result<(), String> {
        let secret = self.held_secret(secret);
        self.update_endpoint(logical, json!({ "client_secret": secret.expose_secret() }))
            .await?;
        let sys_id = self.vocabulary.endpoint(logical)?.sys_id.clone();
        self.write_secret_as_taken(&sys_id.unwrap_or_default(), &secret)
            .await?;
        if let Some(endpoint) = self.vocabulary.endpoints.get_mut(logical) {
            endpoint.client_secret = secret;
        }
        Ok(())
    }

    /// Writes an entity's secret again as a display value when the run's first entity showed that the
    /// instance takes it only so (catalogue §15).
    async fn write_secret_as_taken(
        &mut self,
        sys_id: &str,
        secret: &SecretString,
    ) -> Result<(), String> {
        if self.context.secret_form.get() != Some(&SecretForm::AsDisplayValue) {
            return Ok(());
        }
        let changes = json!({ "client_secret": secret.expose_secret() });
        self.records
            .update_with(
                UndoAt::ScenarioEnd,
                "oauth_entity",
                sys_id,
                changes,
                &AS_DISPLAY_VALUE,
            )
            .await
    }

    /// The suite's own table (catalogue §7): `u_sncc_<run>` on a real instance, created through
    /// `sys_db_object` once a run, with access controls and a role of its own (`u_sncc_<run>_user`, catalogue
    /// §15) so it works under default deny; a table of the scenario's own mock otherwise. Auth scopes are
    /// bound to it and to nothing the instance already uses.
    pub(crate) async fn own_table(&mut self) -> Result<String, String> {
        if let Some(table) = &self.vocabulary.own_table {
            return Ok(table.clone());
        }
        let name = match self.context.run.target {
            Target::Mock { .. } => "u_sncc_suite".to_owned(),
            _ => self.context.own_table_name(),
        };
        let mut record = json!({
            "name": name,
            "label": self.marked("conformance check table"),
        });
        if self.records.is_journaled() {
            record["create_access_controls"] = json!("true");
            record["user_role"] = json!(format!("{name}_user"));
        }
        self.shared_record("sys_db_object", record).await?;
        self.vocabulary.own_table = Some(name.clone());
        Ok(name)
    }

    /// Grants the role of the suite's own table to the scenario's users that do not hold it yet, on a real
    /// instance (catalogue §15: under default deny only its holders may use the table); undone at the
    /// scenario's end.
    pub(crate) async fn grant_own_table_role(&mut self) -> Result<(), String> {
        if !self.records.is_journaled() {
            return Ok(());
        }
        let table = self.own_table().await?;
        let role = self
            .records
            .find("sys_user_role", &format!("name={table}_user"))
            .await?
            .first()
            .map(|role| text(role, "sys_id"))
            .ok_or_else(|| {
                format!("the instance made no role {table}_user for the suite's table")
            })?;
        let users: Vec<String> = self
            .vocabulary
            .users
            .values()
            .filter_map(|user| user.sys_id.clone())
            .filter(|sys_id| !self.own_table_role_granted.contains(sys_id))
            .collect();
        for user in users {
            let grant = json!({ "user": user, "role": role });
            self.records.create("sys_user_has_role", grant).await?;
            self.own_table_role_granted.push(user);
        }
        Ok(())
    }

    /// `an auth scope "X"`: a `sys_auth_scope` of the suite's, shared by the run on a real instance.
    pub(crate) async fn add_auth_scope(&mut self, logical: &str) -> Result<(), String> {
        let record = json!({
            "name": self.shared_name(logical),
            "description": self.marked("conformance check auth scope"),
        });
        let created = self.shared_record("sys_auth_scope", record).await?;
        self.vocabulary
            .auth_scopes
            .insert(logical.to_owned(), created);
        Ok(())
    }

    /// An auth scope by logical name: the scenario's own, else one the instance has by that exact name
    /// (the seeded `useraccount`).
    pub(crate) async fn auth_scope(&mut self, logical: &str) -> Result<Value, String> {
        if let Some(scope) = self.vocabulary.auth_scopes.get(logical) {
            return Ok(scope.clone());
        }
        self.records
            .find("sys_auth_scope", &format!("name={logical}"))
            .await?
            .first()
            .cloned()
            .ok_or_else(|| format!("the instance has no auth scope {logical}"))
    }

    /// The name the instance knows an auth scope by.
    pub(crate) async fn auth_scope_name(&mut self, logical: &str) -> Result<String, String> {
        Ok(text(&self.auth_scope(logical).await?, "name"))
    }

    /// Maps an endpoint to an auth scope (an `oauth_entity_auth_scope_mapping`, undone at the end).
    pub(crate) async fn map_to_scope(&mut self, endpoint: &str, scope: &str) -> Result<(), String> {
        let entity = self
            .vocabulary
            .endpoint(endpoint)?
            .sys_id
            .clone()
            .ok_or("this target cannot map endpoints to scopes")?;
        let scope_sys_id = text(&self.auth_scope(scope).await?, "sys_id");
        let record = json!({ "oauth_entity": entity, "auth_scope": scope_sys_id });
        let created = self
            .records
            .create("oauth_entity_auth_scope_mapping", record)
            .await?;
        self.vocabulary
            .scope_mappings
            .insert((endpoint.to_owned(), scope.to_owned()), created);
        Ok(())
    }

    /// Removes a mapping the scenario made.
    pub(crate) async fn unmap_from_scope(
        &mut self,
        endpoint: &str,
        scope: &str,
    ) -> Result<(), String> {
        let key = (endpoint.to_owned(), scope.to_owned());
        let mapping = self.vocabulary.scope_mappings.remove(&key).ok_or_else(|| {
            format!("\"{endpoint}\" was not mapped to \"{scope}\" in this scenario")
        })?;
        let sys_id = text(&mapping, "sys_id");
        self.records
            .delete("oauth_entity_auth_scope_mapping", &sys_id, mapping)
            .await
    }

    /// A record every scenario of the run may share: on a real instance created once (journaled, undone
    /// at the end of the run) and found again by its table and `name`; on the mock, made in the
    /// scenario's own instance.
    async fn shared_record(&mut self, table: &str, record: Value) -> Result<Value, String> {
        if !self.records.is_journaled() {
            return self.records.create(table, record).await;
        }
        let key = format!("{table} {}", text(&record, "name"));
        let context = self.context.clone();
        let mut shared = context.shared_records.lock().await;
        if let Some(found) = shared.get(&key) {
            return Ok(found.clone());
        }
        let mut foreseen = Vec::new();
        if table == "sys_db_object" {
            for (made_with_it, find_by) in access_of(&text(&record, "name")) {
                foreseen.extend(
                    self.records
                        .foresee(UndoAt::RunEnd, made_with_it, find_by)?,
                );
            }
        }
        let created = self
            .records
            .create_undone_at(UndoAt::RunEnd, table, record.clone(), &[])
            .await?;
        if table == "sys_db_object" {
            self.adopt_table_access(&text(&record, "name")).await?;
            self.records.adopted(&foreseen)?;
        }
        shared.insert(key, created.clone());
        Ok(created)
    }

    /// Journals what the instance made with the suite's table (its role, access controls and their role
    /// links) as the run's own, undone at the end of the run and by `sncc restore` (catalogue §15).
    async fn adopt_table_access(&mut self, table: &str) -> Result<(), String> {
        let role = self
            .records
            .find("sys_user_role", &format!("name={table}_user"))
            .await?;
        let acls = self
            .records
            .find("sys_security_acl", &format!("nameSTARTSWITH{table}"))
            .await?;
        let acl_ids: Vec<String> = acls.iter().map(|acl| text(acl, "sys_id")).collect();
        let links = match acl_ids.is_empty() {
            true => Vec::new(),
            false => {
                let query = format!("sys_security_aclIN{}", acl_ids.join(","));
                self.records.find("sys_security_acl_role", &query).await?
            }
        };
        for (derived, records) in [
            ("sys_user_role", &role),
            ("sys_security_acl", &acls),
            ("sys_security_acl_role", &links),
        ] {
            for record in records {
                self.records
                    .adopt(UndoAt::RunEnd, derived, &text(record, "sys_id"))?;
            }
        }
        Ok(())
    }

    /// The name a logical name gets on the instance: as written on the mock; on a real one prefixed with
    /// the run's prefix and the scenario's number, so scenarios side by side never share a record and a
    /// search for one scenario's record never finds another's.
    pub(super) fn instance_name(&self, logical: &str) -> String {
        match self.context.run.target {
            Target::Mock { .. } => logical.to_owned(),
            _ => format!(
                "{}{}-{logical}",
                self.context.run.prefix, self.scenario_number
            ),
        }
    }

    /// The name a logical name gets for a record the whole run shares ([`Self::shared_record`]): as
    /// written on the mock; on a real one prefixed with the run's prefix only.
    fn shared_name(&self, logical: &str) -> String {
        match self.context.run.target {
            Target::Mock { .. } => logical.to_owned(),
            _ => format!("{}{logical}", self.context.run.prefix),
        }
    }

    /// A text that marks what the suite writes on a real instance as its own (the run's prefix).
    pub(crate) fn marked(&self, text: &str) -> String {
        format!("{}{text}", self.context.run.prefix)
    }

    /// A secret the scenario holds from now on: its recorder knows it, so no report shows it.
    pub(super) fn held_secret(&self, value: String) -> SecretString {
        let secret = SecretString::from(value);
        self.servicenow.recorder().know_secret(&secret);
        secret
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_carry_every_class_and_sixteen_characters_at_least() {
        for _ in 0..200 {
            let password = strong_password();
            assert!(password.len() >= 16, "{password}");
            assert!(password.chars().any(|c| c.is_ascii_uppercase()));
            assert!(password.chars().any(|c| c.is_ascii_lowercase()));
            assert!(password.chars().any(|c| c.is_ascii_digit()));
            assert!(password.chars().any(|c| !c.is_ascii_alphanumeric()));
        }
        assert_ne!(strong_password(), strong_password());
    }
}

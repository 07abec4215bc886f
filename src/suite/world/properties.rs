//! The instance-wide properties a scenario sets: the grant property (the run's baseline, or away from it),
//! others such as the Basic auth restriction's; only a scenario tagged `@instance-wide` may move them.

use serde_json::json;

use crate::servicenow::captured::{
    BASIC_ALLOWED_USERS_PROPERTY, BASIC_RESTRICTION_ACTIVE_PROPERTY,
    BASIC_RESTRICTION_ENFORCE_PROPERTY, GRANT_PROPERTY,
};

use super::SuiteWorld;
use super::journaled::UndoAt;
use crate::suite::table_reply::{expect_result, text};

impl SuiteWorld {
    /// Sets the grant property (`None` removes it), read afresh from the instance first: an earlier
    /// scenario may have left it otherwise. `"true"` is the run's baseline: bringing it there is undone
    /// at the end of the run, and only a scenario tagged `@instance-wide` may move it away (from then on
    /// it runs alone). On a client target the property cannot be seen: `"true"` is what such a run presumes.
    pub(crate) async fn set_grant_property(&mut self, value: Option<&str>) -> Result<(), String> {
        if self.is_client_target() {
            return match value {
                Some("true") => Ok(()),
                _ => Err("a client target cannot change the grant property".into()),
            };
        }
        let to_baseline = value == Some("true") && !self.grant_changed;
        if !to_baseline && !self.instance_wide {
            return Err(format!(
                "{} changes the grant property but is not tagged @instance-wide, so it would run beside scenarios that need it",
                self.scenario_id
            ));
        }
        if !to_baseline {
            self.have_the_instance_alone().await?;
        }
        let context = self.context.clone();
        let _one_at_a_time = match to_baseline {
            true => Some(context.grant_baseline.lock().await),
            false => None,
        };
        self.on_grant_baseline |= to_baseline;
        let at = match to_baseline {
            true => UndoAt::RunEnd,
            false => {
                self.grant_changed = true;
                UndoAt::ScenarioEnd
            }
        };
        let now = self
            .records
            .find("sys_properties", &format!("name={GRANT_PROPERTY}"))
            .await?
            .first()
            .cloned();
        if to_baseline {
            let found = now.as_ref().map(|property| text(property, "value"));
            let mut before_run = self
                .context
                .grant_property_before_run
                .lock()
                .expect("grant property lock");
            before_run.get_or_insert(found);
        }
        match (now, value) {
            (Some(property), Some(value)) if text(&property, "value") == value => Ok(()),
            (Some(property), Some(value)) => {
                let sys_id = text(&property, "sys_id");
                self.records
                    .update_undone_at(at, "sys_properties", &sys_id, json!({ "value": value }))
                    .await
            }
            (None, Some(value)) => {
                let mut record =
                    json!({ "name": GRANT_PROPERTY, "type": "boolean", "value": value });
                if self.records.is_journaled() {
                    // catalogue §15: no node-wide cache flush for it, and no update set carries it.
                    record["ignore_cache"] = json!("true");
                    record["is_private"] = json!("true");
                }
                self.records
                    .create_undone_at(at, "sys_properties", record, &[])
                    .await
                    .map(drop)
            }
            (Some(property), None) => {
                // The whole record is kept (its description too), so restoring it recreates it as it was.
                let sys_id = text(&property, "sys_id");
                self.records
                    .delete("sys_properties", &sys_id, property)
                    .await
            }
            (None, None) => Ok(()),
        }
    }

    /// A setting a row of catalogue §16 follows, `None` when the instance does not have it: on a real instance as
    /// the preflight read it, never again ad hoc; on the mock as the scenario's admin reads it now. A client
    /// target cannot read it: the error says so.
    pub(crate) async fn instance_setting(&mut self, name: &str) -> Result<Option<String>, String> {
        if let Some(settings) = &self.context.run.settings {
            return Ok(settings.value(name).map(str::to_owned));
        }
        if self.is_client_target() {
            return Err(format!("a client target cannot read the property {name}"));
        }
        let found = self
            .records
            .find_fields("sys_properties", &format!("name={name}"), Some("value"))
            .await?;
        Ok(found.first().map(|property| text(property, "value")))
    }

    /// Sets an instance-wide property other than the grant's (`None` removes it), read afresh first; only
    /// a scenario tagged `@instance-wide` may, and it is undone at the scenario's end.
    pub(crate) async fn set_instance_property(
        &mut self,
        name: &str,
        kind: &str,
        value: Option<&str>,
    ) -> Result<(), String> {
        if !self.instance_wide {
            return Err(format!(
                "{} changes the instance-wide property {name} but is not tagged @instance-wide",
                self.scenario_id
            ));
        }
        self.have_the_instance_alone().await?;
        let now = self
            .records
            .find("sys_properties", &format!("name={name}"))
            .await?
            .first()
            .cloned();
        match (now, value) {
            (Some(property), Some(value)) if text(&property, "value") == value => Ok(()),
            (Some(property), Some(value)) => {
                let sys_id = text(&property, "sys_id");
                self.records
                    .update("sys_properties", &sys_id, json!({ "value": value }))
                    .await
            }
            (None, Some(value)) => {
                let record = json!({ "name": name, "type": kind, "value": value });
                self.records
                    .create("sys_properties", record)
                    .await
                    .map(drop)
            }
            (Some(property), None) => {
                let sys_id = text(&property, "sys_id");
                self.records
                    .delete("sys_properties", &sys_id, property)
                    .await
            }
            (None, None) => Ok(()),
        }
    }

    /// The Basic auth restriction on and enforcing (catalogue §10, §16). A real instance is never switched (its
    /// properties need `security_admin`, which no REST caller holds): the preflight read whether it enforces,
    /// and a scenario that needs it is not runnable where it does not. On the mock, each scenario's own
    /// instance is switched through its control plane, its admin listed in `allowed_users` first so it goes on
    /// provisioning and undoing.
    pub(crate) async fn enforce_basic_restriction(&mut self) -> Result<(), String> {
        if let Some(settings) = &self.context.run.settings {
            return match settings.restriction_enforcing() {
                true => Ok(()),
                false => Err(
                    "the instance does not enforce the Basic auth restriction, and its properties need \
                     security_admin, which no REST session holds: not runnable here"
                        .into(),
                ),
            };
        }
        let control = self
            .control
            .clone()
            .ok_or("only the mock's control plane may switch the Basic auth restriction")?;
        let admin = self.records.admin()?.clone();
        let reply = self.servicenow.current_user(&admin).await;
        let me = expect_result(
            &reply.map_err(|e| e.to_string())?,
            200,
            "ask who the admin is",
        )?;
        let enforcing = json!({
            BASIC_ALLOWED_USERS_PROPERTY: text(&me, "user_sys_id"),
            BASIC_RESTRICTION_ACTIVE_PROPERTY: true,
            BASIC_RESTRICTION_ENFORCE_PROPERTY: true,
        });
        control
            .set_properties(enforcing)
            .await
            .map_err(|error| error.to_string())
    }
}

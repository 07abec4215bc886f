//! REST API access policies and Enforce Token Restriction as the suite sets them up (catalogue §18, N1, N2):
//! the flag on an endpoint of the scenario's, and a policy on the suite's own Scripted REST API only, mapped to
//! an OAuth profile linked to one endpoint and to the out-of-box Basic Auth profile; every record journaled and
//! removed with the scenario.

use serde_json::json;

use crate::suite::table_reply::text;

use super::SuiteWorld;
use super::labelled_columns::{ENFORCE_TOKEN_RESTRICTION, PROFILE_OAUTH_ENTITY};

/// The `type` of a Basic Auth profile, as stored.
const BASIC_AUTH_TYPE: &str = "basic_auth";
/// The `type` of an OAuth profile, as stored.
const OAUTH_TYPE: &str = "oauth";

impl SuiteWorld {
    /// Turns an endpoint's Enforce Token Restriction flag on or off (its column found by label).
    pub(crate) async fn set_token_restriction(
        &mut self,
        endpoint: &str,
        enforced: bool,
    ) -> Result<(), String> {
        let column = self.labelled_column(ENFORCE_TOKEN_RESTRICTION).await?;
        self.update_endpoint(endpoint, json!({ column: enforced.to_string() }))
            .await
    }

    /// An active access policy on the suite's own Scripted REST API (every method, resource and version),
    /// mapped first to a new OAuth profile linked to `endpoint`, then to the instance's Basic Auth profile.
    pub(crate) async fn restrict_scripted_api_to(&mut self, endpoint: &str) -> Result<(), String> {
        let api = self.scripted_api()?.sys_id.clone();
        let entity = self
            .vocabulary
            .endpoint(endpoint)?
            .sys_id
            .clone()
            .ok_or("this target cannot link a profile to an endpoint")?;
        let basic = self
            .records
            .find_fields(
                "std_http_auth",
                &format!("type={BASIC_AUTH_TYPE}^ORDERBYsys_created_on"),
                Some("sys_id,name"),
            )
            .await?
            .first()
            .map(|profile| text(profile, "sys_id"))
            .ok_or("the instance has no Basic Auth inbound authentication profile")?;
        let policy = json!({
            "name": self.instance_name("policy"),
            "active": "true",
            "api": api,
            "apply_all_methods": "true",
            "apply_all_resources": "true",
            "apply_all_versions": "true",
        });
        let policy = text(
            &self.records.create("sys_api_access_policy", policy).await?,
            "sys_id",
        );
        let column = self.labelled_column(PROFILE_OAUTH_ENTITY).await?;
        let mut profile =
            json!({ "name": self.instance_name("oauth-profile"), "type": OAUTH_TYPE });
        profile[column] = json!(entity);
        let oauth = text(
            &self.records.create("std_http_auth", profile).await?,
            "sys_id",
        );
        for profile in [oauth, basic] {
            let mapping = json!({ "api_access_policy": policy, "inbound_auth_profile": profile });
            self.records
                .create("sys_auth_profile_mapping", mapping)
                .await?;
        }
        Ok(())
    }
}

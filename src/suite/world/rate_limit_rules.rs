//! Rate limit rules as the suite sets them up (catalogue §18, P1): a rule for one user of the scenario's on the
//! suite's own Scripted REST API, its limit and API columns found by label; journaled, removed with the scenario.

use serde_json::json;

use super::SuiteWorld;
use super::labelled_columns::{RULE_API, RULE_LIMIT};

impl SuiteWorld {
    /// An active rule limiting `user`'s requests to the suite's own API to `limit` an hour.
    pub(crate) async fn add_rate_limit_rule(
        &mut self,
        user: &str,
        limit: u32,
    ) -> Result<(), String> {
        let user = self
            .vocabulary
            .user(user)?
            .sys_id
            .clone()
            .ok_or("this target cannot name a user in a rate limit rule")?;
        let api = self.scripted_api()?.sys_id.clone();
        let limit_column = self.labelled_column(RULE_LIMIT).await?;
        let api_column = self.labelled_column(RULE_API).await?;
        let mut rule = json!({
            "name": self.instance_name("rate-limit"),
            "active": "true",
            "user": user,
        });
        rule[limit_column] = json!(limit.to_string());
        rule[api_column] = json!(api);
        self.records
            .create("sys_rate_limit_rules", rule)
            .await
            .map(drop)
    }
}

//! Columns whose names the documentation does not give (catalogue §18: the Enforce Token Restriction flag, a
//! profile's OAuth entity, a rate limit rule's limit and API), found through `sys_dictionary` by their labels,
//! so the suite works whatever an instance calls them; each found once a run.

use super::SuiteWorld;
use crate::suite::table_reply::text;

/// A column known by its table and label.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LabelledColumn {
    pub table: &'static str,
    pub label: &'static str,
}

/// `oauth_entity`'s Enforce Token Restriction flag (N1).
pub(crate) const ENFORCE_TOKEN_RESTRICTION: LabelledColumn = LabelledColumn {
    table: "oauth_entity",
    label: "Enforce token restriction",
};
/// The OAuth entity an OAuth inbound authentication profile admits (N2).
pub(crate) const PROFILE_OAUTH_ENTITY: LabelledColumn = LabelledColumn {
    table: "std_http_auth",
    label: "OAuth Entity",
};
/// A rate limit rule's limit per hour (P1).
pub(crate) const RULE_LIMIT: LabelledColumn = LabelledColumn {
    table: "sys_rate_limit_rules",
    label: "Request limit per hour",
};
/// The REST API a rate limit rule counts requests to (P1).
pub(crate) const RULE_API: LabelledColumn = LabelledColumn {
    table: "sys_rate_limit_rules",
    label: "REST API",
};

impl SuiteWorld {
    /// The name of `column` on this instance, read from its dictionary the first time the run needs it.
    pub(crate) async fn labelled_column(
        &mut self,
        column: LabelledColumn,
    ) -> Result<String, String> {
        let key = (column.table.to_owned(), column.label.to_owned());
        let context = self.context.clone();
        if let Some(known) = context.labelled_columns.lock().await.get(&key) {
            return Ok(known.clone());
        }
        let query = format!(
            "name={}^column_label={}^ORDERBYelement",
            column.table, column.label
        );
        let entries = self
            .records
            .find_fields("sys_dictionary", &query, Some("element"))
            .await?;
        let name = entries
            .iter()
            .map(|entry| text(entry, "element"))
            .find(|name| !name.is_empty())
            .ok_or_else(|| {
                format!(
                    "the instance's dictionary has no column of {} labelled \"{}\"",
                    column.table, column.label
                )
            })?;
        context
            .labelled_columns
            .lock()
            .await
            .insert(key, name.clone());
        Ok(name)
    }
}

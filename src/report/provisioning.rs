//! What an admin run's provisioning and undoing did beyond its scenarios (catalogue §15), as every report keeps
//! it: which form of client secret the instance took, how long changes took to be seen, the suite's own table
//! gone and its leftovers swept, the admin's own tokens revoked, and the update set rows its writes left.

use serde::{Deserialize, Serialize};

/// The secret form a run reports when its first entity could not be made (a problem says why).
pub(crate) const UNKNOWN_FORM: &str = "unknown";

/// The run's provisioning and undoing (`summary.json`'s `provisioning`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Provisioning {
    /// How the instance took the first entity's client secret: `as written`, `as a display value` (the
    /// retry with `sysparm_input_display_value=true`), or `neither`; absent when no entity was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_form: Option<String>,
    /// The suite's own table, when the run made one: its removal confirmed and what was swept after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub own_table: Option<OwnTableRemoval>,
    /// How many of the admin's own tokens (access and refresh) were revoked at the end.
    #[serde(default)]
    pub admin_tokens_revoked: usize,
    /// The `sys_update_xml` rows the run's writes added to the update set (the run never deletes them).
    #[serde(default)]
    pub update_set_rows: Vec<UpdateSetRow>,
    /// What went wrong in the run's own provisioning and undoing, one sentence each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// Requests sent outside the scenarios (the secret form's check, undoing at the end, the sweep, the
    /// listing, the revocations).
    #[serde(default)]
    pub requests: usize,
}

/// The suite's own table after the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OwnTableRemoval {
    pub table: String,
    /// Whether the Table API answers `400 Invalid table` for it.
    pub gone: bool,
    /// Records named after it that were still there and were deleted (`table sys_id`).
    pub swept: Vec<String>,
    /// Records named after it that a search still finds after the sweep.
    #[serde(default)]
    pub left: Vec<String>,
}

/// One `sys_update_xml` row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct UpdateSetRow {
    pub name: String,
    pub target_name: String,
    pub action: String,
    pub update_set: String,
}

//! The upgrade inventory (catalogue §11, M1): the facts that hold every inbound OAuth API endpoint's grant
//! settings and the grant's properties, and which of their changes `sncc compare` counts as must-level.

use std::sync::LazyLock;

use regex::Regex;

use crate::servicenow::captured::{
    GRANT_PROPERTY, SCOPE_CHECK_PROPERTY, USERACCOUNT_SCOPE_PROPERTY,
};

/// The three properties that decide the grant (catalogue §2, §7): whether it is on, whether the REST API
/// auth scope check runs, and which auth scope is `useraccount` (recorded by that scope's name).
pub(crate) const GRANT_PROPERTIES: [&str; 3] = [
    GRANT_PROPERTY,
    SCOPE_CHECK_PROPERTY,
    USERACCOUNT_SCOPE_PROPERTY,
];

/// The `oauth_entity` fields recorded as they are, besides `user` (whether set and active) and the
/// mapped scopes' names. `client_secret` is never among them.
pub(crate) const ENDPOINT_FIELDS: [&str; 7] = [
    "active",
    "token_format",
    "inbound_grant_type",
    "default_grant_type",
    "scope_restriction_status",
    "access_token_lifespan",
    "refresh_token_lifespan",
];

/// The fact that holds one setting of one endpoint: `endpoint "svc-cc" token_format`.
pub(crate) fn endpoint_fact(endpoint: &str, setting: &str) -> String {
    format!("endpoint \"{endpoint}\" {setting}")
}

/// The fact that holds a grant property's value: `property glide.oauth…enabled`.
pub(crate) fn property_fact(property: &str) -> String {
    format!("property {property}")
}

/// The endpoint an inventory fact is about, when it is one a run did not create (its name lacks the
/// `sncc-<run>-` prefix): a change of such a fact is a change of the instance's own integrations.
pub(crate) fn endpoint_not_created_by_a_run(fact: &str) -> Option<&str> {
    static RUN_PREFIX: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^sncc-[0-9a-f]{8}-").expect("valid pattern"));
    let (endpoint, _setting) = fact.strip_prefix("endpoint \"")?.rsplit_once("\" ")?;
    (!RUN_PREFIX.is_match(endpoint)).then_some(endpoint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_facts_name_their_endpoint_unless_a_run_created_it() {
        let fact = endpoint_fact("Jira \"prod\" sync", "token_format");
        assert_eq!(fact, "endpoint \"Jira \"prod\" sync\" token_format");
        assert_eq!(
            endpoint_not_created_by_a_run(&fact),
            Some("Jira \"prod\" sync")
        );
        let ours = endpoint_fact("sncc-1a2b3c4d-svc-cc", "active");
        assert_eq!(endpoint_not_created_by_a_run(&ours), None);
        assert_eq!(
            endpoint_not_created_by_a_run(&property_fact(GRANT_PROPERTY)),
            None
        );
        assert_eq!(endpoint_not_created_by_a_run("expires_in"), None);
    }
}

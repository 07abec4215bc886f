//! Before an admin run's first change: the preflight (catalogue §14), reads only. What the instance is and
//! allows (`reads`), why the admin cannot sign in (`sign_in`), what the host is (`host`), the conditions that
//! stop the run (`stops`), and the settings the scenarios need, typed ([`InstanceSettings`]).

mod host;
mod reads;
mod sign_in;
mod stops;

pub use stops::{Safeguards, Stop};

#[cfg(test)]
use reads::{ENFORCE_TOKEN_RESTRICTION, POST_BODY_ONLY_PROPERTY};
pub(crate) use reads::{INSTANCE_NAME_PROPERTY, SETTINGS};

use crate::client::password_grant::SignIn;
use crate::client::{Credentials, ServiceNow, TransportError};
use crate::report::preflight::{AdminFacts, PreflightFacts, Setting};
use crate::servicenow::captured::{
    BASIC_RESTRICTION_ACTIVE_PROPERTY, BASIC_RESTRICTION_ENFORCE_PROPERTY,
};
use crate::servicenow::release::Release;

use reads::Reads;

/// Why the preflight ended the run: a stop, or an instance that did not answer.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PreflightError {
    #[error(transparent)]
    Stop(#[from] Stop),
    #[error("{0}")]
    NoAnswer(#[from] TransportError),
}

/// The role only an interactive session may take on: no REST caller holds it (catalogue §13).
const ELEVATED_ROLE: &str = "security_admin";

/// Reads what the instance is and allows as the admin, and stops the run when catalogue §14 says so. Sends only
/// GETs (and, for an admin on a token, the password grant): the first answer that refuses the admin ends it,
/// never retried.
pub(crate) async fn run(
    servicenow: &ServiceNow,
    admin: &Credentials,
    release: Option<&Release>,
    safeguards: &Safeguards,
) -> Result<PreflightFacts, PreflightError> {
    let url = servicenow.base_url();
    let reads = Reads {
        servicenow,
        admin,
        url,
    };
    let (user, signs_in_with) = match admin {
        Credentials::PasswordGrant(grant) => {
            if let SignIn::Refused(reply) = servicenow.sign_in(grant).await? {
                let stop = sign_in::token_refused(url, grant.client_id(), grant.user(), &reply);
                return Err(stop.into());
            }
            (grant.user().to_owned(), "token")
        }
        Credentials::Basic { user, .. } => (user.clone(), "basic"),
        _ => (String::new(), "neither"),
    };
    let reply = reads.properties_reply().await?;
    if let Some(stop) = sign_in::refusal(url, admin, release, &reply) {
        return Err(stop.into());
    }
    if reply.status == 403 {
        // Every admin may read the properties: a user refused them is no admin (catalogue §14).
        return Err(Stop::NotAdmin {
            user,
            roles: format!(
                "the instance refused it the system properties, 403 {}",
                sign_in::detail(&reply)
            ),
        }
        .into());
    }
    let properties = reads.properties(&reply)?;
    let (record, roles, preferences, entity_columns) = tokio::join!(
        reads.admin_record(&user),
        reads.roles(&user),
        reads.preferences(&user),
        reads.entity_columns(),
    );
    let preferences = preferences?;
    let named = async {
        match &safeguards.update_set {
            Some(named) => reads.update_set_exists(named).await.map(Some),
            None => Ok(None),
        }
    };
    let (mut update_set, application, named_exists) = tokio::join!(
        reads.current_update_set(&preferences),
        reads.application(&preferences),
        named,
    );
    if let (Some(named), Some(false)) = (&safeguards.update_set, named_exists?) {
        return Err(Stop::UnknownUpdateSet {
            url: url.to_owned(),
            named: named.clone(),
        }
        .into());
    }
    let update_set_named = update_set
        .as_ref()
        .is_ok_and(|set| safeguards.update_set.as_deref() == Some(set.name.as_str()));
    if let Ok(set) = &mut update_set {
        set.named_by_flag = update_set_named;
    }
    let record = record?;
    let facts = PreflightFacts {
        host: host::host_kind(url, properties.instance_name.as_deref()),
        instance_name: properties.instance_name,
        buildtag: properties.buildtag,
        admin: AdminFacts {
            user_name: user,
            signs_in_with: signs_in_with.to_owned(),
            roles: roles?,
            locked_out: record.locked_out,
            password_needs_reset: record.password_needs_reset,
            web_service_access_only: record.web_service_access_only,
        },
        update_set: update_set?,
        application: application?,
        settings: properties.settings,
        entity_columns: entity_columns?,
        requests: servicenow.recorder().exchanges().len(),
    };
    stops::check(&facts, url, safeguards)?;
    Ok(facts)
}

/// What the scenarios need of the preflight's facts, typed (catalogue §13, §16): read once, before the first
/// scenario, never again ad hoc.
#[derive(Clone, Debug)]
pub(crate) struct InstanceSettings {
    facts: PreflightFacts,
}

impl InstanceSettings {
    pub(crate) fn new(facts: PreflightFacts) -> InstanceSettings {
        InstanceSettings { facts }
    }

    /// A setting's value, `None` when the instance does not have it.
    pub(crate) fn value(&self, property: &str) -> Option<&str> {
        self.facts
            .settings
            .get(property)
            .and_then(|setting| setting.value.as_deref())
    }

    /// Whether the Basic auth restriction is active (absent: active) and enforcing (catalogue §10).
    pub(crate) fn restriction_enforcing(&self) -> bool {
        self.value(BASIC_RESTRICTION_ACTIVE_PROPERTY) != Some("false")
            && self.value(BASIC_RESTRICTION_ENFORCE_PROPERTY) == Some("true")
    }

    /// Whether `oauth_entity` has this column (`scope_restriction_status`, …).
    pub(crate) fn entity_has(&self, column: &str) -> bool {
        self.facts.entity_columns.contains_key(column)
    }

    /// Whether the admin may change this property: its write roles are empty or name a role the admin holds
    /// (an admin passes every role check but an elevated one's); else why not.
    pub(crate) fn may_write(&self, property: &str) -> Result<(), String> {
        let unknown = Setting {
            value: None,
            write_roles: Vec::new(),
        };
        let setting = self.facts.settings.get(property).unwrap_or(&unknown);
        let roles = &setting.write_roles;
        let admin = &self.facts.admin.roles;
        let covered = |role: &String| {
            role != ELEVATED_ROLE && (admin.contains(role) || admin.iter().any(|r| r == "admin"))
        };
        if roles.is_empty() || roles.iter().any(covered) {
            return Ok(());
        }
        let because = if roles.iter().any(|role| role == ELEVATED_ROLE) {
            format!(
                "its write_roles include {ELEVATED_ROLE}, which no REST caller holds (catalogue §13)"
            )
        } else {
            format!("its write_roles ({}) are not the admin's", roles.join(", "))
        };
        Err(format!("it needs to change {property}, and {because}"))
    }
}

#[cfg(test)]
mod tests;

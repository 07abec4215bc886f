//! What stops an admin run before its first change (catalogue §14), each one sentence, and the checks of the
//! preflight's facts that find them: the admin's role, application and update set, and an instance that may be
//! production without `--confirm-instance`. The sign-in's refusals are classified in `sign_in`.

use crate::report::preflight::{HostKind, PreflightFacts};
use crate::servicenow::captured::{BASIC_AUTH_ROLE, BASIC_RESTRICTION_ENFORCE_PROPERTY};

/// What the user allows an admin run beyond the defaults: `--update-set NAME` (its writes may land in that set,
/// the admin's current one) and `--confirm-instance NAME` (the instance's `instance_name`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Safeguards {
    pub update_set: Option<String>,
    pub confirm_instance: Option<String>,
}

/// The update set an admin run's writes land in when nothing else is chosen.
pub(crate) const DEFAULT_UPDATE_SET: &str = "Default";
/// The sys_id (and scope) of the global application.
pub(crate) const GLOBAL_APPLICATION: &str = "global";
/// The role an admin run needs.
const ADMIN_ROLE: &str = "admin";
/// The property that switches the password grant off (catalogue §13).
pub(crate) const ROPC_DISABLED_PROPERTY: &str = "glide.oauth.inbound.ropc.grant_type.disabled";

/// Why the run stops before its first change: one sentence, nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Stop {
    #[error(
        "{url} refused the admin's Basic sign-in (401), and sncc never retries a refused sign-in (five failures lock an account): the Basic auth restriction ({BASIC_RESTRICTION_ENFORCE_PROPERTY}) refuses an admin without {BASIC_AUTH_ROLE}, so grant the admin that role or sign in with a token (give --admin-client-id with an OAuth client whose password grant the admin may use, its secret in SNCC_ADMIN_CLIENT_SECRET); otherwise check SNCC_ADMIN_PASSWORD, whether the password must be reset, whether the account is locked, and whether it signs in through SSO only"
    )]
    BasicRefusedMaybeRestricted { url: String },
    #[error(
        "{url} refused the admin's Basic sign-in (401), and sncc never retries a refused sign-in (five failures lock an account): check SNCC_ADMIN_PASSWORD, whether the password must be reset, whether the account is locked, and whether it signs in through SSO only"
    )]
    BasicRefused { url: String },
    #[error(
        "{url} issued no token to the admin ({status}), and sncc never retries a refused sign-in: the password grant may be switched off ({ROPC_DISABLED_PROPERTY}), or the OAuth client {client_id} refused it for {user}; check --admin-client-id, SNCC_ADMIN_CLIENT_SECRET, --admin-user and SNCC_ADMIN_PASSWORD"
    )]
    TokenRefused {
        url: String,
        client_id: String,
        user: String,
        status: u16,
    },
    #[error(
        "{url} refused the admin's token on the Table API (403 {detail}): the OAuth client {client_id} is restricted to its scopes (its Scope Restriction), so make it broadly scoped (scope_restriction_status unrestricted) or give another client with --admin-client-id"
    )]
    ScopeRestricted {
        url: String,
        client_id: String,
        detail: String,
    },
    #[error("{url} answered {status} when the preflight read {what}: {detail}")]
    Unreadable {
        url: String,
        what: String,
        status: u16,
        detail: String,
    },
    #[error(
        "{user} does not hold the {ADMIN_ROLE} role ({roles}): an admin run provisions and undoes through the Table API as an admin"
    )]
    NotAdmin { user: String, roles: String },
    #[error(
        "{user}'s current application is {application}, not Global: its writes of global records would be refused; choose Global in the application picker and run again"
    )]
    ScopedApplication { user: String, application: String },
    #[error(
        "{user}'s current update set is \"{name}\", not Default: sncc's records would travel with that work; choose Default in the update set picker, or give --update-set \"{name}\" to let them land there"
    )]
    UpdateSet { user: String, name: String },
    #[error(
        "--update-set \"{named}\" is not the admin's current update set (\"{current}\"), and sncc never switches update sets: choose \"{named}\" in the update set picker, or leave --update-set out"
    )]
    UpdateSetNotCurrent { named: String, current: String },
    #[error("--update-set \"{named}\": {url} has no update set of that name")]
    UnknownUpdateSet { url: String, named: String },
    #[error(
        "{url} is {}, so it may be production: give --confirm-instance {} to run against it", HostKind::Other.describe(), .instance_name.as_deref().unwrap_or("<its instance_name>")
    )]
    Unconfirmed {
        url: String,
        instance_name: Option<String>,
    },
    #[error(
        "--confirm-instance {given} does not match {url}, whose instance_name is {}", .instance_name.as_deref().unwrap_or("not readable")
    )]
    WrongInstance {
        url: String,
        given: String,
        instance_name: Option<String>,
    },
}

/// Checks the preflight's facts against the stop conditions of catalogue §14, in its order (the sign-in's
/// come before, as the reads meet them).
pub(super) fn check(
    facts: &PreflightFacts,
    url: &str,
    safeguards: &Safeguards,
) -> Result<(), Stop> {
    let user = &facts.admin.user_name;
    if !facts.admin.roles.iter().any(|role| role == ADMIN_ROLE) {
        return Err(Stop::NotAdmin {
            user: user.clone(),
            roles: match facts.admin.roles.as_slice() {
                [] => "it holds no role".to_owned(),
                roles => format!("it holds {}", roles.join(", ")),
            },
        });
    }
    if facts.application != GLOBAL_APPLICATION {
        return Err(Stop::ScopedApplication {
            user: user.clone(),
            application: facts.application.clone(),
        });
    }
    let current = &facts.update_set.name;
    match &safeguards.update_set {
        Some(named) if named != current => {
            return Err(Stop::UpdateSetNotCurrent {
                named: named.clone(),
                current: current.clone(),
            });
        }
        None if current != DEFAULT_UPDATE_SET => {
            return Err(Stop::UpdateSet {
                user: user.clone(),
                name: current.clone(),
            });
        }
        _ => {}
    }
    let instance_name = facts.instance_name.clone();
    match &safeguards.confirm_instance {
        Some(given) if instance_name.as_deref() != Some(given.as_str()) => {
            Err(Stop::WrongInstance {
                url: url.to_owned(),
                given: given.clone(),
                instance_name,
            })
        }
        None if facts.host == HostKind::Other => Err(Stop::Unconfirmed {
            url: url.to_owned(),
            instance_name,
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::preflight::{AdminFacts, UpdateSetFacts};
    use std::collections::BTreeMap;

    const URL: &str = "https://acme.service-now.com";

    fn facts() -> PreflightFacts {
        PreflightFacts {
            instance_name: Some("acme".into()),
            buildtag: None,
            host: HostKind::DeveloperInstance,
            admin: AdminFacts {
                user_name: "admin".into(),
                signs_in_with: "basic".into(),
                roles: vec!["admin".into()],
                locked_out: false,
                password_needs_reset: false,
                web_service_access_only: false,
            },
            update_set: UpdateSetFacts {
                name: "Default".into(),
                sys_id: "d".into(),
                named_by_flag: false,
            },
            application: "global".into(),
            settings: BTreeMap::new(),
            entity_columns: BTreeMap::new(),
            requests: 5,
        }
    }

    fn stop(facts: &PreflightFacts, safeguards: &Safeguards) -> String {
        check(facts, URL, safeguards).unwrap_err().to_string()
    }

    #[test]
    fn an_admin_in_global_and_default_on_a_developer_instance_goes_on() {
        assert_eq!(check(&facts(), URL, &Safeguards::default()), Ok(()));
    }

    #[test]
    fn each_stop_is_one_sentence_naming_what_to_do() {
        let none = Safeguards::default();
        let mut no_admin = facts();
        no_admin.admin.roles = vec!["itil".into()];
        assert!(stop(&no_admin, &none).contains("does not hold the admin role (it holds itil)"));
        let mut scoped = facts();
        scoped.application = "x_acme_app".into();
        assert!(stop(&scoped, &none).contains("current application is x_acme_app, not Global"));
        let mut feature = facts();
        feature.update_set.name = "Feature work".into();
        let text = stop(&feature, &none);
        assert!(text.contains("not Default") && text.contains("--update-set \"Feature work\""));
        let named = Safeguards {
            update_set: Some("Feature work".into()),
            ..Safeguards::default()
        };
        assert_eq!(check(&feature, URL, &named), Ok(()));
        assert!(stop(&facts(), &named).contains("never switches update sets"));
        let mut production = facts();
        production.host = HostKind::Other;
        let text = stop(&production, &none);
        assert!(text.contains("--confirm-instance acme"), "{text}");
        let confirmed = Safeguards {
            confirm_instance: Some("acme".into()),
            ..Safeguards::default()
        };
        assert_eq!(check(&production, URL, &confirmed), Ok(()));
        let wrong = Safeguards {
            confirm_instance: Some("acme-test".into()),
            ..Safeguards::default()
        };
        let text = stop(&facts(), &wrong);
        assert!(
            text.contains("does not match") && text.contains("instance_name is acme"),
            "{text}"
        );
        for text in [stop(&no_admin, &none), stop(&production, &none)] {
            assert!(!text.contains('\n'), "{text}");
        }
    }
}

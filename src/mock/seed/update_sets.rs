//! A seed's update sets and users' preferences (catalogue §13), and what every instance has of them: the global
//! application (sys_id `global`) and the `Default` update set in it. A preference naming the user's current update
//! set or application names it by name (or `scope`) in the seed and holds its sys_id on the instance.

use serde::Deserialize;

use super::{SeedError, string_type};
use crate::mock::clock::VirtualInstant;
use crate::mock::instance::{Instance, SYSTEM_ACTOR};
use crate::mock::tables::schema::{SYS_SCOPE, SYS_UPDATE_SET, SYS_USER_PREFERENCE};
use crate::mock::tables::store::Store;
use crate::mock::tables::update_sets::{
    CURRENT_APP_PREFERENCE, DEFAULT_UPDATE_SET, GLOBAL_SCOPE, UPDATE_SET_PREFERENCE,
};

/// An update set a seed adds (catalogue §13).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateSetSeed {
    pub name: String,
    #[serde(default = "in_progress")]
    pub state: String,
    /// The application, by `scope`, name or sys_id; global when absent.
    pub application: Option<String>,
    #[serde(default)]
    pub description: String,
}

fn in_progress() -> String {
    "in progress".into()
}

/// A user's preference (catalogue §13). The value of `sys_update_set` names an update set, and that of
/// `apps.current_app` an application (a `sys_scope`'s `scope`, name or sys_id), which are stored by sys_id.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PreferenceSeed {
    /// The user, by `user_name`.
    pub user: String,
    pub name: String,
    pub value: String,
    #[serde(rename = "type", default = "string_type")]
    pub kind: String,
}

/// catalogue §13: the global application (sys_id `global`) and the `Default` update set in it.
pub(super) fn add_global_update_set(store: &mut Store, now: VirtualInstant) {
    let global: &[(&str, &str)] = &[("scope", GLOBAL_SCOPE), ("name", "Global")];
    store.insert_well_known(SYS_SCOPE, GLOBAL_SCOPE, global, SYSTEM_ACTOR, now);
    let default: &[(&str, &str)] = &[
        ("name", DEFAULT_UPDATE_SET),
        ("state", "in progress"),
        ("application", GLOBAL_SCOPE),
        ("description", "Default update set"),
    ];
    store.insert(SYS_UPDATE_SET, default, SYSTEM_ACTOR, now);
}

/// The sys_id of the application a seed names by sys_id, `scope` or name.
fn application_named(store: &Store, named: &str) -> Option<String> {
    let record = store
        .get(SYS_SCOPE, named)
        .or_else(|| store.find(SYS_SCOPE, "scope", named))
        .or_else(|| store.find(SYS_SCOPE, "name", named))?;
    Some(record.sys_id().to_owned())
}

pub(super) fn add_update_set(
    store: &mut Store,
    update_set: &UpdateSetSeed,
    now: VirtualInstant,
) -> Result<(), SeedError> {
    let application = match &update_set.application {
        None => GLOBAL_SCOPE.to_owned(),
        Some(named) => {
            application_named(store, named).ok_or_else(|| SeedError::UpdateSetApplication {
                name: update_set.name.clone(),
                application: named.clone(),
            })?
        }
    };
    let changes: &[(&str, &str)] = &[
        ("name", &update_set.name),
        ("state", &update_set.state),
        ("application", &application),
        ("description", &update_set.description),
    ];
    store.insert(SYS_UPDATE_SET, changes, SYSTEM_ACTOR, now);
    Ok(())
}

pub(super) fn add_preference(
    instance: &mut Instance,
    preference: &PreferenceSeed,
    now: VirtualInstant,
) -> Result<(), SeedError> {
    let user = instance
        .user_named(&preference.user)
        .ok_or_else(|| SeedError::PreferenceUser {
            preference: preference.name.clone(),
            user: preference.user.clone(),
        })?;
    let store = &instance.store;
    let missing = |what| SeedError::PreferenceTarget {
        preference: preference.name.clone(),
        what,
        value: preference.value.clone(),
    };
    let value = match preference.name.as_str() {
        UPDATE_SET_PREFERENCE => store
            .get(SYS_UPDATE_SET, &preference.value)
            .or_else(|| store.find(SYS_UPDATE_SET, "name", &preference.value))
            .map(|set| set.sys_id().to_owned())
            .ok_or_else(|| missing("update set"))?,
        CURRENT_APP_PREFERENCE => {
            application_named(store, &preference.value).ok_or_else(|| missing("application"))?
        }
        _ => preference.value.clone(),
    };
    let changes: &[(&str, &str)] = &[
        ("user", &user),
        ("name", &preference.name),
        ("value", &value),
        ("type", &preference.kind),
    ];
    instance
        .store
        .insert(SYS_USER_PREFERENCE, changes, SYSTEM_ACTOR, now);
    Ok(())
}

//! What an admin run's preflight read that differs between two runs (catalogue §14): a setting, its write roles,
//! a column's default, the admin's roles, the update set. Each fact is named by its path in `summary.json`'s
//! `preflight` (`settings.glide.sm.default_mode.value`), and only when both runs have a preflight.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::report::preflight::PreflightFacts;

/// A preflight fact that changed: its path, its value before and after.
pub(crate) type FactChange = (String, String, String);

/// How many requests the preflight sent says nothing about the instance.
const NOT_FACTS: [&str; 1] = ["requests"];

/// The preflight facts that differ, by path; none when either run had no preflight.
pub(crate) fn changes(
    before: Option<&PreflightFacts>,
    after: Option<&PreflightFacts>,
) -> Vec<FactChange> {
    let (Some(before), Some(after)) = (before, after) else {
        return Vec::new();
    };
    let (before, after) = (leaves(before), leaves(after));
    let mut paths: Vec<&String> = before.keys().chain(after.keys()).collect();
    paths.sort();
    paths.dedup();
    let shown = |leaves: &BTreeMap<String, String>, path: &String| {
        leaves
            .get(path)
            .cloned()
            .unwrap_or_else(|| "absent".to_owned())
    };
    paths
        .into_iter()
        .filter(|path| before.get(*path) != after.get(*path))
        .map(|path| (path.clone(), shown(&before, path), shown(&after, path)))
        .collect()
}

/// Every fact as a path and a text: objects walked into, lists joined, nothing shown as `absent`.
fn leaves(facts: &PreflightFacts) -> BTreeMap<String, String> {
    let mut leaves = BTreeMap::new();
    let value = serde_json::to_value(facts).unwrap_or_default();
    walk(&value, String::new(), &mut leaves);
    leaves.retain(|path, _| !NOT_FACTS.contains(&path.as_str()));
    leaves
}

fn walk(value: &Value, path: String, leaves: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(members) => {
            for (name, member) in members {
                let path = match path.as_str() {
                    "" => name.clone(),
                    parent => format!("{parent}.{name}"),
                };
                walk(member, path, leaves);
            }
        }
        Value::Array(items) => {
            let texts: Vec<String> = items.iter().map(text).collect();
            leaves.insert(path, texts.join(", "));
        }
        other => {
            leaves.insert(path, text(other));
        }
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::Null => "absent".to_owned(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::preflight::{AdminFacts, HostKind, Setting, UpdateSetFacts};

    fn facts(enforce: Option<&str>, roles: &[&str], requests: usize) -> PreflightFacts {
        PreflightFacts {
            instance_name: Some("acme".into()),
            buildtag: Some("glide-zurich".into()),
            host: HostKind::DeveloperInstance,
            admin: AdminFacts {
                user_name: "admin".into(),
                signs_in_with: "basic".into(),
                roles: roles.iter().map(|role| (*role).to_owned()).collect(),
                locked_out: false,
                password_needs_reset: false,
                web_service_access_only: false,
            },
            update_set: UpdateSetFacts {
                name: "Default".into(),
                sys_id: "d1".into(),
                named_by_flag: false,
            },
            application: "global".into(),
            settings: BTreeMap::from([(
                "glide.enforce".to_owned(),
                Setting {
                    value: enforce.map(str::to_owned),
                    write_roles: vec!["security_admin".into()],
                },
            )]),
            entity_columns: BTreeMap::new(),
            requests,
        }
    }

    #[test]
    fn changed_facts_are_named_by_their_path() {
        let before = facts(None, &["admin"], 6);
        let after = facts(Some("true"), &["admin", "snc_basic_auth_api_access"], 7);
        assert_eq!(
            changes(Some(&before), Some(&after)),
            vec![
                (
                    "admin.roles".to_owned(),
                    "admin".to_owned(),
                    "admin, snc_basic_auth_api_access".to_owned()
                ),
                (
                    "settings.glide.enforce.value".to_owned(),
                    "absent".to_owned(),
                    "true".to_owned()
                ),
            ]
        );
        assert_eq!(changes(Some(&before), Some(&before)), Vec::new());
        assert_eq!(changes(None, Some(&after)), Vec::new());
    }
}

//! The upgrade inventory (catalogue §11, M1): read-only, every inbound OAuth API endpoint's grant settings and
//! Enforce Token Restriction flag, the grant's properties and the instance's settings (catalogue §13), the access
//! policies on the Table API and the rate limit rules naming an application user (catalogue §18), recorded as
//! facts for `sncc compare`; never a secret.

use std::collections::BTreeMap;

use cucumber::{then, when};
use serde_json::{Value, json};

use crate::servicenow::captured::{GRANT_PROPERTY, USERACCOUNT_SCOPE_PROPERTY};
use crate::servicenow::inventory::{
    ENDPOINT_FIELDS, GRANT_PROPERTIES, endpoint_fact, property_fact,
};
use crate::suite::preflight::SETTINGS;
use crate::suite::table_reply::text;
use crate::suite::world::{ENFORCE_TOKEN_RESTRICTION, RULE_LIMIT, SuiteWorld};

/// The fact holding an endpoint's Enforce Token Restriction flag.
const ENFORCE_TOKEN_RESTRICTION_FACT: &str = "enforce_token_restriction";
/// The Table API's path, which finds its `sys_ws_definition`.
const TABLE_API_BASE_URI: &str = "/api/now/table";

/// Records matching `field IN ids`, only the named fields; nothing to ask when there are no ids.
async fn among(
    world: &mut SuiteWorld,
    table: &str,
    field: &str,
    ids: &[String],
    fields: &str,
) -> Result<Vec<Value>, String> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let query = format!("{field}IN{}", ids.join(","));
    world.records.find_fields(table, &query, Some(fields)).await
}

#[when("the inbound OAuth API endpoints and the grant properties are inventoried")]
async fn inventory(world: &mut SuiteWorld) -> Result<(), String> {
    let mut names: Vec<String> = GRANT_PROPERTIES
        .iter()
        .chain(SETTINGS.iter())
        .map(|name| name.to_string())
        .collect();
    names.sort();
    names.dedup();
    let properties = among(world, "sys_properties", "name", &names, "name,value").await?;
    let property = |name: &str| {
        properties
            .iter()
            .find(|found| text(found, "name") == name)
            .map(|found| text(found, "value"))
    };
    let mut values: BTreeMap<&str, Option<String>> = GRANT_PROPERTIES
        .iter()
        .chain(SETTINGS.iter())
        .map(|name| (*name, property(name)))
        .collect();
    // The run may have brought the grant property to its baseline already: the inventory reports it as
    // the run found it.
    if let Some(before_run) = world
        .context
        .grant_property_before_run
        .lock()
        .expect("grant property lock")
        .clone()
    {
        values.insert(GRANT_PROPERTY, before_run);
    }

    // catalogue §18: the flag's column is found by its label; a release without it has none.
    let flag = world.labelled_column(ENFORCE_TOKEN_RESTRICTION).await.ok();
    let mut fields = format!("sys_id,name,user,{}", ENDPOINT_FIELDS.join(","));
    if let Some(flag) = &flag {
        fields.push_str(&format!(",{flag}"));
    }
    // Endpoints of this run (another scenario's, beside this one) come and go: left out.
    let own_prefix = world.context.run.prefix.clone();
    let endpoints: Vec<Value> = world
        .records
        .find_fields("oauth_entity", "type=client^ORDERBYname", Some(&fields))
        .await?
        .into_iter()
        .filter(|endpoint| !text(endpoint, "name").starts_with(&own_prefix))
        .collect();
    let of_endpoints = |field: &str| -> Vec<String> {
        let mut ids: Vec<String> = endpoints
            .iter()
            .map(|endpoint| text(endpoint, field))
            .filter(|id| !id.is_empty())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let users = among(
        world,
        "sys_user",
        "sys_id",
        &of_endpoints("user"),
        "sys_id,active",
    )
    .await?;
    let mappings = among(
        world,
        "oauth_entity_auth_scope_mapping",
        "oauth_entity",
        &of_endpoints("sys_id"),
        "oauth_entity,auth_scope",
    )
    .await?;
    let mut scope_ids: Vec<String> = mappings
        .iter()
        .map(|mapping| text(mapping, "auth_scope"))
        .chain(values[USERACCOUNT_SCOPE_PROPERTY].clone())
        .filter(|id| !id.is_empty())
        .collect();
    scope_ids.sort();
    scope_ids.dedup();
    let scopes = among(world, "sys_auth_scope", "sys_id", &scope_ids, "sys_id,name").await?;
    let scope_name = |sys_id: &str| {
        scopes
            .iter()
            .find(|scope| text(scope, "sys_id") == sys_id)
            .map(|scope| text(scope, "name"))
    };

    for (name, value) in &values {
        // The useraccount property holds a sys_id, which differs between instances: its scope's name
        // says what it means.
        let shown = match (*name, value) {
            (USERACCOUNT_SCOPE_PROPERTY, Some(sys_id)) => {
                scope_name(sys_id).unwrap_or_else(|| format!("no auth scope has sys_id {sys_id}"))
            }
            (_, Some(value)) => value.clone(),
            (_, None) => "absent".to_owned(),
        };
        world.record_fact(&property_fact(name), json!(shown));
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for endpoint in &endpoints {
        let name = text(endpoint, "name");
        let count = seen.entry(name.clone()).or_default();
        *count += 1;
        let name = match *count {
            1 => name,
            n => format!("{name} #{n}"),
        };
        for field in ENDPOINT_FIELDS {
            let value = endpoint
                .get(field)
                .cloned()
                .unwrap_or(json!("not a column"));
            world.record_fact(&endpoint_fact(&name, field), value);
        }
        let user = text(endpoint, "user");
        let user_state = match users.iter().find(|found| text(found, "sys_id") == user) {
            _ if user.is_empty() => "not set".to_owned(),
            Some(found) if text(found, "active") == "true" => "set, active".to_owned(),
            Some(_) => "set, inactive".to_owned(),
            None => "set to a user that does not exist".to_owned(),
        };
        world.record_fact(&endpoint_fact(&name, "user"), json!(user_state));
        let entity = text(endpoint, "sys_id");
        let mut mapped: Vec<String> = mappings
            .iter()
            .filter(|mapping| text(mapping, "oauth_entity") == entity)
            .filter_map(|mapping| scope_name(&text(mapping, "auth_scope")))
            .collect();
        mapped.sort();
        world.record_fact(&endpoint_fact(&name, "scopes"), json!(mapped));
        let enforced = match &flag {
            Some(flag) => endpoint.get(flag).cloned().unwrap_or(json!("not a column")),
            None => json!("not a column"),
        };
        world.record_fact(
            &endpoint_fact(&name, ENFORCE_TOKEN_RESTRICTION_FACT),
            enforced,
        );
    }
    world.record_fact("endpoints", json!(endpoints.len()));
    let table_api_policies = table_api_policies(world).await;
    record_listed(
        world,
        ("access policy", "access policies on the Table API"),
        table_api_policies,
    );
    let rules = rules_naming(world, &of_endpoints("user")).await;
    record_listed(
        world,
        (
            "rate limit rule",
            "rate limit rules naming an application user",
        ),
        rules,
    );
    Ok(())
}

/// The access policies on the Table API (catalogue §18): by name, whether active.
async fn table_api_policies(world: &mut SuiteWorld) -> Result<Vec<(String, Value)>, String> {
    let query = format!("base_uri={TABLE_API_BASE_URI}");
    let apis = world
        .records
        .find_fields("sys_ws_definition", &query, Some("sys_id"))
        .await?;
    let ids: Vec<String> = apis.iter().map(|api| text(api, "sys_id")).collect();
    let policies = among(world, "sys_api_access_policy", "api", &ids, "name,active").await?;
    Ok(policies
        .iter()
        .map(|policy| (text(policy, "name"), json!(text(policy, "active"))))
        .collect())
}

/// The rate limit rules naming one of `users` (the endpoints' application users, catalogue §18): by name,
/// whether active and their limit (its column found by label).
async fn rules_naming(
    world: &mut SuiteWorld,
    users: &[String],
) -> Result<Vec<(String, Value)>, String> {
    let limit = world.labelled_column(RULE_LIMIT).await?;
    let fields = format!("name,active,{limit}");
    let rules = among(world, "sys_rate_limit_rules", "user", users, &fields).await?;
    Ok(rules
        .iter()
        .map(|rule| {
            let facts = json!({ "active": text(rule, "active"), "limit": text(rule, &limit) });
            (text(rule, "name"), facts)
        })
        .collect())
}

/// Records each listed record as `<kind> "<name>"` (a name seen twice gets ` #2`), and how many there are as
/// the count fact; a table the instance cannot read (a release without it) is recorded there as such.
fn record_listed(
    world: &mut SuiteWorld,
    (kind, count_fact): (&str, &str),
    listed: Result<Vec<(String, Value)>, String>,
) {
    let listed = match listed {
        Ok(listed) => listed,
        Err(error) => {
            world.record_fact(count_fact, json!(format!("not readable: {error}")));
            return;
        }
    };
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (name, value) in &listed {
        let count = seen.entry(name.clone()).or_default();
        *count += 1;
        let fact = match *count {
            1 => format!("{kind} \"{name}\""),
            n => format!("{kind} \"{name} #{n}\""),
        };
        world.record_fact(&fact, value.clone());
    }
    world.record_fact(count_fact, json!(listed.len()));
}

#[then("the inventory is recorded without any secret")]
async fn recorded_without_secret(world: &mut SuiteWorld) -> Result<(), String> {
    for property in GRANT_PROPERTIES {
        if !world.facts.contains_key(&property_fact(property)) {
            return Err(format!("the property {property} is not recorded"));
        }
    }
    // The Table API never returns a client secret in clear (catalogue §2), and the inventory never asks
    // for one: an answer that carries one anyway is a deviation (the report redacts it).
    let leaked = world
        .servicenow
        .recorder()
        .exchanges()
        .iter()
        .any(|exchange| exchange.response_body.contains("client_secret"));
    match leaked {
        true => Err("an inventory answer carried a client_secret member".into()),
        false => Ok(()),
    }
}

//! The upgrade inventory (catalogue §11, M1): read-only, every inbound OAuth API endpoint's grant settings and
//! the grant's properties, recorded as facts for `sncc compare`; never a secret.

use std::collections::BTreeMap;

use cucumber::{then, when};
use serde_json::{Value, json};

use crate::servicenow::captured::{GRANT_PROPERTY, USERACCOUNT_SCOPE_PROPERTY};
use crate::servicenow::inventory::{
    ENDPOINT_FIELDS, GRANT_PROPERTIES, endpoint_fact, property_fact,
};
use crate::suite::table_reply::text;
use crate::suite::world::SuiteWorld;

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
    let names: Vec<String> = GRANT_PROPERTIES
        .iter()
        .map(|name| name.to_string())
        .collect();
    let properties = among(world, "sys_properties", "name", &names, "name,value").await?;
    let property = |name: &str| {
        properties
            .iter()
            .find(|found| text(found, "name") == name)
            .map(|found| text(found, "value"))
    };
    let mut values: BTreeMap<&str, Option<String>> = GRANT_PROPERTIES
        .iter()
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

    let fields = format!("sys_id,name,user,{}", ENDPOINT_FIELDS.join(","));
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
    }
    world.record_fact("endpoints", json!(endpoints.len()));
    Ok(())
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

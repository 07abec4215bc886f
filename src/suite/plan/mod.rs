//! The plan of an admin run (catalogue §14), a value made before its first change: the rows it runs and those
//! the instance does not let it run, with why; the records it creates by table, its property writes, the
//! update set its writes land in and the requests it sends. The counts come from a rehearsal (`rehearsal`):
//! the selected scenarios run on a bundled mock set up like the instance, their exchanges counted. A row
//! whose rehearsal writes a property the admin may not change is not runnable, and the rest is rehearsed
//! again, so the counts are those of the rows that run.

mod rehearsal;

pub(super) use rehearsal::{RehearsalError, Stage};

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::catalogue::ScenarioInfo;
use crate::client::exchange::Exchange;
use crate::report::ScenarioRun;
use crate::report::collector::ScenarioKey;
use crate::report::plan::{NotRunnable, RunPlan};
use crate::servicenow::captured::ROPC_DISABLED_PROPERTY;
use crate::servicenow::release::Gate;

use super::preflight::InstanceSettings;
use super::scenarios::{Chosen, each_to_run};

/// The rows that observe the password grant switched off (catalogue R1): they run only where it is.
const ROPC_SWITCH_ROWS: [&str; 1] = ["R1"];

/// Why a row may not run on this instance, from the settings alone (catalogue §10, §14, §18): the Basic auth
/// restriction rows need it enforcing, and R1 the password grant switched off; sncc never switches either on a
/// real instance.
fn not_runnable_by_settings(info: &ScenarioInfo, settings: &InstanceSettings) -> Option<String> {
    if info.needs.gate == Some(Gate::BasicAuthRestriction) && !settings.restriction_enforcing() {
        return Some(
            "the Basic auth restriction does not enforce on this instance, and sncc never switches it (its \
             properties need security_admin)"
                .to_owned(),
        );
    }
    (ROPC_SWITCH_ROWS.contains(&info.id.as_str()) && settings.value(ROPC_DISABLED_PROPERTY) != Some("true")).then(
        || {
            format!(
                "{ROPC_DISABLED_PROPERTY} is not true on this instance, and sncc never sets it (it needs \
                 security_admin)"
            )
        },
    )
}

/// A plan, and the requests each scenario to run sent in its rehearsal (which the run starts the busiest
/// scenarios first by).
pub(super) type Planned = (RunPlan, HashMap<ScenarioKey, usize>);

/// Makes the plan: skips the rows the instance does not let the run run (saying why), rehearses the rest and
/// counts what they would do.
pub(super) async fn make(
    stage: &Stage<'_>,
    chosen: &mut Chosen,
    settings: &InstanceSettings,
) -> Result<Planned, RehearsalError> {
    let mut not_runnable = Vec::new();
    let by_settings: Vec<(ScenarioKey, ScenarioRun, String)> =
        each_to_run(stage.features, &chosen.to_run)
            .filter_map(|(key, run)| {
                let why = not_runnable_by_settings(&run.info, settings)?;
                Some((key, run, why))
            })
            .collect();
    for (key, run, why) in by_settings {
        skip(stage, chosen, &mut not_runnable, key, &run, why);
    }
    let mut rehearsal = rehearsal::rehearse(stage, &chosen.to_run).await?;
    let names = property_names(&rehearsal);
    let run_level = forbidden_writes(&rehearsal.run, &names, settings);
    let mut by_writes = Vec::new();
    for (key, run) in each_to_run(stage.features, &chosen.to_run) {
        let exchanges = rehearsal
            .scenarios
            .iter()
            .find(|(rehearsed, _)| *rehearsed == key)
            .map(|(_, exchanges)| exchanges.as_slice())
            .unwrap_or_default();
        let needs_tokens = run.tags.iter().any(|tag| tag == "grant");
        let why = forbidden_writes(exchanges, &names, settings)
            .or_else(|| run_level.clone().filter(|_| needs_tokens));
        if let Some(why) = why {
            by_writes.push((key, run, why));
        }
    }
    if !by_writes.is_empty() {
        for (key, run, why) in by_writes {
            skip(stage, chosen, &mut not_runnable, key, &run, why);
        }
        rehearsal = rehearsal::rehearse(stage, &chosen.to_run).await?;
    }
    let names = property_names(&rehearsal);
    let exchanges: Vec<&Exchange> = rehearsal
        .scenarios
        .iter()
        .flat_map(|(_, exchanges)| exchanges)
        .chain(&rehearsal.run)
        .collect();
    let release = stage
        .release
        .map_or("an unknown release".to_owned(), |release| {
            release.to_string()
        });
    let rehearsed = rehearsal
        .scenarios
        .iter()
        .map(|(key, exchanges)| (key.clone(), exchanges.len()))
        .collect();
    let plan = RunPlan {
        rows_to_run: each_to_run(stage.features, &chosen.to_run)
            .map(|(_, run)| run.unique_name())
            .collect(),
        not_runnable,
        creates: creates(&exchanges),
        property_writes: property_writes(&exchanges, &names),
        update_set: stage.facts.update_set.name.clone(),
        requests_expected: stage.facts.requests + exchanges.len(),
        counted_by: format!(
            "the preflight's {} and a rehearsal of the rows on the bundled mock as {release}, set up with the \
             instance's settings",
            stage.facts.requests
        ),
    };
    Ok((plan, rehearsed))
}

fn skip(
    stage: &Stage<'_>,
    chosen: &mut Chosen,
    not_runnable: &mut Vec<NotRunnable>,
    key: ScenarioKey,
    run: &ScenarioRun,
    why: String,
) {
    not_runnable.push(NotRunnable {
        scenario: run.unique_name(),
        why: why.clone(),
    });
    chosen.skip(
        stage.features,
        &key,
        format!("not runnable on this instance: {why}"),
    );
}

/// A Table API request's table and record, from its path: `/api/now/table/<table>[/<sys_id>]`.
fn table_and_record(exchange: &Exchange) -> Option<(&str, Option<&str>)> {
    let path = exchange.path.split('?').next()?;
    let rest = path.strip_prefix("/api/now/table/")?;
    Some(match rest.split_once('/') {
        Some((table, sys_id)) => (table, Some(sys_id)),
        None => (rest, None),
    })
}

fn is_write(exchange: &Exchange) -> bool {
    matches!(
        exchange.method.as_str(),
        "POST" | "PATCH" | "PUT" | "DELETE"
    )
}

/// The names of the properties the rehearsal met, by sys_id, from every record its answers and requests show.
fn property_names(rehearsal: &rehearsal::Rehearsal) -> HashMap<String, String> {
    let mut names = HashMap::new();
    let exchanges = rehearsal
        .scenarios
        .iter()
        .flat_map(|(_, exchanges)| exchanges)
        .chain(&rehearsal.run);
    for exchange in exchanges {
        if table_and_record(exchange).is_none_or(|(table, _)| table != "sys_properties") {
            continue;
        }
        let answer: Value = serde_json::from_str(&exchange.response_body).unwrap_or_default();
        let records = match &answer["result"] {
            Value::Array(records) => records.clone(),
            record @ Value::Object(_) => vec![record.clone()],
            _ => Vec::new(),
        };
        for record in records {
            if let (Some(sys_id), Some(name)) = (record["sys_id"].as_str(), record["name"].as_str())
            {
                names.insert(sys_id.to_owned(), name.to_owned());
            }
        }
    }
    names
}

/// The property a write is of: named in its body, or known by its sys_id.
fn property_written<'a>(
    exchange: &'a Exchange,
    names: &'a HashMap<String, String>,
) -> Option<String> {
    let (table, record) = table_and_record(exchange)?;
    if table != "sys_properties" || !is_write(exchange) {
        return None;
    }
    let body: Value = serde_json::from_str(&exchange.request_body).unwrap_or_default();
    body["name"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| names.get(record?).cloned())
}

/// Why these exchanges may not be made on the instance: the first property they write that the admin may not.
fn forbidden_writes(
    exchanges: &[Exchange],
    names: &HashMap<String, String>,
    settings: &InstanceSettings,
) -> Option<String> {
    exchanges
        .iter()
        .filter_map(|exchange| property_written(exchange, names))
        .find_map(|property| settings.may_write(&property).err())
}

/// Records created, by table (answers `201`).
fn creates(exchanges: &[&Exchange]) -> BTreeMap<String, usize> {
    let mut creates = BTreeMap::new();
    for exchange in exchanges {
        if let Some((table, None)) = table_and_record(exchange) {
            if exchange.method == "POST" && exchange.status == Some(201) {
                *creates.entry(table.to_owned()).or_insert(0) += 1;
            }
        }
    }
    creates
}

/// Property writes that took (a 2xx answer), by property.
fn property_writes(
    exchanges: &[&Exchange],
    names: &HashMap<String, String>,
) -> BTreeMap<String, usize> {
    let mut writes = BTreeMap::new();
    for exchange in exchanges {
        if !exchange
            .status
            .is_some_and(|status| (200..300).contains(&status))
        {
            continue;
        }
        if let Some(property) = property_written(exchange, names) {
            *writes.entry(property).or_insert(0) += 1;
        }
    }
    writes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(method: &str, path: &str, request: &str, status: u16, response: &str) -> Exchange {
        Exchange {
            method: method.into(),
            path: path.into(),
            authorization: None,
            request_body: request.into(),
            status: Some(status),
            response_headers: Vec::new(),
            response_body: response.into(),
            rate_limit_expected: false,
        }
    }

    #[test]
    fn creates_and_property_writes_are_counted_from_the_exchanges() {
        let found = exchange(
            "GET",
            "/api/now/table/sys_properties?sysparm_query=name%3Dg",
            "",
            200,
            r#"{"result":[{"sys_id":"p1","name":"g","value":"false"}]}"#,
        );
        let patched = exchange(
            "PATCH",
            "/api/now/table/sys_properties/p1",
            r#"{"value":"true"}"#,
            200,
            "{}",
        );
        let created = exchange(
            "POST",
            "/api/now/table/sys_properties",
            r#"{"name":"h","value":"true"}"#,
            201,
            r#"{"result":{"sys_id":"p2","name":"h"}}"#,
        );
        let deleted = exchange("DELETE", "/api/now/table/sys_properties/p2", "", 204, "");
        let refused = exchange("POST", "/api/now/table/sys_user", "{}", 403, "{}");
        let user = exchange(
            "POST",
            "/api/now/table/sys_user?sysparm_input_display_value=true",
            "{}",
            201,
            "{}",
        );
        let rehearsal = rehearsal::Rehearsal {
            scenarios: vec![(
                ("f".into(), 1),
                vec![found, patched, created.clone(), deleted, refused, user],
            )],
            run: Vec::new(),
        };
        let names = property_names(&rehearsal);
        assert_eq!(names["p1"], "g");
        assert_eq!(names["p2"], "h");
        let all: Vec<&Exchange> = rehearsal.scenarios[0].1.iter().collect();
        assert_eq!(
            creates(&all),
            BTreeMap::from([("sys_properties".into(), 1), ("sys_user".into(), 1)])
        );
        assert_eq!(
            property_writes(&all, &names),
            BTreeMap::from([("g".into(), 1), ("h".into(), 2)])
        );
        assert_eq!(property_written(&created, &names).as_deref(), Some("h"));
    }
}

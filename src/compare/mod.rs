//! `sncc compare`: what changed between two runs (say, before and after an upgrade), read from their summary.json.
//!
//! Per behaviour: each scenario's outcome; the status, the headers that matter (Content-Type, Cache-Control,
//! Pragma, WWW-Authenticate) and the body of each exchange of a scenario that ran both times, aligned request by
//! request; and the facts it recorded (the token's shape among them). What differs between runs by nature is
//! normalised first (`normalize`), so two runs of an unchanged instance compare equal. Each change is classified
//! (`classify`: regressed, fixed, newly applicable, no longer applicable, inconclusive, facts changed), and a
//! behaviour shows under its first kind, regressions leading. The comparison fails (exit 1) only when a change
//! trips `--fail-on` (by default: a `@must` behaviour regressed, or an M1 inventory value of an entity the run did
//! not create changed), and says in one line why it does or does not.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

mod classify;
mod normalize;
mod preflight;

pub use classify::FailOn;

use crate::catalogue::Severity;
use crate::client::exchange::Exchange;
use crate::report::files::{SUMMARY, SUMMARY_FORMAT};
use crate::report::{RunReport, ScenarioOutcome, ScenarioRun};
use classify::{Class, Classified, FACT, FOREIGN_INVENTORY, classify};

/// Why a summary.json cannot be compared.
#[derive(Debug, thiserror::Error)]
pub enum SummaryError {
    #[error("{}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not an sncc summary.json: {source}", path.display())]
    NotASummary {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error(
        "{} was written by a newer sncc (summary format {found}; this sncc reads up to {SUMMARY_FORMAT}): compare with that sncc or a newer one",
        path.display()
    )]
    Newer { path: PathBuf, found: u64 },
}

/// Reads a summary.json (or the one in a report folder), or says why it cannot.
pub(crate) fn load(path: &Path) -> Result<RunReport, SummaryError> {
    let path = if path.is_dir() {
        path.join(SUMMARY)
    } else {
        path.to_owned()
    };
    let text = std::fs::read_to_string(&path).map_err(|source| SummaryError::Unreadable {
        path: path.clone(),
        source,
    })?;
    let not_a_summary = |source| SummaryError::NotASummary {
        path: path.clone(),
        source,
    };
    let json: serde_json::Value = serde_json::from_str(&text).map_err(not_a_summary)?;
    // A summary without a format is of format 1; one that is not a number is no summary, as serde will say.
    if let Some(found) = json
        .get("summary_format")
        .and_then(serde_json::Value::as_u64)
    {
        if found > SUMMARY_FORMAT {
            return Err(SummaryError::Newer { path, found });
        }
    }
    serde_json::from_value(json).map_err(not_a_summary)
}

/// Compares the runs of two summary.json files, or says why one of them cannot be compared.
pub fn compare_files(before: &Path, after: &Path) -> Result<Comparison, SummaryError> {
    Ok(compare(&load(before)?, &load(after)?))
}

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Html,
}

/// What changed between two runs.
#[derive(Debug, PartialEq)]
pub struct Comparison {
    /// `release`, `target`, `sncc` and `tally`, each before and after.
    pub(crate) head: Vec<(&'static str, String, String)>,
    /// Why the two runs may not be comparable (different targets), shown as `warning:` lines.
    pub(crate) warnings: Vec<String>,
    /// The preflight facts that changed (catalogue §14), by path, before and after.
    pub(crate) preflight: Vec<preflight::FactChange>,
    /// The behaviours that changed, by severity then id.
    pub(crate) behaviours: Vec<BehaviourChange>,
}

/// A behaviour that changed, and how.
#[derive(Debug, PartialEq)]
pub(crate) struct BehaviourChange {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub changes: Vec<ObservedChange>,
}

/// One thing observed differently.
#[derive(Debug, PartialEq)]
pub(crate) struct ObservedChange {
    /// The scenario it belongs to, named when its behaviour has several.
    pub scenario: Option<String>,
    pub subject: Subject,
    pub before: String,
    pub after: String,
    /// How many times it was seen (the same response to several requests of a scenario, say).
    pub times: usize,
    /// Its kind, and the `--fail-on` it trips.
    pub classified: Classified,
}

/// What a change is about.
#[derive(Debug, PartialEq)]
pub(crate) enum Subject {
    /// A scenario's outcome, its name (`passed`, `skipped`, `not run`…) before and after.
    Outcome {
        before: String,
        after: String,
    },
    Fact(String),
    /// An aspect (`status`, a header's name, `body`) of the response to a request (method and masked path).
    Exchange {
        request: String,
        aspect: &'static str,
    },
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Outcome { .. } => write!(f, "outcome"),
            Subject::Fact(name) => write!(f, "fact {name}"),
            Subject::Exchange { request, aspect } => write!(f, "{request} {aspect}"),
        }
    }
}

impl BehaviourChange {
    /// Its kind: the first its changes have, in the order comparisons show them.
    pub(crate) fn class(&self) -> Class {
        self.changes
            .iter()
            .map(|change| change.classified.class)
            .min()
            .unwrap_or(Class::FactsChanged)
    }

    /// Whether a change of it trips `fail_on`.
    fn trips(&self, fail_on: FailOn) -> bool {
        self.changes.iter().any(|change| {
            change
                .classified
                .trips
                .is_some_and(|trips| trips <= fail_on)
        })
    }
}

impl Comparison {
    /// Whether a change trips `fail_on`: the exit status is then 1.
    pub fn fails(&self, fail_on: FailOn) -> bool {
        !self.tripping(fail_on).is_empty()
    }

    /// What trips `fail_on`: `A1 (must) regressed`, `preflight facts changed`.
    fn tripping(&self, fail_on: FailOn) -> Vec<String> {
        let mut tripping: Vec<String> = self
            .behaviours
            .iter()
            .filter(|behaviour| behaviour.trips(fail_on))
            .map(|behaviour| {
                format!(
                    "{} ({}) {}",
                    behaviour.id,
                    behaviour.severity.name(),
                    behaviour.class().name()
                )
            })
            .collect();
        if fail_on == FailOn::Facts && !self.preflight.is_empty() {
            tripping.push("preflight facts changed".to_owned());
        }
        tripping
    }

    /// The one line that says why the exit status is what it is.
    pub(crate) fn exit_line(&self, fail_on: FailOn) -> String {
        let tripping = self.tripping(fail_on);
        if tripping.is_empty() {
            let counted = match fail_on {
                FailOn::Must => {
                    "no @must behaviour regressed and no M1 inventory value of an entity the run did not create changed"
                }
                FailOn::Should => {
                    "no @must or @should behaviour regressed and no M1 inventory value of an entity the run did not create changed"
                }
                FailOn::Facts => "nothing regressed and no fact changed",
            };
            format!("exit 0 (--fail-on {}): {counted}", fail_on.name())
        } else {
            format!(
                "exit 1 (--fail-on {}): {}",
                fail_on.name(),
                tripping.join(", ")
            )
        }
    }

    /// The comparison as text, markdown, or a self-contained HTML page, its exit line for `fail_on`.
    pub fn render(&self, format: Format, fail_on: FailOn) -> String {
        match format {
            Format::Text => self.text(fail_on),
            Format::Markdown => self.markdown(fail_on),
            Format::Html => self.html(fail_on),
        }
    }

    /// The behaviours of a kind, by severity then id.
    fn of_class(&self, class: Class) -> Vec<&BehaviourChange> {
        self.behaviours
            .iter()
            .filter(|behaviour| behaviour.class() == class)
            .collect()
    }

    /// The kinds shown: regressions always (if only to say there are none), the others when a behaviour has them.
    fn shown_classes(&self) -> Vec<(Class, Vec<&BehaviourChange>)> {
        Class::ALL
            .into_iter()
            .map(|class| (class, self.of_class(class)))
            .filter(|(class, behaviours)| *class == Class::Regressed || !behaviours.is_empty())
            .collect()
    }

    /// How many scenarios went from one outcome to another, most frequent first: `36 skipped → passed`.
    fn transitions(&self) -> Vec<String> {
        let mut counts: Vec<(String, usize)> = Vec::new();
        let changes = self
            .behaviours
            .iter()
            .flat_map(|behaviour| &behaviour.changes);
        for change in changes {
            if let Subject::Outcome { before, after } = &change.subject {
                let transition = format!("{before} → {after}");
                match counts.iter_mut().find(|(seen, _)| *seen == transition) {
                    Some((_, count)) => *count += 1,
                    None => counts.push((transition, 1)),
                }
            }
        }
        counts.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
        counts
            .into_iter()
            .map(|(transition, count)| format!("{count} {transition}"))
            .collect()
    }

    /// `scenarios: 36 skipped → passed, 1 passed → skipped`, when any outcome changed.
    fn transitions_line(&self) -> Option<String> {
        let transitions = self.transitions();
        (!transitions.is_empty()).then(|| format!("scenarios: {}", transitions.join(", ")))
    }

    /// `5 behaviours changed: 1 regressed, 2 newly applicable, 2 facts changed`, or that none did.
    fn verdict(&self) -> String {
        if self.behaviours.is_empty() {
            return "no behaviour changed".to_owned();
        }
        let counts: Vec<String> = Class::ALL
            .into_iter()
            .map(|class| (class, self.of_class(class).len()))
            .filter(|(_, count)| *count > 0)
            .map(|(class, count)| format!("{count} {}", class.name()))
            .collect();
        format!(
            "{} changed: {}",
            behaviours(self.behaviours.len()),
            counts.join(", ")
        )
    }
}

/// `1 behaviour`, `3 behaviours`.
fn behaviours(count: usize) -> String {
    match count {
        1 => "1 behaviour".to_owned(),
        count => format!("{count} behaviours"),
    }
}

/// Response headers whose change matters.
const HEADERS: [&str; 4] = [
    "Content-Type",
    "Cache-Control",
    "Pragma",
    "WWW-Authenticate",
];

/// Compares two runs.
pub(crate) fn compare(before: &RunReport, after: &RunReport) -> Comparison {
    let target = |summary: &RunReport| {
        format!(
            "{} ({} target)",
            summary.target.instance, summary.target.kind
        )
    };
    let head = vec![
        ("release", before.release.clone(), after.release.clone()),
        ("target", target(before), target(after)),
        (
            "sncc",
            before.sncc_version.clone(),
            after.sncc_version.clone(),
        ),
        ("tally", before.tally.line(), after.tally.line()),
    ];
    let warnings = target_warning(before, after).into_iter().collect();
    let preflight = preflight::changes(before.preflight.as_ref(), after.preflight.as_ref());
    let (before, after) = (by_behaviour(before), by_behaviour(after));
    let mut ids: Vec<&String> = before.keys().chain(after.keys()).collect();
    ids.sort_by_key(|id| natural(id));
    ids.dedup();
    let mut behaviours: Vec<BehaviourChange> = ids
        .into_iter()
        .filter_map(|id| behaviour_change(id, runs_of(&before, id), runs_of(&after, id)))
        .flat_map(with_foreign_endpoints_apart)
        .collect();
    behaviours.sort_by_key(|behaviour| behaviour.severity);
    Comparison {
        head,
        warnings,
        preflight,
        behaviours,
    }
}

/// Two runs of different targets (another instance, another kind of target, the mock as another release)
/// compare all the same, with a warning: what differs may be the target, not a change of it.
fn target_warning(before: &RunReport, after: &RunReport) -> Option<String> {
    let (was, now) = (&before.target, &after.target);
    if was != now {
        Some(format!(
            "the runs are of different targets ({} → {}): what differs may be the target rather than a change of it",
            was.instance, now.instance
        ))
    } else if was.kind == "mock" && before.release != after.release {
        Some(format!(
            "the runs are of the mock as different releases ({} → {}): what differs is what the mock simulates",
            before.release, after.release
        ))
    } else {
        None
    }
}

/// What the inventory (M1) says of an endpoint the run did not create is the instance's own integration
/// changing (an upgrade that lost its `token_format`, say): those changes are set apart as a `@must`
/// change of the same behaviour that fails the comparison, whatever its own severity; the rest stay as they are.
fn with_foreign_endpoints_apart(mut behaviour: BehaviourChange) -> Vec<BehaviourChange> {
    let (mut foreign, own): (Vec<ObservedChange>, Vec<ObservedChange>) =
        behaviour.changes.into_iter().partition(|change| {
            matches!(&change.subject, Subject::Fact(name) if of_an_endpoint_the_run_did_not_create(name))
        });
    for change in &mut foreign {
        change.classified = FOREIGN_INVENTORY;
    }
    behaviour.changes = own;
    let apart = (!foreign.is_empty()).then(|| BehaviourChange {
        id: behaviour.id.clone(),
        title: "OAuth API endpoints the run did not create changed their grant settings".into(),
        severity: Severity::Must,
        changes: foreign,
    });
    [
        Some(behaviour).filter(|rest| !rest.changes.is_empty()),
        apart,
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Whether a fact (its name normalised) is an M1 inventory value of an endpoint no run created.
fn of_an_endpoint_the_run_did_not_create(fact: &str) -> bool {
    crate::servicenow::inventory::endpoint_not_created_by_a_run(fact)
        .is_some_and(|endpoint| !endpoint.starts_with(normalize::RUN_PREFIX))
}

/// `C10` sorts after `C9`.
fn natural(id: &str) -> (String, u32) {
    let digits = id.trim_start_matches(|c: char| !c.is_ascii_digit());
    let prefix = &id[..id.len() - digits.len()];
    (prefix.to_owned(), digits.parse().unwrap_or(u32::MAX))
}

fn runs_of<'a>(
    by_id: &'a BTreeMap<String, Vec<&'a ScenarioRun>>,
    id: &str,
) -> &'a [&'a ScenarioRun] {
    by_id.get(id).map_or(&[], Vec::as_slice)
}

fn by_behaviour(summary: &RunReport) -> BTreeMap<String, Vec<&ScenarioRun>> {
    let mut by_id: BTreeMap<String, Vec<&ScenarioRun>> = BTreeMap::new();
    for run in &summary.scenarios {
        by_id.entry(run.info.id.clone()).or_default().push(run);
    }
    by_id
}

fn behaviour_change(
    id: &str,
    before: &[&ScenarioRun],
    after: &[&ScenarioRun],
) -> Option<BehaviourChange> {
    let first = after.first().or(before.first())?;
    let severity = first.info.severity;
    let several = before.len() > 1 || after.len() > 1;
    let mut changes = Vec::new();
    for (was, now) in pairs(before, after) {
        let scenario = was.or(now).filter(|_| several).map(|run| run.name.clone());
        for difference in scenario_changes(was, now, severity) {
            add(&mut changes, &scenario, difference);
        }
    }
    if ran(before) && ran(after) {
        for difference in fact_changes(&facts(before), &facts(after)) {
            add(&mut changes, &None, difference);
        }
    }
    (!changes.is_empty()).then(|| BehaviourChange {
        id: id.to_owned(),
        title: first.name.clone(),
        severity,
        changes,
    })
}

/// A subject with its value before and after, classified.
type Difference = (Subject, String, String, Classified);

/// Adds a difference to a behaviour's changes, or counts it once more when the same one is there already.
fn add(
    changes: &mut Vec<ObservedChange>,
    scenario: &Option<String>,
    (subject, before, after, classified): Difference,
) {
    let same = |change: &&mut ObservedChange| {
        (
            &change.scenario,
            &change.subject,
            &change.before,
            &change.after,
        ) == (scenario, &subject, &before, &after)
    };
    match changes.iter_mut().find(same) {
        Some(change) => change.times += 1,
        None => changes.push(ObservedChange {
            scenario: scenario.clone(),
            subject,
            before,
            after,
            times: 1,
            classified,
        }),
    }
}
/// The scenarios of a behaviour paired by name (the n-th of a name with the n-th), either side possibly missing.
fn pairs<'a>(
    before: &[&'a ScenarioRun],
    after: &[&'a ScenarioRun],
) -> Vec<(Option<&'a ScenarioRun>, Option<&'a ScenarioRun>)> {
    let mut unmatched: Vec<Option<&ScenarioRun>> = before.iter().copied().map(Some).collect();
    let mut pairs = Vec::new();
    for now in after {
        let was = unmatched
            .iter_mut()
            .find(|was| was.is_some_and(|was| was.name == now.name))
            .and_then(Option::take);
        pairs.push((was, Some(*now)));
    }
    pairs.extend(unmatched.into_iter().flatten().map(|was| (Some(was), None)));
    pairs
}

fn scenario_changes(
    was: Option<&ScenarioRun>,
    now: Option<&ScenarioRun>,
    severity: Severity,
) -> Vec<Difference> {
    let outcome = |run: Option<&ScenarioRun>| run.map_or("not run".to_owned(), outcome_text);
    let name = |run: Option<&ScenarioRun>| {
        run.map_or("not run".to_owned(), |run| run.outcome.name().to_owned())
    };
    let mut changes = Vec::new();
    let classified = classify(
        was.map(|run| &run.outcome),
        now.map(|run| &run.outcome),
        severity,
    );
    if let Some(classified) = classified.filter(|_| outcome(was) != outcome(now)) {
        let subject = Subject::Outcome {
            before: name(was),
            after: name(now),
        };
        changes.push((subject, outcome(was), outcome(now), classified));
    }
    if let (Some(was), Some(now)) = (was, now) {
        if decided(was) && decided(now) {
            changes.extend(exchange_changes(
                &was.observation.exchanges,
                &now.observation.exchanges,
            ));
        }
    }
    changes
}

/// Whether a scenario ran and reached a verdict: neither skipped nor inconclusive.
fn decided(run: &ScenarioRun) -> bool {
    !matches!(
        run.outcome,
        ScenarioOutcome::Skipped { .. } | ScenarioOutcome::Inconclusive { .. }
    )
}

/// `passed`, `skipped (why)`, `failed: what`, masked.
fn outcome_text(run: &ScenarioRun) -> String {
    let message = |message: &str| normalize::text(&message.replace('\n', " "));
    match &run.outcome {
        ScenarioOutcome::Passed => "passed".to_owned(),
        ScenarioOutcome::Skipped { reason } => format!("skipped ({reason})"),
        ScenarioOutcome::Inconclusive { reason } => {
            format!("inconclusive ({})", normalize::text(reason))
        }
        ScenarioOutcome::Expected {
            reason,
            message: said,
        } => {
            format!("expected deviation ({reason}): {}", message(said))
        }
        ScenarioOutcome::Failed { message: said } | ScenarioOutcome::Warning { message: said } => {
            format!("{}: {}", run.outcome.name(), message(said))
        }
    }
}

/// Whether any scenario of a behaviour ran and reached a verdict (was neither skipped nor inconclusive).
fn ran(runs: &[&ScenarioRun]) -> bool {
    runs.iter().any(|run| decided(run))
}

/// A behaviour's facts, names and values normalised, a later scenario's value winning.
fn facts(runs: &[&ScenarioRun]) -> BTreeMap<String, String> {
    runs.iter()
        .flat_map(|run| &run.observation.facts)
        .map(|(name, value)| (normalize::text(name), normalize::text(&value.to_string())))
        .collect()
}

fn fact_changes(
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
) -> Vec<Difference> {
    let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
    names.sort();
    names.dedup();
    let value = |facts: &BTreeMap<String, String>, name: &String| {
        facts
            .get(name)
            .cloned()
            .unwrap_or_else(|| "not recorded".to_owned())
    };
    names
        .into_iter()
        .filter(|name| before.get(*name) != after.get(*name))
        .map(|name| {
            (
                Subject::Fact(name.clone()),
                value(before, name),
                value(after, name),
                FACT,
            )
        })
        .collect()
}

/// How two scenarios' exchanges line up.
enum Aligned<'a> {
    Both(&'a Exchange, &'a Exchange),
    Before(&'a Exchange),
    After(&'a Exchange),
}

/// Aligns the exchanges on their requests (method and masked path), in order: the longest common subsequence.
fn align<'a>(before: &'a [Exchange], after: &'a [Exchange]) -> Vec<Aligned<'a>> {
    let request = |exchange: &Exchange| request(exchange);
    let (n, m) = (before.len(), after.len());
    let mut longest = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            longest[i][j] = if request(&before[i]) == request(&after[j]) {
                longest[i + 1][j + 1] + 1
            } else {
                longest[i + 1][j].max(longest[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut aligned) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && request(&before[i]) == request(&after[j]) {
            aligned.push(Aligned::Both(&before[i], &after[j]));
            (i, j) = (i + 1, j + 1);
        } else if j == m || (i < n && longest[i + 1][j] >= longest[i][j + 1]) {
            aligned.push(Aligned::Before(&before[i]));
            i += 1;
        } else {
            aligned.push(Aligned::After(&after[j]));
            j += 1;
        }
    }
    aligned
}

/// `POST /oauth_token.do`, its path masked.
fn request(exchange: &Exchange) -> String {
    format!("{} {}", exchange.method, normalize::text(&exchange.path))
}

fn exchange_changes(before: &[Exchange], after: &[Exchange]) -> Vec<Difference> {
    let mut changes = Vec::new();
    for aligned in align(before, after) {
        match aligned {
            Aligned::Both(was, now) => changes.extend(response_changes(was, now)),
            Aligned::Before(was) if !is_lookup(was) => {
                changes.push(one_sided(was, status(was), "not requested".into()))
            }
            Aligned::After(now) if !is_lookup(now) => {
                changes.push(one_sided(now, "not requested".into(), status(now)))
            }
            Aligned::Before(_) | Aligned::After(_) => {}
        }
    }
    changes
}

/// An admin's read (a GET with HTTP Basic): a run caches some, so which scenario makes them varies from run to run.
fn is_lookup(exchange: &Exchange) -> bool {
    exchange.method == "GET"
        && exchange
            .authorization
            .as_deref()
            .is_some_and(|authorization| authorization.starts_with("Basic "))
}

fn one_sided(exchange: &Exchange, before: String, after: String) -> Difference {
    let subject = Subject::Exchange {
        request: request(exchange),
        aspect: "status",
    };
    (subject, before, after, FACT)
}

fn status(exchange: &Exchange) -> String {
    exchange
        .status
        .map_or("no response".to_owned(), |status| status.to_string())
}

fn response_changes(was: &Exchange, now: &Exchange) -> Vec<Difference> {
    let subject = |aspect| Subject::Exchange {
        request: request(now),
        aspect,
    };
    let mut changes = Vec::new();
    if was.status != now.status {
        changes.push((subject("status"), status(was), status(now), FACT));
    }
    for name in HEADERS {
        let (before, after) = (header(was, name), header(now, name));
        if before != after {
            changes.push((subject(name), before, after, FACT));
        }
    }
    let (before, after) = (
        normalize::text(&was.response_body),
        normalize::text(&now.response_body),
    );
    if before != after {
        let (before, after) = excerpts(&before, &after);
        changes.push((subject("body"), before, after, FACT));
    }
    changes
}

fn header(exchange: &Exchange, name: &str) -> String {
    exchange
        .response_headers
        .iter()
        .find(|(header, _)| header.eq_ignore_ascii_case(name))
        .map_or("absent".to_owned(), |(_, value)| normalize::text(value))
}

/// Characters of a body shown around where two bodies start to differ.
const EXCERPT: usize = 100;
/// Characters before the first difference kept for context.
const CONTEXT: usize = 30;

/// Two differing bodies, whole when short, else around where they start to differ (`…` marks a cut).
fn excerpts(before: &str, after: &str) -> (String, String) {
    let differs_at = before
        .chars()
        .zip(after.chars())
        .take_while(|(a, b)| a == b)
        .count();
    let start = differs_at.saturating_sub(CONTEXT);
    let excerpt = |body: &str| {
        if body.is_empty() {
            return "empty".to_owned();
        }
        let count = body.chars().count();
        if count <= EXCERPT {
            return body.to_owned();
        }
        let shown: String = body.chars().skip(start).take(EXCERPT).collect();
        let lead = if start > 0 { "…" } else { "" };
        let tail = if start + EXCERPT < count { "…" } else { "" };
        format!("{lead}{shown}{tail}")
    };
    (excerpt(before), excerpt(after))
}

mod render;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn token_exchange(status: u16, pragma: &str, body: &str) -> Value {
        json!({
            "method": "POST",
            "path": "/oauth_token.do",
            "status": status,
            "response_headers": [["content-type", "application/json;charset=UTF-8"], ["pragma", pragma]],
            "response_body": body,
        })
    }

    fn scenario(id: &str, severity: &str, outcome: Value, extra: Value) -> Value {
        let mut scenario = json!({
            "name": format!("{id} scenario"),
            "info": {"id": id, "severity": severity},
        });
        for part in [outcome, extra] {
            scenario
                .as_object_mut()
                .unwrap()
                .extend(part.as_object().unwrap().clone());
        }
        scenario
    }

    fn summary(release: &str, scenarios: Vec<Value>) -> RunReport {
        serde_json::from_value(json!({
            "sncc_version": "0.1.0",
            "target": {"kind": "mock", "instance": "bundled mock"},
            "release": release,
            "tally": {"passed": 1, "failed": 0, "warnings": 0, "skipped": 0},
            "scenarios": scenarios,
        }))
        .unwrap()
    }

    fn passed() -> Value {
        json!({"outcome": "passed"})
    }

    #[test]
    fn identical_runs_differ_only_in_volatile_values() {
        let run = |sys_id: &str, when: &str| {
            let body = format!(r#"{{"sys_id":"{sys_id}","sys_created_on":"{when}"}}"#);
            let exchange = token_exchange(200, "no-cache", &body);
            summary(
                "washingtondc",
                vec![scenario(
                    "A1",
                    "must",
                    passed(),
                    json!({"exchanges": [exchange], "facts": {"user": format!("sncc-{}-svc", &sys_id[..8])}}),
                )],
            )
        };
        let before = run("0123456789abcdef0123456789abcdef", "2024-01-01 10:00:00");
        let after = run("fedcba9876543210fedcba9876543210", "2025-02-02 11:11:11");
        let comparison = compare(&before, &after);
        assert!(comparison.behaviours.is_empty(), "{comparison:?}");
        assert!(!comparison.fails(FailOn::Must));
        assert!(
            comparison
                .render(Format::Text, FailOn::Must)
                .contains("no behaviour changed")
        );
    }

    #[test]
    fn a_patch_upgrade_heads_the_comparison() {
        let run =
            |release: &str| summary(release, vec![scenario("A3", "must", passed(), json!({}))]);
        let comparison = compare(&run("zurich-p1"), &run("zurich-p4"));
        assert_eq!(
            comparison.head[0],
            ("release", "zurich-p1".into(), "zurich-p4".into())
        );
        assert!(
            comparison
                .render(Format::Text, FailOn::Must)
                .starts_with("release: zurich-p1 → zurich-p4\n")
        );
    }

    #[test]
    fn preflight_facts_that_changed_follow_the_head_in_every_format() {
        let run = |mode: &str, requests: u64| {
            let mut summary = summary("zurich", vec![scenario("A3", "must", passed(), json!({}))]);
            summary.preflight = serde_json::from_value(json!({
                "instance_name": "acme", "buildtag": null, "host": "developer_instance",
                "admin": {"user_name": "admin", "signs_in_with": "basic", "roles": ["admin"],
                          "locked_out": false, "password_needs_reset": false, "web_service_access_only": false},
                "update_set": {"name": "Default", "sys_id": "d1", "named_by_flag": false},
                "application": "global",
                "settings": {"glide.sm.default_mode": {"value": mode, "write_roles": ["security_admin"]}},
                "entity_columns": {}, "requests": requests,
            }))
            .unwrap();
            summary
        };
        let comparison = compare(&run("allow", 6), &run("deny", 7));
        assert_eq!(
            comparison.preflight,
            vec![(
                "settings.glide.sm.default_mode.value".to_owned(),
                "allow".to_owned(),
                "deny".to_owned()
            )]
        );
        assert!(
            !comparison.fails(FailOn::Must),
            "a setting changing fails nothing"
        );
        assert_eq!(
            comparison.exit_line(FailOn::Facts),
            "exit 1 (--fail-on facts): preflight facts changed"
        );
        let text = comparison.render(Format::Text, FailOn::Must);
        assert!(
            text.contains(
                "preflight facts changed\n  settings.glide.sm.default_mode.value: allow → deny\n"
            ),
            "{text}"
        );
        assert!(
            comparison
                .render(Format::Markdown, FailOn::Must)
                .contains("| `settings.glide.sm.default_mode.value` | `allow` | `deny` |")
        );
        assert!(
            comparison
                .render(Format::Html, FailOn::Must)
                .contains("<h2>preflight facts changed</h2>")
        );
        assert!(
            compare(&run("allow", 6), &run("allow", 9))
                .preflight
                .is_empty()
        );
    }

    #[test]
    fn outcomes_statuses_headers_bodies_and_facts_are_compared() {
        let before = summary(
            "vancouver",
            vec![
                scenario(
                    "A3",
                    "must",
                    json!({"outcome": "skipped", "reason": "not applicable"}),
                    json!({}),
                ),
                scenario(
                    "C4",
                    "should",
                    passed(),
                    json!({"exchanges": [token_exchange(200, "no-store,no-cache", r#"{"expires_in":1799}"#)], "facts": {"expires_in": 1799}}),
                ),
            ],
        );
        let after = summary(
            "washingtondc",
            vec![
                scenario("A3", "must", passed(), json!({})),
                scenario(
                    "C4",
                    "should",
                    json!({"outcome": "warning", "message": "Then Pragma: no"}),
                    json!({"exchanges": [token_exchange(401, "no-store", r#"{"expires_in":599}"#)], "facts": {"expires_in": 599, "token_lengths": [86]}}),
                ),
            ],
        );
        let comparison = compare(&before, &after);
        assert_eq!(
            comparison.head[0],
            ("release", "vancouver".into(), "washingtondc".into())
        );
        assert!(
            !comparison.fails(FailOn::Must),
            "a @must behaviour newly applicable and a @should one regressed"
        );
        assert!(comparison.fails(FailOn::Should));
        let [a3, c4] = comparison.behaviours.as_slice() else {
            panic!("{comparison:?}");
        };
        assert_eq!((a3.id.as_str(), a3.severity), ("A3", Severity::Must));
        assert_eq!(
            a3.changes,
            [ObservedChange {
                scenario: None,
                subject: Subject::Outcome {
                    before: "skipped".into(),
                    after: "passed".into()
                },
                before: "skipped (not applicable)".into(),
                after: "passed".into(),
                times: 1,
                classified: Classified {
                    class: Class::NewlyApplicable,
                    trips: None
                },
            }]
        );
        let lines: Vec<String> = c4
            .changes
            .iter()
            .map(|change| format!("{}: {} → {}", change.what(), change.before, change.after))
            .collect();
        assert_eq!(
            lines,
            [
                "outcome: passed → warning: Then Pragma: no",
                "POST /oauth_token.do status: 200 → 401",
                "POST /oauth_token.do Pragma: no-store,no-cache → no-store",
                r#"POST /oauth_token.do body: {"expires_in":1799} → {"expires_in":599}"#,
                "fact expires_in: 1799 → 599",
                "fact token_lengths: not recorded → [86]",
            ]
        );
    }

    #[test]
    fn a_skipped_side_compares_only_the_outcome() {
        let exchange = token_exchange(200, "no-cache", "{}");
        let before = summary(
            "vancouver",
            vec![scenario(
                "A1",
                "must",
                json!({"outcome": "skipped", "reason": "old"}),
                json!({}),
            )],
        );
        let after = summary(
            "washingtondc",
            vec![scenario(
                "A1",
                "must",
                passed(),
                json!({"exchanges": [exchange], "facts": {"x": 1}}),
            )],
        );
        let [behaviour] = compare(&before, &after).behaviours.try_into().unwrap();
        assert_eq!(behaviour.changes.len(), 1);
        assert_eq!(behaviour.changes[0].subject.to_string(), "outcome");
    }

    #[test]
    fn exchanges_are_aligned_and_admin_lookups_on_one_side_ignored() {
        let lookup = json!({"method": "GET", "path": "/api/now/table/sys_properties", "authorization": "Basic [REDACTED]", "status": 200});
        let token = token_exchange(200, "no-cache", "{}");
        let refused = token_exchange(401, "no-cache", "{}");
        let current = json!({"method": "GET", "path": "/api/now/ui/user/current_user", "authorization": "Bearer [REDACTED]", "status": 200});
        let before = summary(
            "washingtondc",
            vec![scenario(
                "D1",
                "must",
                passed(),
                json!({"exchanges": [lookup, token, current]}),
            )],
        );
        let after = summary(
            "washingtondc",
            vec![scenario(
                "D1",
                "must",
                passed(),
                json!({"exchanges": [refused]}),
            )],
        );
        let [behaviour] = compare(&before, &after).behaviours.try_into().unwrap();
        let lines: Vec<String> = behaviour
            .changes
            .iter()
            .map(|change| format!("{}: {} → {}", change.what(), change.before, change.after))
            .collect();
        assert_eq!(
            lines,
            [
                "POST /oauth_token.do status: 200 → 401",
                "GET /api/now/ui/user/current_user status: 200 → not requested",
            ]
        );
    }

    #[test]
    fn scenarios_are_named_when_a_behaviour_has_several_and_missing_ones_did_not_run() {
        let mut second = scenario(
            "G1",
            "must",
            json!({"outcome": "skipped", "reason": "newer"}),
            json!({}),
        );
        second["name"] = json!("G1 second");
        let before = summary(
            "vancouver",
            vec![
                scenario("G1", "must", passed(), json!({})),
                scenario("B1", "must", passed(), json!({})),
            ],
        );
        let after = summary(
            "washingtondc",
            vec![scenario("G1", "must", passed(), json!({})), second],
        );
        let comparison = compare(&before, &after);
        let ids: Vec<&str> = comparison
            .behaviours
            .iter()
            .map(|b| b.id.as_str())
            .collect();
        assert_eq!(ids, ["B1", "G1"]);
        assert_eq!(comparison.behaviours[0].changes[0].after, "not run");
        assert_eq!(
            comparison.behaviours[1].changes[0].what(),
            "outcome in \"G1 second\""
        );
    }

    #[test]
    fn regressions_lead_the_kinds_the_exit_line_follows_fail_on_and_every_format_escapes() {
        let before = summary(
            "vancouver",
            vec![
                scenario("F4", "info", passed(), json!({"facts": {"seen": "<a|b>"}})),
                scenario("C3", "should", passed(), json!({})),
            ],
        );
        let after = summary(
            "vancouver",
            vec![
                scenario("F4", "info", passed(), json!({"facts": {"seen": "<c&d>"}})),
                scenario(
                    "C3",
                    "should",
                    json!({"outcome": "warning", "message": "`x`"}),
                    json!({}),
                ),
            ],
        );
        let comparison = compare(&before, &after);
        assert!(!comparison.fails(FailOn::Must));
        assert_eq!(comparison.behaviours[0].id, "C3");
        let text = comparison.render(Format::Text, FailOn::Must);
        assert!(text.contains("release: vancouver\n"), "{text}");
        let regressed = text
            .find("\nregressed: 1 behaviour\n")
            .expect("regressions");
        let facts = text.find("\nfacts changed: 1 behaviour\n").expect("facts");
        assert!(regressed < facts, "{text}");
        assert!(
            text.contains("\nexit 0 (--fail-on must): no @must behaviour regressed"),
            "{text}"
        );
        assert!(comparison.fails(FailOn::Should));
        assert!(
            comparison
                .render(Format::Text, FailOn::Should)
                .contains("\nexit 1 (--fail-on should): C3 (should) regressed\n")
        );
        assert_eq!(
            comparison.exit_line(FailOn::Facts),
            "exit 1 (--fail-on facts): C3 (should) regressed, F4 (info) facts changed"
        );
        assert!(
            text.contains("  C3 (should) C3 scenario\n      outcome: passed → warning: `x`"),
            "{text}"
        );
        let md = comparison.render(Format::Markdown, FailOn::Must);
        assert!(
            md.contains(r#"| fact `seen` | `"<a\|b>"` | `"<c&d>"` |"#),
            "{md}"
        );
        assert!(md.contains("`` warning: `x` ``"), "{md}");
        let html = comparison.render(Format::Html, FailOn::Must);
        assert!(html.contains("&quot;&lt;c&amp;d&gt;&quot;"), "{html}");
        assert!(!html.contains("<c&d>"), "{html}");
        assert!(html.ends_with("</html>\n"));
    }

    #[test]
    fn an_inconclusive_scenario_is_listed_as_such_and_never_fails_the_comparison() {
        let inconclusive = json!({"outcome": "inconclusive", "reason": "the instance answered 503 to POST /oauth_token.do"});
        let before = summary(
            "washingtondc",
            vec![
                scenario(
                    "A1",
                    "must",
                    passed(),
                    json!({"exchanges": [token_exchange(200, "no-cache", "{}")], "facts": {"x": 1}}),
                ),
                scenario("A2", "must", passed(), json!({})),
            ],
        );
        let after = summary(
            "washingtondc",
            vec![
                scenario(
                    "A1",
                    "must",
                    inconclusive,
                    json!({"exchanges": [token_exchange(503, "no-cache", "down")], "facts": {"x": 2}}),
                ),
                scenario("A2", "must", passed(), json!({})),
            ],
        );
        let comparison = compare(&before, &after);
        assert!(!comparison.fails(FailOn::Must), "{comparison:?}");
        let [behaviour] = comparison.behaviours.as_slice() else {
            panic!("{comparison:?}");
        };
        assert_eq!(behaviour.class(), Class::Inconclusive);
        assert_eq!(
            behaviour.changes,
            [ObservedChange {
                scenario: None,
                subject: Subject::Outcome {
                    before: "passed".into(),
                    after: "inconclusive".into()
                },
                before: "passed".into(),
                after: "inconclusive (the instance answered 503 to POST /oauth_token.do)".into(),
                times: 1,
                classified: Classified {
                    class: Class::Inconclusive,
                    trips: None
                },
            }]
        );
        let text = comparison.render(Format::Text, FailOn::Must);
        assert!(
            text.contains("scenarios: 1 passed → inconclusive\n"),
            "{text}"
        );
        assert!(
            text.contains("\ninconclusive: 1 behaviour\n  A1 (must) A1 scenario\n"),
            "{text}"
        );
        assert!(
            text.ends_with("\n1 behaviour changed: 1 inconclusive\n"),
            "{text}"
        );
        // The other way round is no fix either.
        assert!(!compare(&after, &before).fails(FailOn::Must));
        // A summary written before sncc knew inconclusive outcomes has no such count.
        assert_eq!(before.tally.inconclusive, 0);
    }

    #[test]
    fn ids_sort_naturally() {
        let mut ids = vec!["C10", "C9", "A1"];
        ids.sort_by_key(|id| natural(id));
        assert_eq!(ids, ["A1", "C9", "C10"]);
    }

    #[test]
    fn long_bodies_are_cut_around_the_first_difference() {
        let common = "x".repeat(200);
        let (before, after) = excerpts(
            &format!("{common}AAA{common}"),
            &format!("{common}BBB{common}"),
        );
        assert!(before.starts_with('…') && before.ends_with('…'), "{before}");
        assert!(
            before.contains(&format!("{}AAA", "x".repeat(CONTEXT))),
            "{before}"
        );
        assert!(after.contains("BBB"), "{after}");
        assert_eq!(excerpts("", "{}"), ("empty".to_owned(), "{}".to_owned()));
    }
}

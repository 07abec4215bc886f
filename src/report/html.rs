//! The HTML report (`report.html`): one self-contained page, a row per behaviour coloured by outcome, details folded.
//!
//! No script and no external asset: inline CSS, `<details>` for folding. Every outcome carries a text label
//! beside its colour, and the legend says in one line what each outcome means, for a reader who did not run the
//! suite. Spec clauses link to the RFC Editor. Everything shown comes from the report, redacted, and is escaped.

use std::fmt::Write as _;

use serde_json::Value;

use super::{BehaviourRun, RunReport, ScenarioOutcome, ScenarioRun, StepRun, StepStatus};
use crate::client::exchange::Exchange;

/// The file's name in the report folder.
pub(crate) const FILE: &str = "report.html";

/// The page's style sheet.
const CSS: &str = r#"
:root { --passed: #1a7f37; --passed-bg: #e8f5ec; --failed: #b42318; --failed-bg: #fdecea;
  --warning: #8a5300; --warning-bg: #fff4dc; --skipped: #5c6370; --skipped-bg: #f0f1f3;
  --expected: #6639ba; --expected-bg: #f3effb; --inconclusive: #0b6374; --inconclusive-bg: #e3f3f6; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", sans-serif;
  color: #1f2328; margin: 0 auto; padding: 1.5rem 2rem 3rem; max-width: 72rem; }
h1 { font-size: 1.5rem; margin: 0 0 .75rem; }
h2 { font-size: 1.15rem; margin: 2rem 0 .5rem; }
h3 { font-size: 1rem; margin: .75rem 0 .25rem; }
code, pre { font: 13px/1.4 ui-monospace, "DejaVu Sans Mono", "Liberation Mono", monospace; }
pre { white-space: pre-wrap; word-break: break-all; background: #f6f8fa; border: 1px solid #d8dee4;
  border-radius: 4px; padding: .5rem .75rem; margin: .25rem 0; }
a { color: #0550ae; }
dl.run { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1.25rem; margin: 0; }
dl.run dt { color: #59636e; }
dl.run dd { margin: 0; }
.verdict { font-size: 1.1rem; font-weight: 600; padding: .5rem .75rem; border-radius: 4px; margin: 1rem 0; }
.badge { display: inline-block; min-width: 5.5rem; text-align: center; font-weight: 700; font-size: .8rem;
  letter-spacing: .03em; border-radius: 3px; padding: .1rem .4rem; color: #fff; }
.passed .badge, .badge.passed { background: var(--passed); }
.failed .badge, .badge.failed { background: var(--failed); }
.warning .badge, .badge.warning { background: var(--warning); }
.skipped .badge, .badge.skipped { background: var(--skipped); }
.expected .badge, .badge.expected { background: var(--expected); }
.inconclusive .badge, .badge.inconclusive { background: var(--inconclusive); }
.verdict.passed { background: var(--passed-bg); color: var(--passed); }
.verdict.failed { background: var(--failed-bg); color: var(--failed); }
ul.legend { list-style: none; padding: 0; margin: 0; }
ul.legend li { margin: .25rem 0; }
ul.glance { list-style: none; padding: 0; margin: 0; }
ul.glance li { margin: .3rem 0; line-height: 1.9; }
ul.glance a { padding: .05rem .35rem; border-radius: 3px; text-decoration: none; white-space: nowrap;
  font: 600 .8rem ui-monospace, "DejaVu Sans Mono", monospace; border: 1px solid; }
ul.glance a.passed { color: var(--passed); background: var(--passed-bg); }
ul.glance a.failed { color: var(--failed); background: var(--failed-bg); }
ul.glance a.warning { color: var(--warning); background: var(--warning-bg); }
ul.glance a.skipped { color: var(--skipped); background: var(--skipped-bg); }
ul.glance a.expected { color: var(--expected); background: var(--expected-bg); }
ul.glance a.inconclusive { color: var(--inconclusive); background: var(--inconclusive-bg); }
table.behaviours { border-collapse: collapse; width: 100%; table-layout: fixed; }
table.behaviours th { text-align: left; font-size: .85rem; color: #59636e; border-bottom: 2px solid #d8dee4;
  padding: .3rem .5rem; }
table.behaviours td { vertical-align: top; padding: .45rem .5rem; }
th.outcome { width: 7.5rem; } th.severity { width: 4.5rem; } th.evidence { width: 6.5rem; }
th.clauses { width: 7.5rem; } th.facts { width: 24%; }
td a.clause { white-space: nowrap; }
tbody.behaviour { border-bottom: 1px solid #d8dee4; }
tbody.behaviour td:first-child { border-left: 6px solid; }
tbody.passed td:first-child { border-left-color: var(--passed); }
tbody.failed { background: var(--failed-bg); }
tbody.failed td:first-child { border-left-color: var(--failed); }
tbody.warning { background: var(--warning-bg); }
tbody.warning td:first-child { border-left-color: var(--warning); }
tbody.skipped { background: var(--skipped-bg); color: #3d444d; }
tbody.skipped td:first-child { border-left-color: var(--skipped); }
tbody.expected { background: var(--expected-bg); }
tbody.expected td:first-child { border-left-color: var(--expected); }
tbody.inconclusive { background: var(--inconclusive-bg); }
tbody.inconclusive td:first-child { border-left-color: var(--inconclusive); }
tr.details td { padding-top: 0; }
.id { font-weight: 700; white-space: nowrap; }
.message { margin: .25rem 0 0; }
.muted { color: #59636e; font-size: .85rem; }
dl.facts { margin: 0; }
dl.facts dt { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; color: #59636e; word-break: break-all; }
dl.facts dd { margin: 0 0 .3rem .75rem; word-break: break-all; }
details > summary { cursor: pointer; color: #0550ae; }
summary code { word-break: break-all; }
section.scenario { background: #fff; border: 1px solid #d8dee4; border-radius: 4px; padding: .25rem .75rem .5rem;
  margin: .5rem 0; }
ol.steps { list-style: none; padding: 0; margin: .25rem 0; }
ol.steps li { margin: .15rem 0; }
.status { display: inline-block; min-width: 5.5rem; font: 600 .75rem ui-monospace, "DejaVu Sans Mono", monospace; }
li.passed .status { color: var(--passed); }
li.failed .status { color: var(--failed); }
li.undefined .status { color: var(--failed); }
li.inconclusive .status { color: var(--inconclusive); }
pre.error { background: var(--failed-bg); border-color: var(--failed); }
.exchange { margin-left: 1rem; }
"#;

/// What each outcome means, for the legend.
const LEGEND: [(&str, &str); 6] = [
    (
        "passed",
        "the target behaved as the catalogue says ServiceNow behaves.",
    ),
    (
        "failed",
        "a @must behaviour deviated (or any deviation with --strict): the run fails.",
    ),
    (
        "warning",
        "a @should behaviour deviated: reported, the run still passes.",
    ),
    (
        "skipped",
        "this target or release cannot run the check: nothing was concluded.",
    ),
    (
        "inconclusive",
        "a fault (a server error, a rate limit, no answer, a failed setup or undo) decided nothing: neither a pass nor a deviation; run it again.",
    ),
    (
        "expected",
        "a deviation this instance is known to have (--expect-deviations): reported, the run passes.",
    ),
];

/// The whole page; facts are shown as JSON. The report is redacted once more first, whoever calls.
pub(crate) fn render(report: &RunReport) -> String {
    let report = &report.redacted();
    let mut html =
        String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(
        html,
        "<title>sncc report: {} ({})</title>\n<style>{CSS}</style>\n</head>\n<body>",
        escape(&report.target.instance),
        escape(&report.release),
    );
    header(&mut html, report);
    instance(&mut html, report);
    legend(&mut html);
    let behaviours = in_catalogue_order(report.behaviours());
    index(&mut html, &behaviours);
    table(&mut html, report, &behaviours);
    html.push_str("</body>\n</html>\n");
    html
}

/// `&`, `<`, `>`, `"` and `'` as entities: safe in text and in quoted attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// Where a clause is specified: `RFC6749-5.1` → RFC 6749 section 5.1 at the RFC Editor; `None` for other clauses.
pub(crate) fn clause_url(clause: &str) -> Option<String> {
    let (rfc, section) = match clause.split_once('-') {
        Some((rfc, section)) => (rfc, Some(section)),
        None => (clause, None),
    };
    let number = rfc.strip_prefix("RFC")?;
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let base = format!("https://www.rfc-editor.org/rfc/rfc{number}");
    Some(match section {
        Some(section) => format!("{base}#section-{section}"),
        None => base,
    })
}

fn header(html: &mut String, report: &RunReport) {
    html.push_str("<header>\n<h1>ServiceNow OAuth client credentials: conformance report</h1>\n");
    html.push_str("<dl class=\"run\">\n");
    let target = format!("{} ({})", report.target.instance, report.target.kind);
    let strict = if report.strict { " (--strict)" } else { "" };
    let rows = [
        ("Target", target),
        ("Release", report.release.clone()),
        ("sncc version", report.sncc_version.clone()),
        ("Started", format!("{} UTC", report.started_at)),
        ("Duration", duration(report.duration_ms)),
        ("Scenarios", format!("{}{strict}", report.tally.line())),
        (
            "Requests",
            format!("{} HTTP requests to the target", report.requests),
        ),
    ];
    for (name, value) in rows {
        let _ = writeln!(html, "<dt>{name}</dt><dd>{}</dd>", escape(&value));
    }
    html.push_str("</dl>\n");
    let (class, verdict) = if report.tally.failed == 0 && report.tally.inconclusive > 0 {
        (
            "passed",
            "The run passed: no behaviour failed, but some scenarios were inconclusive.",
        )
    } else if report.tally.failed == 0 {
        ("passed", "The run passed: no behaviour failed.")
    } else {
        ("failed", "The run failed: at least one behaviour failed.")
    };
    let _ = writeln!(
        html,
        "<p class=\"verdict {class}\">{verdict}</p>\n</header>"
    );
}

/// An admin run's preflight, plan and provisioning (catalogue §14, §15), as the console showed them.
fn instance(html: &mut String, report: &RunReport) {
    let mut shown = Vec::new();
    shown.extend(report.preflight.as_ref().map(super::console::preflight));
    shown.extend(report.plan.as_ref().map(super::plan::RunPlan::lines));
    shown.extend(
        report
            .provisioning
            .as_ref()
            .map(|done| super::console::provisioning(done, true)),
    );
    if shown.is_empty() {
        return;
    }
    let _ = writeln!(
        html,
        "<section>\n<h2>Before the first change, and after the last</h2>\n<pre>{}</pre>\n</section>",
        escape(&shown.join("\n"))
    );
}

fn legend(html: &mut String) {
    html.push_str("<section>\n<h2>What the outcomes mean</h2>\n<ul class=\"legend\">\n");
    for (outcome, meaning) in LEGEND {
        let _ = writeln!(html, "<li>{} {meaning}</li>", badge(outcome));
    }
    html.push_str("</ul>\n<p class=\"muted\">Severity: must (a deviation fails the run), should (a warning), ");
    html.push_str(
        "info (only records a fact). Evidence: doc (ServiceNow documentation), captured (a real ",
    );
    html.push_str("instance's response), reported (practitioners), inferred (our inference), rfc (an OAuth RFC).");
    html.push_str("</p>\n</section>\n");
}

/// The behaviour ids by outcome, worst first, each linking to its row.
fn index(html: &mut String, behaviours: &[BehaviourRun]) {
    html.push_str("<nav>\n<h2>Behaviours at a glance</h2>\n<ul class=\"glance\">\n");
    for outcome in [
        "failed",
        "inconclusive",
        "warning",
        "expected",
        "skipped",
        "passed",
    ] {
        let ids: Vec<String> = behaviours
            .iter()
            .filter(|behaviour| behaviour.outcome.name() == outcome)
            .map(|behaviour| {
                let id = escape(&behaviour.id);
                format!("<a class=\"{outcome}\" href=\"#CC-{id}\">CC-{id}</a>")
            })
            .collect();
        if !ids.is_empty() {
            let _ = writeln!(
                html,
                "<li>{} {}: {}</li>",
                badge(outcome),
                ids.len(),
                ids.join(" ")
            );
        }
    }
    html.push_str("</ul>\n</nav>\n");
}

fn table(html: &mut String, report: &RunReport, behaviours: &[BehaviourRun]) {
    html.push_str("<h2>Behaviours</h2>\n<table class=\"behaviours\">\n<thead><tr><th class=\"outcome\">Outcome</th>");
    html.push_str("<th>Behaviour</th><th class=\"severity\">Severity</th><th class=\"evidence\">Evidence</th>");
    html.push_str("<th class=\"clauses\">Clauses</th><th class=\"facts\">Facts observed</th>");
    html.push_str("</tr></thead>\n");
    for behaviour in behaviours {
        let scenarios: Vec<&ScenarioRun> = report
            .scenarios
            .iter()
            .filter(|run| run.info.id == behaviour.id)
            .collect();
        row(html, behaviour, &scenarios);
    }
    html.push_str("</table>\n");
}

/// A behaviour's row, then a full-width row with its scenarios folded.
fn row(html: &mut String, behaviour: &BehaviourRun, scenarios: &[&ScenarioRun]) {
    let outcome = behaviour.outcome.name();
    let _ = writeln!(
        html,
        "<tbody class=\"behaviour {outcome}\" id=\"CC-{}\">\n<tr>",
        escape(&behaviour.id)
    );
    let _ = writeln!(html, "<td>{}</td>", badge(outcome));
    let title = scenarios.first().map_or("", |run| run.name.as_str());
    let _ = write!(
        html,
        "<td><span class=\"id\">CC-{}</span> {}",
        escape(&behaviour.id),
        escape(title)
    );
    if let Some(why) = explanation(&behaviour.outcome) {
        let _ = write!(html, "<p class=\"message\">{}</p>", escape(&why));
    }
    html.push_str("</td>\n");
    let _ = writeln!(html, "<td>{}</td>", behaviour.severity.name());
    let _ = writeln!(html, "<td>{}</td>", escape(&behaviour.evidence.join(", ")));
    let _ = writeln!(html, "<td>{}</td>", clauses(&behaviour.clauses));
    let _ = writeln!(html, "<td>{}</td>\n</tr>", facts(&behaviour.facts));
    details_row(html, behaviour, scenarios);
    html.push_str("</tbody>\n");
}

fn details_row(html: &mut String, behaviour: &BehaviourRun, scenarios: &[&ScenarioRun]) {
    let open = match behaviour.outcome {
        ScenarioOutcome::Failed { .. }
        | ScenarioOutcome::Warning { .. }
        | ScenarioOutcome::Expected { .. }
        | ScenarioOutcome::Inconclusive { .. } => " open",
        ScenarioOutcome::Passed | ScenarioOutcome::Skipped { .. } => "",
    };
    let count = scenarios.len();
    let plural = if count == 1 { "" } else { "s" };
    let _ = writeln!(
        html,
        "<tr class=\"details\"><td></td><td colspan=\"5\"><details{open}><summary>{count} scenario{plural}: steps and HTTP exchanges</summary>"
    );
    for run in scenarios {
        scenario(html, run);
    }
    html.push_str("</details></td></tr>\n");
}

fn scenario(html: &mut String, run: &ScenarioRun) {
    let outcome = run.outcome.name();
    let _ = writeln!(
        html,
        "<section class=\"scenario {outcome}\">\n<h3>{} Scenario: {}</h3>",
        badge(outcome),
        escape(&run.name),
    );
    let _ = writeln!(
        html,
        "<p class=\"muted\">{}:{} · {} · tags {}</p>",
        escape(&run.feature_uri),
        run.line,
        duration(run.duration_ms),
        escape(
            &run.tags
                .iter()
                .map(|tag| format!("@{tag}"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    );
    if let Some(why) = explanation(&run.outcome) {
        let _ = writeln!(html, "<p class=\"message\">{}</p>", escape(&why));
    }
    if run.outcome == ScenarioOutcome::Passed && !run.steps.iter().all(StepRun::held) {
        html.push_str(
            "<p class=\"muted\">An @info scenario only records: the step that did not hold ",
        );
        html.push_str("is a fact, not a deviation.</p>\n");
    }
    let undecided = matches!(run.outcome, ScenarioOutcome::Inconclusive { .. });
    steps(html, &run.steps, undecided);
    exchanges(html, &run.observation.exchanges);
    html.push_str("</section>\n");
}

/// The steps with their statuses; in an `undecided` (inconclusive) scenario a step that did not hold was not judged.
fn steps(html: &mut String, steps: &[StepRun], undecided: bool) {
    if steps.is_empty() {
        return;
    }
    html.push_str("<ol class=\"steps\">\n");
    for step in steps {
        let status = match undecided && !step.held() {
            true => "inconclusive",
            false => step_status(step.status),
        };
        let _ = write!(
            html,
            "<li class=\"{status}\"><span class=\"status\">{status}</span> <b>{}</b>{} <span class=\"muted\">line {} · {}</span>",
            escape(step.keyword.trim_end()),
            escape(&format!(" {}", step.text)),
            step.line,
            duration(step.duration_ms),
        );
        if let Some(docstring) = &step.docstring {
            let _ = write!(html, "<pre>{}</pre>", escape(docstring.trim_matches('\n')));
        }
        if let Some(error) = &step.error {
            let _ = write!(html, "<pre class=\"error\">{}</pre>", escape(error));
        }
        html.push_str("</li>\n");
    }
    html.push_str("</ol>\n");
}

fn exchanges(html: &mut String, exchanges: &[Exchange]) {
    if exchanges.is_empty() {
        return;
    }
    let _ = writeln!(
        html,
        "<details><summary>{} HTTP exchanges (secrets redacted)</summary>",
        exchanges.len()
    );
    for exchange in exchanges {
        let status = exchange
            .status
            .map_or("no response".to_owned(), |status| status.to_string());
        let _ = writeln!(
            html,
            "<details class=\"exchange\"><summary><code>{} {} → {}</code></summary><pre>{}</pre></details>",
            escape(&exchange.method),
            escape(&exchange.path),
            escape(&status),
            escape(&exchange_text(exchange)),
        );
    }
    html.push_str("</details>\n");
}

/// An exchange as text: the request line, its authorization and body, a blank line, the response.
fn exchange_text(exchange: &Exchange) -> String {
    let mut text = format!("{} {}\n", exchange.method, exchange.path);
    if let Some(authorization) = &exchange.authorization {
        let _ = writeln!(text, "Authorization: {authorization}");
    }
    if !exchange.request_body.is_empty() {
        let _ = writeln!(text, "\n{}", exchange.request_body);
    }
    match exchange.status {
        Some(status) => {
            let _ = writeln!(text, "\n── response {status}");
        }
        None => text.push_str("\n── no response\n"),
    }
    for (name, value) in &exchange.response_headers {
        let _ = writeln!(text, "{name}: {value}");
    }
    if !exchange.response_body.is_empty() {
        let _ = write!(text, "\n{}", exchange.response_body);
    }
    text
}

fn clauses(clauses: &[String]) -> String {
    let links: Vec<String> = clauses
        .iter()
        .map(|clause| match clause_url(clause) {
            Some(url) => format!(
                "<a class=\"clause\" href=\"{}\">{}</a>",
                escape(&url),
                escape(clause)
            ),
            None => escape(clause),
        })
        .collect();
    links.join("<br>")
}

fn facts(facts: &std::collections::BTreeMap<String, Value>) -> String {
    if facts.is_empty() {
        return String::new();
    }
    let mut html = String::from("<dl class=\"facts\">");
    for (name, value) in facts {
        let _ = write!(
            html,
            "<dt>{}</dt><dd><code>{}</code></dd>",
            escape(name),
            escape(&value.to_string())
        );
    }
    html.push_str("</dl>");
    html
}

/// The outcome as a text label on its colour.
fn badge(outcome: &str) -> String {
    format!(
        "<span class=\"badge {outcome}\">{}</span>",
        outcome.to_uppercase()
    )
}

/// Why a scenario or behaviour did not simply pass: the deviation's message, the skip's reason, or why a
/// deviation is expected and what it was.
fn explanation(outcome: &ScenarioOutcome) -> Option<String> {
    match outcome {
        ScenarioOutcome::Passed => None,
        ScenarioOutcome::Failed { message } | ScenarioOutcome::Warning { message } => {
            Some(message.clone())
        }
        ScenarioOutcome::Skipped { reason } => Some(reason.clone()),
        ScenarioOutcome::Expected { reason, message } => {
            Some(format!("Expected ({reason}): {message}"))
        }
        ScenarioOutcome::Inconclusive { reason } => Some(format!("Inconclusive: {reason}")),
    }
}

/// A step's status as shown; a step no definition matched is `undefined`.
fn step_status(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Passed => "passed",
        StepStatus::Failed => "failed",
        StepStatus::Skipped => "undefined",
    }
}

/// `850 ms`, `12.3 s`.
fn duration(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

/// A1, A2, …, A10, B1: by letter, then by number.
fn in_catalogue_order(mut behaviours: Vec<BehaviourRun>) -> Vec<BehaviourRun> {
    behaviours.sort_by_cached_key(|behaviour| {
        let digits = behaviour
            .id
            .trim_start_matches(|c: char| !c.is_ascii_digit());
        let letters = &behaviour.id[..behaviour.id.len() - digits.len()];
        (
            letters.to_owned(),
            digits.parse::<u64>().unwrap_or(u64::MAX),
        )
    });
    behaviours
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;
    use serde_json::json;

    /// A scenario of behaviour `id` at `line`.
    fn scenario_of(id: &str, line: usize, outcome: ScenarioOutcome) -> ScenarioRun {
        let mut run = sample::scenario(outcome);
        let tags: Vec<String> = [
            format!("CC-{id}"),
            "rfc".into(),
            "should".into(),
            "RFC6749-5.1".into(),
        ]
        .into();
        run.info = crate::catalogue::ScenarioInfo::from_tags(&tags).expect("tags");
        run.tags = tags;
        run.line = line;
        run
    }

    #[test]
    fn markup_and_quotes_are_escaped() {
        assert_eq!(
            escape(r#"<script>alert("x" + 'y')</script> & co"#),
            "&lt;script&gt;alert(&quot;x&quot; + &#39;y&#39;)&lt;/script&gt; &amp; co"
        );
        let mut run = sample::scenario(ScenarioOutcome::Failed {
            message: "<script>alert('boom')</script>".into(),
        });
        run.name = r#"A "quoted" <b>name</b>"#.into();
        run.steps = vec![sample::step(
            StepStatus::Failed,
            Some("got <img src=x onerror=\"y\">"),
        )];
        run.observation
            .facts
            .insert("<fact>".into(), json!("<value>"));
        let html = render(&sample::report(vec![run]));
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<b>name"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(&#39;boom&#39;)&lt;/script&gt;"));
        assert!(html.contains("A &quot;quoted&quot; &lt;b&gt;name&lt;/b&gt;"));
        assert!(
            html.contains("<dt>&lt;fact&gt;</dt><dd><code>&quot;&lt;value&gt;&quot;</code></dd>")
        );
    }

    #[test]
    fn secrets_in_messages_are_redacted_whoever_calls() {
        let mut run = sample::scenario(ScenarioOutcome::Failed {
            message: r#"got {"access_token":"t0k3n"}"#.into(),
        });
        run.steps = vec![sample::step(
            StepStatus::Failed,
            Some("Bearer abcdefghijklmnopqrstuvwxyz"),
        )];
        let html = render(&sample::report(vec![run]));
        assert!(!html.contains("t0k3n") && !html.contains("abcdefghijklmnop"));
    }

    #[test]
    fn clauses_link_to_the_rfc_editor() {
        assert_eq!(
            clause_url("RFC6749-5.1").as_deref(),
            Some("https://www.rfc-editor.org/rfc/rfc6749#section-5.1")
        );
        assert_eq!(
            clause_url("RFC6750-3.1").as_deref(),
            Some("https://www.rfc-editor.org/rfc/rfc6750#section-3.1")
        );
        assert_eq!(
            clause_url("RFC9700-2.3").as_deref(),
            Some("https://www.rfc-editor.org/rfc/rfc9700#section-2.3")
        );
        assert_eq!(
            clause_url("RFC6749").as_deref(),
            Some("https://www.rfc-editor.org/rfc/rfc6749")
        );
        assert_eq!(clause_url("OIDCC-3.1"), None);
        assert_eq!(clause_url("RFCx-1"), None);
        let html = render(&sample::report(vec![scenario_of(
            "C3",
            5,
            ScenarioOutcome::Passed,
        )]));
        assert!(html.contains(
            r#"<a class="clause" href="https://www.rfc-editor.org/rfc/rfc6749#section-5.1">RFC6749-5.1</a>"#
        ));
    }

    #[test]
    fn one_row_per_behaviour_in_catalogue_order() {
        let report = sample::report(vec![
            scenario_of("A10", 5, ScenarioOutcome::Passed),
            scenario_of(
                "B1",
                6,
                ScenarioOutcome::Skipped {
                    reason: "no admin".into(),
                },
            ),
            scenario_of(
                "A2",
                7,
                ScenarioOutcome::Warning {
                    message: "no no-store".into(),
                },
            ),
            scenario_of("A2", 9, ScenarioOutcome::Passed),
        ]);
        let html = render(&report);
        let rows: Vec<&str> = html
            .match_indices("<tbody class=\"behaviour ")
            .map(|(at, _)| &html[at..at + 60])
            .collect();
        assert_eq!(rows.len(), 3, "{rows:?}");
        assert!(
            rows[0].contains("warning") && rows[0].contains("CC-A2"),
            "{rows:?}"
        );
        assert!(
            rows[1].contains("passed") && rows[1].contains("CC-A10"),
            "{rows:?}"
        );
        assert!(
            rows[2].contains("skipped") && rows[2].contains("CC-B1"),
            "{rows:?}"
        );
        assert!(html.contains("2 scenarios: steps and HTTP exchanges"));
        assert!(html.contains(">WARNING</span>") && html.contains(">SKIPPED</span>"));
    }

    #[test]
    fn an_inconclusive_behaviour_has_its_own_badge_colour_and_count() {
        let mut undecided = scenario_of(
            "A2",
            7,
            ScenarioOutcome::Inconclusive {
                reason: "the instance answered 502 to POST /oauth_token.do".into(),
            },
        );
        undecided.steps = vec![sample::step(StepStatus::Failed, Some("got 502"))];
        let report = sample::report(vec![
            undecided,
            scenario_of(
                "A2",
                9,
                ScenarioOutcome::Warning {
                    message: "no".into(),
                },
            ),
            scenario_of("A3", 11, ScenarioOutcome::Passed),
        ]);
        let html = render(&report);
        assert!(html.contains("<tbody class=\"behaviour inconclusive\" id=\"CC-A2\">"));
        assert!(
            html.contains(">INCONCLUSIVE</span> 1: <a class=\"inconclusive\" href=\"#CC-A2\">")
        );
        assert!(html.contains("Inconclusive: the instance answered 502 to POST /oauth_token.do"));
        assert!(
            html.contains("<li class=\"inconclusive\"><span class=\"status\">inconclusive</span>")
        );
        assert!(html.contains("1 passed, 0 failed, 1 warnings, 0 skipped, 1 inconclusive"));
        assert!(html.contains("--inconclusive: #"));
        assert!(html.contains("some scenarios were inconclusive"));
    }

    #[test]
    fn the_header_says_what_ran_and_how_it_ended() {
        let html = render(&sample::report(vec![sample::scenario(
            ScenarioOutcome::Failed {
                message: "no".into(),
            },
        )]));
        for expected in [
            "bundled mock (mock)",
            "washingtondc",
            "0.0.0",
            "2025-01-01 00:00:00 UTC",
            "1.2 s",
            "0 passed, 1 failed, 0 warnings, 0 skipped",
            "0 HTTP requests",
            "The run failed",
        ] {
            assert!(html.contains(expected), "{expected}");
        }
    }
}

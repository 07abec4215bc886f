//! How a comparison reads: plain text for a terminal, markdown for a pull request comment, a self-contained HTML
//! page; each leads with the line saying why the exit status is what it is, then the regressions.

use std::fmt::Write as _;

use super::{BehaviourChange, Class, Comparison, FailOn, ObservedChange, Subject};
use crate::report::html::escape;

impl ObservedChange {
    /// `outcome`, `outcome in "scenario"`, `POST /oauth_token.do Pragma (3 times)`.
    pub(super) fn what(&self) -> String {
        let what = match &self.scenario {
            Some(scenario) => format!("{} in \"{scenario}\"", self.subject),
            None => self.subject.to_string(),
        };
        match self.times {
            1 => what,
            times => format!("{what} ({times} times)"),
        }
    }
}

impl Comparison {
    pub(super) fn text(&self, fail_on: FailOn) -> String {
        let mut text = String::new();
        for (name, before, after) in &self.head {
            let _ = writeln!(text, "{name}: {}", arrow(before, after));
        }
        for warning in &self.warnings {
            let _ = writeln!(text, "warning: {warning}");
        }
        let _ = writeln!(text, "{}", self.exit_line(fail_on));
        if let Some(transitions) = self.transitions_line() {
            let _ = writeln!(text, "{transitions}");
        }
        for (class, behaviours) in self.shown_classes() {
            let _ = writeln!(text, "\n{}", class_heading(class, behaviours.len()));
            for behaviour in behaviours {
                let _ = writeln!(
                    text,
                    "  {} ({}) {}",
                    behaviour.id,
                    behaviour.severity.name(),
                    behaviour.title
                );
                for change in &behaviour.changes {
                    let _ = writeln!(
                        text,
                        "      {}: {} → {}",
                        change.what(),
                        change.before,
                        change.after
                    );
                }
            }
        }
        if !self.preflight.is_empty() {
            let _ = writeln!(text, "\n{PREFLIGHT_HEADING}");
            for (fact, before, after) in &self.preflight {
                let _ = writeln!(text, "  {fact}: {before} → {after}");
            }
        }
        let _ = writeln!(text, "\n{}", self.verdict());
        text
    }

    pub(super) fn markdown(&self, fail_on: FailOn) -> String {
        let mut md = String::from("# sncc compare\n\n");
        let _ = writeln!(md, "**{}**\n", cell(&self.exit_line(fail_on)));
        for warning in &self.warnings {
            let _ = writeln!(md, "> warning: {}\n", cell(warning));
        }
        md.push_str("| | before | after |\n|---|---|---|\n");
        for (name, before, after) in &self.head {
            let _ = writeln!(md, "| {name} | {} | {} |", cell(before), cell(after));
        }
        if let Some(transitions) = self.transitions_line() {
            let _ = writeln!(md, "\n{}", cell(&transitions));
        }
        for (class, behaviours) in self.shown_classes() {
            let _ = writeln!(md, "\n## {}", class_heading(class, behaviours.len()));
            if behaviours.is_empty() {
                continue;
            }
            md.push_str("\n| behaviour | what | before | after |\n|---|---|---|---|\n");
            for behaviour in behaviours {
                let mut first = true;
                for change in &behaviour.changes {
                    let name = if first {
                        format!(
                            "**{}** ({}) {}",
                            behaviour.id,
                            behaviour.severity.name(),
                            cell(&behaviour.title)
                        )
                    } else {
                        String::new()
                    };
                    first = false;
                    let _ = writeln!(
                        md,
                        "| {name} | {} | {} | {} |",
                        markdown_what(change),
                        code(&change.before),
                        code(&change.after)
                    );
                }
            }
        }
        if !self.preflight.is_empty() {
            let _ = writeln!(
                md,
                "\n## {PREFLIGHT_HEADING}\n\n| fact | before | after |\n|---|---|---|"
            );
            for (fact, before, after) in &self.preflight {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} |",
                    code(fact),
                    code(before),
                    code(after)
                );
            }
        }
        let _ = writeln!(md, "\n{}", cell(&self.verdict()));
        md
    }

    pub(super) fn html(&self, fail_on: FailOn) -> String {
        let mut html = String::from(HTML_HEAD);
        let class = if self.fails(fail_on) {
            "fails"
        } else {
            "passes"
        };
        let _ = writeln!(
            html,
            "<p class=\"{class}\">{}</p>",
            escape(&self.exit_line(fail_on))
        );
        for warning in &self.warnings {
            let _ = writeln!(
                html,
                "<p class=\"warning\">warning: {}</p>",
                escape(warning)
            );
        }
        html.push_str("<table>\n<tr><th></th><th>before</th><th>after</th></tr>\n");
        for (name, before, after) in &self.head {
            let class = if before == after {
                ""
            } else {
                " class=\"changed\""
            };
            let _ = writeln!(
                html,
                "<tr{class}><th>{name}</th><td><code>{}</code></td><td><code>{}</code></td></tr>",
                escape(before),
                escape(after)
            );
        }
        html.push_str("</table>\n");
        if let Some(transitions) = self.transitions_line() {
            let _ = writeln!(html, "<p>{}</p>", escape(&transitions));
        }
        for (class, behaviours) in self.shown_classes() {
            let heading = class_heading(class, behaviours.len());
            let _ = writeln!(
                html,
                "<h2 class=\"{}\">{}</h2>",
                class.name().replace(' ', "-"),
                escape(&heading)
            );
            if behaviours.is_empty() {
                continue;
            }
            html.push_str(
                "<table>\n<tr><th>behaviour</th><th>what</th><th>before</th><th>after</th></tr>\n",
            );
            for behaviour in behaviours {
                html_behaviour(&mut html, behaviour);
            }
            html.push_str("</table>\n");
        }
        if !self.preflight.is_empty() {
            let _ = writeln!(
                html,
                "<h2>{PREFLIGHT_HEADING}</h2>\n<table>\n<tr><th>fact</th><th>before</th><th>after</th></tr>"
            );
            for (fact, before, after) in &self.preflight {
                let _ = writeln!(
                    html,
                    "<tr><td><code>{}</code></td><td><code>{}</code></td><td><code>{}</code></td></tr>",
                    escape(fact),
                    escape(before),
                    escape(after)
                );
            }
            html.push_str("</table>\n");
        }
        let _ = write!(
            html,
            "<p>{}</p>\n</body>\n</html>\n",
            escape(&self.verdict())
        );
        html
    }
}

/// The heading of the preflight facts that changed (catalogue §14).
const PREFLIGHT_HEADING: &str = "preflight facts changed";

/// `before → after`, or the value once when it did not change.
fn arrow(before: &str, after: &str) -> String {
    if before == after {
        before.to_owned()
    } else {
        format!("{before} → {after}")
    }
}

/// `regressed: 2 behaviours`, `regressed: none`.
fn class_heading(class: Class, count: usize) -> String {
    match count {
        0 => format!("{}: none", class.name()),
        count => format!("{}: {}", class.name(), super::behaviours(count)),
    }
}

/// Text for a markdown table cell: on one line, pipes escaped, HTML's markup characters as entities.
fn cell(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace('\n', " ")
}

/// A value as a markdown code span, on one line, pipes escaped (GitHub reads them as cell breaks even in code).
fn code(text: &str) -> String {
    let text = text.replace('|', "\\|").replace('\n', " ");
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

fn markdown_what(change: &ObservedChange) -> String {
    let subject = match &change.subject {
        Subject::Outcome { .. } => "outcome".to_owned(),
        Subject::Fact(name) => format!("fact {}", code(name)),
        Subject::Exchange { request, aspect } => format!("{} {aspect}", code(request)),
    };
    let subject = match &change.scenario {
        Some(scenario) => format!("{subject} in “{}”", cell(scenario)),
        None => subject,
    };
    match change.times {
        1 => subject,
        times => format!("{subject} ({times} times)"),
    }
}

fn html_behaviour(html: &mut String, behaviour: &BehaviourChange) {
    let rows = behaviour.changes.len();
    for (index, change) in behaviour.changes.iter().enumerate() {
        html.push_str("<tr>");
        if index == 0 {
            let _ = write!(
                html,
                "<td rowspan=\"{rows}\"><b>{}</b> ({}) {}</td>",
                escape(&behaviour.id),
                behaviour.severity.name(),
                escape(&behaviour.title)
            );
        }
        let _ = writeln!(
            html,
            "<td>{}</td><td><code>{}</code></td><td><code>{}</code></td></tr>",
            escape(&change.what()),
            escape(&change.before),
            escape(&change.after)
        );
    }
}

const HTML_HEAD: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>sncc compare</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin-bottom: 1em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
code { white-space: pre-wrap; word-break: break-all; }
tr.changed { background: #fff4d6; }
h2.regressed, p.fails { color: #b00020; }
h2.fixed, p.passes { color: #1b5e20; }
p.warning { color: #a15c00; }
</style>
</head>
<body>
<h1>sncc compare</h1>
"#;

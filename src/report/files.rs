//! Writing a run's report files into `--report-dir`: the summary JSON, Cucumber JSON, JUnit XML, the HTML page and
//! Cucumber Messages.

use std::path::Path;

use serde::Serialize;

use super::{BehaviourRun, RunReport, cucumber_json, html, junit, messages};

/// The summary JSON's file name.
pub(crate) const SUMMARY: &str = "summary.json";

/// The summary JSON's format version, its first member: raised when a change would make an older `sncc compare`
/// misread it (a summary without one is of format 1).
pub(crate) const SUMMARY_FORMAT: u64 = 1;

/// The summary: its format, the run as it is, then each behaviour id once (worst outcome, facts merged).
#[derive(Serialize)]
struct Summary<'a> {
    summary_format: u64,
    #[serde(flatten)]
    run: &'a RunReport,
    behaviours: Vec<BehaviourRun>,
}

/// Writes every report format into `dir`, creating it if needed; messages are redacted once more on the way.
pub(crate) fn write_all(dir: &Path, report: &RunReport) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let report = &report.redacted();
    let summary = Summary {
        summary_format: SUMMARY_FORMAT,
        run: report,
        behaviours: report.behaviours(),
    };
    let summary = serde_json::to_string_pretty(&summary).map_err(std::io::Error::other)?;
    std::fs::write(dir.join(SUMMARY), summary + "\n")?;
    let cucumber = cucumber_json::render(report).map_err(std::io::Error::other)?;
    std::fs::write(dir.join(cucumber_json::FILE), cucumber)?;
    std::fs::write(dir.join(junit::FILE), junit::render(report))?;
    std::fs::write(dir.join(html::FILE), html::render(report))?;
    std::fs::write(dir.join(messages::FILE), messages::render(report))
}

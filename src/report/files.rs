//! Writing a run's report files into `--report-dir`.

use std::path::Path;

use super::RunReport;

/// The summary JSON's file name.
pub const SUMMARY: &str = "summary.json";

/// Writes every report format into `dir`, creating it if needed.
pub fn write_all(dir: &Path, report: &RunReport) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let summary = serde_json::to_string_pretty(report).map_err(std::io::Error::other)?;
    std::fs::write(dir.join(SUMMARY), summary + "\n")
}

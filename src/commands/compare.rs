//! `sncc compare BEFORE AFTER`: prints what changed between two runs, and whether a `@must` behaviour did.

use std::path::PathBuf;

use sncc::compare::{self, Format};

use super::CommandError;

/// `sncc compare`, validated.
pub(crate) struct CompareConfig {
    pub before: PathBuf,
    pub after: PathBuf,
    pub format: Format,
}

/// Whether the comparison found a change that counts.
pub(crate) enum CompareOutcome {
    /// No `@must` behaviour changed (becoming or ceasing to be inconclusive is no change that counts).
    Unchanged,
    /// A `@must` behaviour changed.
    MustChanged,
}

pub(crate) fn run(config: &CompareConfig) -> Result<CompareOutcome, CommandError> {
    let comparison =
        compare::compare_files(&config.before, &config.after).map_err(CommandError::config)?;
    print!("{}", comparison.render(config.format));
    Ok(if comparison.must_changed() {
        CompareOutcome::MustChanged
    } else {
        CompareOutcome::Unchanged
    })
}

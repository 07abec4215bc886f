//! `sncc compare BEFORE AFTER`: prints what changed between two runs, and whether a `@must` behaviour did.

use std::path::PathBuf;

use sncc::compare::{self, Format};

use super::CommandError;

/// `sncc compare`, validated.
pub struct CompareConfig {
    pub before: PathBuf,
    pub after: PathBuf,
    pub format: Format,
}

/// Whether the comparison found a change that counts.
pub enum CompareOutcome {
    /// No `@must` behaviour changed (becoming or ceasing to be inconclusive is no change that counts).
    Unchanged,
    /// A `@must` behaviour changed.
    MustChanged,
}

pub fn run(config: &CompareConfig) -> Result<CompareOutcome, CommandError> {
    let before = compare::load(&config.before).map_err(CommandError::config)?;
    let after = compare::load(&config.after).map_err(CommandError::config)?;
    let comparison = compare::compare(&before, &after);
    print!("{}", comparison.render(config.format));
    Ok(if comparison.must_changed() {
        CompareOutcome::MustChanged
    } else {
        CompareOutcome::Unchanged
    })
}

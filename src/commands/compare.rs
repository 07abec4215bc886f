//! `sncc compare BEFORE AFTER`: prints what changed between two runs, and whether a change trips `--fail-on`.

use std::path::PathBuf;

use sncc::compare::{self, FailOn, Format};

use super::CommandError;

/// `sncc compare`, validated.
pub(crate) struct CompareConfig {
    pub before: PathBuf,
    pub after: PathBuf,
    pub format: Format,
    pub fail_on: FailOn,
}

/// Whether the comparison found a change that counts.
pub(crate) enum CompareOutcome {
    /// No change trips `--fail-on` (becoming newly applicable, fixed or inconclusive never does).
    Passes,
    /// A change trips `--fail-on`: by default a `@must` behaviour regressed, or an M1 inventory value of an
    /// entity the run did not create changed.
    Fails,
}

pub(crate) fn run(config: &CompareConfig) -> Result<CompareOutcome, CommandError> {
    let comparison =
        compare::compare_files(&config.before, &config.after).map_err(CommandError::config)?;
    print!("{}", comparison.render(config.format, config.fail_on));
    Ok(if comparison.fails(config.fail_on) {
        CompareOutcome::Fails
    } else {
        CompareOutcome::Passes
    })
}

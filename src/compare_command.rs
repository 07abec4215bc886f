//! `sncc compare BEFORE AFTER`: prints what changed between two runs; exit 1 when a `@must` behaviour changed,
//! 2 when a summary cannot be read.

use std::path::PathBuf;
use std::process::ExitCode;

use sncc::compare::{self, Format};

use crate::cli::CONFIG_ERROR;

/// `sncc compare`, validated.
pub struct CompareConfig {
    pub before: PathBuf,
    pub after: PathBuf,
    pub format: Format,
}

pub fn run(config: &CompareConfig) -> ExitCode {
    let summaries = compare::load(&config.before)
        .and_then(|before| Ok((before, compare::load(&config.after)?)));
    let (before, after) = match summaries {
        Ok(summaries) => summaries,
        Err(error) => {
            eprintln!("sncc: {error}");
            return ExitCode::from(CONFIG_ERROR);
        }
    };
    let comparison = compare::compare(&before, &after);
    print!("{}", comparison.render(config.format));
    if comparison.must_changed() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

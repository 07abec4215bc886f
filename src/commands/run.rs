//! `sncc run`: the library's suite, run against the configured target.

use sncc::suite::{self, RunConfig, RunOutcome};

use super::CommandError;

pub(crate) async fn run(config: RunConfig) -> Result<RunOutcome, CommandError> {
    Ok(suite::run(config).await?)
}

//! The commands: each takes its validated config and returns a typed outcome or a typed error; `main` alone
//! turns them into an exit code.

pub(crate) mod compare;
pub(crate) mod list;
pub(crate) mod mock;
pub(crate) mod restore;
pub(crate) mod run;

use sncc::suite::{RunConfig, RunError, RunOutcome};

use compare::{CompareConfig, CompareOutcome};
use list::ListConfig;
use mock::MockConfig;
use restore::RestoreConfig;

/// A command, validated and ready to run.
pub(crate) enum Command {
    Run(RunConfig),
    List(ListConfig),
    Restore(RestoreConfig),
    Mock(MockConfig),
    Compare(CompareConfig),
}

/// How a command that did its job ended.
pub(crate) enum CommandOutcome {
    /// `list`, `mock` and `restore`: done, nothing to judge.
    Done,
    Run(RunOutcome),
    Compare(CompareOutcome),
}

/// Why a command did not do its job; the message is printed as `sncc: …`.
pub(crate) enum CommandError {
    /// The flags do not parse (clap prints its own message), or `--help` and `--version` (not an error,
    /// but nothing runs).
    Flags(clap::Error),
    /// Bad flags or configuration, a target that cannot be reached, a file that cannot be read or
    /// written: nothing, or nothing more, was done.
    Config(String),
    /// Changes are left on the instance and the journal keeps them (with what else went wrong).
    NotRestored(String),
}

impl CommandError {
    /// A configuration error, from the library's typed error.
    pub(crate) fn config(error: impl std::fmt::Display) -> Self {
        Self::Config(error.to_string())
    }
}

impl From<RunError> for CommandError {
    fn from(error: RunError) -> Self {
        match error {
            RunError::Config(error) => Self::Config(error.to_string()),
            RunError::NotRestored(error) => Self::NotRestored(error.to_string()),
        }
    }
}

/// Runs the command to its outcome, on a multi-threaded async runtime.
pub(crate) fn dispatch(command: Command) -> Result<CommandOutcome, CommandError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| {
            CommandError::Config(format!("cannot start the async runtime: {error}"))
        })?;
    match command {
        Command::Run(config) => runtime.block_on(run::run(config)).map(CommandOutcome::Run),
        Command::List(config) => list::run(&config).map(|()| CommandOutcome::Done),
        Command::Restore(config) => runtime
            .block_on(restore::run(config))
            .map(|()| CommandOutcome::Done),
        Command::Mock(config) => runtime
            .block_on(mock::run(config))
            .map(|()| CommandOutcome::Done),
        Command::Compare(config) => compare::run(&config).map(CommandOutcome::Compare),
    }
}

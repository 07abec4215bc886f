//! The `sncc` command: `main` → `cli::parse` → `commands::dispatch` → an outcome or an error, which `main`
//! alone turns into the exit code.

#![warn(unreachable_pub)]

mod cli;
mod commands;

use std::process::ExitCode;

use commands::compare::CompareOutcome;
use commands::{CommandError, CommandOutcome};
use sncc::suite::RunOutcome;

/// mimalloc: glibc's malloc locks an arena on every `realloc` and on frees from another thread, which a
/// busy multi-threaded mock does for most requests (measured: most futex calls under load were malloc's).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match cli::parse(std::env::args_os()).and_then(commands::dispatch) {
        Ok(outcome) => outcome.exit_code(),
        Err(error) => {
            match &error {
                CommandError::Flags(error) => {
                    let _ = error.print();
                }
                CommandError::Config(message) | CommandError::NotRestored(message) => {
                    eprintln!("sncc: {message}");
                }
            }
            error.exit_code()
        }
    }
}

/// The exit codes, the one place that knows their numbers (the README's "Exit codes" table):
///
/// | code | means |
/// |---|---|
/// | 0 | done: nothing failed, no change tripped `compare --fail-on`, everything undone (and `--help`, `--version`, `run --plan`) |
/// | 1 | a behaviour failed (`run`), a change tripped `--fail-on` (`compare`: by default a `@must` behaviour regressed or an M1 inventory value of an entity the run did not create changed) |
/// | 2 | bad flags or configuration, an unreachable target, an unreadable file; or a run without failures in which a scenario was inconclusive |
/// | 3 | the instance is not fully restored: changes are left and the journal is kept, whatever else happened |
/// | 130 | interrupted (Ctrl-C or SIGTERM), after undoing the run's changes |
trait ExitStatus {
    fn exit_code(&self) -> ExitCode;
}

const FAILED: u8 = 1;
const CONFIG_ERROR_OR_INCONCLUSIVE: u8 = 2;
const NOT_RESTORED: u8 = 3;
const INTERRUPTED: u8 = 130;

impl ExitStatus for CommandOutcome {
    fn exit_code(&self) -> ExitCode {
        match self {
            CommandOutcome::Done => ExitCode::SUCCESS,
            CommandOutcome::Run(outcome) => outcome.exit_code(),
            CommandOutcome::Compare(outcome) => outcome.exit_code(),
        }
    }
}

impl ExitStatus for RunOutcome {
    fn exit_code(&self) -> ExitCode {
        match self {
            RunOutcome::Passed | RunOutcome::Planned => ExitCode::SUCCESS,
            RunOutcome::Failed => ExitCode::from(FAILED),
            RunOutcome::Inconclusive => ExitCode::from(CONFIG_ERROR_OR_INCONCLUSIVE),
            RunOutcome::Interrupted => ExitCode::from(INTERRUPTED),
            RunOutcome::NotRestored => ExitCode::from(NOT_RESTORED),
        }
    }
}

impl ExitStatus for CompareOutcome {
    fn exit_code(&self) -> ExitCode {
        match self {
            CompareOutcome::Passes => ExitCode::SUCCESS,
            CompareOutcome::Fails => ExitCode::from(FAILED),
        }
    }
}

impl ExitStatus for CommandError {
    fn exit_code(&self) -> ExitCode {
        match self {
            CommandError::Flags(error) if !error.use_stderr() => ExitCode::SUCCESS,
            CommandError::Flags(_) | CommandError::Config(_) => {
                ExitCode::from(CONFIG_ERROR_OR_INCONCLUSIVE)
            }
            CommandError::NotRestored(_) => ExitCode::from(NOT_RESTORED),
        }
    }
}

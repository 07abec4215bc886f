//! The `sncc` command: `main` → `run` → `ExitCode`; raw flags become a validated config before anything runs.

mod cli;
mod compare_command;
mod list;
mod restore;
mod signals;
mod standalone;
mod suite;

use std::process::ExitCode;

use cli::Command;

/// mimalloc: glibc's malloc locks an arena on every `realloc` and on frees from another thread, which a
/// busy multi-threaded mock does for most requests (measured: most futex calls under load were malloc's).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    run(std::env::args_os())
}

fn run(args: impl IntoIterator<Item = std::ffi::OsString>) -> ExitCode {
    let command = match cli::parse(args) {
        Ok(command) => command,
        Err(exit) => return exit,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("sncc: cannot start the async runtime: {error}");
            return ExitCode::from(cli::CONFIG_ERROR);
        }
    };
    match command {
        Command::Run(config) => runtime.block_on(suite::run(config)),
        Command::List(config) => list::run(&config),
        Command::Restore(config) => runtime.block_on(restore::run(config)),
        Command::Mock(config) => runtime.block_on(standalone::run(config)),
        Command::Compare(config) => compare_command::run(&config),
    }
}

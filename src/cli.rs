//! Command-line flags, and their validation into the config each command runs with.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use secrecy::SecretString;
use sncc::mock::instance::Instance;
use sncc::mock::seed::{Seed, SeededClient};
use sncc::mock::{random, tls};
use sncc::release::Family;

/// The exit status for bad flags, an unusable seed, or a target that cannot be reached.
pub const CONFIG_ERROR: u8 = 2;

#[derive(Parser)]
#[command(
    name = "sncc",
    version,
    about = "Conformance suite and mock instance for ServiceNow's inbound OAuth client credentials grant"
)]
struct Cli {
    #[command(subcommand)]
    command: RawCommand,
}

#[derive(Subcommand)]
enum RawCommand {
    /// Run the bundled mock instance until Ctrl-C, for your own clients (curl, PySNC, Postman…).
    Mock(MockArgs),
}

#[derive(clap::Args)]
struct MockArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Serve https with a freshly generated certificate authority (its PEM path is printed).
    #[arg(long)]
    tls: bool,
    /// Release family to simulate (tokyo … brazil); overrides the seed's.
    #[arg(long, value_parser = clap::value_parser!(Family))]
    release: Option<Family>,
    /// A built-in seed (ready, untouched) or a TOML seed file.
    #[arg(long, default_value = "ready")]
    seed: String,
    /// Password of the seeded `admin` user; random when not given.
    #[arg(long, env = "SNCC_MOCK_ADMIN_PASSWORD", hide_env_values = true)]
    admin_password: Option<String>,
}

/// A command, validated and ready to run.
pub enum Command {
    Mock(MockConfig),
}

pub struct MockConfig {
    pub listen: SocketAddr,
    pub tls: Option<tls::TlsIdentity>,
    pub seed_name: String,
    pub instance: Instance,
    pub clients: Vec<SeededClient>,
    pub admin_password: SecretString,
}

/// Parses and validates the arguments; on failure the message is printed and the exit code returned.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, ExitCode> {
    let cli = Cli::try_parse_from(args).map_err(|error| {
        let _ = error.print();
        if error.use_stderr() {
            ExitCode::from(CONFIG_ERROR)
        } else {
            ExitCode::SUCCESS
        }
    })?;
    let fail = |message: String| {
        eprintln!("sncc: {message}");
        ExitCode::from(CONFIG_ERROR)
    };
    match cli.command {
        RawCommand::Mock(args) => mock_config(args).map(Command::Mock).map_err(fail),
    }
}

fn mock_config(args: MockArgs) -> Result<MockConfig, String> {
    let admin_password = match args.admin_password {
        Some(password) if password.is_empty() => {
            return Err("the admin password must not be empty".into());
        }
        Some(password) => SecretString::from(password),
        None => SecretString::from(random::secret()),
    };
    let seed = Seed::load(&args.seed)?;
    let (instance, clients) = seed.build(&admin_password, args.release)?;
    let tls = if args.tls {
        Some(
            tls::generate()
                .map_err(|error| format!("cannot create the TLS certificate: {error}"))?,
        )
    } else {
        None
    };
    Ok(MockConfig {
        listen: args.listen,
        tls,
        seed_name: args.seed,
        instance,
        clients,
        admin_password,
    })
}

//! Command-line flags, and their validation into the config each command runs with.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use gherkin::tagexpr::TagOperation;
use regex::Regex;
use secrecy::SecretString;
use sncc::catalogue::features::{self, FeatureSource};
use sncc::client::Credentials;
use sncc::client::PasswordGrant;
use sncc::client::{Transport, instance_url};
use sncc::compare::{FailOn, Format};
use sncc::mock::{self, Break, Provisioned, Seed};
use sncc::servicenow::{Family, Release, ReleaseError};
use sncc::suite::ExpectedDeviations;
use sncc::suite::RunConfig;
use sncc::suite::Safeguards;
use sncc::suite::Target;
use sncc::support::random;

use crate::commands::compare::CompareConfig;
use crate::commands::list::ListConfig;
use crate::commands::mock::MockConfig;
use crate::commands::restore::RestoreConfig;
use crate::commands::{Command, CommandError};

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
    /// Check every catalogue behaviour against the bundled mock (default) or a real instance.
    Run(Box<RunArgs>),
    /// Print the behaviour catalogue: id, title, evidence, severity, targets.
    List(ListArgs),
    /// Undo what an interrupted or killed admin run left on an instance, from its change journal.
    Restore(RestoreArgs),
    /// Run the bundled mock instance until Ctrl-C, for your own clients (curl, PySNC, Postman…).
    Mock(MockArgs),
    /// What changed between two runs' summary.json (say, before and after an upgrade); exit 1 when a @must
    /// behaviour regressed or an endpoint the run did not create changed (see --fail-on).
    Compare(CompareArgs),
}

#[derive(clap::Args)]
struct RunArgs {
    /// A real instance to check, e.g. https://dev12345.service-now.com (default: the bundled mock).
    #[arg(long, value_name = "URL")]
    instance: Option<String>,
    /// Admin user for the instance (password from SNCC_ADMIN_PASSWORD): every scenario runs, changes are restored.
    #[arg(
        long,
        value_name = "USER",
        conflicts_with = "client_id",
        requires = "instance"
    )]
    admin_user: Option<String>,
    #[command(flatten)]
    admin_sign_in: AdminSignIn,
    /// Client id of an OAuth API endpoint on the instance (secret from SNCC_CLIENT_SECRET): read-only checks.
    #[arg(long, value_name = "ID", requires_all = ["instance", "expect_user"])]
    client_id: Option<String>,
    #[arg(long, env = "SNCC_CLIENT_SECRET", hide_env_values = true, hide = true)]
    client_secret: Option<String>,
    /// With --client-id: the user_name its OAuth Application User should be.
    #[arg(long, value_name = "USER", requires = "client_id")]
    expect_user: Option<String>,
    /// Only scenarios whose tags match this expression, e.g. '@must and not @slow'.
    #[arg(long, value_name = "EXPR")]
    tags: Option<String>,
    /// Only scenarios whose name matches this regular expression.
    #[arg(long, value_name = "REGEX")]
    name: Option<String>,
    /// Fail the run on @should deviations too (and on an expected deviation that no longer happens).
    #[arg(long)]
    strict: bool,
    /// A TOML file of behaviours this instance is known to get wrong ([[deviation]] id = "C4" reason = "…"):
    /// their failures are reported as expected and do not fail the run.
    #[arg(long, value_name = "FILE")]
    expect_deviations: Option<PathBuf>,
    /// Write the reports (summary.json and the others) into this folder.
    #[arg(long, value_name = "DIR")]
    report_dir: Option<PathBuf>,
    /// Write the HTML report, one self-contained file, here (it is also in --report-dir).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// The release to expect (a family, tokyo … brazil, and an optional patch: zurich-p4) instead of the
    /// detected one; on the mock, the release it runs (default: the newest family).
    #[arg(long, value_parser = parse_release)]
    release: Option<Release>,
    /// Scenarios at once (default: 16 on the mock, 8 on a real instance, where a scenario that changes
    /// instance-wide settings always runs alone).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    concurrency: Option<u16>,
    /// Run the .feature files of this folder instead of the built-in ones.
    #[arg(long, value_name = "DIR")]
    features_dir: Option<PathBuf>,
    #[command(flatten)]
    transport: TransportArgs,
    /// Where an admin run journals its changes before making them (default: sncc-<run>-journal.jsonl in
    /// the report folder or here).
    #[arg(long, value_name = "FILE")]
    journal: Option<PathBuf>,
    /// Seconds a create that got no answer may still land on the instance: restoring waits this long
    /// before it counts a create it cannot find as never made.
    #[arg(long, value_name = "SECONDS", default_value_t = sncc::changes::DEFAULT_LATE_WRITE_GRACE.as_secs(), value_parser = clap::value_parser!(u64).range(0..=3600))]
    late_write_grace: u64,
    /// Seconds a scenario may take, not counting its waits for a turn on the instance: one that takes
    /// longer is inconclusive, its changes are undone and the run goes on.
    #[arg(long, value_name = "SECONDS", default_value_t = sncc::suite::DEFAULT_SCENARIO_TIMEOUT_SECONDS, value_parser = clap::value_parser!(u64).range(1..=86400))]
    scenario_timeout: u64,
    /// Read what the instance is and allows, print the plan (rows to run and not runnable, records to create,
    /// property writes, the update set, requests expected) and stop: nothing is written.
    #[arg(long, requires = "admin_user")]
    plan: bool,
    /// The admin's current update set, when it is not Default: the run's writes then land in it (sncc never
    /// switches update sets).
    #[arg(long, value_name = "NAME", requires = "admin_user", value_parser = non_empty("--update-set"))]
    update_set: Option<String>,
    /// The instance's instance_name: needed when the instance is neither sncc's mock, nor loopback, nor a
    /// developer instance (dev<digits>.service-now.com), so a wrong URL cannot reach production.
    #[arg(long, value_name = "NAME", requires = "admin_user", value_parser = non_empty("--confirm-instance"))]
    confirm_instance: Option<String>,
    /// Seconds a change the next request must see is polled for on a real instance (0 to 600).
    #[arg(long, value_name = "SECONDS", default_value_t = sncc::suite::DEFAULT_SETTLE_SECONDS, value_parser = clap::value_parser!(u64).range(0..=sncc::suite::MAX_SETTLE_SECONDS))]
    settle: u64,
    /// Make the bundled mock deliberately wrong (for proving the suite can fail).
    #[arg(long, value_parser = clap::value_parser!(Break), hide = true)]
    mock_break: Vec<Break>,
}

/// A flag's value that must not be empty.
fn non_empty(flag: &'static str) -> impl Fn(&str) -> Result<String, String> + Clone {
    move |value: &str| match value.trim() {
        "" => Err(format!("{flag} needs a name")),
        _ => Ok(value.to_owned()),
    }
}

#[derive(clap::Args)]
struct TransportArgs {
    /// Also trust the certificate authorities in this PEM file (the system's roots are always trusted).
    #[arg(long, value_name = "FILE")]
    ca_cert: Option<PathBuf>,
    /// Seconds to wait for a connection.
    #[arg(long, value_name = "SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    connect_timeout: u64,
    /// Seconds a whole request may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
}

impl TransportArgs {
    fn validate(self) -> Result<Transport, String> {
        let ca_pem = self
            .ca_cert
            .map(|path| {
                std::fs::read(&path)
                    .map_err(|error| format!("--ca-cert {}: {error}", path.display()))
            })
            .transpose()?;
        Ok(Transport {
            ca_pem,
            connect_timeout: Duration::from_secs(self.connect_timeout),
            timeout: Duration::from_secs(self.timeout),
        })
    }
}

/// How the admin signs in, besides the user name: the password, and the OAuth client of a password grant.
#[derive(clap::Args)]
struct AdminSignIn {
    #[arg(long, env = "SNCC_ADMIN_PASSWORD", hide_env_values = true, hide = true)]
    admin_password: Option<String>,
    /// With --admin-user: sign in with a token from the password grant of this OAuth client (secret from
    /// SNCC_ADMIN_CLIENT_SECRET) instead of Basic, as an instance that restricts Basic auth needs.
    #[arg(long, value_name = "ID", requires = "admin_user")]
    admin_client_id: Option<String>,
    #[arg(
        long,
        env = "SNCC_ADMIN_CLIENT_SECRET",
        hide_env_values = true,
        hide = true
    )]
    admin_client_secret: Option<String>,
}

#[derive(clap::Args)]
struct RestoreArgs {
    /// The change journal the run wrote (it names the instance).
    #[arg(long, value_name = "FILE")]
    journal: PathBuf,
    /// The instance's URL, when the one the journal names no longer reaches it.
    #[arg(long, value_name = "URL")]
    instance: Option<String>,
    /// Admin user for the instance (password from SNCC_ADMIN_PASSWORD).
    #[arg(long, value_name = "USER")]
    admin_user: String,
    #[command(flatten)]
    admin_sign_in: AdminSignIn,
    /// Seconds a create that got no answer may still land on the instance: restoring waits this long
    /// before it counts a create it cannot find as never made.
    #[arg(long, value_name = "SECONDS", default_value_t = sncc::changes::DEFAULT_LATE_WRITE_GRACE.as_secs(), value_parser = clap::value_parser!(u64).range(0..=3600))]
    late_write_grace: u64,
    #[command(flatten)]
    transport: TransportArgs,
}

#[derive(clap::Args)]
struct ListArgs {
    /// List the .feature files of this folder instead of the built-in ones.
    #[arg(long, value_name = "DIR")]
    features_dir: Option<PathBuf>,
    /// Print a markdown table instead of aligned columns.
    #[arg(long)]
    markdown: bool,
}

#[derive(clap::Args)]
struct CompareArgs {
    /// The earlier run's summary.json.
    before: PathBuf,
    /// The later run's summary.json.
    after: PathBuf,
    /// How to print the changes.
    #[arg(long, value_enum, default_value_t = RawFormat::Text)]
    format: RawFormat,
    /// What fails the comparison (exit 1): a @must regression or an M1 inventory change of an entity the run
    /// did not create (must); also a @should regression (should); also any regression or changed fact (facts).
    #[arg(long, value_enum, default_value_t = RawFailOn::Must)]
    fail_on: RawFailOn,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum RawFailOn {
    Must,
    Should,
    Facts,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum RawFormat {
    Text,
    Markdown,
    Html,
}

#[derive(clap::Args)]
struct MockArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Serve https with a freshly generated certificate authority (its PEM path is printed).
    #[arg(long)]
    tls: bool,
    /// Release to simulate: a family (tokyo … brazil) and an optional patch (zurich-p4); overrides the
    /// seed's (default: the newest family).
    #[arg(long, value_parser = parse_release)]
    release: Option<Release>,
    /// A built-in seed (ready, untouched) or a TOML seed file.
    #[arg(long, default_value = "ready")]
    seed: String,
    /// The kind of instance: upgraded from an older family, or new (first provisioned on it, as developer
    /// instances are); overrides the seed's (default: upgraded).
    #[arg(long, value_parser = clap::value_parser!(Provisioned))]
    provisioned: Option<Provisioned>,
    /// Password of the seeded `admin` user; random when not given.
    #[arg(long, env = "SNCC_MOCK_ADMIN_PASSWORD", hide_env_values = true)]
    admin_password: Option<String>,
    /// Make the mock deliberately wrong (for proving a suite run over HTTP can fail).
    #[arg(long, value_parser = clap::value_parser!(Break), hide = true)]
    mock_break: Vec<Break>,
}

/// Parses and validates the arguments (`--help` and `--version` come back as `CommandError::Flags` too).
pub(crate) fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, CommandError> {
    let cli = Cli::try_parse_from(args).map_err(CommandError::Flags)?;
    match cli.command {
        RawCommand::Run(args) => run_config(*args)
            .map(Command::Run)
            .map_err(CommandError::Config),
        RawCommand::List(args) => feature_sources(args.features_dir.as_deref())
            .map(|features| {
                Command::List(ListConfig {
                    features,
                    markdown: args.markdown,
                })
            })
            .map_err(CommandError::Config),
        RawCommand::Restore(args) => restore_config(args)
            .map(Command::Restore)
            .map_err(CommandError::Config),
        RawCommand::Mock(args) => mock_config(args)
            .map(Command::Mock)
            .map_err(CommandError::Config),
        RawCommand::Compare(args) => Ok(Command::Compare(compare_config(args))),
    }
}

/// `--release`: a family and an optional patch; a family newer than the list is accepted with a warning
/// (catalogue §4).
fn parse_release(name: &str) -> Result<Release, String> {
    name.parse()
        .map_err(|error: ReleaseError| error.to_string())
}

/// The `--release` of a run: the mock simulates only known families (an error otherwise); a real instance
/// may be newer than the list, which is taken as newer than every known family, with a warning (catalogue §4).
fn run_release(release: Option<Release>, on_mock: bool) -> Result<Option<Release>, String> {
    match release {
        Some(release) if on_mock => release.simulated().map(Some).map_err(|e| e.to_string()),
        Some(release) => {
            if release.is_newer_than_known() {
                eprintln!(
                    "sncc: warning: '{}' is not a family sncc knows: taken as newer than {}",
                    release.family_word(),
                    Family::NEWEST
                );
            }
            Ok(Some(release))
        }
        None => Ok(None),
    }
}

fn feature_sources(dir: Option<&Path>) -> Result<Vec<FeatureSource>, String> {
    match dir {
        Some(dir) => features::from_dir(dir).map_err(|error| error.to_string()),
        None => Ok(features::embedded()),
    }
}

fn run_config(mut args: RunArgs) -> Result<RunConfig, String> {
    args.release = run_release(args.release, args.instance.is_none())?;
    let target = match (args.instance, args.admin_user, args.client_id) {
        (None, _, _) => Target::Mock {
            release: args
                .release
                .clone()
                .unwrap_or(Release::ga(mock::DEFAULT_RELEASE)),
            breaks: args.mock_break,
        },
        (Some(_), _, _) if !args.mock_break.is_empty() => {
            return Err("--mock-break applies to the bundled mock only".into());
        }
        (Some(url), Some(user), None) => Target::Admin {
            url: instance_url(&url).map_err(|error| format!("--instance {error}"))?,
            admin: admin_credentials(user, args.admin_sign_in)?,
        },
        (Some(url), None, Some(client_id)) => Target::Client {
            url: instance_url(&url).map_err(|error| format!("--instance {error}"))?,
            client_id,
            client_secret: secret(args.client_secret, "SNCC_CLIENT_SECRET", "--client-id")?,
            expect_user: args.expect_user.ok_or("--client-id needs --expect-user")?,
        },
        (Some(_), _, _) => {
            return Err(
                "--instance needs either --admin-user or --client-id with --expect-user".into(),
            );
        }
    };
    let tags = args
        .tags
        .map(|expression| {
            expression
                .parse::<TagOperation>()
                .map_err(|error| format!("--tags {expression}: {error}"))
        })
        .transpose()?;
    let name = args
        .name
        .map(|pattern| Regex::new(&pattern).map_err(|error| format!("--name: {error}")))
        .transpose()?;
    Ok(RunConfig {
        transport: args.transport.validate()?,
        journal: args.journal,
        late_write_grace: Duration::from_secs(args.late_write_grace),
        scenario_timeout: Duration::from_secs(args.scenario_timeout),
        plan_only: args.plan,
        safeguards: Safeguards {
            update_set: args.update_set,
            confirm_instance: args.confirm_instance,
        },
        settle: Duration::from_secs(args.settle),
        target,
        release: args.release,
        tags,
        name,
        strict: args.strict,
        report_dir: args.report_dir,
        html: args.html,
        concurrency: args.concurrency.map(usize::from),
        features: feature_sources(args.features_dir.as_deref())?,
        expected: args
            .expect_deviations
            .map(|path| ExpectedDeviations::load(&path))
            .transpose()
            .map_err(|error| error.to_string())?
            .unwrap_or_default(),
    })
}

fn compare_config(args: CompareArgs) -> CompareConfig {
    CompareConfig {
        before: args.before,
        after: args.after,
        format: match args.format {
            RawFormat::Text => Format::Text,
            RawFormat::Markdown => Format::Markdown,
            RawFormat::Html => Format::Html,
        },
        fail_on: match args.fail_on {
            RawFailOn::Must => FailOn::Must,
            RawFailOn::Should => FailOn::Should,
            RawFailOn::Facts => FailOn::Facts,
        },
    }
}

fn restore_config(args: RestoreArgs) -> Result<RestoreConfig, String> {
    Ok(RestoreConfig {
        journal: args.journal,
        instance: args
            .instance
            .map(|url| instance_url(&url).map_err(|error| format!("--instance {error}")))
            .transpose()?,
        late_write_grace: Duration::from_secs(args.late_write_grace),
        admin: admin_credentials(args.admin_user, args.admin_sign_in)?,
        transport: args.transport.validate()?,
    })
}

/// How the admin signs in: Basic with the password, or, with `--admin-client-id`, a token of that client's
/// password grant for the same user and password.
fn admin_credentials(user: String, sign_in: AdminSignIn) -> Result<Credentials, String> {
    let password = secret(
        sign_in.admin_password,
        "SNCC_ADMIN_PASSWORD",
        "--admin-user",
    )?;
    Ok(match sign_in.admin_client_id {
        None => Credentials::Basic { user, password },
        Some(client_id) => {
            let client_secret = secret(
                sign_in.admin_client_secret,
                "SNCC_ADMIN_CLIENT_SECRET",
                "--admin-client-id",
            )?;
            let grant = PasswordGrant::new(client_id, client_secret, user, password);
            Credentials::PasswordGrant(Arc::new(grant))
        }
    })
}

/// A secret that must come from the environment, never from a flag that `ps` would show.
fn secret(value: Option<String>, variable: &str, flag: &str) -> Result<SecretString, String> {
    match value {
        Some(value) if !value.is_empty() => Ok(SecretString::from(value)),
        _ => Err(format!(
            "{flag} needs the secret in the environment variable {variable}"
        )),
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
    let seed = Seed::load(&args.seed).map_err(|error| error.to_string())?;
    let seed = match args.provisioned {
        Some(kind) => seed.provisioned_as(kind),
        None => seed,
    };
    let (instance, clients) = seed
        .build(&admin_password, args.release.as_ref())
        .map_err(|error| error.to_string())?;
    let instance = instance.with_breaks(mock::Breaks::new(args.mock_break.iter().copied()));
    let tls = if args.tls {
        Some(
            mock::generate_tls()
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
        breaks: args.mock_break,
    })
}

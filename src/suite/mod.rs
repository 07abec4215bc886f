//! `sncc run`: every catalogue behaviour as a cucumber scenario, against the bundled mock or a real instance.

mod context;
pub(crate) mod deviations;
mod jws;
mod parser;
mod steps;
mod turns;
mod world;

pub use context::Target;
pub use deviations::{DeviationsError, ExpectedDeviations};

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cucumber::World as _;
use cucumber::writer::Ext as _;
use gherkin::tagexpr::TagOperation;
use regex::Regex;

use crate::catalogue::features::{FeatureError, FeatureSource};
use crate::catalogue::selection::{Selection, TargetKind, Verdict};
use crate::catalogue::{self, CatalogueError, ScenarioInfo, tags_of};
use crate::changes::{self, ChangeEntry, ChangeJournal, Grace, Scope};
use crate::client::password_grant::SignIn;
use crate::client::probe::{Reachability, probe};
use crate::client::transport::{HttpClientError, Transport};
use crate::client::{Credentials, ServiceNow, TransportError};
use crate::report::collector::{Collector, Observations, ScenarioKey, key_of, scenario_run};
use crate::report::{RunReport, ScenarioOutcome, ScenarioRun, Tally, TargetSummary, console};
use crate::servicenow::captured::BASIC_RESTRICTION_ENFORCE_PROPERTY;
use crate::servicenow::release::{Gate, Release};

use context::Context;
use world::SuiteWorld;

/// `sncc run`, validated.
pub struct RunConfig {
    pub transport: Transport,
    pub target: Target,
    /// `--release`: overrides the detected release (and chooses the mock's).
    pub release: Option<Release>,
    pub tags: Option<TagOperation>,
    pub name: Option<Regex>,
    pub strict: bool,
    pub report_dir: Option<PathBuf>,
    /// `--html`: the HTML report, one self-contained file.
    pub html: Option<PathBuf>,
    pub concurrency: Option<usize>,
    pub features: Vec<FeatureSource>,
    /// Where an admin run journals its changes (default: `sncc-<run>-journal.jsonl` in the report folder
    /// or the working directory).
    pub journal: Option<PathBuf>,
    /// `--expect-deviations`: deviations this instance is known to have (none by default).
    pub expected: ExpectedDeviations,
    /// `--late-write-grace`: how long a create that got no answer may still land on the instance.
    pub late_write_grace: Duration,
    /// `--scenario-timeout`: how long a scenario may take before it is inconclusive and undone.
    pub scenario_timeout: Duration,
}

/// The default `--scenario-timeout`, in seconds: well past the longest legitimate scenario (CC-E4 waits a
/// token's lifespan, 16 s, besides its requests, which a slow instance may take seconds each to answer).
pub const DEFAULT_SCENARIO_TIMEOUT_SECONDS: u64 = 300;

/// Scenarios at once on the mock (each has its own instance).
const MOCK_CONCURRENCY: usize = 16;
/// Scenarios at once on a real instance: each waits on the network most of the time; one that changes
/// instance-wide state runs alone all the same.
const REAL_CONCURRENCY: usize = 8;

/// How a run that got to its verdict ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    /// Nothing failed (warnings and expected deviations do not fail).
    Passed,
    /// A `@must` scenario (or, with `--strict`, a `@should` one) failed.
    Failed,
    /// Nothing failed, but a scenario could not be judged (a server or gateway error, no answer, a failed
    /// setup or undo).
    Inconclusive,
    /// Ctrl-C or SIGTERM stopped the run, after its changes were undone.
    Interrupted,
    /// Changes are left on the instance and the journal is kept, whatever else happened.
    NotRestored,
}

/// Why a run gave no verdict.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Bad configuration, a target that cannot be reached, features that do not parse, reports that
    /// cannot be written.
    #[error(transparent)]
    Config(ConfigError),
    /// One of those, after the run left changes on the instance (the journal keeps them).
    #[error(transparent)]
    NotRestored(ConfigError),
}

/// What stopped a run from starting, or from writing what it found.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Features(#[from] FeatureError),
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
    #[error(transparent)]
    Deviations(#[from] DeviationsError),
    #[error(transparent)]
    HttpClient(#[from] HttpClientError),
    #[error(
        "{0} is hibernating: wake it up (developer.servicenow.com, \"Wake up instance\") and run again"
    )]
    Hibernating(String),
    /// The probe's account of why the instance cannot be used.
    #[error("{0}")]
    Unusable(String),
    #[error("{url} cannot be reached: {error}")]
    Unreachable { url: String, error: TransportError },
    #[error("{url} refused the admin credentials or the Table API ({status})")]
    AdminRefused { url: String, status: u16 },
    #[error(
        "{url} refused the admin's Basic credentials (401): unless the password is wrong, the instance restricts Basic authentication ({BASIC_RESTRICTION_ENFORCE_PROPERTY}), so sign in with a token instead: give --admin-client-id with an OAuth client whose password grant the admin may use, its secret in SNCC_ADMIN_CLIENT_SECRET"
    )]
    BasicAuthRefused { url: String },
    #[error(
        "{url} issued no token to the admin ({status}): the password grant of the OAuth client {client_id} for {user} was refused; check --admin-client-id, SNCC_ADMIN_CLIENT_SECRET, --admin-user and SNCC_ADMIN_PASSWORD"
    )]
    AdminTokenRefused {
        url: String,
        client_id: String,
        user: String,
        status: u16,
    },
    /// Cucumber could not read a feature.
    #[error("{0}")]
    Gherkin(String),
    #[error("cannot create {}: {source}", path.display())]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create the change journal {}: {source}", path.display())]
    JournalCreate {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the change journal {}: {source}", path.display())]
    JournalWrite {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the reports to {}: {source}", path.display())]
    Reports {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the HTML report {}: {source}", path.display())]
    Html {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Runs the selected scenarios against the target, prints them and the tally, writes the reports, and
/// undoes the run's changes to a real instance.
pub async fn run(config: RunConfig) -> Result<RunOutcome, RunError> {
    let started = Instant::now();
    let plan = prepare(config).await.map_err(RunError::Config)?;
    let executed = execute(&plan).await;
    let ended = match executed.scenarios {
        _ if executed.interrupted => Ok(RunOutcome::Interrupted),
        Err(error) => Err(error),
        Ok(scenarios) => finish(plan, scenarios, started),
    };
    // Whatever else happened, changes left on the instance come first: no CI job may read this as green.
    match (executed.restored, ended) {
        (true, ended) => ended.map_err(RunError::Config),
        (false, Ok(_)) => Ok(RunOutcome::NotRestored),
        (false, Err(error)) => Err(RunError::NotRestored(error)),
    }
}

/// What running the scenarios gave.
struct Executed {
    scenarios: Result<Vec<ScenarioRun>, ConfigError>,
    /// Ctrl-C or SIGTERM stopped the run (its changes were undone all the same).
    interrupted: bool,
    /// Nothing the run changed is left on the instance (always true off admin targets).
    restored: bool,
}

/// Everything settled before the first scenario runs.
struct Plan {
    /// What every scenario of the run shares.
    context: Arc<Context>,
    /// The feature files as read, and as parsed.
    sources: Vec<FeatureSource>,
    features: Vec<gherkin::Feature>,
    to_run: HashSet<ScenarioKey>,
    skipped: Vec<ScenarioRun>,
    target: TargetSummary,
    release: String,
    started_at: String,
    concurrency: usize,
    strict: bool,
    expected: ExpectedDeviations,
    report_dir: Option<PathBuf>,
    html: Option<PathBuf>,
    /// The change journal of an admin run, and the means to undo what it holds.
    restorer: Option<(Arc<ChangeJournal>, (ServiceNow, Credentials))>,
    late_write_grace: Duration,
}

/// Reads the features, reaches the target, learns its release, starts the change journal, selects the
/// scenarios and sets up the run's context.
async fn prepare(config: RunConfig) -> Result<Plan, ConfigError> {
    let started_at =
        crate::servicenow::glide_time::glide_datetime(crate::servicenow::glide_time::real_now());
    let features = crate::catalogue::features::parse(&config.features)?;
    config.expected.check(&catalogue::behaviours(&features)?)?;
    let http = crate::client::transport::http_client(&config.transport)?;
    if let Some(url) = config.target.url() {
        match probe(&http, url).await {
            Reachability::Ready => {}
            Reachability::Hibernating => return Err(ConfigError::Hibernating(url.to_owned())),
            Reachability::Unusable(why) => return Err(ConfigError::Unusable(why)),
        }
    }
    let release = detect_release(&config, &http).await?;
    let prefix = format!("sncc-{}-", &crate::support::random::sys_id()[..8]);
    let journal = match &config.target {
        Target::Admin { url, .. } => Some(start_journal(&config, url, &prefix)?),
        _ => None,
    };
    let kind = config.target.kind();
    let selection = Selection {
        target: kind,
        release: release.clone(),
        admin_on_basic: matches!(
            config.target,
            Target::Admin {
                admin: Credentials::Basic { .. },
                ..
            }
        ),
        tags: config.tags,
        name: config.name,
    };
    let (to_run, skipped) = select(&features, &selection);
    let target = TargetSummary {
        kind: kind.name().into(),
        instance: config.target.instance(),
    };
    let release_name = release
        .as_ref()
        .map_or("unknown".to_owned(), ToString::to_string);
    println!(
        "{}",
        console::heading(
            &target.kind,
            &target.instance,
            &release_name,
            to_run.len() + skipped.len()
        )
    );
    let restorer = journal.clone().zip(admin_client(&config.target, &http));
    let context = Arc::new(Context::new(
        config.target,
        http,
        release,
        prefix,
        journal,
        config.late_write_grace,
        config.scenario_timeout,
    ));
    Ok(Plan {
        context,
        sources: config.features,
        features,
        to_run,
        skipped,
        target,
        release: release_name,
        started_at,
        concurrency: config.concurrency.unwrap_or(if kind == TargetKind::Mock {
            MOCK_CONCURRENCY
        } else {
            REAL_CONCURRENCY
        }),
        strict: config.strict,
        expected: config.expected,
        report_dir: config.report_dir,
        html: config.html,
        late_write_grace: config.late_write_grace,
        restorer,
    })
}

/// Runs the selected scenarios, printing each as it finishes, then undoes what the journal still holds.
async fn execute(plan: &Plan) -> Executed {
    let observations = Observations::default();
    let expected = plan.expected.clone();
    let (total, mut finished) = (plan.to_run.len() + plan.skipped.len(), 0);
    let (collector, collected) = Collector::new(
        plan.strict,
        observations.clone(),
        Box::new(move |run| {
            let mut run = run.clone();
            expected.expect(&mut run);
            finished += 1;
            println!("{}", console::scenario_line(&run, (finished, total)));
        }),
    );
    let to_run = plan.to_run.clone();
    // Not `normalized()`: that writer holds back a finished scenario's events, failed steps' worlds among
    // them, until every scenario that began before it has finished, and prints nothing meanwhile. The
    // collector keys every event by its scenario, so it takes them in any order.
    let scenarios_run = SuiteWorld::cucumber::<&str>()
        .with_parser(parser::Features(plan.features.clone()))
        .with_writer(collector.assert_normalized())
        .with_cli::<cucumber::cli::Empty>(cucumber::cli::Opts::default())
        .max_concurrent_scenarios(plan.concurrency)
        .before(|feature, _, scenario, world| {
            let tags = tags_of(feature, scenario);
            Box::pin(async move {
                let info = ScenarioInfo::from_tags(&tags).expect("validated by the catalogue");
                let instance_wide = tags.iter().any(|tag| tag == "instance-wide");
                let key = key_of(feature, scenario);
                world.begin(key, &info.id, instance_wide).await;
            })
        })
        .after(after_hook(observations.clone(), plan.context.clone()))
        .filter_run((), move |feature, _, scenario| {
            to_run.contains(&key_of(feature, scenario))
        });
    let interrupted = tokio::select! {
        _ = context::scoped(plan.context.clone(), scenarios_run) => false,
        _ = crate::support::signals::stop_requested() => true,
    };
    if interrupted {
        eprintln!("sncc: interrupted; undoing the run's changes to the instance");
    }
    let restored = match &plan.restorer {
        Some((journal, (servicenow, admin))) => {
            finish_journal(journal, servicenow, admin, plan.late_write_grace).await
        }
        None => true,
    };
    let done = |scenarios| Executed {
        scenarios,
        interrupted,
        restored,
    };
    if interrupted {
        return done(Ok(Vec::new()));
    }
    if let Some(error) = crate::lock(&collected.parse_errors).first() {
        return done(Err(ConfigError::Gherkin(error.clone())));
    }
    let scenarios = crate::lock(&collected.scenarios).clone();
    done(Ok(scenarios))
}

/// Completes the report (skipped scenarios, expected deviations), prints the tally, writes the files,
/// and says how the run went.
fn finish(
    plan: Plan,
    mut scenarios: Vec<ScenarioRun>,
    started: Instant,
) -> Result<RunOutcome, ConfigError> {
    scenarios.extend(plan.skipped);
    sort_in_feature_order(&mut scenarios, &plan.features);
    for stale in plan.expected.apply(&mut scenarios, plan.strict) {
        println!(
            "{}",
            console::scenario_line(&scenarios[stale], (stale + 1, scenarios.len()))
        );
    }
    let report = RunReport {
        sncc_version: env!("CARGO_PKG_VERSION").into(),
        target: plan.target,
        release: plan.release,
        started_at: plan.started_at,
        duration_ms: started.elapsed().as_millis() as u64,
        strict: plan.strict,
        tally: Tally::of(&scenarios),
        requests: scenarios
            .iter()
            .map(|run| run.observation.exchanges.len())
            .sum(),
        scenarios,
        sources: plan.sources,
    };
    println!("{}", console::closing(&report));
    if let Some(dir) = &plan.report_dir {
        if let Err(source) = crate::report::files::write_all(dir, &report) {
            return Err(ConfigError::Reports {
                path: dir.clone(),
                source,
            });
        }
    }
    if let Some(path) = &plan.html {
        if let Err(source) = std::fs::write(path, crate::report::html::render(&report)) {
            return Err(ConfigError::Html {
                path: path.clone(),
                source,
            });
        }
    }
    Ok(if report.tally.failed > 0 {
        RunOutcome::Failed
    } else if report.tally.inconclusive > 0 {
        RunOutcome::Inconclusive
    } else {
        RunOutcome::Passed
    })
}

/// Creates the change journal of an admin run and writes its first line.
fn start_journal(
    config: &RunConfig,
    url: &str,
    prefix: &str,
) -> Result<Arc<ChangeJournal>, ConfigError> {
    let path = config.journal.clone().unwrap_or_else(|| {
        let dir = config
            .report_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("."));
        dir.join(format!("{}journal.jsonl", prefix))
    });
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| ConfigError::Folder {
            path: dir.to_owned(),
            source,
        })?;
    }
    let journal = match ChangeJournal::create(&path) {
        Ok(journal) => journal,
        Err(source) => return Err(ConfigError::JournalCreate { path, source }),
    };
    journal
        .append(&ChangeEntry::Begin {
            instance: url.to_owned(),
            prefix: prefix.to_owned(),
        })
        .map_err(|source| ConfigError::JournalWrite {
            path: path.clone(),
            source,
        })?;
    println!(
        "Changes to {url} are journaled in {} and undone at the end.",
        path.display()
    );
    Ok(Arc::new(journal))
}

/// A client with admin credentials, for undoing what the journal holds.
fn admin_client(target: &Target, http: &reqwest::Client) -> Option<(ServiceNow, Credentials)> {
    match target {
        Target::Admin { url, admin } => Some((ServiceNow::new(http.clone(), url), admin.clone())),
        _ => None,
    }
}

/// Undoes whatever the scenarios left in the journal (all of it after an interruption), waiting for late
/// writes, then removes the journal when nothing is left, or says how to finish the job. Whether the
/// instance is as it was.
async fn finish_journal(
    journal: &ChangeJournal,
    servicenow: &ServiceNow,
    admin: &Credentials,
    late_write_grace: Duration,
) -> bool {
    let grace = Grace {
        period: late_write_grace,
        wait: true,
    };
    let report = changes::restore(servicenow, admin, journal, Scope::All, grace).await;
    if report.undone > 0 {
        println!("Undid {} change(s) that scenarios had left.", report.undone);
    }
    if report.complete() {
        let _ = std::fs::remove_file(journal.path());
        return true;
    }
    for problem in &report.problems {
        eprintln!("sncc: could not undo a change: {problem}");
    }
    eprintln!(
        "sncc: the instance is not fully restored; run `sncc restore --journal {}` with the admin credentials",
        journal.path().display()
    );
    false
}

/// The release scenarios run against: `--release`, else the mock's default or the admin target's build tag
/// (read on an admin target in any case: the run's first admin request, which proves the admin signs in).
async fn detect_release(
    config: &RunConfig,
    http: &reqwest::Client,
) -> Result<Option<Release>, ConfigError> {
    match &config.target {
        Target::Mock { release, .. } => Ok(Some(config.release.clone().unwrap_or(release.clone()))),
        Target::Client { .. } => Ok(config.release.clone()),
        Target::Admin { url, admin } => {
            let buildtag =
                read_buildtag(&ServiceNow::new(http.clone(), url), admin, config).await?;
            Ok(match &config.release {
                Some(release) => Some(release.clone()),
                None => buildtag.as_deref().and_then(release_of_buildtag),
            })
        }
    }
}

/// The admin's first requests: its token (with `--admin-client-id`), then `glide.buildtag`. A refusal
/// says what to check, and a Basic one how to sign in without Basic (catalogue §10).
async fn read_buildtag(
    servicenow: &ServiceNow,
    admin: &Credentials,
    config: &RunConfig,
) -> Result<Option<String>, ConfigError> {
    let url = servicenow.base_url().to_owned();
    let unreachable = |error| ConfigError::Unreachable {
        url: url.clone(),
        error,
    };
    if let Credentials::PasswordGrant(grant) = admin {
        if let SignIn::Refused(reply) = servicenow.sign_in(grant).await.map_err(unreachable)? {
            return Err(ConfigError::AdminTokenRefused {
                url: url.clone(),
                client_id: grant.client_id().to_owned(),
                user: grant.user().to_owned(),
                status: reply.status,
            });
        }
    }
    let query = [
        ("sysparm_query", "name=glide.buildtag"),
        ("sysparm_fields", "value"),
    ];
    let reply = servicenow
        .list(admin, "sys_properties", &query)
        .await
        .map_err(unreachable)?;
    let may_restrict_basic = config
        .release
        .as_ref()
        .is_none_or(|release| release.has(Gate::BasicAuthRestriction));
    match reply.status {
        200 => {}
        401 if matches!(admin, Credentials::Basic { .. }) && may_restrict_basic => {
            return Err(ConfigError::BasicAuthRefused { url });
        }
        status => return Err(ConfigError::AdminRefused { url, status }),
    }
    Ok(reply
        .result()
        .and_then(|result| result[0]["value"].as_str().map(str::to_owned)))
}

/// The release a build tag names; a garbled tag leaves it unknown, and a family newer than the list is
/// taken as newer than every known one (catalogue §4), both with a warning.
fn release_of_buildtag(tag: &str) -> Option<Release> {
    match Release::from_buildtag(tag) {
        Ok(release) => {
            if release.is_newer_than_known() {
                eprintln!(
                    "sncc: warning: glide.buildtag names the family '{}', which sncc does not know: \
                     taken as newer than {}",
                    release.family_word(),
                    crate::servicenow::release::Family::NEWEST
                );
            }
            Some(release)
        }
        Err(error) => {
            eprintln!("sncc: warning: {error}: the release is unknown (give it with --release)");
            None
        }
    }
}

/// Splits the scenarios into those to run and those the target or release skips (with why).
fn select(
    features: &[gherkin::Feature],
    selection: &Selection,
) -> (HashSet<ScenarioKey>, Vec<ScenarioRun>) {
    let mut to_run = HashSet::new();
    let mut skipped = Vec::new();
    for feature in features {
        for scenario in &feature.scenarios {
            let tags = tags_of(feature, scenario);
            let info = ScenarioInfo::from_tags(&tags).expect("validated by the catalogue");
            match selection.verdict(&scenario.name, &tags, &info) {
                Verdict::Run => {
                    to_run.insert(key_of(feature, scenario));
                }
                Verdict::Skip(reason) => skipped.push(ScenarioRun {
                    outcome: ScenarioOutcome::Skipped { reason },
                    ..scenario_run(feature, scenario)
                }),
                Verdict::Excluded => {}
            }
        }
    }
    (to_run, skipped)
}

fn sort_in_feature_order(scenarios: &mut [ScenarioRun], features: &[gherkin::Feature]) {
    let order = |uri: &str| {
        features
            .iter()
            .position(|feature| {
                feature
                    .path
                    .as_ref()
                    .is_some_and(|path| path.display().to_string() == uri)
            })
            .unwrap_or(usize::MAX)
    };
    scenarios.sort_by_key(|run| (order(&run.feature_uri), run.line));
}

type AfterHook = Box<
    dyn for<'a> Fn(
        &'a gherkin::Feature,
        Option<&'a gherkin::Rule>,
        &'a gherkin::Scenario,
        &'a cucumber::event::ScenarioFinished,
        Option<&'a mut SuiteWorld>,
    ) -> futures::future::LocalBoxFuture<'a, ()>,
>;

/// After each scenario, whatever its outcome: undo its changes to a real instance, hand its observations to
/// the reports, and end its turn (when the hook ends, or unwinds).
fn after_hook(observations: Observations, context: Arc<Context>) -> AfterHook {
    let observations: Arc<Mutex<_>> = observations;
    Box::new(move |feature, _, scenario, _, world| {
        let observations = observations.clone();
        let key = key_of(feature, scenario);
        let turn_ends = context.turns.end_on_drop(key.clone());
        let timeout = context.scenario_timeout;
        Box::pin(async move {
            let _turn_ends = turn_ends;
            let Some(world) = world else { return };
            let timed_out = world.deadline.was_cut();
            world.deadline.lift();
            let problems = world.records.restore().await;
            for problem in &problems {
                eprintln!(
                    "sncc: could not restore a change of \"{}\": {problem}",
                    scenario.name
                );
            }
            let mut observation = world.take_observation();
            let mut faults = Vec::new();
            if timed_out {
                faults.push(format!(
                    "it did not finish within {} s (--scenario-timeout)",
                    timeout.as_secs()
                ));
            }
            if !problems.is_empty() {
                faults.push(format!(
                    "undoing its changes failed: {}",
                    problems.join("; ")
                ));
            }
            if !faults.is_empty() {
                observation.inconclusive = Some(faults.join("; "));
            }
            crate::lock(&observations).insert(key, observation);
        })
    })
}

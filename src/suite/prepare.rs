//! The first phase of a run, before its first change: the features read, the target reached, and on a real
//! instance with an admin the preflight (reads only) and the plan (a value, printed); then, unless `--plan`
//! stops there, the change journal started and the run's context set up.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use crate::catalogue::features::FeatureSource;
use crate::catalogue::selection::{Selection, TargetKind};
use crate::catalogue::{self};
use crate::changes::{ChangeEntry, ChangeJournal};
use crate::client::probe::{Reachability, probe};
use crate::client::{Credentials, ServiceNow};
use crate::report::collector::ScenarioKey;
use crate::report::plan::RunPlan;
use crate::report::preflight::PreflightFacts;
use crate::report::{ScenarioRun, TargetSummary, console};
use crate::servicenow::release::{Family, Release};

use super::context::{Context, RunScope, Target};
use super::deviations::ExpectedDeviations;
use super::execute::Execution;
use super::plan::{self, Stage};
use super::preflight::{self, InstanceSettings, PreflightError};
use super::scenarios;
use super::{ConfigError, RunConfig};

/// Scenarios at once on the mock (each has its own instance).
const MOCK_CONCURRENCY: usize = 16;
/// Scenarios at once on a real instance: each waits on the network most of the time; one that changes
/// instance-wide state runs alone all the same.
const REAL_CONCURRENCY: usize = 8;

/// How preparing a run ended: `--plan` printed (what its reports need kept), or everything settled before the
/// first scenario.
pub(super) enum Prepared {
    Planned(Box<Reporting>),
    Ready(Box<RunSetup>),
}

/// Everything settled before the first scenario runs.
pub(super) struct RunSetup {
    /// What every scenario of the run shares.
    pub context: Arc<Context>,
    pub concurrency: usize,
    /// The change journal of an admin run, and the means to undo what it holds.
    pub restorer: Option<(Arc<ChangeJournal>, ServiceNow, Credentials)>,
    pub reporting: Reporting,
}

/// What the reports of a run need from before its first scenario (a `--plan` run's too).
pub(super) struct Reporting {
    /// The feature files as read, and as parsed.
    pub sources: Vec<FeatureSource>,
    pub features: Vec<gherkin::Feature>,
    pub to_run: HashSet<ScenarioKey>,
    pub skipped: Vec<ScenarioRun>,
    pub target: TargetSummary,
    pub release: String,
    pub started_at: String,
    pub strict: bool,
    pub expected: ExpectedDeviations,
    pub report_dir: Option<PathBuf>,
    pub html: Option<PathBuf>,
    /// What the preflight read, and the plan (admin targets).
    pub preflight: Option<PreflightFacts>,
    pub plan: Option<RunPlan>,
}

impl RunSetup {
    /// The run's changes to its target, shown on the console.
    pub(super) fn execution(&self) -> Execution<'_> {
        let reporting = &self.reporting;
        Execution {
            features: &reporting.features,
            to_run: &reporting.to_run,
            total: reporting.to_run.len() + reporting.skipped.len(),
            context: self.context.clone(),
            concurrency: self.concurrency,
            strict: reporting.strict,
            expected: reporting.expected.clone(),
            restorer: self.restorer.clone(),
            shown: true,
        }
    }
}

/// What an admin run learned before its first change.
struct Learned {
    facts: PreflightFacts,
    settings: InstanceSettings,
}

/// Reads the features, reaches the target, runs the preflight and makes the plan of an admin run, selects the
/// scenarios; unless `--plan`, starts the change journal and sets up the run's context.
pub(super) async fn prepare(config: RunConfig) -> Result<Prepared, ConfigError> {
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
    let learned = match &config.target {
        Target::Admin { url, admin } => {
            let servicenow = ServiceNow::new(http.clone(), url);
            let facts = preflight::run(
                &servicenow,
                admin,
                config.release.as_ref(),
                &config.safeguards,
            )
            .await
            .map_err(|error| match error {
                PreflightError::Stop(stop) => ConfigError::Stopped(stop),
                PreflightError::NoAnswer(error) => ConfigError::Unreachable {
                    url: url.clone(),
                    error,
                },
            })?;
            let settings = InstanceSettings::new(facts.clone());
            Some(Learned { facts, settings })
        }
        _ => None,
    };
    let release = match (&config.target, &config.release) {
        (_, Some(release)) => Some(release.clone()),
        (Target::Mock { release, .. }, None) => Some(release.clone()),
        (Target::Client { .. }, None) => None,
        (Target::Admin { .. }, None) => learned
            .as_ref()
            .and_then(|learned| learned.facts.buildtag.as_deref())
            .and_then(release_of_buildtag),
    };
    let kind = config.target.kind();
    let selection = Selection {
        target: kind,
        release: release.clone(),
        tags: config.tags,
        name: config.name,
    };
    let mut chosen = scenarios::select(&features, &selection);
    let concurrency = config.concurrency.unwrap_or(match kind {
        TargetKind::Mock => MOCK_CONCURRENCY,
        _ => REAL_CONCURRENCY,
    });
    let planned = match &learned {
        Some(learned) => {
            let stage = Stage {
                features: &features,
                facts: &learned.facts,
                release: release.as_ref(),
                concurrency,
                http: http.clone(),
                scenario_timeout: config.scenario_timeout,
            };
            let plan = plan::make(&stage, &mut chosen, &learned.settings).await;
            Some(plan.map_err(|error| ConfigError::Rehearsal(error.to_string()))?)
        }
        None => None,
    };
    let (plan, rehearsed_requests) = match planned {
        Some((plan, rehearsed)) => (Some(plan), rehearsed),
        None => (None, HashMap::new()),
    };
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
            chosen.to_run.len() + chosen.skipped.len()
        )
    );
    if let (Some(learned), Some(plan)) = (&learned, &plan) {
        println!("{}", console::preflight(&learned.facts));
        println!("{}", plan.lines());
    }
    let (preflight, settings) = match learned {
        Some(Learned { facts, settings }) => (Some(facts), Some(settings)),
        None => (None, None),
    };
    let reporting = Reporting {
        sources: config.features,
        features,
        to_run: chosen.to_run,
        skipped: chosen.skipped,
        target,
        release: release_name,
        started_at,
        strict: config.strict,
        expected: config.expected,
        report_dir: config.report_dir,
        html: config.html,
        preflight,
        plan,
    };
    if config.plan_only {
        return Ok(Prepared::Planned(Box::new(reporting)));
    }
    let prefix = format!("sncc-{}-", &crate::support::random::sys_id()[..8]);
    let journal = match &config.target {
        Target::Admin { url, .. } => Some(start_journal(
            config.journal.as_ref(),
            reporting.report_dir.as_ref(),
            url,
            &prefix,
        )?),
        _ => None,
    };
    let restorer = match (&journal, &config.target) {
        (Some(journal), Target::Admin { url, admin }) => Some((
            journal.clone(),
            ServiceNow::new(http.clone(), url),
            admin.clone(),
        )),
        _ => None,
    };
    let context = Arc::new(Context::new(
        RunScope {
            target: config.target,
            http,
            release,
            prefix,
            journal,
            late_write_grace: config.late_write_grace,
            scenario_timeout: config.scenario_timeout,
            settings,
            settle: config.settle,
            rehearsal: false,
            rehearsed_requests,
        },
        concurrency,
    ));
    Ok(Prepared::Ready(Box::new(RunSetup {
        context,
        concurrency,
        restorer,
        reporting,
    })))
}

/// Creates the change journal of an admin run and writes its first line.
fn start_journal(
    journal: Option<&PathBuf>,
    report_dir: Option<&PathBuf>,
    url: &str,
    prefix: &str,
) -> Result<Arc<ChangeJournal>, ConfigError> {
    let path = journal.cloned().unwrap_or_else(|| {
        let dir = report_dir.cloned().unwrap_or_else(|| PathBuf::from("."));
        dir.join(format!("{prefix}journal.jsonl"))
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
                    Family::NEWEST
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

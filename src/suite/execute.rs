//! A run's changes to its target, in order: the run's own provisioning before its scenarios (on a real
//! instance, how it takes a client secret, catalogue §15), the scenarios, then the undo phase. The run and the
//! plan's rehearsal both go through here, the rehearsal silently.

use std::collections::HashSet;
use std::sync::Arc;

use crate::catalogue::tags_of;
use crate::changes::{self, ChangeEntry, ChangeJournal};
use crate::client::exchange::Exchange;
use crate::client::{Credentials, ServiceNow};
use crate::report::ScenarioRun;
use crate::report::collector::{ScenarioKey, key_of};
use crate::report::console;
use crate::report::provisioning::{Provisioning, UNKNOWN_FORM};

use super::ConfigError;
use super::context::{self, Context};
use super::deviations::ExpectedDeviations;
use super::scenarios::{self, Batch};
use super::undo::Undoing;
use super::world::SuiteWorld;

/// The table whose records are the instance's tables: the suite's own table is a record there.
const TABLES_TABLE: &str = "sys_db_object";

/// What a run changes on its target, and how.
pub(super) struct Execution<'a> {
    pub features: &'a [gherkin::Feature],
    pub to_run: &'a HashSet<ScenarioKey>,
    /// How many scenarios the console numbers (those to run and those skipped).
    pub total: usize,
    pub context: Arc<Context>,
    pub concurrency: usize,
    pub strict: bool,
    pub expected: ExpectedDeviations,
    /// The journal of an admin run, and the client and credentials that undo what it holds.
    pub restorer: Option<(Arc<ChangeJournal>, ServiceNow, Credentials)>,
    /// Prints each scenario as it finishes and stops on Ctrl-C or SIGTERM (the run; not its rehearsal).
    pub shown: bool,
}

/// What running the scenarios gave.
pub(super) struct Executed {
    pub scenarios: Result<Vec<ScenarioRun>, ConfigError>,
    /// Ctrl-C or SIGTERM stopped the run (its changes were undone all the same).
    pub interrupted: bool,
    /// Nothing the run changed is left on the instance (always true off admin targets).
    pub restored: bool,
    /// What the run's own provisioning and undoing did (admin targets only).
    pub provisioning: Option<Provisioning>,
    /// The requests the run sent outside its scenarios (admin targets only).
    pub run_exchanges: Vec<Exchange>,
}

impl Execution<'_> {
    /// Provisions what the run needs before its scenarios, runs them (each printed as it finishes when shown),
    /// then undoes what the journal still holds.
    pub(super) async fn execute(self) -> Executed {
        let mut provisioning = self.restorer.as_ref().map(|_| Provisioning::default());
        let mut run_exchanges = Vec::new();
        if let Some(provisioning) = &mut provisioning {
            if self.needs_tokens() {
                let (form, exchanges) =
                    context::scoped(self.context.clone(), SuiteWorld::learn_secret_form()).await;
                provisioning.secret_form = Some(form.map_or_else(
                    |why| {
                        provisioning.problems.push(why);
                        UNKNOWN_FORM.to_owned()
                    },
                    |form| form.describe().to_owned(),
                ));
                provisioning.requests += exchanges.len();
                run_exchanges.extend(exchanges);
            }
        }
        let expected = self.expected.clone();
        let (total, mut finished, shown) = (self.total, 0, self.shown);
        let on_finished = Box::new(move |run: &ScenarioRun| {
            if shown {
                let mut run = run.clone();
                expected.expect(&mut run);
                finished += 1;
                println!("{}", console::scenario_line(&run, (finished, total)));
            }
        });
        let batch = Batch {
            features: self.features,
            to_run: self.to_run,
            context: self.context.clone(),
            concurrency: self.concurrency,
            strict: self.strict,
        };
        let scenarios_run = scenarios::run(batch, on_finished);
        let (scenarios, interrupted) = if self.shown {
            tokio::select! {
                scenarios = scenarios_run => (scenarios, false),
                _ = crate::support::signals::stop_requested() => (Ok(Vec::new()), true),
            }
        } else {
            (scenarios_run.await, false)
        };
        if interrupted {
            eprintln!("sncc: interrupted; undoing the run's changes to the instance");
        }
        let mut restored = true;
        if let (Some((journal, servicenow, admin)), Some(done)) =
            (&self.restorer, provisioning.take())
        {
            // The run made its own table when it announced a create in sys_db_object (the only one it
            // makes there), whatever the answer: a table whose access controls could not be adopted, or
            // whose create's answer was lost, is swept all the same.
            let announced = changes::read(journal.path()).is_ok_and(|entries| {
                entries.iter().any(|entry| {
                    matches!(entry, ChangeEntry::Create { table, .. } if table == TABLES_TABLE)
                })
            });
            let own_table = announced.then(|| self.context.own_table_name());
            let undoing = Undoing {
                journal,
                servicenow,
                admin,
                late_write_grace: self.context.run.late_write_grace,
                own_table,
                quiet: !self.shown,
            };
            let undone = undoing.finish(done).await;
            restored = undone.restored;
            run_exchanges.extend(servicenow.recorder().exchanges());
            provisioning = Some(undone.provisioning);
        }
        Executed {
            scenarios: if interrupted {
                Ok(Vec::new())
            } else {
                scenarios
            },
            interrupted,
            restored,
            provisioning,
            run_exchanges,
        }
    }

    /// Whether a scenario to run needs tokens (`@grant`): then the run first learns how the instance takes a
    /// client secret.
    fn needs_tokens(&self) -> bool {
        self.features.iter().any(|feature| {
            feature.scenarios.iter().any(|scenario| {
                self.to_run.contains(&key_of(feature, scenario))
                    && tags_of(feature, scenario).iter().any(|tag| tag == "grant")
            })
        })
    }
}

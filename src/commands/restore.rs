//! `sncc restore`: undoes, from its change journal, what an interrupted or killed admin run left behind.

use std::path::PathBuf;
use std::time::Duration;

use sncc::changes::{self, ChangeJournal, Grace, Scope};
use sncc::client::{Credentials, ServiceNow};
use sncc::client::{Transport, http_client, instance_url};

use super::CommandError;

/// `sncc restore`, validated.
pub(crate) struct RestoreConfig {
    pub journal: PathBuf,
    /// `--instance`: overrides the instance the journal names.
    pub instance: Option<String>,
    pub late_write_grace: Duration,
    /// Basic, or a password grant's token (`--admin-client-id`).
    pub admin: Credentials,
    pub transport: Transport,
}

/// Undoes what the journal holds, saying so on stdout; `NotRestored` when changes are still outstanding.
pub(crate) async fn run(config: RestoreConfig) -> Result<(), CommandError> {
    let message = restore(&config).await?;
    println!("{message}");
    Ok(())
}

async fn restore(config: &RestoreConfig) -> Result<String, CommandError> {
    let path = &config.journal;
    let entries = changes::read(path).map_err(|error| {
        CommandError::Config(format!(
            "cannot read the journal {}: {error}",
            path.display()
        ))
    })?;
    let named = changes::instance(&entries).ok_or_else(|| {
        CommandError::Config(format!("{} is not an sncc change journal", path.display()))
    })?;
    let url = match &config.instance {
        Some(url) => url.clone(),
        None => instance_url(named).map_err(CommandError::config)?,
    };
    let pending = changes::outstanding(&entries).len();
    if pending == 0 {
        return Ok(format!(
            "Nothing to restore: every change in {} is already undone.",
            path.display()
        ));
    }
    let http = http_client(&config.transport).map_err(CommandError::config)?;
    let servicenow = ServiceNow::new(http, &url);
    let admin = &config.admin;
    let journal = ChangeJournal::reopen(path).map_err(|error| {
        CommandError::Config(format!("cannot append to {}: {error}", path.display()))
    })?;
    let grace = Grace {
        period: config.late_write_grace,
        wait: true,
    };
    let report = changes::restore(&servicenow, admin, &journal, Scope::All, grace).await;
    if report.complete() {
        Ok(format!(
            "Restored {url}: undid {} change(s) from {}.",
            report.undone,
            path.display()
        ))
    } else {
        let mut left = report.problems.clone();
        if report.awaiting_late_writes > 0 {
            left.push(format!(
                "{} create(s) that got no answer may still land",
                report.awaiting_late_writes
            ));
        }
        Err(CommandError::NotRestored(format!(
            "the instance is not fully restored: undid {} of {pending} change(s) on {url}; still outstanding: {} (the journal {} keeps them: run again once fixed)",
            report.undone,
            left.join("; "),
            path.display()
        )))
    }
}

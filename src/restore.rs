//! `sncc restore`: undoes, from its change journal, what an interrupted or killed admin run left behind.

use std::process::ExitCode;

use sncc::changes::{self, Grace, Journal, Scope};
use sncc::client::transport::{http_client, instance_url};
use sncc::client::{Credentials, ServiceNow};

use crate::cli::{CONFIG_ERROR, RESTORE_INCOMPLETE, RestoreConfig};

/// Why `sncc restore` did not finish the job.
enum Failure {
    /// The journal, the flags or the transport are unusable: nothing was tried.
    Config(String),
    /// Changes stay on the instance; the journal keeps them.
    Incomplete(String),
}

pub async fn run(config: RestoreConfig) -> ExitCode {
    match restore(&config).await {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(Failure::Config(message)) => {
            eprintln!("sncc: {message}");
            ExitCode::from(CONFIG_ERROR)
        }
        Err(Failure::Incomplete(message)) => {
            eprintln!("sncc: {message}");
            ExitCode::from(RESTORE_INCOMPLETE)
        }
    }
}

async fn restore(config: &RestoreConfig) -> Result<String, Failure> {
    let path = &config.journal;
    let entries = changes::read(path).map_err(|error| {
        Failure::Config(format!(
            "cannot read the journal {}: {error}",
            path.display()
        ))
    })?;
    let named = changes::instance(&entries).ok_or_else(|| {
        Failure::Config(format!("{} is not an sncc change journal", path.display()))
    })?;
    let url = match &config.instance {
        Some(url) => url.clone(),
        None => instance_url(named).map_err(Failure::Config)?,
    };
    let pending = changes::outstanding(&entries).len();
    if pending == 0 {
        return Ok(format!(
            "Nothing to restore: every change in {} is already undone.",
            path.display()
        ));
    }
    let http = http_client(&config.transport).map_err(Failure::Config)?;
    let servicenow = ServiceNow::new(http, &url);
    let admin = Credentials::Basic {
        user: config.admin_user.clone(),
        password: config.admin_password.clone(),
    };
    let journal = Journal::reopen(path).map_err(|error| {
        Failure::Config(format!("cannot append to {}: {error}", path.display()))
    })?;
    let grace = Grace {
        period: config.late_write_grace,
        wait: true,
    };
    let report = changes::restore(&servicenow, &admin, &journal, Scope::All, grace).await;
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
        Err(Failure::Incomplete(format!(
            "the instance is not fully restored: undid {} of {pending} change(s) on {url}; still outstanding: {} (the journal {} keeps them: run again once fixed)",
            report.undone,
            left.join("; "),
            path.display()
        )))
    }
}

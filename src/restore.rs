//! `sncc restore`: undoes, from its change journal, what an interrupted or killed admin run left behind.

use std::process::ExitCode;

use sncc::changes::{self, Journal};
use sncc::client::transport::{http_client, instance_url};
use sncc::client::{Credentials, ServiceNow};

use crate::cli::{CONFIG_ERROR, RestoreConfig};

pub async fn run(config: RestoreConfig) -> ExitCode {
    match restore(&config).await {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("sncc: {message}");
            ExitCode::from(CONFIG_ERROR)
        }
    }
}

async fn restore(config: &RestoreConfig) -> Result<String, String> {
    let path = &config.journal;
    let entries = changes::read(path)
        .map_err(|error| format!("cannot read the journal {}: {error}", path.display()))?;
    let url = changes::instance(&entries)
        .ok_or_else(|| format!("{} is not an sncc change journal", path.display()))?;
    let url = instance_url(url)?;
    let pending = changes::outstanding(&entries).len();
    if pending == 0 {
        return Ok(format!(
            "Nothing to restore: every change in {} is already undone.",
            path.display()
        ));
    }
    let http = http_client(&config.transport)?;
    let servicenow = ServiceNow::new(http, &url);
    let admin = Credentials::Basic {
        user: config.admin_user.clone(),
        password: config.admin_password.clone(),
    };
    let journal = Journal::reopen(path)
        .map_err(|error| format!("cannot append to {}: {error}", path.display()))?;
    let (undone, problems) = changes::restore(&servicenow, &admin, &journal, &entries).await;
    if problems.is_empty() {
        Ok(format!(
            "Restored {url}: undid {undone} change(s) from {}.",
            path.display()
        ))
    } else {
        Err(format!(
            "undid {undone} of {pending} change(s) on {url}; still outstanding: {} (run again once fixed)",
            problems.join("; ")
        ))
    }
}

//! The undo phase of an admin run (catalogue §15): whatever the scenarios left in the journal undone (waiting out
//! late writes), the suite's own table confirmed gone and its leftovers swept, the `sys_update_xml` rows the
//! run's writes left listed (never deleted), and the admin's own tokens revoked last.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::Value;

use crate::changes::{self, ChangeJournal, Grace, Scope};
use crate::client::{Credentials, ServiceNow};
use crate::report::provisioning::{OwnTableRemoval, Provisioning, UpdateSetRow};

use super::table_reply::text;
use crate::support::at_once::at_once;

/// How many times the end of a run asks whether the suite's own table is gone.
const GONE_TRIES: u32 = 3;
/// How many names one `nameIN` query of `sys_update_xml` carries.
const NAMES_A_QUERY: usize = 50;

/// What undoing the run did.
pub(super) struct Undone {
    /// Nothing the run changed is left on the instance.
    pub restored: bool,
    pub provisioning: Provisioning,
}

/// The run's own client and journal, for its undoing.
pub(super) struct Undoing<'a> {
    pub journal: &'a ChangeJournal,
    pub servicenow: &'a ServiceNow,
    pub admin: &'a Credentials,
    pub late_write_grace: Duration,
    /// The suite's own table, when the run made one.
    pub own_table: Option<String>,
    /// Whether to say on the console what was undone and what was not.
    pub quiet: bool,
}

impl Undoing<'_> {
    /// Undoes whatever the scenarios left in the journal (all of it after an interruption), waiting for late
    /// writes; sweeps what the suite's own table left; lists the update set rows; revokes the admin's tokens.
    /// Removes the journal when nothing is left, or says how to finish the job.
    pub(super) async fn finish(&self, mut provisioning: Provisioning) -> Undone {
        let grace = Grace {
            period: self.late_write_grace,
            wait: true,
        };
        let written = changes::read(self.journal.path())
            .map(|entries| changes::written_records(&entries))
            .unwrap_or_default();
        let report =
            changes::restore(self.servicenow, self.admin, self.journal, Scope::All, grace).await;
        if report.undone > 0 && !self.quiet {
            println!("Undid {} change(s) that scenarios had left.", report.undone);
        }
        let mut swept = Vec::new();
        if let Some(table) = &self.own_table {
            let removal = self.sweep(table, &mut provisioning.problems).await;
            swept.extend(removal.swept.iter().filter_map(|record| {
                let (table, sys_id) = record.split_once(' ')?;
                Some((table.to_owned(), sys_id.to_owned()))
            }));
            provisioning.own_table = Some(removal);
        }
        let names: Vec<String> = written
            .iter()
            .chain(&swept)
            .map(|(table, sys_id)| format!("{table}_{sys_id}"))
            .collect();
        provisioning.update_set_rows = self
            .update_set_rows(&names, &mut provisioning.problems)
            .await;
        provisioning.admin_tokens_revoked = self.revoke_admin_tokens().await;
        provisioning.requests += self.servicenow.recorder().exchanges().len();
        let table_clean = provisioning
            .own_table
            .as_ref()
            .is_none_or(|table| table.gone && table.left.is_empty());
        if report.complete() {
            let _ = std::fs::remove_file(self.journal.path());
        } else if !self.quiet {
            for problem in &report.problems {
                eprintln!("sncc: could not undo a change: {problem}");
            }
            eprintln!(
                "sncc: the instance is not fully restored; run `sncc restore --journal {}` with the admin credentials",
                self.journal.path().display()
            );
        }
        if !table_clean && !self.quiet {
            for problem in &provisioning.problems {
                eprintln!("sncc: {problem}");
            }
        }
        let restored = report.complete() && table_clean;
        Undone {
            restored,
            provisioning,
        }
    }

    /// Confirms the suite's own table is gone (`400 Invalid table`) and deletes what is still named after it
    /// (its dictionary, access controls and their roles, its role), then, if it found any, confirms none is
    /// left. The searches go out together, and so do the deletions.
    async fn sweep(&self, table: &str, problems: &mut Vec<String>) -> OwnTableRemoval {
        let gone = self.confirm_gone(table).await;
        if !gone {
            problems.push(format!(
                "the suite's own table {table} still answers the Table API after the run"
            ));
        }
        let found = self.leftovers(table).await;
        let deletions = found.iter().map(|(leftover_table, sys_id)| async move {
            let deleted = self
                .servicenow
                .delete(self.admin, leftover_table, sys_id)
                .await;
            deleted
                .is_ok_and(|reply| matches!(reply.status, 200 | 204 | 404))
                .then(|| format!("{leftover_table} {sys_id}"))
        });
        let swept: Vec<String> = at_once(deletions).await.into_iter().flatten().collect();
        // Only a deletion needs confirming: searches that found none have already said so.
        let left: Vec<String> = match found.is_empty() {
            true => Vec::new(),
            false => self
                .leftovers(table)
                .await
                .into_iter()
                .map(|(leftover_table, sys_id)| format!("{leftover_table} {sys_id}"))
                .collect(),
        };
        if !left.is_empty() {
            problems.push(format!(
                "records named after the suite's own table are left on the instance: {}",
                left.join(", ")
            ));
        }
        OwnTableRemoval {
            table: table.to_owned(),
            gone,
            swept,
            left,
        }
    }

    /// Whether the table answers `400 Invalid table`; asked again, up to [`GONE_TRIES`] times a second apart,
    /// while the answer is anything else (a failed read says nothing, and a deletion may take a moment to
    /// reach every node).
    async fn confirm_gone(&self, table: &str) -> bool {
        for attempt in 1..=GONE_TRIES {
            let reply = self
                .servicenow
                .list(self.admin, table, &[("sysparm_limit", "1")])
                .await;
            if matches!(&reply, Ok(reply) if reply.status == 400) {
                return true;
            }
            if attempt < GONE_TRIES {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        false
    }

    /// What the suite's own table left ([`leftovers_of`] it), by table and sys_id.
    async fn leftovers(&self, table: &str) -> Vec<(&'static str, String)> {
        let searches = leftovers_of(table).map(|(leftover_table, query)| async move {
            self.find(leftover_table, &query)
                .await
                .into_iter()
                .map(move |sys_id| (leftover_table, sys_id))
        });
        at_once(searches).await.into_iter().flatten().collect()
    }

    /// The sys_ids a query finds; none when the table cannot be read (an instance without it).
    async fn find(&self, table: &str, query: &str) -> Vec<String> {
        let params = [("sysparm_query", query), ("sysparm_fields", "sys_id")];
        let Ok(reply) = self.servicenow.list(self.admin, table, &params).await else {
            return Vec::new();
        };
        records(&reply.result())
            .iter()
            .map(|record| text(record, "sys_id"))
            .collect()
    }

    /// The `sys_update_xml` rows of these records (`<table>_<sys_id>`), in whatever update set (the
    /// searches go out together, their answers read in order).
    async fn update_set_rows(
        &self,
        names: &[String],
        problems: &mut Vec<String>,
    ) -> Vec<UpdateSetRow> {
        let searches = names.chunks(NAMES_A_QUERY).map(|chunk| async move {
            let query = format!("nameIN{}", chunk.join(","));
            let params = [
                ("sysparm_query", query.as_str()),
                (
                    "sysparm_fields",
                    "sys_id,name,target_name,action,update_set",
                ),
                ("sysparm_display_value", "true"),
                ("sysparm_exclude_reference_link", "true"),
            ];
            self.servicenow
                .list(self.admin, "sys_update_xml", &params)
                .await
        });
        let mut rows = Vec::new();
        let mut seen = HashSet::new();
        for answer in at_once(searches).await {
            match answer {
                Ok(reply) if reply.status == 200 => {
                    for record in records(&reply.result()) {
                        if seen.insert(text(&record, "sys_id")) {
                            rows.push(UpdateSetRow {
                                name: text(&record, "name"),
                                target_name: text(&record, "target_name"),
                                action: text(&record, "action"),
                                update_set: display(&record["update_set"]),
                            });
                        }
                    }
                }
                // An instance without update sets (or a mock before them).
                Ok(reply) if reply.status == 400 => return rows,
                Ok(reply) => {
                    problems.push(format!(
                        "the update set rows could not be listed: sys_update_xml answered {}",
                        reply.status
                    ));
                    return rows;
                }
                Err(error) => {
                    problems.push(format!("the update set rows could not be listed: {error}"));
                    return rows;
                }
            }
        }
        rows
    }

    /// Revokes every token the admin's password grant gave (access and refresh tokens,
    /// `oauth_revoke_token.do` takes either); how many the instance took.
    async fn revoke_admin_tokens(&self) -> usize {
        let Credentials::PasswordGrant(grant) = self.admin else {
            return 0;
        };
        let mut revoked = 0;
        for token in grant.issued() {
            if let Ok(reply) = self.servicenow.revoke_token(&token).await {
                revoked += usize::from(reply.status == 200);
            }
        }
        revoked
    }
}

/// The tables and queries of what the suite's own table may leave: its dictionary and [`access_of`] it,
/// catalogue §15.
fn leftovers_of(table: &str) -> [(&'static str, String); 4] {
    let [links, acls, role] = access_of(table);
    [
        ("sys_dictionary", format!("name={table}")),
        links,
        acls,
        role,
    ]
}

/// The tables and queries of what an instance makes with a table that asks for access controls and a role:
/// the access controls' role links, the access controls, the role (`<table>_user`), in the order they can be
/// deleted (catalogue §15).
pub(super) fn access_of(table: &str) -> [(&'static str, String); 3] {
    [
        (
            "sys_security_acl_role",
            format!("sys_security_acl.nameSTARTSWITH{table}"),
        ),
        ("sys_security_acl", format!("nameSTARTSWITH{table}")),
        ("sys_user_role", format!("name={table}_user")),
    ]
}

fn records(result: &Option<Value>) -> Vec<Value> {
    result
        .as_ref()
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// A reference field as its display value (with or without a link).
fn display(value: &Value) -> String {
    match value {
        Value::Object(reference) => reference
            .get("display_value")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        Value::String(text) => text.clone(),
        _ => String::new(),
    }
}

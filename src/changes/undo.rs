//! Undoing over HTTP: the Table API calls that bring a record back, each answer read strictly, and why
//! one could not be.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::client::{Credentials, Reply, ServiceNow, TransportError};
use crate::support::at_once::at_once;

use super::consolidate::{Key, RecordChanges};
use super::journal::{ChangeJournal, InstanceChange, unix_now_f64};

/// Why a record could not be brought back. Never holds a secret: bodies are of error answers, cut short.
#[derive(Debug, thiserror::Error)]
pub enum UndoError {
    #[error("{doing}: no answer ({error})")]
    NoAnswer {
        doing: String,
        error: TransportError,
    },
    #[error("{doing} answered {status}: {body}")]
    Answered {
        doing: String,
        status: u16,
        body: String,
    },
    #[error("{doing}: the answer ({bytes} bytes) is not a readable {{\"result\":[…]}} list")]
    Unreadable { doing: String, bytes: usize },
    #[error(
        "{table} {sys_id} is gone: the run only updated it, so its other fields are not journaled"
    )]
    Gone { table: String, sys_id: String },
    #[error(
        "oauth_entity {entity} still has {left} token(s) after they were deleted: it stays until they are gone"
    )]
    TokensLeft { entity: String, left: usize },
    #[error("a {table} record created with no answer has no query to find it by")]
    Unsearchable { table: String },
    #[error("cannot write the journal: {0}")]
    Journal(std::io::Error),
}

/// The start of an answer's body, for a message.
fn excerpt(body: &str) -> String {
    const LONGEST: usize = 200;
    match body.char_indices().nth(LONGEST) {
        Some((end, _)) => format!("{}…", &body[..end]),
        None => body.to_owned(),
    }
}

/// The Table API calls undoing needs, each answer read strictly.
pub(super) struct Undoer<'a> {
    pub(super) servicenow: &'a ServiceNow,
    pub(super) admin: &'a Credentials,
    /// Records that existed before the run, by table and sys_id: never deleted as a late create.
    pub(super) pre_existing: HashMap<(String, String), u64>,
}

impl Undoer<'_> {
    fn answered(doing: String, reply: &Reply) -> UndoError {
        UndoError::Answered {
            doing,
            status: reply.status,
            body: excerpt(&reply.body),
        }
    }

    /// The sys_ids of the records a query finds; an answer that is not a readable list is an error.
    async fn find(&self, table: &str, query: &str) -> Result<Vec<String>, UndoError> {
        let doing = format!("looking up {table} matching {query}");
        let params = [("sysparm_query", query), ("sysparm_fields", "sys_id")];
        let reply = self
            .servicenow
            .list(self.admin, table, &params)
            .await
            .map_err(|error| UndoError::NoAnswer {
                doing: doing.clone(),
                error,
            })?;
        if reply.status != 200 {
            return Err(Self::answered(doing, &reply));
        }
        let ids = serde_json::from_str::<Value>(&reply.body)
            .ok()
            .and_then(|json| {
                json.get("result")?
                    .as_array()?
                    .iter()
                    .map(|record| record.get("sys_id")?.as_str().map(str::to_owned))
                    .collect::<Option<Vec<String>>>()
            });
        ids.ok_or(UndoError::Unreadable {
            doing,
            bytes: reply.body.len(),
        })
    }

    /// Deletes a record; one already gone is fine.
    async fn delete(&self, table: &str, sys_id: &str) -> Result<(), UndoError> {
        let doing = format!("deleting {table} {sys_id}");
        let reply = self
            .servicenow
            .delete(self.admin, table, sys_id)
            .await
            .map_err(|error| UndoError::NoAnswer {
                doing: doing.clone(),
                error,
            })?;
        match reply.status {
            200 | 204 | 404 => Ok(()),
            _ => Err(Self::answered(doing, &reply)),
        }
    }

    /// Deletes a record the run created; an OAuth endpoint's tokens (there only because the endpoint
    /// was) go first, and a search confirms none remain before the endpoint goes (catalogue §15).
    async fn delete_created(&self, table: &str, sys_id: &str) -> Result<(), UndoError> {
        if table == "oauth_entity" {
            let tokens = format!("peer={sys_id}");
            let found = self.find("oauth_credential", &tokens).await?;
            let deletions = found
                .iter()
                .map(|token| self.delete("oauth_credential", token));
            at_once(deletions)
                .await
                .into_iter()
                .try_for_each(|deleted| deleted)?;
            // Only a deletion needs confirming: a search that found none has already said so.
            let left = match found.is_empty() {
                true => 0,
                false => self.find("oauth_credential", &tokens).await?.len(),
            };
            if left > 0 {
                return Err(UndoError::TokensLeft {
                    entity: sys_id.to_owned(),
                    left,
                });
            }
        }
        self.delete(table, sys_id).await
    }

    /// Whether a record exists: only a 404 says it does not; any other answer than 200 is an error.
    pub(super) async fn exists(&self, table: &str, sys_id: &str) -> Result<bool, UndoError> {
        let doing = format!("checking whether {table} {sys_id} exists");
        let reply = self
            .servicenow
            .get(self.admin, table, sys_id)
            .await
            .map_err(|error| UndoError::NoAnswer {
                doing: doing.clone(),
                error,
            })?;
        match reply.status {
            200 => Ok(true),
            404 => Ok(false),
            _ => Err(Self::answered(doing, &reply)),
        }
    }

    pub(super) async fn recreate(
        &self,
        table: &str,
        sys_id: &str,
        values: &Map<String, Value>,
    ) -> Result<(), UndoError> {
        let doing = format!("re-creating {table} {sys_id}");
        let mut record = values.clone();
        record.insert("sys_id".into(), Value::from(sys_id));
        let reply = self
            .servicenow
            .create(self.admin, table, &Value::Object(record))
            .await
            .map_err(|error| UndoError::NoAnswer {
                doing: doing.clone(),
                error,
            })?;
        match reply.status {
            201 => Ok(()),
            _ => Err(Self::answered(doing, &reply)),
        }
    }

    pub(super) async fn patch(
        &self,
        table: &str,
        sys_id: &str,
        fields: &Map<String, Value>,
    ) -> Result<(), UndoError> {
        let doing = format!("restoring fields of {table} {sys_id}");
        let reply = self
            .servicenow
            .update(self.admin, table, sys_id, &Value::Object(fields.clone()))
            .await
            .map_err(|error| UndoError::NoAnswer {
                doing: doing.clone(),
                error,
            })?;
        match reply.status {
            200 => Ok(()),
            404 => Err(UndoError::Gone {
                table: table.to_owned(),
                sys_id: sys_id.to_owned(),
            }),
            _ => Err(Self::answered(doing, &reply)),
        }
    }

    /// Makes sure a record the run created is gone. `Some(deadline)`: a create of unknown outcome was not
    /// found (or not all of them were) and may still land until then. A record found for such a create is
    /// journaled as that create's before it is deleted, and added to `found_late`: whatever else the run
    /// did to it is settled by its deletion, in this restore and any later one.
    pub(super) async fn remove(
        &self,
        record: &RecordChanges,
        period: Duration,
        journal: &ChangeJournal,
        found_late: &Mutex<HashSet<(String, String)>>,
    ) -> Result<Option<f64>, UndoError> {
        let query = match &record.key {
            Key::SysId(sys_id) => {
                self.delete_created(&record.table, sys_id).await?;
                return Ok(None);
            }
            Key::Query(query) if query.is_empty() => {
                return Err(UndoError::Unsearchable {
                    table: record.table.clone(),
                });
            }
            Key::Query(query) => query,
        };
        let mut found = self.find(&record.table, query).await?;
        let first_create = record.changes.first().map_or(0, |pending| pending.number);
        found.retain(|sys_id| {
            self.pre_existing
                .get(&(record.table.clone(), sys_id.clone()))
                .is_none_or(|first_seen| *first_seen > first_create)
        });
        let unknown = record.changes.iter().filter(|pending| {
            matches!(pending.change, InstanceChange::Created { sys_id: None, .. })
        });
        for (sys_id, create) in found.iter().zip(unknown) {
            journal
                .created(create.number, sys_id)
                .map_err(UndoError::Journal)?;
        }
        crate::lock(found_late).extend(
            found
                .iter()
                .map(|sys_id| (record.table.clone(), sys_id.clone())),
        );
        let deletions = found
            .iter()
            .map(|sys_id| self.delete_created(&record.table, sys_id));
        at_once(deletions)
            .await
            .into_iter()
            .try_for_each(|deleted| deleted)?;
        let deadline = record.deadline(period);
        if found.len() < record.unknown_creates() && unix_now_f64() < deadline {
            Ok(Some(deadline))
        } else {
            Ok(None)
        }
    }
}

//! Auth scopes bound as real instances bind them (catalogue §17): bindings that name the scenario's own Scripted
//! REST API by `api`, and the check, right after binding, that a binding leaves the Table API open (else it is
//! deleted at once and the scenario is inconclusive).

use secrecy::SecretString;
use serde_json::{Value, json};

use crate::client::{Credentials, TokenRequest};
use crate::suite::table_reply::text;

use super::SuiteWorld;
use super::replies::access_token;

/// The logical name of the endpoint that checks a binding leaves the Table API open (catalogue §17).
const SCOPE_PROBE: &str = "scope-probe";
/// The auth scope that opens every API (catalogue H3): a probe mapped to it would prove nothing.
const USERACCOUNT: &str = "useraccount";

impl SuiteWorld {
    /// Binds an auth scope to the suite's own API (a `sys_api_access_scope` naming it by `api`, undone at the
    /// scenario's end), for one method or, with `None`, all; then checks at once, with the very next request,
    /// that the binding covers only that API (catalogue §17): a token of an endpoint mapped to another scope
    /// must still read the Table API. The token and the table it reads are made ready before the binding.
    pub(crate) async fn protect_own_api(
        &mut self,
        scope: &str,
        method: Option<&str>,
    ) -> Result<(), String> {
        let api = self.add_scripted_api().await?.sys_id.clone();
        let token = self.scope_probe_token(scope).await?;
        let table = self.own_table().await?;
        self.grant_own_table_role().await?;
        let scope_sys_id = text(&self.auth_scope(scope).await?, "sys_id");
        let record = json!({
            "name": self.instance_name(&format!("{scope} binding")),
            "api": api,
            "auth_scope": scope_sys_id,
            "http_method": method.unwrap_or_default(),
            "apply_all_methods": method.is_none().to_string(),
            "apply_all_resources": "true",
            "apply_all_versions": "true",
            "active": "true",
        });
        let binding = self.records.create("sys_api_access_scope", record).await?;
        self.table_api_left_open(token, &table, &binding).await
    }

    /// catalogue §17: right after a binding is made, the scope probe's token reads the suite's own table. A 403
    /// means the binding covers the Table API, which would refuse every scoped integration of the instance: it
    /// is deleted at once, and the step fails as a setup that must not go on (the scenario is inconclusive). The
    /// answer's status is recorded as `table_api_after_binding`; any answer but a 403 goes on (a 401 says
    /// nothing about what the binding covers).
    async fn table_api_left_open(
        &mut self,
        token: SecretString,
        table: &str,
        binding: &Value,
    ) -> Result<(), String> {
        let reply = self
            .servicenow
            .list(
                &Credentials::Bearer(token),
                table,
                &[("sysparm_limit", "1")],
            )
            .await
            .map_err(|error| error.to_string())?;
        self.record_fact("table_api_after_binding", json!(reply.status));
        if reply.status != 403 {
            return Ok(());
        }
        let sys_id = text(binding, "sys_id");
        let deleted = self
            .records
            .delete_for_good("sys_api_access_scope", &sys_id)
            .await;
        let removal = match deleted {
            Ok(()) => "it was deleted at once".to_owned(),
            Err(error) => format!("deleting it failed ({error}); the scenario's undo deletes it"),
        };
        Err(format!(
            "setup failed: the auth scope binding of the suite's own API also covers the Table API (a token \
             without the scope was refused a table: {} {}), which would refuse every scoped integration of the \
             instance; {removal}, and the H rows are inconclusive here",
            reply.status, reply.body
        ))
    }

    /// A token of the scenario's scope probe: an OAuth API endpoint made for the check, whose application user
    /// is the scenario's first user (by logical name) and which is mapped to the scenario's first auth scope
    /// (by logical name) other than `bound` and `useraccount`, so it carries a scope that is not the bound one.
    async fn scope_probe_token(&mut self, bound: &str) -> Result<SecretString, String> {
        if !self.vocabulary.endpoints.contains_key(SCOPE_PROBE) {
            let user =
                self.vocabulary.users.keys().min().cloned().ok_or(
                    "the binding's check needs a user of the scenario for its probe endpoint",
                )?;
            let other = self
                .vocabulary
                .auth_scopes
                .keys()
                .filter(|name| *name != bound && *name != USERACCOUNT)
                .min()
                .cloned()
                .ok_or("the binding's check needs another auth scope of the scenario to map its probe to")?;
            self.add_endpoint(SCOPE_PROBE, Some(&user)).await?;
            self.map_to_scope(SCOPE_PROBE, &other).await?;
        }
        let endpoint = self.vocabulary.endpoint(SCOPE_PROBE)?;
        let request =
            TokenRequest::client_credentials(&endpoint.client_id, &endpoint.client_secret);
        let reply = self
            .servicenow
            .request_token(&request)
            .await
            .map_err(|error| error.to_string())?;
        access_token(&reply).ok_or_else(|| {
            format!(
                "setup failed: the binding's check got no token for its probe endpoint ({} {})",
                reply.status, reply.body
            )
        })
    }
}

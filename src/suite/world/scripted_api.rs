//! The suite's own Scripted REST API (catalogue §17, §18): a `sys_ws_definition` of the scenario's with one
//! `GET /probe` resource, created on the instance (journaled, removed with the scenario), its `base_uri` read
//! back; the only API the suite restricts with access policies and rate limit rules.

use serde_json::json;

use crate::client::{Credentials, Reply};
use crate::suite::table_reply::text;

use super::SuiteWorld;

/// The API's one resource, and its script: any answer with a result will do.
const PROBE_PATH: &str = "/probe";
const PROBE_SCRIPT: &str =
    "(function process(request, response) { return {ok: true}; })(request, response);";

/// The scenario's own Scripted REST API, as the instance made it.
#[derive(Clone, Debug)]
pub(crate) struct ScriptedApi {
    pub sys_id: String,
    /// `name`, which a rate limit's 429 names.
    pub name: String,
    /// `/api/<namespace>/<service_id>`, read back (the instance derives it).
    pub base_uri: String,
}

impl ScriptedApi {
    /// The path of its one resource.
    pub(crate) fn probe_path(&self) -> String {
        format!("{}{PROBE_PATH}", self.base_uri)
    }
}

impl SuiteWorld {
    /// `the suite's own Scripted REST API`, made once a scenario: a `sys_ws_definition` and one
    /// `sys_ws_operation` (`GET /probe`, authentication required), each journaled before it is made and undone
    /// at the scenario's end; its `base_uri` taken from the create's answer (or read back once), never guessed.
    /// Auth scopes, access policies and rate limit rules are bound to it and to nothing the instance already uses.
    pub(crate) async fn add_scripted_api(&mut self) -> Result<&ScriptedApi, String> {
        if self.vocabulary.scripted_api.is_none() {
            let api = self.make_scripted_api().await?;
            self.vocabulary.scripted_api = Some(api);
        }
        self.scripted_api()
    }

    async fn make_scripted_api(&mut self) -> Result<ScriptedApi, String> {
        if self.is_client_target() {
            return Err("a client target cannot create a Scripted REST API".into());
        }
        let name = self.instance_name("own-api");
        let service_id = name.to_ascii_lowercase().replace('-', "_");
        let definition = json!({
            "name": name,
            "service_id": service_id,
            "short_description": self.marked("conformance check API"),
        });
        let created = self.records.create("sys_ws_definition", definition).await?;
        let sys_id = text(&created, "sys_id");
        let resource = json!({
            "web_service_definition": sys_id,
            "name": self.instance_name("probe"),
            "http_method": "GET",
            "relative_path": PROBE_PATH,
            "operation_script": PROBE_SCRIPT,
            "requires_authentication": "true",
        });
        self.records.create("sys_ws_operation", resource).await?;
        let mut base_uri = text(&created, "base_uri");
        if base_uri.is_empty() {
            let read = self
                .records
                .find_fields(
                    "sys_ws_definition",
                    &format!("sys_id={sys_id}"),
                    Some("sys_id,base_uri"),
                )
                .await?;
            base_uri = read
                .first()
                .map(|definition| text(definition, "base_uri"))
                .unwrap_or_default();
        }
        if !base_uri.starts_with("/api/") {
            return Err(format!(
                "setup failed: the suite's Scripted REST API {name} has no base_uri under /api/ (\"{base_uri}\")"
            ));
        }
        Ok(ScriptedApi {
            sys_id,
            name,
            base_uri: base_uri.trim_end_matches('/').to_owned(),
        })
    }

    /// The scenario's own Scripted REST API, once it has one.
    pub(crate) fn scripted_api(&self) -> Result<&ScriptedApi, String> {
        self.vocabulary
            .scripted_api
            .as_ref()
            .ok_or_else(|| "the scenario has no Scripted REST API of its own".to_owned())
    }

    /// `GET <base_uri>/probe` with `credentials`; with `rate_limit_expected`, a 429 is the answer the scenario
    /// may expect (catalogue P1): not retried, not a fault.
    pub(crate) async fn call_scripted_api(
        &self,
        credentials: &Credentials,
        rate_limit_expected: bool,
    ) -> Result<Reply, String> {
        let path = self.scripted_api()?.probe_path();
        let servicenow = match rate_limit_expected {
            true => self.servicenow.expecting_rate_limit(),
            false => self.servicenow.clone(),
        };
        servicenow
            .send(reqwest::Method::GET, &path, credentials, None)
            .await
            .map_err(|error| error.to_string())
    }
}

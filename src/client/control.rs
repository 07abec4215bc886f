//! The mock's control plane (`/__mock`), for what a real instance cannot do: release, clock, switches, journal.

use serde_json::{Value, json};

use super::TransportError;
use super::deadline::Deadline;
use crate::servicenow::release::Release;

/// A client for one mock's control plane.
#[derive(Clone)]
pub(crate) struct MockControl {
    http: reqwest::Client,
    base_url: String,
    deadline: Deadline,
}

impl MockControl {
    pub(crate) fn new(http: reqwest::Client, base_url: &str) -> MockControl {
        MockControl {
            http,
            base_url: format!("{}/__mock", base_url.trim_end_matches('/')),
            deadline: Deadline::default(),
        }
    }

    /// Ends every call by `deadline`.
    pub(crate) fn with_deadline(mut self, deadline: Deadline) -> MockControl {
        self.deadline = deadline;
        self
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, TransportError> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base_url));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer = self.deadline.bound(async {
            let response = request.send().await?;
            let status = response.status();
            response.text().await.map(|text| (status, text))
        });
        let (status, text) = answer
            .await
            .map_err(|time_up| TransportError(time_up.to_string()))?
            .map_err(|error| TransportError(error.to_string()))?;
        if !status.is_success() {
            return Err(TransportError(format!(
                "control plane {path} answered {status}: {text}"
            )));
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub(crate) async fn set_release(&self, release: &Release) -> Result<(), TransportError> {
        self.call(
            reqwest::Method::PUT,
            "/release",
            Some(json!({ "release": release.name() })),
        )
        .await
        .map(drop)
    }

    pub(crate) async fn advance_clock(&self, seconds: i64) -> Result<(), TransportError> {
        self.call(
            reqwest::Method::POST,
            "/clock/advance",
            Some(json!({ "seconds": seconds })),
        )
        .await
        .map(drop)
    }

    /// Sets instance properties as the instance itself would (`PATCH /__mock/properties`): what no REST
    /// caller may change (the High Security properties need `security_admin`).
    pub(crate) async fn set_properties(&self, values: Value) -> Result<(), TransportError> {
        self.call(reqwest::Method::PATCH, "/properties", Some(values))
            .await
            .map(drop)
    }
}

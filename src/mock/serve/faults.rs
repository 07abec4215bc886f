//! Fault injection: the next N requests to a path get a canned response, a delay, or a closed connection.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What happens to a request that meets a fault.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum FaultAction {
    /// Answer with this status, headers and body instead of the instance.
    Respond {
        status: u16,
        #[serde(default)]
        headers: BTreeMap<String, String>,
        #[serde(default)]
        body: String,
    },
    /// Wait, then answer normally.
    Delay { millis: u64 },
    /// Drop the connection without answering.
    Close,
}

/// A fault as the control plane receives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Fault {
    /// The request path it applies to; a trailing `*` matches every path with that prefix.
    pub path: String,
    /// How many requests it applies to.
    #[serde(default = "one")]
    pub times: u32,
    #[serde(flatten)]
    pub action: FaultAction,
}

fn one() -> u32 {
    1
}

/// The longest a delay may be, so a typo cannot hang a run.
pub(crate) const MAX_DELAY_MILLIS: u64 = 120_000;

/// Every member a fault may have (serde's `flatten` cannot refuse unknown ones itself).
const MEMBERS: [&str; 7] = [
    "path", "times", "action", "status", "headers", "body", "millis",
];

/// Why the control plane refuses a fault.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FaultError {
    #[error("invalid JSON: {0}")]
    NotJson(serde_json::Error),
    #[error("unknown fault member: {0}")]
    UnknownMember(String),
    /// Not the shape of a fault (a missing member, an unknown action…).
    #[error(transparent)]
    Shape(serde_json::Error),
    #[error("fault path must start with '/': {0}")]
    RelativePath(String),
    #[error("the control plane cannot be faulted")]
    ControlPlane,
    #[error("times must be at least 1")]
    NoTimes,
    #[error("status must be 100..=599, not {0}")]
    Status(u16),
    #[error("invalid header name: {0}")]
    HeaderName(String),
    #[error("invalid value for header {0}")]
    HeaderValue(String),
    #[error("delay must be at most {MAX_DELAY_MILLIS} ms")]
    TooLong,
}

impl Fault {
    /// Reads and validates a fault from the control plane's JSON, refusing unknown members.
    pub(crate) fn from_json(body: &[u8]) -> Result<Fault, FaultError> {
        let value: serde_json::Value = serde_json::from_slice(body).map_err(FaultError::NotJson)?;
        if let Some(unknown) = value
            .as_object()
            .and_then(|members| members.keys().find(|key| !MEMBERS.contains(&key.as_str())))
        {
            return Err(FaultError::UnknownMember(unknown.clone()));
        }
        let fault: Fault = serde_json::from_value(value).map_err(FaultError::Shape)?;
        fault.validate()?;
        Ok(fault)
    }

    fn validate(&self) -> Result<(), FaultError> {
        if !self.path.starts_with('/') {
            return Err(FaultError::RelativePath(self.path.clone()));
        }
        if self.path.starts_with("/__mock") {
            return Err(FaultError::ControlPlane);
        }
        if self.times == 0 {
            return Err(FaultError::NoTimes);
        }
        match &self.action {
            FaultAction::Respond {
                status, headers, ..
            } => {
                if !(100..=599).contains(status) {
                    return Err(FaultError::Status(*status));
                }
                for (name, value) in headers {
                    axum::http::HeaderName::try_from(name.as_str())
                        .map_err(|_| FaultError::HeaderName(name.clone()))?;
                    axum::http::HeaderValue::try_from(value.as_str())
                        .map_err(|_| FaultError::HeaderValue(name.clone()))?;
                }
                Ok(())
            }
            FaultAction::Delay { millis } if *millis > MAX_DELAY_MILLIS => Err(FaultError::TooLong),
            FaultAction::Delay { .. } | FaultAction::Close => Ok(()),
        }
    }

    fn applies_to(&self, path: &str) -> bool {
        match self.path.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => path == self.path,
        }
    }
}

/// Armed faults, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    armed: Vec<Fault>,
}

impl Faults {
    pub(crate) fn arm(&mut self, fault: Fault) {
        self.armed.push(fault);
    }

    /// The action for a request to `path`, using up one of its fault's times.
    pub(crate) fn take(&mut self, path: &str) -> Option<FaultAction> {
        let index = self.armed.iter().position(|fault| fault.applies_to(path))?;
        let fault = &mut self.armed[index];
        let action = fault.action.clone();
        fault.times -= 1;
        if fault.times == 0 {
            self.armed.remove(index);
        }
        Some(action)
    }

    pub(crate) fn armed(&self) -> &[Fault] {
        &self.armed
    }

    pub(crate) fn clear(&mut self) {
        self.armed.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(json: &str) -> Fault {
        Fault::from_json(json.as_bytes()).unwrap()
    }

    #[test]
    fn a_fault_applies_its_number_of_times_then_is_gone() {
        let mut faults = Faults::default();
        faults.arm(fault(
            r#"{"path":"/oauth_token.do","times":2,"action":"respond","status":503,"headers":{"Retry-After":"1"}}"#,
        ));
        assert!(faults.take("/api/now/table/x").is_none());
        assert!(matches!(
            faults.take("/oauth_token.do"),
            Some(FaultAction::Respond { status: 503, .. })
        ));
        assert!(faults.take("/oauth_token.do").is_some());
        assert!(faults.take("/oauth_token.do").is_none());
    }

    #[test]
    fn prefixes_match_and_faults_apply_in_arming_order() {
        let mut faults = Faults::default();
        faults.arm(fault(r#"{"path":"/api/*","action":"close"}"#));
        faults.arm(fault(
            r#"{"path":"/api/now/table/incident","action":"delay","millis":5}"#,
        ));
        assert_eq!(
            faults.take("/api/now/table/incident"),
            Some(FaultAction::Close)
        );
        assert_eq!(
            faults.take("/api/now/table/incident"),
            Some(FaultAction::Delay { millis: 5 })
        );
        assert_eq!(faults.armed().len(), 0);
    }

    #[test]
    fn bad_faults_are_refused_with_a_reason() {
        for (json, why) in [
            (r#"{"path":"x","action":"close"}"#, "start with '/'"),
            (
                r#"{"path":"/__mock/reset","action":"close"}"#,
                "control plane",
            ),
            (r#"{"path":"/a","times":0,"action":"close"}"#, "at least 1"),
            (
                r#"{"path":"/a","action":"respond","status":42}"#,
                "100..=599",
            ),
            (
                r#"{"path":"/a","action":"respond","status":500,"headers":{"bad name":"v"}}"#,
                "header name",
            ),
            (
                r#"{"path":"/a","action":"delay","millis":999999999}"#,
                "at most",
            ),
            (
                r#"{"path":"/a","action":"close","typo":1}"#,
                "unknown fault member: typo",
            ),
            (r#"{"path":"/a","action":"explode"}"#, "unknown variant"),
            ("[", "invalid JSON"),
        ] {
            let error = Fault::from_json(json.as_bytes()).unwrap_err().to_string();
            assert!(error.contains(why), "{json}: {error}");
        }
    }
}

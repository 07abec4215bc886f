//! Fidelity switches for what the captures leave open; the control plane flips them, each scenario may choose.

use serde::{Deserialize, Serialize};

/// The status of an `unauthorized_client` refusal (its body is captured, its status is not: catalogue §1, whose one
/// report says 400, the default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub(crate) enum UnauthorizedClientStatus {
    BadRequest,
    Unauthorized,
}

impl UnauthorizedClientStatus {
    pub(crate) fn code(self) -> u16 {
        match self {
            UnauthorizedClientStatus::BadRequest => 400,
            UnauthorizedClientStatus::Unauthorized => 401,
        }
    }
}

impl TryFrom<u16> for UnauthorizedClientStatus {
    type Error = String;

    fn try_from(code: u16) -> Result<Self, Self::Error> {
        match code {
            400 => Ok(UnauthorizedClientStatus::BadRequest),
            401 => Ok(UnauthorizedClientStatus::Unauthorized),
            other => Err(format!(
                "unauthorized_client_status must be 400 or 401, not {other}"
            )),
        }
    }
}

impl From<UnauthorizedClientStatus> for u16 {
    fn from(status: UnauthorizedClientStatus) -> u16 {
        status.code()
    }
}

/// What a second token request from the same client gets while its first token is still valid (catalogue C5, §18:
/// ServiceNow documents reuse with a sliding expiry for access requests, not for client credentials).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RepeatToken {
    /// A fresh token every time (the default: what C5 and O1 observe is recorded, not assumed).
    New,
    /// The live token again, with the seconds it has left.
    Current,
    /// The live token again, its expiry moved to a full lifespan from now (a sliding expiry).
    Sliding,
}

/// Whether a token already issued still works once its entity is made inactive (catalogue §18, row O2: not
/// documented).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum InactiveEntityTokens {
    /// It works until it expires (the default: the entity is checked when a token is issued).
    Accepted,
    /// It gets the catalogue §3 401 while the entity is inactive.
    Refused,
}

/// What an auth scope binding without `api` covers (catalogue §17). Real instances bind by `api` only, so such a
/// binding covers nothing (the default, as the suite's H rows bind by `api`); catalogue §7's superseded model
/// matched its `api_path` as a prefix of the request's path, kept for clients that still bind so. A binding naming
/// an API is matched by its API in both modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum PathOnlyBindings {
    /// Its `api_path` covers the requests whose path it starts (catalogue §7's model).
    CoverTheirPath,
    /// It covers nothing, as on a real instance (catalogue §17; the default).
    CoverNothing,
}

/// The largest file the Attachment API stores (catalogue §12). An instance's `com.glide.attachment.max_size` is
/// 1024 MB by default; the mock keeps files in memory, so it defaults to [`AttachmentLimit::DEFAULT`] and
/// takes at most [`MAX_ATTACHMENT_BYTES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub(crate) struct AttachmentLimit(u64);

/// The largest `attachment_max_bytes` the mock takes (64 MiB).
pub(crate) const MAX_ATTACHMENT_BYTES: u64 = 64 * 1024 * 1024;

impl AttachmentLimit {
    /// 10 MiB.
    pub(crate) const DEFAULT: AttachmentLimit = AttachmentLimit(10 * 1024 * 1024);

    pub(crate) fn bytes(self) -> u64 {
        self.0
    }
}

impl TryFrom<u64> for AttachmentLimit {
    type Error = String;

    fn try_from(bytes: u64) -> Result<Self, Self::Error> {
        if bytes <= MAX_ATTACHMENT_BYTES {
            Ok(AttachmentLimit(bytes))
        } else {
            Err(format!(
                "attachment_max_bytes must be at most {MAX_ATTACHMENT_BYTES}, not {bytes}"
            ))
        }
    }
}

impl From<AttachmentLimit> for u64 {
    fn from(limit: AttachmentLimit) -> u64 {
        limit.0
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct Switches {
    /// Client id and secret accepted from HTTP Basic when the body has no `client_id` (F4).
    pub basic_client_auth: bool,
    pub unauthorized_client_status: UnauthorizedClientStatus,
    pub repeat_token: RepeatToken,
    pub inactive_entity_tokens: InactiveEntityTokens,
    pub path_only_bindings: PathOnlyBindings,
    /// The Attachment API's size limit in bytes (catalogue §12).
    pub attachment_max_bytes: AttachmentLimit,
}

impl Default for Switches {
    fn default() -> Self {
        Switches {
            basic_client_auth: true,
            unauthorized_client_status: UnauthorizedClientStatus::BadRequest,
            repeat_token: RepeatToken::New,
            inactive_entity_tokens: InactiveEntityTokens::Accepted,
            path_only_bindings: PathOnlyBindings::CoverNothing,
            attachment_max_bytes: AttachmentLimit::DEFAULT,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_json_keeps_other_defaults_and_bad_values_are_refused() {
        let switches: Switches =
            serde_json::from_str(r#"{"unauthorized_client_status":401}"#).unwrap();
        assert_eq!(switches.unauthorized_client_status.code(), 401);
        assert_eq!(Switches::default().unauthorized_client_status.code(), 400);
        assert!(switches.basic_client_auth);
        assert!(serde_json::from_str::<Switches>(r#"{"unauthorized_client_status":500}"#).is_err());
        assert!(serde_json::from_str::<Switches>(r#"{"basic_client_auth":"yes"}"#).is_err());
        assert!(serde_json::from_str::<Switches>(r#"{"typo":true}"#).is_err());
        let o2: Switches = serde_json::from_str(
            r#"{"repeat_token":"sliding","inactive_entity_tokens":"refused"}"#,
        )
        .unwrap();
        assert_eq!(o2.repeat_token, RepeatToken::Sliding);
        assert_eq!(o2.inactive_entity_tokens, InactiveEntityTokens::Refused);
        assert!(serde_json::from_str::<Switches>(r#"{"inactive_entity_tokens":"maybe"}"#).is_err());
        let strict: Switches =
            serde_json::from_str(r#"{"path_only_bindings":"cover_nothing"}"#).unwrap();
        assert_eq!(strict.path_only_bindings, PathOnlyBindings::CoverNothing);
        assert_eq!(
            Switches::default().path_only_bindings,
            PathOnlyBindings::CoverNothing
        );
        let by_path: Switches =
            serde_json::from_str(r#"{"path_only_bindings":"cover_their_path"}"#).unwrap();
        assert_eq!(by_path.path_only_bindings, PathOnlyBindings::CoverTheirPath);
        assert!(serde_json::from_str::<Switches>(r#"{"path_only_bindings":"by_path"}"#).is_err());
        let limit: Switches = serde_json::from_str(r#"{"attachment_max_bytes":5}"#).unwrap();
        assert_eq!(limit.attachment_max_bytes.bytes(), 5);
        let too_big = format!(r#"{{"attachment_max_bytes":{}}}"#, MAX_ATTACHMENT_BYTES + 1);
        assert!(serde_json::from_str::<Switches>(&too_big).is_err());
    }
}

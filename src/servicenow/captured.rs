//! What real instances were seen to send and name (`fixtures/responses/`, catalogue §1–§4): the one source of the
//! captured bodies the suite expects and the mock sends, parsed once, and of the well-known property names.

use std::sync::LazyLock;

use serde::Deserialize;
use serde_json::Value;

/// The property that turns the grant on (catalogue §2); absent means false.
pub const GRANT_PROPERTY: &str = "glide.oauth.inbound.client.credential.grant_type.enabled";
/// The property that switches the REST API auth scope check off instance-wide when `false` (catalogue §7).
pub const SCOPE_CHECK_PROPERTY: &str = "com.glide.rest.api.auth.scope.check.enable";
/// The property whose value is the sys_id of the `useraccount` auth scope (catalogue §7).
pub const USERACCOUNT_SCOPE_PROPERTY: &str = "glide.oauth.token.scope.useraccount";
/// The property whose value names the release (catalogue §4).
pub const BUILDTAG_PROPERTY: &str = "glide.buildtag";
/// Whether the Basic auth restriction applies at all (catalogue §10; absent: true).
pub const BASIC_RESTRICTION_ACTIVE_PROPERTY: &str =
    "glide.authenticate.basic_auth.restriction.active";
/// Whether an active Basic auth restriction refuses, rather than only tracks (catalogue §10).
pub const BASIC_RESTRICTION_ENFORCE_PROPERTY: &str =
    "glide.authenticate.basic_auth.restriction.enforce";
/// The roles whose holders keep Basic auth (catalogue §10; a comma list, absent: [`BASIC_AUTH_ROLE`]).
pub const BASIC_ALLOWED_ROLES_PROPERTY: &str = "glide.authenticate.basic_auth.allowed_roles";
/// The users (sys_ids, a comma list) who keep Basic auth (catalogue §10).
pub const BASIC_ALLOWED_USERS_PROPERTY: &str = "glide.authenticate.basic_auth.allowed_users";
/// The role an instance ships for Basic API access (catalogue §10).
pub const BASIC_AUTH_ROLE: &str = "snc_basic_auth_api_access";
/// `true`: `/oauth_token.do` reads parameters from the body only (catalogue F2, §13).
pub const POST_BODY_ONLY_PROPERTY: &str = "glide.oauth.allow.parameters.in.post.body.only";
/// `allow` or `deny`: what a table without ACLs of its own lets through (catalogue §13).
pub const DEFAULT_MODE_PROPERTY: &str = "glide.sm.default_mode";
/// The instance's name (catalogue §13, §14).
pub const INSTANCE_NAME_PROPERTY: &str = "instance_name";
/// Whether the password grant is switched off instance-wide (catalogue §13, §14).
pub const ROPC_DISABLED_PROPERTY: &str = "glide.oauth.inbound.ropc.grant_type.disabled";
/// The elevated role, taken on interactively for one UI session and never over REST (catalogue §13).
pub const SECURITY_ADMIN_ROLE: &str = "security_admin";
/// The High Security properties, whose `write_roles` are [`SECURITY_ADMIN_ROLE`] on every instance (catalogue
/// §13).
pub const HIGH_SECURITY_PROPERTIES: [&str; 6] = [
    BASIC_RESTRICTION_ACTIVE_PROPERTY,
    BASIC_RESTRICTION_ENFORCE_PROPERTY,
    BASIC_ALLOWED_ROLES_PROPERTY,
    BASIC_ALLOWED_USERS_PROPERTY,
    ROPC_DISABLED_PROPERTY,
    DEFAULT_MODE_PROPERTY,
];

/// The `write_roles` a property of this name carries on every instance, if it is a High Security one.
pub fn high_security_write_roles(name: &str) -> Option<&'static str> {
    HIGH_SECURITY_PROPERTIES
        .contains(&name)
        .then_some(SECURITY_ADMIN_ROLE)
}

/// A recorded response, as `fixtures/responses/README.md` describes it.
#[derive(Debug, Deserialize)]
pub struct Captured {
    /// The HTTP status code.
    pub status: u16,
    /// The response headers, name → value, as recorded.
    pub headers: serde_json::Map<String, Value>,
    /// The body as the exact text sent: key order and spacing are kept.
    pub body: String,
}

impl Captured {
    fn parse(name: &str, text: &str) -> Captured {
        serde_json::from_str(text)
            .unwrap_or_else(|error| panic!("fixtures/responses/{name}.json: {error}"))
    }

    /// The recorded headers as name and value.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers.iter().map(|(name, value)| {
            let value = value.as_str().expect("header values are strings");
            (name.as_str(), value)
        })
    }

    /// A recorded header, its name in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers()
            .find(|(recorded, _)| recorded.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    }

    /// The body parsed as JSON (for comparisons where captures differ in key order).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("the captured body is JSON")
    }
}

macro_rules! captured {
    ($($(#[$doc:meta])* $constant:ident = $name:literal;)*) => {
        $(
            $(#[$doc])*
            pub static $constant: LazyLock<Captured> = LazyLock::new(|| {
                Captured::parse($name, include_str!(concat!("../../fixtures/responses/", $name, ".json")))
            });
        )*
        /// Every recorded response with its file's stem, in file name order.
        pub fn all() -> [(&'static str, &'static Captured); [$($name),*].len()] {
            [$(($name, &*$constant)),*]
        }
    };
}

captured! {
    /// `GET /api/now/ui/user/current_user` (D1).
    CURRENT_USER = "current_user";
    /// A sleeping developer instance's page.
    HIBERNATING = "hibernating";
    /// The REST 401 for missing or unusable credentials, with its challenge (E2, E3, E7).
    REST_401 = "rest_401";
    /// The Table API's 400 for a table that does not exist.
    TABLE_400_INVALID_TABLE = "table_400_invalid_table";
    /// The Table API's 403 for a read an ACL denies (D3).
    TABLE_403_INSUFFICIENT_RIGHTS = "table_403_insufficient_rights";
    /// The Table API's 404 for a record that does not exist.
    TABLE_404_NO_RECORD = "table_404_no_record";
    /// A Table API list with `X-Total-Count` and `Link`.
    TABLE_LIST = "table_list";
    /// The generic token refusal, with its inverted names and key order (B3, B4, C6).
    TOKEN_GENERIC_401 = "token_generic_401";
    /// A token issued: exactly the captured members, no refresh token (C1, C2, B7).
    TOKEN_SUCCESS = "token_success";
    /// `unauthorized_client` naming the oauth_entity sys_id (B1).
    TOKEN_UNAUTHORIZED_CLIENT = "token_unauthorized_client";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_recorded_response_parses_and_has_a_json_content_type_unless_html() {
        for (name, captured) in all() {
            let kind = captured.header("content-type").expect(name);
            assert!(
                kind.starts_with("application/json") || kind.starts_with("text/html"),
                "{name}: {kind}"
            );
            if kind.starts_with("application/json") {
                captured.json();
            }
        }
    }
}

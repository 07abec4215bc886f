//! Why the admin cannot sign in (catalogue §14), from the one answer that refused it: never retried, since five
//! failures lock an account. On Basic, a 401 names the Basic auth restriction first on any release where it may
//! enforce (a new instance enforces it from Yokohama, catalogue §13), then a password to reset, a locked account
//! and SSO; on a token, the password grant switched off or a refused client at the token endpoint, and the
//! client's Scope Restriction on the Table API.

use crate::client::{Credentials, Reply};
use crate::servicenow::release::{Family, Release};

use super::stops::Stop;

/// The first family on which an instance may enforce the Basic auth restriction (a new one, catalogue §13).
const RESTRICTION_FIRST_FAMILY: Family = Family::Yokohama;

/// The detail of a restricted client's refusal on an API none of its scopes protects (catalogue §13).
const UNSCOPED_API: &str = "Access to unscoped api is not allowed";
/// The detail of a refusal for a missing auth scope (catalogue §7), which a restricted client may get too.
const MISSING_SCOPE: &str = "Missing required API access scope";

/// The stop for the password grant's refusal at the token endpoint.
pub(super) fn token_refused(url: &str, client_id: &str, user: &str, reply: &Reply) -> Stop {
    Stop::TokenRefused {
        url: url.to_owned(),
        client_id: client_id.to_owned(),
        user: user.to_owned(),
        status: reply.status,
    }
}

/// The stop for the admin's first Table API answer, when it is a refusal; `None` when it is not one.
pub(super) fn refusal(
    url: &str,
    admin: &Credentials,
    release: Option<&Release>,
    reply: &Reply,
) -> Option<Stop> {
    match (reply.status, admin) {
        (401, Credentials::Basic { .. }) if restriction_possible(release) => {
            Some(Stop::BasicRefusedMaybeRestricted {
                url: url.to_owned(),
            })
        }
        (401, Credentials::Basic { .. }) => Some(Stop::BasicRefused {
            url: url.to_owned(),
        }),
        (403, Credentials::PasswordGrant(grant)) => {
            let detail = detail(reply);
            let restricted = detail.contains(UNSCOPED_API) || detail.contains(MISSING_SCOPE);
            restricted.then(|| Stop::ScopeRestricted {
                url: url.to_owned(),
                client_id: grant.client_id().to_owned(),
                detail,
            })
        }
        _ => None,
    }
}

/// Whether the Basic auth restriction may enforce on this release: from Yokohama on, and on a release not known.
fn restriction_possible(release: Option<&Release>) -> bool {
    release.is_none_or(|release| {
        release
            .known_family()
            .is_none_or(|family| family >= RESTRICTION_FIRST_FAMILY)
    })
}

/// The `error.detail` of a refusal's body (or its message), for the sentence.
pub(super) fn detail(reply: &Reply) -> String {
    let json = reply.json().unwrap_or_default();
    let error = &json["error"];
    error["detail"]
        .as_str()
        .filter(|detail| !detail.is_empty())
        .or_else(|| error["message"].as_str())
        .unwrap_or("no detail")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::PasswordGrant;
    use secrecy::SecretString;
    use std::sync::Arc;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: Default::default(),
            body: body.to_owned(),
        }
    }

    fn basic() -> Credentials {
        Credentials::Basic {
            user: "admin".into(),
            password: SecretString::from("pw"),
        }
    }

    fn token() -> Credentials {
        let secret = || SecretString::from("s");
        let grant = PasswordGrant::new("c1".into(), secret(), "admin".into(), secret());
        Credentials::PasswordGrant(Arc::new(grant))
    }

    const URL: &str = "https://dev1.service-now.com";

    #[test]
    fn a_basic_401_names_the_restriction_first_where_it_may_enforce() {
        let refused = reply(401, r#"{"error":{"message":"User Not Authenticated"}}"#);
        for release in [None, Some("yokohama"), Some("zurich-p4"), Some("brazil")] {
            let release = release.map(|name| name.parse::<Release>().unwrap());
            let stop = refusal(URL, &basic(), release.as_ref(), &refused).unwrap();
            let text = stop.to_string();
            let restriction = text.find("restriction").expect("names the restriction");
            assert!(restriction < text.find("reset").unwrap(), "{text}");
            assert!(text.find("reset").unwrap() < text.find("locked").unwrap());
            assert!(text.find("locked").unwrap() < text.find("SSO").unwrap());
            assert!(text.contains("--admin-client-id") && text.contains("never retries"));
        }
        let xanadu = "xanadu".parse::<Release>().unwrap();
        let text = refusal(URL, &basic(), Some(&xanadu), &refused)
            .unwrap()
            .to_string();
        assert!(
            !text.contains("restriction") && text.contains("SSO"),
            "{text}"
        );
    }

    #[test]
    fn a_restricted_clients_403_names_its_scope_restriction() {
        let unscoped = reply(
            403,
            r#"{"error":{"message":"User Not Authorized","detail":"Access to unscoped api is not allowed"},"status":"failure"}"#,
        );
        let text = refusal(URL, &token(), None, &unscoped).unwrap().to_string();
        assert!(
            text.contains("Scope Restriction") && text.contains("c1"),
            "{text}"
        );
        let other = reply(403, r#"{"error":{"message":"Operation Failed"}}"#);
        assert_eq!(refusal(URL, &token(), None, &other), None);
        assert_eq!(refusal(URL, &basic(), None, &reply(200, "{}")), None);
    }

    #[test]
    fn the_token_endpoints_refusal_names_the_switched_off_grant_then_the_client() {
        let text = token_refused(URL, "c1", "admin", &reply(401, "{}")).to_string();
        let grant = text.find("ropc.grant_type.disabled").unwrap();
        assert!(grant < text.find("OAuth client c1").unwrap(), "{text}");
    }
}

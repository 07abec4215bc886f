//! The one place that knows which values differ between two runs by nature (key material and `kid`s, tokens,
//! sys_ids and client ids, timestamps, the names a run gives what it creates, the instance's address) and masks
//! them, so that two runs of an unchanged instance compare equal and only what the instance does differently
//! shows.

use std::sync::LazyLock;

use regex::Regex;

/// A value with every volatile part masked: `{"kid":"q1…"}` → `{"kid":"<kid>"}`, `2025-02-02 11:11:11` →
/// `<datetime>`.
pub(super) fn text(text: &str) -> String {
    VOLATILE
        .iter()
        .fold(text.to_owned(), |text, (pattern, replacement)| {
            pattern.replace_all(&text, *replacement).into_owned()
        })
}

/// What the `sncc-<run>-` prefix of a name a run gave becomes.
pub(super) const RUN_PREFIX: &str = "sncc-<run>-";

/// Each kind of volatile value and its mask, applied in this order (key members before the hex and base64url
/// they hold, the instance's address before anything inside it).
static VOLATILE: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        // A JWK's key material and id, and a JWT header's `kid`: a new key every time the instance (or the
        // mock) starts.
        (
            r#""(n|e|kid|x5t|x5t#S256|x5c)"\s*:\s*("[^"]*"|\[[^\]]*\])"#,
            r#""$1":"<$1>""#,
        ),
        // A JWT (header, claims and signature, base64url): a new one per grant.
        (
            r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*",
            "<jwt>",
        ),
        (r#"https?://[^/\s"']+"#, "<instance>"),
        // sys_ids, client ids, JWT `aud` and `sub`: 32 hex digits.
        (r"\b[0-9a-f]{32}\b", "<sys_id>"),
        // ISO 8601 (`2025-02-02T11:11:11.123Z`, `…+01:00`) and ServiceNow's `2025-02-02 11:11:11`.
        (
            r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?",
            "<datetime>",
        ),
        // What a run creates is named `sncc-<run>-…`, its table `u_sncc_<run>`.
        (r"\bsncc-[0-9a-f]{8}-", RUN_PREFIX),
        (r"\bu_sncc_[0-9a-f]{8}\b", "u_sncc_<run>"),
    ]
    .into_iter()
    .map(|(pattern, replacement)| (Regex::new(pattern).expect("valid pattern"), replacement))
    .collect()
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jwks_key_material_and_kid_are_masked() {
        let jwks = r#"{"keys":[{"kty":"RSA","kid":"wottd-CQrqdzL3UT3_v4vyngjYoBb7LxWJcrkMCKqnk","use":"sig","alg":"RS256","n":"0vx7agoebGcQSuu","e":"AQAB","x5c":["MIIC+a/b=="]}]}"#;
        assert_eq!(
            text(jwks),
            r#"{"keys":[{"kty":"RSA","kid":"<kid>","use":"sig","alg":"RS256","n":"<n>","e":"<e>","x5c":"<x5c>"}]}"#
        );
        // A fact's JSON as serde_json prints it, and a pretty-printed body.
        assert_eq!(
            text(r#"{"alg":"RS256","typ":"JWT","kid":"FUquIWbL6oH7s4"}"#),
            r#"{"alg":"RS256","typ":"JWT","kid":"<kid>"}"#
        );
        assert_eq!(text(r#"{"kid" : "a-b_c"}"#), r#"{"kid":"<kid>"}"#);
        // What merely mentions a key keeps its value.
        assert_eq!(text(r#"{"kty":"RSA"}"#), r#"{"kty":"RSA"}"#);
    }

    #[test]
    fn a_jwt_is_masked_whole() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzdmMuY2MifQ.c2lnbmF0dXJlLWJ5dGVz_-";
        assert_eq!(
            text(&format!(r#"{{"access_token":"{jwt}","x":1}}"#)),
            r#"{"access_token":"<jwt>","x":1}"#
        );
        assert_eq!(text(&format!("Bearer {jwt}")), "Bearer <jwt>");
        // An unsigned one (`alg: none`) has an empty signature.
        assert_eq!(text("eyJhbGciOiJub25lIn0.eyJhIjoxfQ."), "<jwt>");
        assert_eq!(text("eyJ not a token"), "eyJ not a token");
    }

    #[test]
    fn sys_ids_and_client_ids_are_masked() {
        assert_eq!(
            text(r#"{"sys_id":"0123456789abcdef0123456789abcdef"}"#),
            r#"{"sys_id":"<sys_id>"}"#
        );
        assert_eq!(
            text("/api/now/table/sys_user/fedcba9876543210fedcba9876543210?x=1"),
            "/api/now/table/sys_user/<sys_id>?x=1"
        );
        // 31 or 33 digits are something else.
        assert_eq!(
            text("0123456789abcdef0123456789abcde"),
            "0123456789abcdef0123456789abcde"
        );
        assert_eq!(
            text("0123456789abcdef0123456789abcdef0"),
            "0123456789abcdef0123456789abcdef0"
        );
    }

    #[test]
    fn timestamps_of_either_form_are_masked() {
        assert_eq!(text("2024-01-01 10:00:00"), "<datetime>");
        assert_eq!(text("on 2025-02-02T11:11:11Z."), "on <datetime>.");
        assert_eq!(text("2025-02-02T11:11:11.123+01:00"), "<datetime>");
        assert_eq!(text("2025-02-02T11:11:11.5-0500"), "<datetime>");
        // A date alone (a release's GA date in a build tag) stays.
        assert_eq!(text("glide-brazil-07-14-2026"), "glide-brazil-07-14-2026");
        assert_eq!(text("2026-07-14"), "2026-07-14");
    }

    #[test]
    fn the_names_a_run_gives_what_it_creates_are_masked() {
        assert_eq!(text("sncc-1a2b3c4d-svc-cc"), "sncc-<run>-svc-cc");
        assert_eq!(
            text(r#"endpoint "sncc-deadbeef-left-over" active"#),
            r#"endpoint "sncc-<run>-left-over" active"#
        );
        assert_eq!(
            text("/api/now/table/u_sncc_0a1b2c3d"),
            "/api/now/table/u_sncc_<run>"
        );
        // The suite's fixed names are no run's.
        assert_eq!(text("sncc-mock"), "sncc-mock");
        assert_eq!(text("u_sncc_suite"), "u_sncc_suite");
    }

    #[test]
    fn the_instance_address_is_masked() {
        assert_eq!(
            text(r#"{"iss":"http://127.0.0.1:41789"}"#),
            r#"{"iss":"<instance>"}"#
        );
        assert_eq!(
            text("https://dev12345.service-now.com/oauth_token.do"),
            "<instance>/oauth_token.do"
        );
    }

    #[test]
    fn what_the_instance_decides_is_left_alone() {
        let body =
            r#"{"error":"invalid_client","error_description":"access_denied","expires_in":1799}"#;
        assert_eq!(text(body), body);
        assert_eq!(text("no-store,no-cache"), "no-store,no-cache");
    }
}

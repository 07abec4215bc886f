//! Redaction of secrets, passwords and tokens from anything sncc shows or keeps: headers, forms, JSON,
//! URLs, free text, values it knows to be secret, and records written to its journal.

use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use regex::{Captures, Regex};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};

/// What a redacted value reads as.
pub(crate) const REDACTED: &str = "[REDACTED]";

/// Parameter and member names whose values are secret wherever they appear.
const SECRET_NAMES: [&str; 8] = [
    "client_secret",
    "password",
    "user_password",
    "access_token",
    "refresh_token",
    "token",
    "id_token",
    "client_assertion",
];

/// Headers whose values are credentials: a session cookie authenticates as well as a token does.
const SECRET_HEADERS: [&str; 4] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

pub(crate) fn is_secret_name(name: &str) -> bool {
    SECRET_NAMES
        .iter()
        .any(|secret| secret.eq_ignore_ascii_case(name))
}

/// An `Authorization` header keeps its scheme only: `Bearer [REDACTED]`.
pub(crate) fn authorization(value: &str) -> String {
    match value.trim().split_once(' ') {
        Some((scheme, _)) => format!("{scheme} {REDACTED}"),
        None => REDACTED.to_owned(),
    }
}

/// A form body or query string with the values of secret parameters replaced (names and order kept).
pub(crate) fn form(text: &str) -> String {
    text.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret_name(&decoded_name(name)) => format!("{name}={REDACTED}"),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn decoded_name(name: &str) -> String {
    url::form_urlencoded::parse(name.as_bytes())
        .next()
        .map(|(decoded, _)| decoded.into_owned())
        .unwrap_or_default()
}

/// A JSON value with every secret member's value replaced, at any depth. As the Batch API carries them
/// (catalogue §12): a `{"name":…,"value":…}` header whose name is a credential's has its value replaced, and a
/// base64 `body` is decoded, redacted and encoded again.
pub(crate) fn json(value: &mut Value) {
    match value {
        Value::Object(members) => {
            let secret_header = members
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|name| SECRET_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name)));
            for (name, member) in members.iter_mut() {
                if (is_secret_name(name) || (secret_header && name == "value")) && !member.is_null()
                {
                    *member = Value::from(REDACTED);
                } else if name == "body" && member.is_string() {
                    base64_body(member);
                } else {
                    json(member);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(json),
        _ => {}
    }
}

/// A base64 body (a batch's inner request or answer), redacted inside; left as it is when it is no base64.
fn base64_body(member: &mut Value) {
    let decoded = member.as_str().and_then(|text| STANDARD.decode(text).ok());
    let Some(text) = decoded.and_then(|bytes| String::from_utf8(bytes).ok()) else {
        return;
    };
    let redacted = body(text.as_bytes());
    if redacted != text {
        *member = Value::from(STANDARD.encode(redacted));
    }
}

/// A body of any kind, redacted by what it looks like: JSON, else a form, else kept as text.
pub(crate) fn body(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if let Ok(mut value) = serde_json::from_str::<Value>(&text) {
        json(&mut value);
        return value.to_string();
    }
    if text.contains('=') && !text.contains(['{', '<', '\n']) {
        return form(&text);
    }
    text.into_owned()
}

/// `"name":"value"` in free text, as a step quotes a JSON body.
static JSON_MEMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#""([A-Za-z_]{1,40})"\s*:\s*"(?:[^"\\]|\\.)*""#).expect("valid pattern")
});
/// `name=value` in free text, as a step quotes a form or a query.
static FORM_PARAMETER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\b([A-Za-z_]{1,40})=[^&\s"']*"#).expect("valid pattern"));
/// An `Authorization` credential in free text.
static CREDENTIAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(Bearer|Basic) [A-Za-z0-9._~+/=-]{16,}").expect("valid pattern")
});

/// Free text (a message that may quote the target's answer) with secret values redacted by their shape:
/// JSON members and form parameters with a secret name, and `Bearer`/`Basic` credentials.
pub(crate) fn text(text: &str) -> String {
    let secret_only = |captures: &Captures, redacted: String| {
        if is_secret_name(&captures[1]) {
            redacted
        } else {
            captures[0].to_owned()
        }
    };
    let text = JSON_MEMBER.replace_all(text, |c: &Captures| {
        secret_only(c, format!("\"{}\":\"{}\"", &c[1], REDACTED))
    });
    let text = FORM_PARAMETER.replace_all(&text, |c: &Captures| {
        secret_only(c, format!("{}={}", &c[1], REDACTED))
    });
    CREDENTIAL
        .replace_all(&text, format!("$1 {}", REDACTED))
        .into_owned()
}

/// `text` with the value of every known secret replaced wherever it shows, as is or form-encoded: for
/// what redaction by shape misses (a secret quoted in a plain-text body, say).
pub(crate) fn known_secrets(mut text: String, secrets: &[SecretString]) -> String {
    for secret in secrets {
        let value = secret.expose_secret();
        if text.contains(value) {
            text = text.replace(value, REDACTED);
        }
        let encoded: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
        if encoded != value && text.contains(&encoded) {
            text = text.replace(&encoded, REDACTED);
        }
    }
    text
}

/// A record's fields with the secret ones left out, for what is kept on disk (the change journal).
pub fn without_secrets(record: &Value) -> Map<String, Value> {
    record
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(name, _)| !is_secret_name(name))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_batchs_credential_headers_and_base64_bodies_are_redacted() {
        let inner = STANDARD.encode(r#"{"user_name":"u","user_password":"hunter2"}"#);
        let mut batch = json!({"rest_requests": [{
            "id": "1",
            "headers": [
                {"name": "Authorization", "value": "Bearer abc"},
                {"name": "Set-Cookie", "value": "JSESSIONID=s3ssion"},
                {"name": "Accept", "value": "application/json"},
            ],
            "body": inner,
        }]});
        json(&mut batch);
        let request = &batch["rest_requests"][0];
        assert_eq!(request["headers"][0]["value"], REDACTED);
        assert_eq!(request["headers"][1]["value"], REDACTED);
        assert_eq!(request["headers"][2]["value"], "application/json");
        let body = STANDARD.decode(request["body"].as_str().unwrap()).unwrap();
        let body = String::from_utf8(body).unwrap();
        assert!(
            !body.contains("hunter2") && body.contains(REDACTED),
            "{body}"
        );
        let mut plain = json!({"body": "not base64!", "other": {"body": "abcd"}});
        json(&mut plain);
        assert_eq!(
            plain,
            json!({"body": "not base64!", "other": {"body": "abcd"}})
        );
    }

    #[test]
    fn authorization_keeps_only_the_scheme() {
        assert_eq!(authorization("Bearer abc.def"), "Bearer [REDACTED]");
        assert_eq!(authorization("Basic dXNlcjpwdw=="), "Basic [REDACTED]");
        assert_eq!(authorization("opaque"), "[REDACTED]");
    }

    #[test]
    fn forms_lose_secret_values_even_with_encoded_names() {
        let redacted = form(
            "grant_type=client_credentials&client_id=abc&client%5Fsecret=s%2B1&access_token=t",
        );
        assert_eq!(
            redacted,
            "grant_type=client_credentials&client_id=abc&client%5Fsecret=[REDACTED]&access_token=[REDACTED]"
        );
    }

    #[test]
    fn json_secrets_are_replaced_at_any_depth() {
        let mut value = json!({"access_token":"t","scope":"useraccount","nested":[{"Password":"p","ok":1}],"token":null});
        json(&mut value);
        assert_eq!(
            value,
            json!({"access_token":"[REDACTED]","scope":"useraccount","nested":[{"Password":"[REDACTED]","ok":1}],"token":null})
        );
    }

    #[test]
    fn messages_lose_secrets_by_shape() {
        let message = r#"expected 401, got 200 {"access_token":"abc\"def","scope":"useraccount"} for client_secret=s3cr%2Bt&client_id=x with Bearer eyJhbGciOiJIUzI1NiJ9.e30 and Basic dXNlcjpwYXNzd29yZA=="#;
        assert_eq!(
            text(message),
            r#"expected 401, got 200 {"access_token":"[REDACTED]","scope":"useraccount"} for client_secret=[REDACTED]&client_id=x with Bearer [REDACTED] and Basic [REDACTED]"#
        );
        assert_eq!(
            text("A Bearer token is accepted: token_type=Bearer"),
            "A Bearer token is accepted: token_type=Bearer"
        );
    }

    #[test]
    fn secrets_never_enter_the_journal() {
        let kept = without_secrets(
            &json!({"name":"svc","client_secret":"s","user_password":"p","token":"t","active":"true"}),
        );
        assert_eq!(Value::Object(kept), json!({"name":"svc","active":"true"}));
    }

    #[test]
    fn bodies_are_redacted_by_their_shape() {
        assert!(!body(br#"{"access_token":"sekrit"}"#).contains("sekrit"));
        assert!(!body(b"client_secret=sekrit").contains("sekrit"));
        assert_eq!(body(b"<html>hello</html>"), "<html>hello</html>");
    }
}

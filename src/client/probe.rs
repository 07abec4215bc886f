//! Before a run against a real instance: is it there, awake, and ServiceNow?

/// What one anonymous request to the REST API says about an instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Reachability {
    Ready,
    /// A developer instance asleep: its wake-up page, or a 503.
    Hibernating,
    /// The sentence to print.
    Unusable(String),
}

/// Asks `GET /api/now/ui/user/current_user` without credentials: a live instance answers with its 401
/// envelope (or 200).
pub(crate) async fn probe(http: &reqwest::Client, base_url: &str) -> Reachability {
    let url = format!(
        "{}/api/now/ui/user/current_user",
        base_url.trim_end_matches('/')
    );
    let response = match http
        .get(&url)
        .header("accept", "application/json")
        .send()
        .await
    {
        Ok(response) => response,
        Err(error) => {
            let why = if error.is_timeout() {
                "it did not answer in time".to_owned()
            } else {
                describe(&error)
            };
            return Reachability::Unusable(format!("{base_url} cannot be reached: {why}"));
        }
    };
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response.text().await.unwrap_or_default();
    classify(base_url, status, &location, &body)
}

fn classify(base_url: &str, status: u16, location: &str, body: &str) -> Reachability {
    let lower = body.to_ascii_lowercase();
    if lower.contains("hibernat") || location.contains("hibernat") || status == 503 {
        return Reachability::Hibernating;
    }
    let envelope = serde_json::from_str::<serde_json::Value>(body)
        .is_ok_and(|json| json.get("result").is_some() || json.get("error").is_some());
    match status {
        200 | 401 if envelope => Reachability::Ready,
        300..=399 => Reachability::Unusable(format!(
            "{base_url} redirects to {location}: give the instance's own URL (https://<name>.service-now.com)"
        )),
        _ => Reachability::Unusable(format!(
            "{base_url} does not answer like a ServiceNow instance (HTTP {status} to the REST API)"
        )),
    }
}

fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://dev1.service-now.com";

    #[test]
    fn a_live_instance_answers_with_its_envelope() {
        let body = r#"{"error":{"message":"User Not Authenticated","detail":"Required to provide Auth information"},"status":"failure"}"#;
        assert_eq!(classify(URL, 401, "", body), Reachability::Ready);
    }

    #[test]
    fn hibernation_pages_and_503s_are_hibernating() {
        let page =
            "<html><title>Instance Hibernating page</title>Your instance is hibernating</html>";
        assert_eq!(classify(URL, 200, "", page), Reachability::Hibernating);
        assert_eq!(
            classify(URL, 503, "", "<html>Service Unavailable</html>"),
            Reachability::Hibernating
        );
        assert_eq!(
            classify(URL, 302, "https://developer.servicenow.com/hibernating", ""),
            Reachability::Hibernating
        );
    }

    #[test]
    fn other_answers_say_what_is_wrong() {
        assert!(
            matches!(classify(URL, 302, "https://sso.example/login", ""), Reachability::Unusable(s) if s.contains("redirects"))
        );
        assert!(
            matches!(classify(URL, 404, "", "<html>nginx</html>"), Reachability::Unusable(s) if s.contains("does not answer like"))
        );
    }
}

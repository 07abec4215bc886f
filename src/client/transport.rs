//! How sncc reaches an instance: which URLs it accepts, trusted roots, timeouts, and retries (429 and 503,
//! and a lost answer to a request that is safe to repeat).

use std::net::IpAddr;
use std::time::Duration;

/// Connection settings for every request of a run.
#[derive(Clone, Debug)]
pub struct Transport {
    /// Extra trusted roots, PEM (`--ca-cert`); the system's roots are always trusted too.
    pub ca_pem: Option<Vec<u8>>,
    pub connect_timeout: Duration,
    /// The whole request, connect to last byte.
    pub timeout: Duration,
}

impl Default for Transport {
    fn default() -> Self {
        Transport {
            ca_pem: None,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
        }
    }
}

/// Why the HTTP client cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum HttpClientError {
    #[error("--ca-cert is not a PEM certificate: {0}")]
    NotPem(reqwest::Error),
    #[error("--ca-cert holds no certificate")]
    NoCertificate,
    #[error("cannot build the HTTP client: {0}")]
    Build(reqwest::Error),
}

/// Why a URL is not one sncc may use as an instance's.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum InstanceUrlError {
    #[error("{text} is not a URL: {source}")]
    NotAUrl {
        text: String,
        source: url::ParseError,
    },
    #[error("{0} has no host")]
    NoHost(String),
    #[error(
        "{0} uses plain http: credentials would cross the network in clear; use https (http is allowed for loopback addresses only)"
    )]
    PlainHttp(String),
    #[error("{text}: expected an https URL, not {scheme}")]
    Scheme { text: String, scheme: String },
    #[error("{0}: give the instance's base URL only, e.g. https://dev12345.service-now.com")]
    NotBase(String),
}

/// The HTTP client every request of a run goes through: rustls with ring, certificates always verified,
/// redirects never followed.
pub fn http_client(transport: &Transport) -> Result<reqwest::Client, HttpClientError> {
    crate::support::crypto::install_default_crypto_provider();
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("sncc/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(transport.connect_timeout)
        .timeout(transport.timeout);
    if let Some(pem) = &transport.ca_pem {
        let roots = reqwest::Certificate::from_pem_bundle(pem).map_err(HttpClientError::NotPem)?;
        if roots.is_empty() {
            return Err(HttpClientError::NoCertificate);
        }
        builder = builder.tls_certs_merge(roots);
    }
    builder.build().map_err(HttpClientError::Build)
}

/// An instance URL sncc may use: https, or http to a loopback address only. Returned without a trailing slash.
pub fn instance_url(text: &str) -> Result<String, InstanceUrlError> {
    let url = url::Url::parse(text).map_err(|source| InstanceUrlError::NotAUrl {
        text: text.to_owned(),
        source,
    })?;
    let host = url
        .host_str()
        .ok_or_else(|| InstanceUrlError::NoHost(text.to_owned()))?;
    let loopback = host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(InstanceUrlError::PlainHttp(text.to_owned()));
        }
        other => {
            return Err(InstanceUrlError::Scheme {
                text: text.to_owned(),
                scheme: other.to_owned(),
            });
        }
    }
    if url.path() != "/" || url.query().is_some() {
        return Err(InstanceUrlError::NotBase(text.to_owned()));
    }
    Ok(text.trim_end_matches('/').to_owned())
}

/// Bounded retries for 429 and 503, honouring `Retry-After`, and for a request safe to repeat (GET, DELETE,
/// PATCH) whose answer was lost to a reset or a cut body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RetryPolicy {
    pub max_retries: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries at all (the mock, where a 503 is a scenario's own fault).
    pub(crate) const NEVER: RetryPolicy = RetryPolicy {
        max_retries: 0,
        base_delay: Duration::ZERO,
        max_delay: Duration::ZERO,
    };

    /// How long to wait before retry number `retry` (0-based) of a response with `status`, or `None`
    /// when it must not be retried.
    pub(crate) fn delay(
        &self,
        status: u16,
        retry: u32,
        retry_after: Option<&str>,
    ) -> Option<Duration> {
        if !matches!(status, 429 | 503) || retry >= self.max_retries {
            return None;
        }
        let backoff = self.base_delay.saturating_mul(2u32.saturating_pow(retry));
        let asked = retry_after
            .and_then(|value| value.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        Some(asked.unwrap_or(backoff).min(self.max_delay))
    }

    /// How long to wait before retry number `retry` of a request that got no complete answer, or `None`
    /// when it must not be repeated: a POST may have been carried out (a token issued, a record
    /// created), and a timeout already cost the whole `--timeout`.
    pub(crate) fn delay_after_no_answer(
        &self,
        method: &reqwest::Method,
        retry: u32,
        error: &reqwest::Error,
    ) -> Option<std::time::Duration> {
        if error.is_timeout() || !is_safe_to_repeat(method) {
            return None;
        }
        self.delay(503, retry, None)
    }
}

/// GET and DELETE are idempotent by definition; sncc's PATCHes set fields to given values, so they are too.
fn is_safe_to_repeat(method: &reqwest::Method) -> bool {
    use reqwest::Method;
    [Method::GET, Method::DELETE, Method::PATCH].contains(method)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_is_required_except_for_loopback() {
        assert_eq!(
            instance_url("https://dev1.service-now.com/").unwrap(),
            "https://dev1.service-now.com"
        );
        assert!(instance_url("http://127.0.0.1:8080").is_ok());
        assert!(instance_url("http://localhost:8080").is_ok());
        assert!(instance_url("http://[::1]:8080").is_ok());
        assert!(
            instance_url("http://dev1.service-now.com")
                .unwrap_err()
                .to_string()
                .contains("plain http")
        );
        assert!(
            instance_url("http://10.0.0.5")
                .unwrap_err()
                .to_string()
                .contains("plain http")
        );
        assert!(instance_url("ftp://x").is_err());
        assert!(instance_url("dev1.service-now.com").is_err());
        assert!(
            instance_url("https://dev1.service-now.com/now/nav")
                .unwrap_err()
                .to_string()
                .contains("base URL")
        );
    }

    #[test]
    fn only_429_and_503_are_retried_with_bounded_backoff() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay(500, 0, None), None);
        assert_eq!(policy.delay(401, 0, None), None);
        assert_eq!(policy.delay(503, 0, None), Some(Duration::from_millis(500)));
        assert_eq!(policy.delay(429, 2, None), Some(Duration::from_secs(2)));
        assert_eq!(policy.delay(429, 3, None), None, "three retries at most");
        assert_eq!(
            policy.delay(503, 0, Some("7")),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            policy.delay(503, 0, Some("86400")),
            Some(Duration::from_secs(30)),
            "capped"
        );
        assert_eq!(
            policy.delay(503, 1, Some("soon")),
            Some(Duration::from_secs(1))
        );
        assert_eq!(RetryPolicy::NEVER.delay(503, 0, Some("1")), None);
    }

    #[test]
    fn a_ca_file_that_is_not_pem_is_a_clear_error() {
        let transport = Transport {
            ca_pem: Some(b"not a certificate".to_vec()),
            ..Transport::default()
        };
        assert!(
            http_client(&transport)
                .unwrap_err()
                .to_string()
                .contains("--ca-cert")
        );
    }
}

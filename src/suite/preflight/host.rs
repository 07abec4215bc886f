//! What an instance's host is (catalogue §14): sncc's mock, loopback, a personal developer instance, or
//! something else, which may be production and so needs `--confirm-instance`.

use std::net::IpAddr;

use crate::report::preflight::HostKind;

/// The `instance_name` of sncc's mock.
pub(super) const MOCK_INSTANCE_NAME: &str = "sncc-mock";

/// The kind of host an instance URL names, knowing the instance's `instance_name`.
pub(super) fn host_kind(url: &str, instance_name: Option<&str>) -> HostKind {
    if instance_name == Some(MOCK_INSTANCE_NAME) {
        return HostKind::SnccMock;
    }
    let host = url::Url::parse(url)
        .ok()
        .and_then(|url| url.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare == "localhost" || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()) {
        return HostKind::Loopback;
    }
    if is_developer_instance(&host) {
        return HostKind::DeveloperInstance;
    }
    HostKind::Other
}

/// `dev<digits>.service-now.com`, a personal developer instance.
fn is_developer_instance(host: &str) -> bool {
    host.strip_suffix(".service-now.com")
        .and_then(|name| name.strip_prefix("dev"))
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_told_apart() {
        let kind = |url: &str| host_kind(url, Some("acme"));
        assert_eq!(
            kind("https://dev12345.service-now.com"),
            HostKind::DeveloperInstance
        );
        assert_eq!(
            kind("https://DEV7.service-now.com"),
            HostKind::DeveloperInstance
        );
        assert_eq!(kind("http://127.0.0.1:8080"), HostKind::Loopback);
        assert_eq!(kind("http://[::1]:8080"), HostKind::Loopback);
        assert_eq!(kind("http://localhost:8080"), HostKind::Loopback);
        for other in [
            "https://acme.service-now.com",
            "https://dev.service-now.com",
            "https://dev12a.service-now.com",
            "https://dev123.service-now.com.evil.example",
            "https://0.0.0.0:8443",
            "https://10.0.0.5",
        ] {
            assert_eq!(kind(other), HostKind::Other, "{other}");
        }
        assert_eq!(
            host_kind("https://mock.example:8443", Some("sncc-mock")),
            HostKind::SnccMock
        );
    }
}

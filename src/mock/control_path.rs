//! Where the control plane lives (`/__mock`): never faulted, never journaled, never reached from a batch.

const CONTROL_PREFIX: &str = "/__mock";

/// Whether `path` is the control plane's.
pub(crate) fn is_control_plane(path: &str) -> bool {
    path.strip_prefix(CONTROL_PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_prefix_and_what_is_under_it_are_the_control_plane() {
        for path in ["/__mock", "/__mock/", "/__mock/reset"] {
            assert!(is_control_plane(path), "{path}");
        }
        for path in ["/__mocked", "/api/now/__mock", "/"] {
            assert!(!is_control_plane(path), "{path}");
        }
    }
}

//! A binding's method rule (catalogue §17), and the path rule real instances do not follow (catalogue §7's
//! inferred model, superseded: only a binding without `api` under the switch `path_only_bindings`, or every binding
//! under [`crate::mock::breaks::Break::BindingByPath`], matches by it): the request path
//! after `/api/` without a `v1`/`v2` segment after the first, compared segment by segment with the binding's
//! `api_path`.
//!
//! The binding's own `api_path` is taken literally: a version or a `*` in it is a segment like any other
//! (so it protects no request a client would send), and an empty one protects nothing.

/// Whether a binding with this `api_path` covers `request_path`: `api_path` is a prefix of the request's
/// API path, or, when `all_resources` is false (`apply_all_resources=false`), equal to it.
pub(crate) fn covers_path(api_path: &str, all_resources: bool, request_path: &str) -> bool {
    let Some(after_api) = request_path.strip_prefix("/api/") else {
        return false;
    };
    let mut request = api_segments(after_api);
    let mut binding = segments(api_path).peekable();
    if binding.peek().is_none() {
        return false;
    }
    for wanted in binding {
        if request.next() != Some(wanted) {
            return false;
        }
    }
    all_resources || request.next().is_none()
}

/// Whether a binding covers a request's `method`: `apply_all_methods`, an empty `http_method`, or the
/// method in its comma list (any case).
pub(crate) fn covers_method(all_methods: bool, http_method: &str, method: &str) -> bool {
    all_methods
        || http_method.trim().is_empty()
        || http_method
            .split(',')
            .any(|listed| listed.trim().eq_ignore_ascii_case(method))
}

/// The segments of a request's path after `/api/`, a version segment after the first one dropped.
fn api_segments(after_api: &str) -> impl Iterator<Item = &str> {
    segments(after_api)
        .enumerate()
        .filter(|&(position, segment)| !(position == 1 && is_version(segment)))
        .map(|(_, segment)| segment)
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|segment| !segment.is_empty())
}

fn is_version(segment: &str) -> bool {
    segment == "v1" || segment == "v2"
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_binding_covers_its_prefix_or_only_itself() {
        assert!(covers_path("now/table", true, "/api/now/table/incident"));
        assert!(covers_path(
            "now/table",
            true,
            "/api/now/v2/table/incident/abc"
        ));
        assert!(covers_path("now/table/u_x", true, "/api/now/v1/table/u_x"));
        assert!(!covers_path("now/table/u_x", true, "/api/now/table/u_xy"));
        assert!(!covers_path("now/table", false, "/api/now/table/incident"));
        assert!(covers_path(
            "now/table/incident",
            false,
            "/api/now/table/incident/"
        ));
        assert!(!covers_path(
            "now/table",
            true,
            "/api/now/ui/user/current_user"
        ));
        assert!(!covers_path("now/table", true, "/now/table/incident"));
    }

    #[test]
    fn odd_api_paths_are_literal_and_an_empty_one_covers_nothing() {
        assert!(!covers_path(
            "now/v2/table",
            true,
            "/api/now/v2/table/incident"
        ));
        assert!(!covers_path("now/table/*", true, "/api/now/table/incident"));
        assert!(!covers_path("", true, "/api/now/table/incident"));
        assert!(!covers_path("/", true, "/api/now/table/incident"));
        assert!(covers_path("/now/table/", true, "/api/now/table/incident"));
    }

    #[test]
    fn the_method_rule() {
        assert!(covers_method(true, "GET", "DELETE"));
        assert!(covers_method(false, " ", "DELETE"));
        assert!(covers_method(false, "get, POST", "GET"));
        assert!(!covers_method(false, "POST,PUT", "GET"));
    }

    fn segment() -> impl Strategy<Value = String> {
        "[a-z_]{1,8}".prop_filter("not a version", |text| !is_version(text))
    }

    fn path() -> impl Strategy<Value = Vec<String>> {
        prop::collection::vec(segment(), 1..5)
    }

    proptest! {
        #[test]
        fn a_binding_covers_every_extension_of_its_path(binding in path(), extra in prop::collection::vec(segment(), 0..4)) {
            let request = format!("/api/{}", [binding.clone(), extra.clone()].concat().join("/"));
            let api_path = binding.join("/");
            prop_assert!(covers_path(&api_path, true, &request));
            prop_assert_eq!(covers_path(&api_path, false, &request), extra.is_empty());
        }

        #[test]
        fn a_version_after_the_first_segment_changes_nothing(binding in path(), request in path(), version in "v[12]", all in any::<bool>()) {
            let plain = format!("/api/{}", request.join("/"));
            let mut versioned = request.clone();
            versioned.insert(1, version);
            let versioned = format!("/api/{}", versioned.join("/"));
            let api_path = binding.join("/");
            prop_assert_eq!(covers_path(&api_path, all, &plain), covers_path(&api_path, all, &versioned));
        }

        #[test]
        fn a_binding_covers_only_requests_that_start_with_it(binding in path(), request in path()) {
            let covered = covers_path(&binding.join("/"), true, &format!("/api/{}", request.join("/")));
            prop_assert_eq!(covered, request.starts_with(&binding));
        }

        #[test]
        fn any_text_is_answered(api_path in ".{0,40}", request in ".{0,60}", all in any::<bool>(), method in ".{0,10}", listed in ".{0,20}") {
            let _ = covers_path(&api_path, all, &request);
            let _ = covers_method(false, &listed, &method);
        }
    }
}

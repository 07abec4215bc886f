//! Which REST API a request calls (catalogue §17), as an instance knows its APIs: the active `sys_ws_definition`
//! whose `base_uri` the request's path starts with (a version segment after the namespace, `v1`, `v2`…, set
//! aside), the active `sys_ws_operation` of it whose method and `relative_path` fit the rest of the path
//! (`{name}` matches any one segment), and the version the path names. Auth scope bindings, access policies and
//! rate limit rules name APIs by these records.

use std::cell::OnceCell;

use crate::mock::tables::schema::{SYS_WS_DEFINITION, SYS_WS_OPERATION};
use crate::mock::tables::store::{RecordRef, Store};

/// The sys_id of the Table API's `sys_ws_definition` on the mock (the mock's choice: a real instance's is its own).
pub(crate) const TABLE_API_SYS_ID: &str = "0a7c4e11c3f11200e86d5eae5cba8f43";

/// A request's API, resource and version.
#[derive(Clone, Copy)]
pub(crate) struct ApiCall<'a> {
    pub definition: RecordRef<'a>,
    /// The resource that serves the request's method and path, if one does.
    pub operation: Option<RecordRef<'a>>,
    /// The version segment the path names (`v2`), if it names one.
    pub version: Option<&'a str>,
    /// The path below the API's `base_uri`, without its leading `/`.
    resource_path: &'a str,
}

impl<'a> ApiCall<'a> {
    /// For a call of the Table API, the table it names.
    pub(crate) fn table(&self) -> Option<&'a str> {
        (self.definition.sys_id() == TABLE_API_SYS_ID)
            .then(|| segments(self.resource_path).next())
            .flatten()
    }
}

/// A request's call, resolved at most once, and only when a rule asks for it (most requests meet no rule that
/// names an API).
pub(crate) struct LazyCall<'a> {
    store: &'a Store,
    method: &'a str,
    path: &'a str,
    call: OnceCell<Option<ApiCall<'a>>>,
}

impl<'a> LazyCall<'a> {
    pub(crate) fn new(store: &'a Store, method: &'a str, path: &'a str) -> LazyCall<'a> {
        LazyCall {
            store,
            method,
            path,
            call: OnceCell::new(),
        }
    }

    /// The call (see [`resolve`]).
    pub(crate) fn get(&self) -> Option<&ApiCall<'a>> {
        self.call
            .get_or_init(|| resolve(self.store, self.method, self.path))
            .as_ref()
    }

    /// The request's method.
    pub(crate) fn method(&self) -> &'a str {
        self.method
    }

    /// The request's path.
    pub(crate) fn path(&self) -> &'a str {
        self.path
    }
}

/// The API, resource and version `method path` calls; `None` when no active API's `base_uri` starts the path.
/// When two APIs' paths start it, the longer one is called.
pub(crate) fn resolve<'a>(store: &'a Store, method: &str, path: &'a str) -> Option<ApiCall<'a>> {
    let after_api = path.strip_prefix("/api/")?;
    let (namespace, rest) = after_api.split_once('/').unwrap_or((after_api, ""));
    let (version, rest) = match rest.split_once('/') {
        Some((first, tail)) if is_version(first) => (Some(first), tail),
        None if is_version(rest) => (Some(rest), ""),
        _ => (None, rest),
    };
    let (definition, resource_path) = store
        .all(SYS_WS_DEFINITION)
        .filter(|definition| definition.is_true("active"))
        .filter_map(|definition| {
            let base = definition.raw("base_uri")?.strip_prefix("/api/")?;
            let (base_namespace, service) = base.split_once('/')?;
            if base_namespace != namespace {
                return None;
            }
            let below = strip_segments(rest, service)?;
            Some((definition, below))
        })
        .max_by_key(|(definition, _)| definition.raw("base_uri").map_or(0, str::len))?;
    let operation = store
        .all(SYS_WS_OPERATION)
        .filter(|operation| operation.raw("web_service_definition") == Some(definition.sys_id()))
        .filter(|operation| operation.is_true("active"))
        .filter(|operation| {
            let listed = operation.raw("http_method").unwrap_or_default();
            listed.trim().eq_ignore_ascii_case(method)
        })
        .find(|operation| {
            let template = operation.raw("relative_path").unwrap_or_default();
            fits(template, resource_path)
        });
    Some(ApiCall {
        definition,
        operation,
        version,
        resource_path,
    })
}

/// `path` below `prefix`, compared segment by segment; `None` when `prefix` does not start it or is empty.
fn strip_segments<'p>(path: &'p str, prefix: &str) -> Option<&'p str> {
    let mut rest = path.trim_start_matches('/');
    let mut wanted = segments(prefix).peekable();
    wanted.peek()?;
    for segment in wanted {
        let (first, tail) = rest.split_once('/').unwrap_or((rest, ""));
        if first != segment {
            return None;
        }
        rest = tail.trim_start_matches('/');
    }
    Some(rest)
}

/// Whether a resource's `relative_path` template fits a path: segment for segment, `{name}` fitting any one.
fn fits(template: &str, path: &str) -> bool {
    let mut path = segments(path);
    for wanted in segments(template) {
        let Some(given) = path.next() else {
            return false;
        };
        let parameter = wanted.starts_with('{') && wanted.ends_with('}');
        if !parameter && wanted != given {
            return false;
        }
    }
    path.next().is_none()
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|segment| !segment.is_empty())
}

/// `v` and a number: a version segment of a REST API's path.
pub(crate) fn is_version(segment: &str) -> bool {
    segment
        .strip_prefix('v')
        .is_some_and(|number| !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::mock::tables::schema::SYS_WS_OPERATION;

    /// A store with the Table API (two resources) and a Scripted REST API `global/sncc_x` with `GET /probe`.
    fn store() -> (Store, String) {
        let mut store = Store::default();
        let table_api: &[(&str, &str)] = &[
            ("sys_id", TABLE_API_SYS_ID),
            ("name", "Table API"),
            ("service_id", "table"),
            ("namespace", "now"),
        ];
        store.insert(SYS_WS_DEFINITION, table_api, "system", 0);
        for (name, method, path) in [
            ("list", "GET", "/{tableName}"),
            ("read", "GET", "/{tableName}/{sys_id}"),
        ] {
            let operation: &[(&str, &str)] = &[
                ("web_service_definition", TABLE_API_SYS_ID),
                ("name", name),
                ("http_method", method),
                ("relative_path", path),
            ];
            store.insert(SYS_WS_OPERATION, operation, "system", 0);
        }
        let own: &[(&str, &str)] = &[("name", "sncc x"), ("service_id", "sncc_x")];
        let own = store.insert(SYS_WS_DEFINITION, own, "admin", 0);
        let probe: &[(&str, &str)] = &[
            ("web_service_definition", &own),
            ("name", "probe"),
            ("relative_path", "/probe"),
        ];
        store.insert(SYS_WS_OPERATION, probe, "admin", 0);
        (store, own)
    }

    fn operation_name(call: &ApiCall<'_>) -> Option<String> {
        call.operation
            .and_then(|operation| operation.raw("name"))
            .map(str::to_owned)
    }

    #[test]
    fn a_table_api_call_names_its_resource_version_and_table() {
        let (store, _) = store();
        let call = resolve(&store, "GET", "/api/now/v2/table/incident").unwrap();
        assert_eq!(call.definition.sys_id(), TABLE_API_SYS_ID);
        assert_eq!(operation_name(&call).as_deref(), Some("list"));
        assert_eq!((call.version, call.table()), (Some("v2"), Some("incident")));
        let call = resolve(&store, "get", "/api/now/table/incident/abc").unwrap();
        assert_eq!(operation_name(&call).as_deref(), Some("read"));
        assert_eq!((call.version, call.table()), (None, Some("incident")));
        let call = resolve(&store, "DELETE", "/api/now/table/incident/abc").unwrap();
        assert!(call.operation.is_none(), "no DELETE resource in this store");
        assert!(resolve(&store, "GET", "/api/now/ui/user/current_user").is_none());
        assert!(resolve(&store, "GET", "/api/now/tables/incident").is_none());
    }

    #[test]
    fn a_scripted_rest_call_names_its_api_and_resource() {
        let (mut store, own) = store();
        let call = resolve(&store, "GET", "/api/global/sncc_x/probe").unwrap();
        assert_eq!(call.definition.sys_id(), own);
        assert_eq!(operation_name(&call).as_deref(), Some("probe"));
        assert_eq!(call.table(), None);
        let versioned = resolve(&store, "GET", "/api/global/v1/sncc_x/probe").unwrap();
        assert_eq!(versioned.version, Some("v1"));
        assert!(
            resolve(&store, "GET", "/api/global/sncc_x/probe/more")
                .is_some_and(|call| call.operation.is_none())
        );
        assert!(
            resolve(&store, "POST", "/api/global/sncc_x/probe")
                .is_some_and(|call| call.operation.is_none())
        );
        assert!(resolve(&store, "GET", "/api/global/sncc_xy/probe").is_none());
        store.update(SYS_WS_DEFINITION, &own, &[("active", "false")], "admin", 0);
        assert!(resolve(&store, "GET", "/api/global/sncc_x/probe").is_none());
    }

    #[test]
    fn versions_are_v_and_a_number() {
        for version in ["v1", "v2", "v10"] {
            assert!(is_version(version), "{version}");
        }
        for other in ["v", "", "1", "vx", "v1a", "table"] {
            assert!(!is_version(other), "{other}");
        }
    }

    proptest! {
        #[test]
        fn any_path_and_method_is_answered(method in ".{0,8}", path in ".{0,80}") {
            let (store, _) = store();
            let _ = resolve(&store, &method, &path);
            let _ = resolve(&store, &method, &format!("/api/{path}"));
        }

        #[test]
        fn a_template_fits_its_own_segments_and_any_value_of_a_parameter(fixed in "[a-z]{1,8}", value in "[a-z0-9]{1,8}") {
            let template = format!("/{fixed}/{{id}}");
            let (filled, longer) = (format!("{fixed}/{value}"), format!("{fixed}/{value}/x"));
            prop_assert!(fits(&template, &filled));
            prop_assert!(!fits(&template, &fixed));
            prop_assert!(!fits(&template, &longer));
        }
    }
}

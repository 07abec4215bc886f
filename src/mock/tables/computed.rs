//! Computed columns: the values the instance derives from others on every insert and update, the one place
//! where code stands beside the schema's data.

use super::schema::Computed;

/// catalogue §12: incident priority from impact × urgency (1,1→1; 1,2 and 2,1→2; 1,3, 2,2 and 3,1→3; 2,3 and
/// 3,2→4; 3,3→5). `None` when either is not 1, 2 or 3: the priority stays as it was.
pub(crate) fn incident_priority(impact: &str, urgency: &str) -> Option<String> {
    let level = |value: &str| {
        value
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|n| (1..=3).contains(n))
    };
    Some((level(impact)? + level(urgency)? - 1).to_string())
}

/// A user's `name`: first and last name, as an instance fills it.
pub(crate) fn full_name(first: &str, last: &str) -> String {
    format!("{first} {last}").trim().to_owned()
}

/// catalogue §17: a REST API's `base_uri`, `/api/<namespace>/<service_id>` (a global API's namespace is `global` on
/// the mock, inferred: a real instance names it after the company); `None` without an API id.
pub(crate) fn api_base_uri(namespace: &str, service_id: &str) -> Option<String> {
    let service_id = service_id.trim().trim_matches('/');
    if service_id.is_empty() {
        return None;
    }
    let namespace = namespace.trim().trim_matches('/');
    let namespace = if namespace.is_empty() {
        "global"
    } else {
        namespace
    };
    Some(format!("/api/{namespace}/{service_id}"))
}

/// The value a computed column takes after a write, or `None` to keep it: `value` reads the record as
/// written, `written` says whether the write gave a column.
pub(crate) fn compute<'v>(
    rule: Computed,
    value: impl Fn(&str) -> &'v str,
    written: impl Fn(&str) -> bool,
) -> Option<String> {
    match rule {
        // Recomputed on every write, whatever the write gave for priority itself.
        Computed::IncidentPriority => incident_priority(value("impact"), value("urgency")),
        // Follows first and last name unless the write sets the name itself.
        Computed::FullName if written("name") => None,
        Computed::FullName if written("first_name") || written("last_name") => {
            Some(full_name(value("first_name"), value("last_name")))
        }
        Computed::FullName => None,
        // Recomputed on every write: the path is the instance's, never the writer's.
        Computed::ApiBaseUri => {
            Some(api_base_uri(value("namespace"), value("service_id")).unwrap_or_default())
        }
        // catalogue §12: mirrors `state` on every write (a write of the mirror alone is overwritten).
        Computed::StateMirror => Some(value("state").to_owned()),
        // catalogue §12: mirrors `number` (a virtual column on an instance).
        Computed::NumberMirror => Some(value("number").to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_priority_matrix() {
        let expected = [
            ("1", "1", "1"),
            ("1", "2", "2"),
            ("2", "1", "2"),
            ("1", "3", "3"),
            ("2", "2", "3"),
            ("3", "1", "3"),
            ("2", "3", "4"),
            ("3", "2", "4"),
            ("3", "3", "5"),
        ];
        for (impact, urgency, priority) in expected {
            assert_eq!(
                incident_priority(impact, urgency).as_deref(),
                Some(priority),
                "{impact},{urgency}"
            );
        }
        for (impact, urgency) in [("", "1"), ("4", "1"), ("1", "x"), ("0", "2")] {
            assert_eq!(incident_priority(impact, urgency), None);
        }
    }

    #[test]
    fn the_full_name_follows_unless_written() {
        let values = |column: &str| match column {
            "first_name" => "Abel",
            "last_name" => "Tuter",
            _ => "",
        };
        let only = |names: &'static [&'static str]| move |column: &str| names.contains(&column);
        let rule = Computed::FullName;
        assert_eq!(
            compute(rule, values, only(&["first_name"])).as_deref(),
            Some("Abel Tuter")
        );
        assert_eq!(compute(rule, values, only(&["first_name", "name"])), None);
        assert_eq!(compute(rule, values, only(&["email"])), None);
        assert_eq!(full_name("", "Tuter"), "Tuter");
    }

    #[test]
    fn an_apis_base_uri_is_its_namespace_and_id() {
        assert_eq!(
            api_base_uri("now", "table").as_deref(),
            Some("/api/now/table")
        );
        assert_eq!(
            api_base_uri("", " sncc_x ").as_deref(),
            Some("/api/global/sncc_x")
        );
        assert_eq!(api_base_uri("now", "  "), None);
        let values = |column: &str| match column {
            "service_id" => "sncc_1",
            _ => "",
        };
        let rule = Computed::ApiBaseUri;
        assert_eq!(
            compute(rule, values, |_| true).as_deref(),
            Some("/api/global/sncc_1")
        );
        assert_eq!(compute(rule, |_| "", |_| false).as_deref(), Some(""));
    }

    #[test]
    fn incident_state_follows_state_whatever_was_written() {
        let values = |column: &str| match column {
            "state" => "6",
            "incident_state" => "2",
            _ => "",
        };
        let rule = Computed::StateMirror;
        let written = |column: &str| column == "incident_state";
        assert_eq!(compute(rule, values, written).as_deref(), Some("6"));
    }
}

//! The path form a Table API request used (catalogue §12): unversioned, `v1` or `v2`. Every URL an answer
//! contains (`Link`, `Location`, each reference's `link`) keeps it, and only `v1` answers a query that matches
//! nothing with 404.

/// `/api/now/table/…`, `/api/now/v1/table/…` or `/api/now/v2/table/…`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum PathForm {
    #[default]
    Unversioned,
    V1,
    V2,
}

impl PathForm {
    /// The form of a request's path (anything but `/api/now/v1/…` and `/api/now/v2/…` is unversioned).
    pub(crate) fn of(path: &str) -> PathForm {
        if path.starts_with("/api/now/v1/") {
            PathForm::V1
        } else if path.starts_with("/api/now/v2/") {
            PathForm::V2
        } else {
            PathForm::Unversioned
        }
    }

    /// The Table API's root in this form at `base_url`: `https://<instance>/api/now[/v1|/v2]/table`.
    pub(crate) fn table_root(self, base_url: &str) -> String {
        let version = match self {
            PathForm::Unversioned => "",
            PathForm::V1 => "/v1",
            PathForm::V2 => "/v2",
        };
        format!("{base_url}/api/now{version}/table")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_is_read_from_the_path_and_kept_in_urls() {
        let form = PathForm::of("/api/now/v2/table/incident");
        assert_eq!(form, PathForm::V2);
        assert_eq!(form.table_root("https://i"), "https://i/api/now/v2/table");
        assert_eq!(PathForm::of("/api/now/v1/table/x"), PathForm::V1);
        let unversioned = PathForm::of("/api/now/table/v1");
        assert_eq!(unversioned.table_root("h"), "h/api/now/table");
    }
}

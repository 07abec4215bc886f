//! What the Table API sends (catalogue §2, §12): its refusals, a list page with its `X-Total-Count` and `Link`
//! headers, a created record with its `Location`, and the journal's note of the `sysparm_*` parameters it
//! ignored.

use axum::http::{HeaderName, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::acl::Operation;
use super::table_api::{self, Page, Params, TableError};
use crate::mock::wire::{self, NOT_MODELLED, failure};

/// The Table API's refusals, as an instance words them.
impl IntoResponse for TableError {
    fn into_response(self) -> Response {
        match self {
            TableError::InvalidTable(table) => failure(
                StatusCode::BAD_REQUEST,
                &format!("Invalid table {table}"),
                Some(&format!("Table {table} does not exist")),
            ),
            TableError::ReadDenied => failure(
                StatusCode::FORBIDDEN,
                "Insufficient rights to query records",
                None,
            ),
            TableError::WriteDenied(operation) => {
                let verb = match operation {
                    Operation::Insert => "Insert",
                    Operation::Update => "Update",
                    Operation::Delete => "Delete",
                };
                failure(
                    StatusCode::FORBIDDEN,
                    "Operation Failed",
                    Some(&format!(
                        "ACL Exception {verb} Failed due to security constraints"
                    )),
                )
            }
            TableError::NotFound => failure(
                StatusCode::NOT_FOUND,
                "No Record found",
                Some("Record doesn't exist or ACL restricts the record retrieval"),
            ),
            TableError::InvalidJson => failure(
                StatusCode::BAD_REQUEST,
                "Exception while reading request",
                Some("The payload is not valid JSON."),
            ),
        }
    }
}

/// A page of a list of `table`: its records, the number that matched in all (`X-Total-Count`) and, unless
/// `sysparm_suppress_pagination_header`, the `Link` header of the pages around it.
pub(crate) fn page(
    page: Page,
    params: &Params,
    pairs: &[(String, String)],
    base_url: &str,
    table: &str,
) -> Response {
    let mut response = wire::result(StatusCode::OK, Value::Array(page.records));
    let total_count = HeaderName::from_static("x-total-count");
    wire::add_header(&mut response, total_count, &page.total.to_string());
    if !params.suppress_pagination_header {
        let path = format!("{base_url}/api/now/table/{table}");
        let links = pagination_links(&path, pairs, params.offset, params.page_size(), page.total);
        wire::add_header(&mut response, header::LINK, &links);
    }
    response
}

/// A record created in `table`: 201, with its `Location`.
pub(crate) fn created(record: Value, base_url: &str, table: &str, sys_id: &str) -> Response {
    let mut response = wire::result(StatusCode::CREATED, record);
    let location = format!("{base_url}/api/now/table/{table}/{sys_id}");
    wire::add_header(&mut response, header::LOCATION, &location);
    response
}

/// The journal note naming the `sysparm_*` parameters of a request's query-string `pairs` that the Table API
/// ignores (catalogue §12), if it ignores any.
pub(crate) fn unmodelled_note(pairs: &[(String, String)]) -> Option<String> {
    let ignored = table_api::unmodelled_parameters(pairs);
    (!ignored.is_empty()).then(|| format!("{NOT_MODELLED}: ignored {}", ignored.join(", ")))
}

/// The `Link` header of a list page: first, previous, next and last pages, as an instance sends it.
fn pagination_links(
    path: &str,
    pairs: &[(String, String)],
    offset: usize,
    limit: usize,
    total: usize,
) -> String {
    let page = |at: usize| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in pairs {
            if name != "sysparm_offset" && name != "sysparm_limit" {
                query.append_pair(name, value);
            }
        }
        query.append_pair("sysparm_limit", &limit.to_string());
        query.append_pair("sysparm_offset", &at.to_string());
        format!("<{path}?{}>", query.finish())
    };
    let last = total.saturating_sub(1) / limit * limit;
    let mut links = vec![format!("{};rel=\"first\"", page(0))];
    if offset > 0 {
        links.push(format!(
            "{};rel=\"prev\"",
            page(offset.saturating_sub(limit))
        ));
    }
    let next = offset.saturating_add(limit);
    if next < total {
        links.push(format!("{};rel=\"next\"", page(next)));
    }
    links.push(format!("{};rel=\"last\"", page(last)));
    links.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagination_links_name_the_pages_around_the_current_one() {
        let pairs = vec![("sysparm_query".to_owned(), "active=true".to_owned())];
        let links = pagination_links("https://i/api/now/table/sys_user", &pairs, 2, 2, 5);
        let expected = [
            r#"<https://i/api/now/table/sys_user?sysparm_query=active%3Dtrue&sysparm_limit=2&sysparm_offset=0>;rel="first""#,
            r#"<https://i/api/now/table/sys_user?sysparm_query=active%3Dtrue&sysparm_limit=2&sysparm_offset=0>;rel="prev""#,
            r#"<https://i/api/now/table/sys_user?sysparm_query=active%3Dtrue&sysparm_limit=2&sysparm_offset=4>;rel="next""#,
            r#"<https://i/api/now/table/sys_user?sysparm_query=active%3Dtrue&sysparm_limit=2&sysparm_offset=4>;rel="last""#,
        ];
        assert_eq!(links, expected.join(","));
        let single = pagination_links("p", &[], 0, 10, 0);
        assert_eq!(
            single,
            r#"<p?sysparm_limit=10&sysparm_offset=0>;rel="first",<p?sysparm_limit=10&sysparm_offset=0>;rel="last""#
        );
    }
}

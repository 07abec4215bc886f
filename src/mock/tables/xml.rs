//! The Table API's XML form (catalogue §12): `Accept: application/xml` gets the JSON envelope as
//! `<response><result>…</result></response>`, one `<result>` per record of a list, fields as elements, errors as
//! `<response><error>…</error><status>failure</status></response>`.

use serde_json::Value;

/// The content type of an XML answer.
pub(crate) const XML_UTF8: &str = "application/xml;charset=UTF-8";

/// Whether a request's `Accept` asks for XML: the first of JSON or XML it names (in order, weights
/// aside) is XML. No `Accept`, or `*/*`, is JSON.
pub(crate) fn wants_xml(accept: Option<&str>) -> bool {
    let mut media_types = accept.unwrap_or_default().split(',').map(|item| {
        let media_type = item.split(';').next().unwrap_or_default();
        media_type.trim().to_ascii_lowercase()
    });
    media_types
        .find(|media_type| {
            matches!(
                media_type.as_str(),
                "application/json" | "application/xml" | "text/xml"
            )
        })
        .is_some_and(|media_type| media_type != "application/json")
}

/// A JSON answer's XML form: its top-level members inside `<response>`; an array member repeats its element.
pub(crate) fn render(body: &Value) -> String {
    let mut xml = String::from(r#"<?xml version="1.0" encoding="UTF-8"?><response>"#);
    if let Value::Object(members) = body {
        for (name, value) in members {
            element(&mut xml, name, value);
        }
    }
    xml.push_str("</response>");
    xml
}

fn element(xml: &mut String, name: &str, value: &Value) {
    if let Value::Array(items) = value {
        for item in items {
            element(xml, name, item);
        }
        return;
    }
    let name = element_name(name);
    xml.push('<');
    xml.push_str(&name);
    xml.push('>');
    match value {
        Value::Object(members) => {
            for (member, value) in members {
                element(xml, member, value);
            }
        }
        Value::Null => {}
        Value::String(text) => escape_into(xml, text),
        other => escape_into(xml, &other.to_string()),
    }
    xml.push_str("</");
    xml.push_str(&name);
    xml.push('>');
}

/// A field name as an XML element name: characters XML does not allow become `_`, as does a first
/// character that cannot start a name.
fn element_name(name: &str) -> String {
    let mut element: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !element.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        element.insert(0, '_');
    }
    element
}

fn escape_into(xml: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => xml.push_str("&lt;"),
            '>' => xml.push_str("&gt;"),
            '&' => xml.push_str("&amp;"),
            '"' => xml.push_str("&quot;"),
            '\'' => xml.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all are dropped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => xml.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    #[test]
    fn accept_decides_by_the_first_of_json_or_xml() {
        assert!(wants_xml(Some("application/xml")));
        assert!(wants_xml(Some(
            "text/html, application/xml;q=0.9, application/json;q=0.8"
        )));
        assert!(!wants_xml(Some("application/json, application/xml")));
        assert!(!wants_xml(Some("*/*")));
        assert!(!wants_xml(None));
    }

    #[test]
    fn a_list_repeats_result_and_references_nest() {
        let body = json!({"result": [
            {"number": "INC0010001", "caller_id": {"link": "https://i/x", "value": "abc"}},
            {"number": "A&B <c>", "empty": null},
        ]});
        assert_eq!(
            render(&body),
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?><response>"#,
                "<result><number>INC0010001</number><caller_id><link>https://i/x</link><value>abc</value></caller_id></result>",
                "<result><number>A&amp;B &lt;c&gt;</number><empty></empty></result>",
                "</response>"
            )
        );
        assert_eq!(
            render(&json!({"result": []})),
            r#"<?xml version="1.0" encoding="UTF-8"?><response></response>"#
        );
    }

    #[test]
    fn errors_and_odd_names_stay_well_formed() {
        let body =
            json!({"error": {"message": "Invalid table x", "detail": null}, "status": "failure"});
        assert!(render(&body).ends_with(
            "<response><error><message>Invalid table x</message><detail></detail></error><status>failure</status></response>"
        ));
        assert_eq!(element_name("user.user_name"), "user.user_name");
        assert_eq!(element_name("1 <x>"), "_1__x_");
    }

    proptest! {
        #[test]
        fn text_never_opens_an_element(text in ".{0,40}", name in ".{0,20}") {
            let xml = render(&json!({ "result": { name: text } }));
            let inner = xml.trim_start_matches(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
            prop_assert_eq!(inner.matches('<').count(), 6);
        }
    }
}

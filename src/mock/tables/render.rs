//! Records as the Table API shows them: string values, reference links, display values (choice labels,
//! references' display columns), chosen fields.

use serde_json::{Map, Value, json};

use super::fields::{referenced_table, resolves};
use super::schema::Kind;
use super::store::{RecordRef, Store};

/// `sysparm_display_value`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum DisplayValue {
    #[default]
    False,
    True,
    All,
}

impl DisplayValue {
    pub(crate) fn parse(text: &str) -> DisplayValue {
        match text.to_ascii_lowercase().as_str() {
            "true" => DisplayValue::True,
            "all" => DisplayValue::All,
            _ => DisplayValue::False,
        }
    }
}

/// How records are rendered for one request.
#[derive(Clone, Debug, Default)]
pub(crate) struct Rendering {
    /// `sysparm_fields`; `None` renders every column.
    pub fields: Option<Vec<String>>,
    pub display_value: DisplayValue,
    pub exclude_reference_link: bool,
    /// The Table API's root in the request's path form (`https://<instance>/api/now[/v1|/v2]/table`), for
    /// reference links (catalogue §12).
    pub table_root: String,
}

impl Rendering {
    pub(crate) fn render(&self, record: RecordRef<'_>, store: &Store) -> Value {
        let mut object = Map::new();
        match &self.fields {
            None => {
                for (position, column) in record.table().all_columns().enumerate() {
                    object.insert(column.name.clone(), self.column(record, position, store));
                }
            }
            Some(fields) => {
                for name in fields {
                    if resolves(record.table(), name, store) {
                        object.insert(name.clone(), self.field(record, name, store));
                    }
                }
            }
        }
        Value::Object(object)
    }

    /// One field; `reference.column` walks references (as `sysparm_fields=user.user_name` does).
    fn field(&self, record: RecordRef<'_>, name: &str, store: &Store) -> Value {
        if let Some((reference, rest)) = name.split_once('.') {
            return referenced(record, reference, store).map_or_else(
                || self.plain("", ""),
                |target| self.field(target, rest, store),
            );
        }
        let position = record.table().position(name).expect("resolved field");
        self.column(record, position, store)
    }

    /// The column at `position`: a reference object, or a value with its choice label as display value.
    fn column(&self, record: RecordRef<'_>, position: usize, store: &Store) -> Value {
        let column = record.table().column_at(position);
        let value = record.shown_at(position);
        match &column.kind {
            Kind::Reference(target) if !value.is_empty() => self.reference(target, value, store),
            _ => self.plain(value, column.choice_label(value).unwrap_or(value)),
        }
    }

    fn plain(&self, value: &str, display: &str) -> Value {
        match self.display_value {
            DisplayValue::False => Value::from(value),
            DisplayValue::True => Value::from(display),
            DisplayValue::All => json!({ "display_value": display, "value": value }),
        }
    }

    fn reference(&self, target: &str, sys_id: &str, store: &Store) -> Value {
        let display = store
            .table(target)
            .and_then(|table| store.get(target, sys_id)?.shown(&table.display_column))
            .unwrap_or_default();
        let link = format!("{}/{target}/{sys_id}", self.table_root);
        match (self.display_value, self.exclude_reference_link) {
            (DisplayValue::False, true) => Value::from(sys_id),
            (DisplayValue::False, false) => json!({ "link": link, "value": sys_id }),
            (DisplayValue::True, true) => Value::from(display),
            (DisplayValue::True, false) => json!({ "display_value": display, "link": link }),
            (DisplayValue::All, true) => json!({ "display_value": display, "value": sys_id }),
            (DisplayValue::All, false) => {
                json!({ "display_value": display, "link": link, "value": sys_id })
            }
        }
    }
}

/// The record a reference column of `record` points at.
fn referenced<'s>(record: RecordRef<'s>, column: &str, store: &'s Store) -> Option<RecordRef<'s>> {
    let target = referenced_table(record.table(), column, store)?;
    store.get(&target.name, record.raw(column)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::tables::schema::{OAUTH_ENTITY, SYS_USER};

    fn store() -> (Store, String) {
        let mut store = Store::default();
        let user = store.insert(
            SYS_USER,
            &[
                ("user_name", "svc.cc"),
                ("first_name", "Svc"),
                ("last_name", "CC"),
            ],
            "admin",
            0,
        );
        let entity = store.insert(
            OAUTH_ENTITY,
            &[("name", "svc-cc"), ("user", &user), ("client_secret", "s")],
            "admin",
            0,
        );
        (store, entity)
    }

    fn render(rendering: &Rendering, store: &Store, entity: &str) -> Value {
        rendering.render(store.get(OAUTH_ENTITY, entity).unwrap(), store)
    }

    fn rendering(fields: &[&str], display_value: DisplayValue, exclude: bool) -> Rendering {
        Rendering {
            fields: Some(fields.iter().map(|f| f.to_string()).collect()),
            display_value,
            exclude_reference_link: exclude,
            table_root: "https://i.example/api/now/table".into(),
        }
    }

    #[test]
    fn references_carry_links_unless_excluded() {
        let (store, entity) = store();
        let user = store
            .get(OAUTH_ENTITY, &entity)
            .unwrap()
            .raw("user")
            .unwrap()
            .to_owned();
        let link = format!("https://i.example/api/now/table/sys_user/{user}");
        let cases = [
            (
                DisplayValue::False,
                false,
                json!({"user": {"link": link, "value": user}}),
            ),
            (DisplayValue::False, true, json!({"user": user})),
            (
                DisplayValue::True,
                false,
                json!({"user": {"display_value": "Svc CC", "link": link}}),
            ),
            (DisplayValue::True, true, json!({"user": "Svc CC"})),
            (
                DisplayValue::All,
                true,
                json!({"user": {"display_value": "Svc CC", "value": user}}),
            ),
            (
                DisplayValue::All,
                false,
                json!({"user": {"display_value": "Svc CC", "link": link, "value": user}}),
            ),
        ];
        for (display, exclude, expected) in cases {
            assert_eq!(
                render(&rendering(&["user"], display, exclude), &store, &entity),
                expected
            );
        }
    }

    #[test]
    fn secrets_are_masked_unknown_fields_dropped_and_dot_walks_followed() {
        let (store, entity) = store();
        let fields = [
            "client_secret",
            "nope",
            "user.user_name",
            "user.nope",
            "name",
        ];
        let shown = render(
            &rendering(&fields, DisplayValue::False, false),
            &store,
            &entity,
        );
        assert_eq!(
            shown,
            json!({"client_secret": "********", "user.user_name": "svc.cc", "name": "svc-cc"})
        );
    }

    #[test]
    fn all_columns_render_in_schema_order_with_display_pairs() {
        let (store, entity) = store();
        let everything = Rendering {
            display_value: DisplayValue::All,
            table_root: "/api/now/table".into(),
            ..Rendering::default()
        };
        let shown = render(&everything, &store, &entity);
        let keys: Vec<_> = shown.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys.first().map(String::as_str), Some("sys_id"));
        assert_eq!(keys.len(), store.table(OAUTH_ENTITY).unwrap().width());
        assert_eq!(
            shown["active"],
            json!({"display_value": "true", "value": "true"})
        );
        assert_eq!(
            shown["user"]["link"],
            json!(format!(
                "/api/now/table/sys_user/{}",
                shown["user"]["value"].as_str().unwrap()
            ))
        );
    }
}

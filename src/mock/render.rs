//! Records as the Table API shows them: string values, reference links, display values, chosen fields.

use serde_json::{Map, Value, json};

use super::schema::{self, Kind};
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
    /// The instance's base URL, for reference links.
    pub base_url: String,
}

impl Rendering {
    pub(crate) fn render(&self, record: RecordRef<'_>, store: &Store) -> Value {
        let mut object = Map::new();
        match &self.fields {
            None => {
                for column in record.table().all_columns() {
                    object.insert(
                        column.name.to_owned(),
                        self.field(record, column.name, store),
                    );
                }
            }
            Some(fields) => {
                for name in fields {
                    if resolves(record, name) {
                        object.insert(name.clone(), self.field(record, name, store));
                    }
                }
            }
        }
        Value::Object(object)
    }

    /// One field; `reference.column` walks one reference (as `sysparm_fields=user.user_name` does).
    fn field(&self, record: RecordRef<'_>, name: &str, store: &Store) -> Value {
        if let Some((reference, column)) = name.split_once('.') {
            return referenced(record, reference, store).map_or_else(
                || self.plain(""),
                |target| self.field(target, column, store),
            );
        }
        let column = record.table().column(name).expect("resolved field");
        let value = record.shown(name).unwrap_or_default();
        match column.kind {
            Kind::Reference(target) if !value.is_empty() => self.reference(target, value, store),
            _ => self.plain(value),
        }
    }

    fn plain(&self, value: &str) -> Value {
        match self.display_value {
            DisplayValue::All => json!({ "display_value": value, "value": value }),
            _ => Value::from(value),
        }
    }

    fn reference(&self, target: &str, sys_id: &str, store: &Store) -> Value {
        let table = schema::table(target).expect("references name served tables");
        let display = store
            .get(table, sys_id)
            .and_then(|row| row.shown(table.display_column))
            .unwrap_or_default();
        let link = format!("{}/api/now/table/{target}/{sys_id}", self.base_url);
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

fn referenced<'s>(record: RecordRef<'s>, column: &str, store: &'s Store) -> Option<RecordRef<'s>> {
    let Kind::Reference(target) = record.table().column(column)?.kind else {
        return None;
    };
    store.get(schema::table(target)?, record.raw(column)?)
}

/// Whether a requested field names a column (or a column across one reference).
fn resolves(record: RecordRef<'_>, name: &str) -> bool {
    match name.split_once('.') {
        None => record.table().column(name).is_some(),
        Some((reference, column)) => match record.table().column(reference).map(|c| c.kind) {
            Some(Kind::Reference(target)) => schema::table(target)
                .is_some_and(|table| !column.contains('.') && table.column(column).is_some()),
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::schema::{OAUTH_ENTITY, SYS_USER};

    fn store() -> (Store, String) {
        let mut store = Store::default();
        let user = store.insert(
            &SYS_USER,
            &[
                ("user_name", "svc.cc"),
                ("first_name", "Svc"),
                ("last_name", "CC"),
            ],
            "admin",
            0,
        );
        let entity = store.insert(
            &OAUTH_ENTITY,
            &[("name", "svc-cc"), ("user", &user), ("client_secret", "s")],
            "admin",
            0,
        );
        (store, entity)
    }

    fn render(rendering: &Rendering, store: &Store, entity: &str) -> Value {
        rendering.render(store.get(&OAUTH_ENTITY, entity).unwrap(), store)
    }

    fn rendering(fields: &[&str], display_value: DisplayValue, exclude: bool) -> Rendering {
        Rendering {
            fields: Some(fields.iter().map(|f| f.to_string()).collect()),
            display_value,
            exclude_reference_link: exclude,
            base_url: "https://i.example".into(),
        }
    }

    #[test]
    fn references_carry_links_unless_excluded() {
        let (store, entity) = store();
        let user = store
            .get(&OAUTH_ENTITY, &entity)
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
            ..Rendering::default()
        };
        let shown = render(&everything, &store, &entity);
        let keys: Vec<_> = shown.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys.first().map(String::as_str), Some("sys_id"));
        assert_eq!(keys.len(), OAUTH_ENTITY.width());
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

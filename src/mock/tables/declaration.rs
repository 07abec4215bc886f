//! Tables declared as data (TOML): the out-of-box schema file and a seed's `[[tables]]`, resolved into
//! [`Table`]s (inheritance, dictionary overrides, defaults), with every mistake a declaration can make
//! caught before any instance exists, each naming where it was declared.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::sync::{Arc, LazyLock};

use serde::Deserialize;
use toml::Spanned;

use super::schema::{Choice, Column, Computed, Default, Generated, Kind, Table};
use crate::servicenow::glide_time::parse_glide_datetime;

/// The out-of-box schema file: the system columns, then the tables.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SchemaFile {
    system_columns: Vec<Spanned<ColumnDecl>>,
    tables: Vec<TableDecl>,
}

/// One `[[tables]]` entry. A second entry for a table already declared amends it: its columns are added,
/// its overrides and the settings it gives replace the earlier ones.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TableDecl {
    name: Spanned<String>,
    label: Option<String>,
    extends: Option<Spanned<String>>,
    display: Option<Spanned<String>>,
    read: Option<Vec<String>>,
    write: Option<Vec<String>>,
    unique: Option<Spanned<String>>,
    number_prefix: Option<String>,
    #[serde(default)]
    columns: Vec<Spanned<ColumnDecl>>,
    /// Dictionary overrides of inherited (or own) columns, by column name.
    #[serde(default, rename = "override")]
    overrides: BTreeMap<String, Spanned<OverrideDecl>>,
    /// Set for the out-of-box file's declarations: a mistake found there has no seed line.
    #[serde(skip)]
    builtin: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnDecl {
    name: String,
    #[serde(rename = "type")]
    internal_type: String,
    label: Option<String>,
    reference: Option<String>,
    max_length: Option<u32>,
    #[serde(default)]
    mandatory: bool,
    default: Option<String>,
    generated: Option<String>,
    computed: Option<String>,
    /// `[value, label]` pairs; present (even empty) makes a choice column.
    choices: Option<Vec<(String, String)>>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideDecl {
    default: Option<String>,
    computed: Option<String>,
    choices: Option<Vec<(String, String)>>,
}

/// Every table declaration, in order.
pub(crate) type Declarations = Vec<TableDecl>;

/// A declaration that cannot be resolved; `at` is its place in the seed's text (`None` in the out-of-box file).
#[derive(Debug, thiserror::Error)]
#[error("{problem}")]
pub(crate) struct DeclarationError {
    pub at: Option<Range<usize>>,
    pub problem: Problem,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Problem {
    #[error("column {column} of table {table} is declared twice")]
    DuplicateColumn { table: String, column: String },
    #[error("{table}.{column} references table {target}, which does not exist")]
    MissingReference {
        table: String,
        column: String,
        target: String,
    },
    #[error("table {table} extends {parent}, which does not exist")]
    MissingParent { table: String, parent: String },
    #[error("table {0} extends itself")]
    Cycle(String),
    #[error("table {table} already extends {was}; a seed cannot change that")]
    ExtendsChanged { table: String, was: String },
    #[error(
        "{table}.{column}: unknown type {kind} (string, GUID, boolean, integer, glide_date_time, reference, password2, \
         or another out-of-box internal type: see the README's mock section)"
    )]
    UnknownType {
        table: String,
        column: String,
        kind: String,
    },
    #[error("{table}.{column}: a reference column names its table (reference = \"<table>\")")]
    ReferenceWithoutTable { table: String, column: String },
    #[error("{table}.{column}: only a reference or glide_list column names a table")]
    TableWithoutReference { table: String, column: String },
    #[error("{table}.{column}: unknown generated value {name} (client_id, secret, number, now)")]
    UnknownGenerated {
        table: String,
        column: String,
        name: String,
    },
    #[error(
        "{table}.{column}: unknown computed rule {name} (incident_priority, full_name, api_base_uri)"
    )]
    UnknownComputed {
        table: String,
        column: String,
        name: String,
    },
    #[error("{table}.{column}: the rule {rule} needs column {needs}")]
    ComputedInputMissing {
        table: String,
        column: String,
        rule: &'static str,
        needs: &'static str,
    },
    #[error("{table}.{column} is not a choice column: it takes no choices")]
    ChoiceOnNonChoiceColumn { table: String, column: String },
    #[error("{table}: no column {column} to override")]
    OverrideOfMissingColumn { table: String, column: String },
    #[error("{table}: its {role} column {column} does not exist")]
    MissingSpecialColumn {
        table: String,
        role: &'static str,
        column: String,
    },
    #[error("{table}.{column}: {value:?} is not a valid {kind} value")]
    BadValue {
        table: String,
        column: String,
        kind: String,
        value: String,
    },
}

impl Problem {
    fn at(self, span: Option<Range<usize>>) -> DeclarationError {
        DeclarationError {
            at: span,
            problem: self,
        }
    }
}

/// A resolved set of tables, with the system columns every table starts with.
#[derive(Debug)]
pub(crate) struct Schema {
    pub system_columns: Vec<Column>,
    pub tables: Vec<Arc<Table>>,
    /// The declarations the tables were resolved from, for seeds that amend or extend them.
    pub declarations: Declarations,
}

/// The out-of-box schema, as data.
const OUT_OF_BOX_TOML: &str = include_str!("../../../fixtures/schema/out_of_box.toml");

/// The out-of-box schema, read once from its data file (a test proves it loads).
pub(crate) fn out_of_box() -> &'static Schema {
    static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
        resolve_out_of_box(OUT_OF_BOX_TOML)
            .unwrap_or_else(|error| panic!("fixtures/schema/out_of_box.toml: {error}"))
    });
    &SCHEMA
}

/// A table's own copies of the system columns, its first columns when it extends no other.
pub(crate) fn system_columns_of(system_columns: &[Column], table: &str) -> Vec<Column> {
    system_columns
        .iter()
        .cloned()
        .map(|column| Column {
            defined_on: table.to_owned(),
            choices_on: table.to_owned(),
            ..column
        })
        .collect()
}

/// Reads and resolves the out-of-box schema file.
fn resolve_out_of_box(text: &str) -> Result<Schema, String> {
    let file: SchemaFile = toml::from_str(text).map_err(|error| error.to_string())?;
    let mut declarations = file.tables;
    for declaration in &mut declarations {
        declaration.builtin = true;
    }
    let system_columns = file
        .system_columns
        .iter()
        .map(|column| column_from(column, "", None))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| error.to_string())?;
    let tables = resolve(&system_columns, &declarations).map_err(|error| error.to_string())?;
    Ok(Schema {
        system_columns,
        tables,
        declarations,
    })
}

/// The schema with a seed's declarations merged in (amending tables already declared), resolved again.
pub(crate) fn extend(base: &Schema, seed: &[TableDecl]) -> Result<Schema, DeclarationError> {
    let mut declarations = base.declarations.clone();
    for declaration in seed {
        merge(&mut declarations, declaration)?;
    }
    let tables = resolve(&base.system_columns, &declarations)?;
    Ok(Schema {
        system_columns: base.system_columns.clone(),
        tables,
        declarations,
    })
}

fn merge(declarations: &mut Declarations, amend: &TableDecl) -> Result<(), DeclarationError> {
    let Some(existing) = declarations
        .iter_mut()
        .find(|declaration| *declaration.name.get_ref() == *amend.name.get_ref())
    else {
        declarations.push(amend.clone());
        return Ok(());
    };
    if let Some(parent) = &amend.extends {
        let was = existing.extends.as_ref().map(|p| p.get_ref().as_str());
        if was != Some(parent.get_ref().as_str()) {
            return Err(Problem::ExtendsChanged {
                table: amend.name.get_ref().clone(),
                was: was.unwrap_or("nothing").to_owned(),
            }
            .at(Some(parent.span())));
        }
    }
    fn replace<T: Clone>(slot: &mut Option<T>, value: &Option<T>) {
        if value.is_some() {
            slot.clone_from(value);
        }
    }
    replace(&mut existing.label, &amend.label);
    replace(&mut existing.display, &amend.display);
    replace(&mut existing.read, &amend.read);
    replace(&mut existing.write, &amend.write);
    replace(&mut existing.unique, &amend.unique);
    replace(&mut existing.number_prefix, &amend.number_prefix);
    existing.columns.extend(amend.columns.iter().cloned());
    existing.overrides.extend(amend.overrides.clone());
    // The amended table is checked as the seed's: its mistakes then have a line.
    existing.builtin &= amend.builtin;
    Ok(())
}

/// Resolves declarations into tables, parents before children.
fn resolve(
    system_columns: &[Column],
    declarations: &[TableDecl],
) -> Result<Vec<Arc<Table>>, DeclarationError> {
    let by_name: HashMap<&str, &TableDecl> = declarations
        .iter()
        .map(|declaration| (declaration.name.get_ref().as_str(), declaration))
        .collect();
    let mut resolved: HashMap<String, Arc<Table>> = HashMap::new();
    for declaration in declarations {
        resolve_one(declaration, &by_name, system_columns, &mut resolved, 0)?;
    }
    for declaration in declarations {
        let table = &resolved[declaration.name.get_ref()];
        check_references(table, declaration, &resolved)?;
    }
    Ok(declarations
        .iter()
        .map(|declaration| Arc::clone(&resolved[declaration.name.get_ref()]))
        .collect())
}

fn resolve_one(
    declaration: &TableDecl,
    by_name: &HashMap<&str, &TableDecl>,
    system_columns: &[Column],
    resolved: &mut HashMap<String, Arc<Table>>,
    depth: usize,
) -> Result<Arc<Table>, DeclarationError> {
    let name = declaration.name.get_ref();
    if let Some(table) = resolved.get(name) {
        return Ok(Arc::clone(table));
    }
    let place = |span: Range<usize>| (!declaration.builtin).then_some(span);
    if depth > by_name.len() {
        return Err(Problem::Cycle(name.clone()).at(place(declaration.name.span())));
    }
    let parent = match &declaration.extends {
        None => None,
        Some(parent) => {
            let Some(parent_declaration) = by_name.get(parent.get_ref().as_str()) else {
                let problem = Problem::MissingParent {
                    table: name.clone(),
                    parent: parent.get_ref().clone(),
                };
                return Err(problem.at(place(parent.span())));
            };
            Some(resolve_one(
                parent_declaration,
                by_name,
                system_columns,
                resolved,
                depth + 1,
            )?)
        }
    };
    let table = build(declaration, parent.as_deref(), system_columns)?;
    let table = Arc::new(table);
    resolved.insert(name.clone(), Arc::clone(&table));
    Ok(table)
}

/// A table: its parent's columns (or the system columns) and its own, overrides applied, settings checked.
fn build(
    declaration: &TableDecl,
    parent: Option<&Table>,
    system_columns: &[Column],
) -> Result<Table, DeclarationError> {
    let name = declaration.name.get_ref();
    let place = |span: Range<usize>| (!declaration.builtin).then_some(span);
    let mut columns: Vec<Column> = match parent {
        Some(parent) => parent.all_columns().cloned().collect(),
        None => system_columns_of(system_columns, name),
    };
    for decl in &declaration.columns {
        let column = column_from(decl, name, place(decl.span()))?;
        if columns.iter().any(|existing| existing.name == column.name) {
            let problem = Problem::DuplicateColumn {
                table: name.clone(),
                column: column.name,
            };
            return Err(problem.at(place(decl.span())));
        }
        columns.push(column);
    }
    for (column_name, decl) in &declaration.overrides {
        let at = place(decl.span());
        let Some(column) = columns.iter_mut().find(|c| c.name == *column_name) else {
            let problem = Problem::OverrideOfMissingColumn {
                table: name.clone(),
                column: column_name.clone(),
            };
            return Err(problem.at(at));
        };
        apply_override(column, decl.get_ref(), name).map_err(|problem| problem.at(at))?;
    }
    let mut table = Table::new(
        name.clone(),
        declaration.label.clone().unwrap_or_else(|| label_of(name)),
        parent.map(|parent| parent.name.clone()),
        columns,
        system_columns.len(),
    );
    table.access.read = inherited(&declaration.read, parent, |p| &p.access.read);
    table.access.write = inherited(&declaration.write, parent, |p| &p.access.write);
    table.access.declared = true;
    table.number_prefix = declaration
        .number_prefix
        .clone()
        .or_else(|| parent.map(|parent| parent.number_prefix.clone()))
        .unwrap_or_default();
    table.display_column = match (&declaration.display, parent) {
        (Some(display), _) => special(&table, "display", display, place(display.span()))?,
        (None, Some(parent)) => parent.display_column.clone(),
        (None, None) if table.column("name").is_some() => "name".into(),
        (None, None) => "sys_id".into(),
    };
    table.unique_column = match (&declaration.unique, parent) {
        (Some(unique), _) => Some(special(&table, "unique", unique, place(unique.span()))?),
        (None, parent) => parent.and_then(|parent| parent.unique_column.clone()),
    };
    for column in table.all_columns() {
        check_computed_inputs(&table, column)
            .map_err(|problem| problem.at(place(declaration.name.span())))?;
    }
    Ok(table)
}

fn inherited(
    own: &Option<Vec<String>>,
    parent: Option<&Table>,
    of: impl Fn(&Table) -> &Vec<String>,
) -> Vec<String> {
    match (own, parent) {
        (Some(roles), _) => roles.clone(),
        (None, Some(parent)) => of(parent).clone(),
        (None, None) => Vec::new(),
    }
}

/// A display or unique column, which must exist.
fn special(
    table: &Table,
    role: &'static str,
    column: &Spanned<String>,
    at: Option<Range<usize>>,
) -> Result<String, DeclarationError> {
    if table.column(column.get_ref()).is_some() {
        return Ok(column.get_ref().clone());
    }
    let problem = Problem::MissingSpecialColumn {
        table: table.name.clone(),
        role,
        column: column.get_ref().clone(),
    };
    Err(problem.at(at))
}

fn apply_override(column: &mut Column, decl: &OverrideDecl, table: &str) -> Result<(), Problem> {
    if let Some(choices) = &decl.choices {
        if column.choices.is_none() {
            return Err(Problem::ChoiceOnNonChoiceColumn {
                table: table.to_owned(),
                column: column.name.clone(),
            });
        }
        column.choices = Some(choice_list(choices));
        column.choices_on = table.to_owned();
    }
    if let Some(rule) = &decl.computed {
        column.computed = Some(computed(rule, table, &column.name)?);
    }
    if let Some(value) = &decl.default {
        check_value(
            &column.kind,
            &column.internal_type,
            value,
            table,
            &column.name,
        )?;
        column.default = Default::Value(value.clone());
    }
    Ok(())
}

/// A column as declared, for `table` (empty for the system columns).
fn column_from(
    decl: &Spanned<ColumnDecl>,
    table: &str,
    at: Option<Range<usize>>,
) -> Result<Column, DeclarationError> {
    let decl = decl.get_ref();
    let column = || decl.name.clone();
    let problem_table = || table.to_owned();
    let kind = kind_of(&decl.internal_type, decl.reference.as_deref()).map_err(|mistake| {
        let (table, column) = (problem_table(), column());
        let problem = match mistake {
            KindMistake::ReferenceWithoutTable => Problem::ReferenceWithoutTable { table, column },
            KindMistake::TableWithoutReference => Problem::TableWithoutReference { table, column },
            KindMistake::UnknownType => Problem::UnknownType {
                table,
                column,
                kind: decl.internal_type.clone(),
            },
        };
        problem.at(at.clone())
    })?;
    let default = match (&decl.default, &decl.generated) {
        (_, Some(name)) => {
            Default::Generated(generated(name, table, &decl.name).map_err(|p| p.at(at.clone()))?)
        }
        (Some(value), None) => {
            check_value(&kind, &decl.internal_type, value, table, &decl.name)
                .map_err(|p| p.at(at.clone()))?;
            Default::Value(value.clone())
        }
        (None, None) => Default::Empty,
    };
    let computed = decl
        .computed
        .as_deref()
        .map(|rule| computed(rule, table, &decl.name))
        .transpose()
        .map_err(|p| p.at(at.clone()))?;
    let max_length = decl.max_length.unwrap_or(match kind {
        Kind::Reference(_) => 32,
        _ if decl.internal_type == "GUID" => 32,
        _ => 40,
    });
    Ok(Column {
        name: decl.name.clone(),
        label: decl.label.clone().unwrap_or_else(|| label_of(&decl.name)),
        internal_type: decl.internal_type.clone(),
        kind,
        max_length,
        mandatory: decl.mandatory,
        default,
        computed,
        choices: decl.choices.as_deref().map(choice_list),
        defined_on: table.to_owned(),
        choices_on: table.to_owned(),
    })
}

/// Why a type and reference make no column kind.
pub(crate) enum KindMistake {
    ReferenceWithoutTable,
    TableWithoutReference,
    UnknownType,
}

/// The internal types whose values the mock keeps as text, as the Table API sends them (catalogue §12): the
/// out-of-box tables' types that change nothing a client reads back.
const TEXT_TYPES: [&str; 22] = [
    "string",
    "GUID",
    "char",
    "html",
    "email",
    "ph_number",
    "multi_two_lines",
    "user_roles",
    "user_image",
    "choice",
    "ip_addr",
    "color",
    "table_name",
    "document_id",
    "domain_path",
    "sys_class_name",
    "sys_class_path",
    "related_tags",
    "user_input",
    "journal",
    "journal_list",
    "glide_date",
];

/// The kind of a column of this `internal_type` (and referenced table). Out-of-box internal types map onto the
/// kinds by what a client reads back (catalogue §12): numbers that are not integers stay text (the Table API sends
/// every value as a string), durations and due dates are datetimes (`1970-01-01 …` for a duration), a `glide_list`
/// is the comma-separated sys_ids of the table it names, a `domain_id` answers like a reference to
/// `sys_user_group` (`global`), and a `journal_input` takes a write but reads back `""`.
pub(crate) fn kind_of(internal_type: &str, reference: Option<&str>) -> Result<Kind, KindMistake> {
    Ok(match (internal_type, reference) {
        ("reference", Some(target)) => Kind::Reference(target.to_owned()),
        ("reference", None) => return Err(KindMistake::ReferenceWithoutTable),
        ("glide_list", _) => Kind::Text,
        (_, Some(_)) => return Err(KindMistake::TableWithoutReference),
        ("domain_id", None) => Kind::Reference(DOMAIN_TABLE.to_owned()),
        ("boolean", None) => Kind::Boolean,
        ("integer", None) => Kind::Integer,
        ("glide_date_time" | "due_date" | "glide_duration" | "timer", None) => Kind::DateTime,
        ("password2", None) => Kind::Secret,
        ("journal_input", None) => Kind::Journal,
        ("float" | "longint", None) => Kind::Text,
        (text, None) if TEXT_TYPES.contains(&text) => Kind::Text,
        (_, None) => return Err(KindMistake::UnknownType),
    })
}

/// The table a `domain_id` column's value (`global`) is rendered as a reference into, as recorded answers link it.
const DOMAIN_TABLE: &str = "sys_user_group";

fn choice_list(pairs: &[(String, String)]) -> Vec<Choice> {
    pairs
        .iter()
        .map(|(value, label)| Choice {
            value: value.clone(),
            label: label.clone(),
        })
        .collect()
}

fn generated(name: &str, table: &str, column: &str) -> Result<Generated, Problem> {
    Ok(match name {
        "client_id" => Generated::ClientId,
        "secret" => Generated::Secret,
        "number" => Generated::Number,
        "now" => Generated::Now,
        _ => {
            return Err(Problem::UnknownGenerated {
                table: table.to_owned(),
                column: column.to_owned(),
                name: name.to_owned(),
            });
        }
    })
}

fn computed(name: &str, table: &str, column: &str) -> Result<Computed, Problem> {
    Ok(match name {
        "incident_priority" => Computed::IncidentPriority,
        "full_name" => Computed::FullName,
        "api_base_uri" => Computed::ApiBaseUri,
        "state_mirror" => Computed::StateMirror,
        "number_mirror" => Computed::NumberMirror,
        _ => {
            return Err(Problem::UnknownComputed {
                table: table.to_owned(),
                column: column.to_owned(),
                name: name.to_owned(),
            });
        }
    })
}

fn check_computed_inputs(table: &Table, column: &Column) -> Result<(), Problem> {
    let Some(rule) = column.computed else {
        return Ok(());
    };
    let (name, inputs): (&'static str, [&'static str; 2]) = match rule {
        Computed::IncidentPriority => ("incident_priority", ["impact", "urgency"]),
        Computed::FullName => ("full_name", ["first_name", "last_name"]),
        Computed::ApiBaseUri => ("api_base_uri", ["namespace", "service_id"]),
        Computed::StateMirror => ("state_mirror", ["state", "state"]),
        Computed::NumberMirror => ("number_mirror", ["number", "number"]),
    };
    match inputs
        .into_iter()
        .find(|input| table.column(input).is_none())
    {
        None => Ok(()),
        Some(needs) => Err(Problem::ComputedInputMissing {
            table: table.name.clone(),
            column: column.name.clone(),
            rule: name,
            needs,
        }),
    }
}

/// Whether `value` is one a column of this kind can hold.
pub(crate) fn check_value(
    kind: &Kind,
    internal_type: &str,
    value: &str,
    table: &str,
    column: &str,
) -> Result<(), Problem> {
    let fits = match kind {
        _ if value.is_empty() => true,
        Kind::Boolean => value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false"),
        Kind::Integer => value.trim().parse::<i64>().is_ok(),
        Kind::DateTime => parse_glide_datetime(value).is_some(),
        Kind::Text | Kind::Reference(_) | Kind::Secret | Kind::Journal => true,
    };
    if fits {
        return Ok(());
    }
    Err(Problem::BadValue {
        table: table.to_owned(),
        column: column.to_owned(),
        kind: internal_type.to_owned(),
        value: value.to_owned(),
    })
}

fn check_references(
    table: &Table,
    declaration: &TableDecl,
    resolved: &HashMap<String, Arc<Table>>,
) -> Result<(), DeclarationError> {
    for column in table.all_columns() {
        let Kind::Reference(target) = &column.kind else {
            continue;
        };
        if resolved.contains_key(target) {
            continue;
        }
        let span = declaration
            .columns
            .iter()
            .find(|decl| decl.get_ref().name == column.name)
            .map(Spanned::span);
        let problem = Problem::MissingReference {
            table: table.name.clone(),
            column: column.name.clone(),
            target: target.clone(),
        };
        return Err(problem.at(span.filter(|_| !declaration.builtin)));
    }
    Ok(())
}

/// ServiceNow's label for a column or table named without one: `short_description` → `Short description`.
pub(crate) fn label_of(name: &str) -> String {
    let spaced = name.trim_start_matches("u_").replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declare(text: &str) -> Result<Schema, DeclarationError> {
        #[derive(Deserialize)]
        struct Seed {
            tables: Vec<TableDecl>,
        }
        let seed: Seed = toml::from_str(text).expect("TOML");
        extend(out_of_box(), &seed.tables)
    }

    fn problem(text: &str) -> (Problem, Option<Range<usize>>) {
        let error = declare(text).expect_err("a mistake");
        (error.problem, error.at)
    }

    #[test]
    fn a_seed_table_extends_task_and_amends_incident() {
        let schema = declare(
            r#"
            [[tables]]
            name = "u_ticket"
            extends = "task"
            columns = [{ name = "u_size", type = "integer", choices = [["1", "Small"]] }]

            [[tables]]
            name = "incident"
            read = ["itil", "u_reader"]
            columns = [{ name = "u_vip", type = "boolean", default = "false" }]
            [tables.override]
            state = { choices = [["1", "Fresh"]] }
            "#,
        )
        .unwrap();
        let table = |name: &str| schema.tables.iter().find(|t| t.name == name).unwrap();
        let ticket = table("u_ticket");
        assert!(ticket.column("short_description").is_some());
        assert_eq!(
            ticket.column("u_size").unwrap().choice_label("1"),
            Some("Small")
        );
        assert_eq!(ticket.access.read, ["itil"], "inherited from task");
        assert_eq!(ticket.label, "Ticket");
        let incident = table("incident");
        assert!(incident.column("u_vip").is_some());
        assert_eq!(incident.access.read, ["itil", "u_reader"]);
        assert_eq!(
            incident.column("state").unwrap().choice_label("1"),
            Some("Fresh")
        );
        assert!(incident.column("priority").is_some());
    }

    #[test]
    fn every_mistake_is_named_with_its_place() {
        let cases = [
            (
                "[[tables]]\nname = \"u_x\"\ncolumns = [{ name = \"u_a\", type = \"reference\", reference = \"u_nope\" }]",
                "u_x.u_a references table u_nope, which does not exist",
            ),
            (
                "[[tables]]\nname = \"u_x\"\ncolumns = [{ name = \"u_a\", type = \"string\" }, { name = \"u_a\", type = \"integer\" }]",
                "column u_a of table u_x is declared twice",
            ),
            (
                "[[tables]]\nname = \"u_x\"\nextends = \"task\"\ncolumns = [{ name = \"state\", type = \"string\" }]",
                "column state of table u_x is declared twice",
            ),
            (
                "[[tables]]\nname = \"u_x\"\ncolumns = [{ name = \"u_a\", type = \"text\" }]",
                "u_x.u_a: unknown type text",
            ),
            (
                "[[tables]]\nname = \"u_x\"\ncolumns = [{ name = \"u_a\", type = \"integer\", default = \"many\" }]",
                "u_x.u_a: \"many\" is not a valid integer value",
            ),
            (
                "[[tables]]\nname = \"incident\"\n[tables.override]\nshort_description = { choices = [[\"a\", \"A\"]] }",
                "incident.short_description is not a choice column",
            ),
            (
                "[[tables]]\nname = \"u_x\"\nextends = \"u_nope\"",
                "table u_x extends u_nope, which does not exist",
            ),
            (
                "[[tables]]\nname = \"u_a\"\nextends = \"u_b\"\n[[tables]]\nname = \"u_b\"\nextends = \"u_a\"",
                "extends itself",
            ),
            (
                "[[tables]]\nname = \"incident\"\nextends = \"cmdb_ci\"",
                "table incident already extends task",
            ),
            (
                "[[tables]]\nname = \"u_x\"\ndisplay = \"u_nope\"",
                "u_x: its display column u_nope does not exist",
            ),
            (
                "[[tables]]\nname = \"u_x\"\ncolumns = [{ name = \"u_a\", type = \"string\", computed = \"magic\" }]",
                "unknown computed rule magic",
            ),
            (
                "[[tables]]\nname = \"u_x\"\ncolumns = [{ name = \"u_a\", type = \"integer\", computed = \"incident_priority\" }]",
                "the rule incident_priority needs column impact",
            ),
        ];
        for (text, expected) in cases {
            let (problem, at) = problem(text);
            assert!(problem.to_string().contains(expected), "{text}: {problem}");
            let at = at.unwrap_or_else(|| panic!("{text}: no place"));
            assert!(at.end <= text.len() && at.start < at.end, "{text}");
        }
    }

    #[test]
    fn labels_follow_servicenow() {
        assert_eq!(label_of("short_description"), "Short description");
        assert_eq!(label_of("u_sncc_x"), "Sncc x");
        assert_eq!(label_of(""), "");
    }
}

/// The out-of-box schema's data (`fixtures/schema/out_of_box.toml`).
#[cfg(test)]
mod out_of_box_tests {
    use super::*;
    use crate::mock::tables::schema::{
        INCIDENT, OAUTH_CREDENTIAL, OAUTH_ENTITY, SYS_PROPERTIES, SYS_USER, WELL_KNOWN,
    };

    fn table(name: &str) -> &'static Table {
        out_of_box()
            .tables
            .iter()
            .find(|table| table.name == name)
            .unwrap_or_else(|| panic!("{name}"))
    }

    #[test]
    fn every_well_known_table_is_served_and_every_reference_names_one() {
        for name in WELL_KNOWN {
            table(name);
        }
        for served in &out_of_box().tables {
            for column in served.all_columns() {
                if let Kind::Reference(target) = &column.kind {
                    table(target);
                }
            }
            assert!(
                served.column(&served.display_column).is_some(),
                "{}",
                served.name
            );
            assert_eq!(served.position("sys_id"), Some(0), "{}", served.name);
        }
    }

    #[test]
    fn incident_inherits_task_and_overrides_its_states() {
        let incident = table(INCIDENT);
        assert_eq!(incident.extends.as_deref(), Some("task"));
        let names: Vec<_> = incident.all_columns().map(|c| c.name.as_str()).collect();
        for name in [
            "number",
            "state",
            "impact",
            "urgency",
            "priority",
            "active",
            "caller_id",
        ] {
            assert!(names.contains(&name), "{name}");
        }
        let state = incident.column("state").unwrap();
        assert_eq!(state.defined_on, "task");
        assert_eq!(state.choices_on, INCIDENT);
        assert_eq!(state.choice_label("1"), Some("New"));
        assert_eq!(state.choice_label("8"), Some("Canceled"));
        assert_eq!(
            table("task").column("state").unwrap().choice_label("1"),
            Some("Open")
        );
        let priority = incident.column("priority").unwrap();
        assert_eq!(priority.computed, Some(Computed::IncidentPriority));
        assert_eq!(priority.choice_label("5"), Some("5 - Planning"));
        assert_eq!(incident.number_prefix, "INC");
        assert_eq!(
            incident.column("impact").unwrap().default,
            Default::Value("3".into())
        );
    }

    #[test]
    fn secrets_and_generated_values_keep_their_kinds() {
        let entity = table(OAUTH_ENTITY);
        let secret = entity.column("client_secret").unwrap();
        assert_eq!(secret.kind, Kind::Secret);
        assert_eq!(secret.default, Default::Generated(Generated::Secret));
        let client_id = entity.column("client_id").unwrap();
        assert_eq!(client_id.default, Default::Generated(Generated::ClientId));
        assert_eq!(
            table(OAUTH_CREDENTIAL).unique_column.as_deref(),
            Some("token")
        );
        assert_eq!(
            table(SYS_USER).column("user_password").unwrap().kind,
            Kind::Secret
        );
        assert_eq!(table(SYS_PROPERTIES).access.read, ["admin"]);
        assert!(table(SYS_USER).access.read.is_empty());
        assert_eq!(table(INCIDENT).access.read, ["itil"]);
    }
}

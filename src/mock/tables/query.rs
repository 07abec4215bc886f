//! ServiceNow encoded queries (`sysparm_query`): parsing, matching records, ordering.
//!
//! `a=1^b=2^ORc=3^NQd=4^ORDERBYDESCe` reads as
//! `(a=1 AND (b=2 OR c=3)) OR (d=4)`, sorted by `e` descending.

use std::cmp::Ordering;

/// Read access to one record's fields. `None` = the table has no such column; `Some("")` = empty value.
pub(crate) trait Fields {
    /// The value of the field called `name`, if the record has such a field.
    fn field(&self, name: &str) -> Option<&str>;
}

impl<T: Fields + ?Sized> Fields for &T {
    fn field(&self, name: &str) -> Option<&str> {
        (**self).field(name)
    }
}

/// Who is asking, for `javascript:gs.getUserID()` / `javascript:gs.getUserName()` values.
#[derive(Debug, Clone, Copy)]
pub(crate) struct QueryContext<'a> {
    /// Value of `javascript:gs.getUserID()`.
    pub user_sys_id: &'a str,
    /// Value of `javascript:gs.getUserName()`.
    pub user_name: &'a str,
}

/// A parsed `sysparm_query`.
///
/// Holds `^NQ`-separated queries (ORed together), each a list of ANDed clauses,
/// each clause a list of `^OR`-joined conditions, plus the ORDERBY keys.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct EncodedQuery {
    queries: Vec<Vec<Clause>>,
    order: Vec<OrderKey>,
    /// Conditions ANDed with the whole query (name-value filters).
    required: Vec<Condition>,
}

/// Conditions joined by `^OR`.
type Clause = Vec<Condition>;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Condition {
    field: String,
    operator: Operator,
    value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    Eq,
    Ne,
    In,
    NotIn,
    Like,
    NotLike,
    StartsWith,
    EndsWith,
    IsEmpty,
    IsNotEmpty,
    Lt,
    Le,
    Gt,
    Ge,
}

/// Operator tokens, longest first so that the first match at a position is the longest.
const OPERATORS: [(&str, Operator); 14] = [
    ("ISNOTEMPTY", Operator::IsNotEmpty),
    ("STARTSWITH", Operator::StartsWith),
    ("NOT LIKE", Operator::NotLike),
    ("ENDSWITH", Operator::EndsWith),
    ("ISEMPTY", Operator::IsEmpty),
    ("NOT IN", Operator::NotIn),
    ("LIKE", Operator::Like),
    ("!=", Operator::Ne),
    ("<=", Operator::Le),
    (">=", Operator::Ge),
    ("IN", Operator::In),
    ("=", Operator::Eq),
    ("<", Operator::Lt),
    (">", Operator::Gt),
];

#[derive(Debug, Clone, PartialEq, Eq)]
struct OrderKey {
    field: String,
    descending: bool,
}

impl EncodedQuery {
    /// Never fails, never panics. Empty text matches everything.
    ///
    /// Terms that are not conditions (no operator after a field name) are invalid and ignored,
    /// but still start a new AND clause, so a following `^OR` term attaches to them, not to
    /// the condition before.
    pub(crate) fn parse(text: &str) -> Self {
        let mut queries = Vec::new();
        let mut clauses: Vec<Clause> = Vec::new();
        let mut order = Vec::new();
        for term in text.split('^') {
            let term = match term.strip_prefix("NQ") {
                Some(rest) => {
                    queries.push(std::mem::take(&mut clauses));
                    rest
                }
                None => term,
            };
            if let Some(field) = term.strip_prefix("ORDERBYDESC") {
                order.extend(OrderKey::new(field, true));
            } else if let Some(field) = term.strip_prefix("ORDERBY") {
                order.extend(OrderKey::new(field, false));
            } else if let Some(term) = term.strip_prefix("OR") {
                let condition = Condition::parse(term);
                match clauses.last_mut() {
                    Some(clause) => clause.extend(condition),
                    None => clauses.push(condition.into_iter().collect()),
                }
            } else if !term.is_empty() {
                clauses.push(Condition::parse(term).into_iter().collect());
            }
        }
        queries.push(clauses);
        queries.retain(|clauses| !clauses.is_empty());
        Self {
            queries,
            order,
            required: Vec::new(),
        }
    }

    /// The query ANDed with `field=value`, as a name-value filter adds it (catalogue §12). The value is taken
    /// whole: a `^` or an operator in it is part of the value.
    pub(crate) fn and_equal(mut self, field: &str, value: &str) -> Self {
        self.required.push(Condition {
            field: field.to_owned(),
            operator: Operator::Eq,
            value: value.to_owned(),
        });
        self
    }

    /// Every field name the query refers to (conditions and ORDERBY), for validation by the caller.
    ///
    /// Condition fields come first, then ORDERBY fields, each name once, in query order.
    pub(crate) fn field_names(&self) -> Vec<&str> {
        let conditions = self
            .queries
            .iter()
            .flatten()
            .flatten()
            .chain(&self.required);
        let names = conditions
            .map(|condition| condition.field.as_str())
            .chain(self.order.iter().map(|key| key.field.as_str()));
        let mut unique = Vec::new();
        for name in names {
            if !unique.contains(&name) {
                unique.push(name);
            }
        }
        unique
    }

    /// True when the record satisfies the query. Conditions naming a field the record does not have
    /// (`Fields::field` returns None) are ignored, as a ServiceNow instance does by default.
    ///
    /// Ignoring is applied at every level: an `^OR` clause, or a whole `^NQ` query, made only of
    /// ignored conditions drops out as if it had not been written.
    pub(crate) fn matches(&self, record: &impl Fields, context: &QueryContext<'_>) -> bool {
        let clause_matches = |clause: &Clause| {
            clause
                .iter()
                .filter_map(|condition| condition.evaluate(record, context))
                .reduce(|a, b| a || b)
        };
        let query_matches = |clauses: &Vec<Clause>| {
            clauses
                .iter()
                .filter_map(clause_matches)
                .reduce(|a, b| a && b)
        };
        let required = self
            .required
            .iter()
            .all(|condition| condition.evaluate(record, context) != Some(false));
        required
            && self
                .queries
                .iter()
                .filter_map(query_matches)
                .reduce(|a, b| a || b)
                .unwrap_or(true)
    }

    /// Stable sort by the ORDERBY / ORDERBYDESC terms in query order; no terms = order unchanged.
    ///
    /// Values compare as in conditions: empty (or missing) first, then numbers by value,
    /// then other text ASCII-case-insensitively.
    pub(crate) fn sort<R: Fields>(&self, records: &mut [R]) {
        records.sort_by(|a, b| {
            self.order
                .iter()
                .map(|key| key.compare(a, b))
                .find(|ordering| ordering.is_ne())
                .unwrap_or(Ordering::Equal)
        });
    }
}

impl OrderKey {
    fn new(field: &str, descending: bool) -> Option<Self> {
        let valid = !field.is_empty() && field.chars().all(is_field_char);
        valid.then(|| Self {
            field: field.to_owned(),
            descending,
        })
    }

    fn compare(&self, a: &impl Fields, b: &impl Fields) -> Ordering {
        let ordering = compare_values(
            a.field(&self.field).unwrap_or(""),
            b.field(&self.field).unwrap_or(""),
        );
        if self.descending {
            ordering.reverse()
        } else {
            ordering
        }
    }
}

impl Condition {
    /// Splits `field OP value` at the earliest position after a non-empty field name where an
    /// operator starts, taking the longest operator there. `None` when there is no such position.
    fn parse(term: &str) -> Option<Self> {
        let name_end = term.find(|c: char| !is_field_char(c)).unwrap_or(term.len());
        (1..=name_end).find_map(|at| {
            let rest = &term[at..];
            let &(token, operator) = OPERATORS
                .iter()
                .find(|(token, _)| rest.starts_with(token))?;
            Some(Self {
                field: term[..at].to_owned(),
                operator,
                value: rest[token.len()..].to_owned(),
            })
        })
    }

    /// `None` when the record has no such field, i.e. the condition is ignored.
    fn evaluate(&self, record: &impl Fields, context: &QueryContext<'_>) -> Option<bool> {
        let actual = record.field(&self.field)?;
        let expected = resolve(&self.value, context);
        let in_list = || {
            self.value
                .split(',')
                .any(|item| actual.eq_ignore_ascii_case(resolve(item, context)))
        };
        let lower = actual.to_ascii_lowercase();
        let expected_lower = expected.to_ascii_lowercase();
        Some(match self.operator {
            Operator::Eq => actual.eq_ignore_ascii_case(expected),
            Operator::Ne => !actual.eq_ignore_ascii_case(expected),
            Operator::In => in_list(),
            Operator::NotIn => !in_list(),
            Operator::Like => lower.contains(&expected_lower),
            Operator::NotLike => !lower.contains(&expected_lower),
            Operator::StartsWith => lower.starts_with(&expected_lower),
            Operator::EndsWith => lower.ends_with(&expected_lower),
            Operator::IsEmpty => actual.is_empty(),
            Operator::IsNotEmpty => !actual.is_empty(),
            Operator::Lt => compare_values(actual, expected).is_lt(),
            Operator::Le => compare_values(actual, expected).is_le(),
            Operator::Gt => compare_values(actual, expected).is_gt(),
            Operator::Ge => compare_values(actual, expected).is_ge(),
        })
    }
}

fn is_field_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

/// Resolves `javascript:` values; the two `gs` user calls are known, any other script is empty.
fn resolve<'a>(value: &'a str, context: &QueryContext<'a>) -> &'a str {
    match value.strip_prefix("javascript:") {
        None => value,
        Some("gs.getUserID()") => context.user_sys_id,
        Some("gs.getUserName()") => context.user_name,
        Some(_) => "",
    }
}

/// A total order, so sorting is well defined: empty values first, then numbers (both sides
/// parse as finite `f64`) by value, then other text ASCII-case-insensitively.
fn compare_values(a: &str, b: &str) -> Ordering {
    let number = |s: &str| s.trim().parse::<f64>().ok().filter(|n| n.is_finite());
    let class = |s: &str| match number(s) {
        _ if s.is_empty() => 0,
        Some(_) => 1,
        None => 2,
    };
    match (number(a), number(b)) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        _ => class(a).cmp(&class(b)).then_with(|| {
            let a = a.bytes().map(|byte| byte.to_ascii_lowercase());
            a.cmp(b.bytes().map(|byte| byte.to_ascii_lowercase()))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    struct Row(HashMap<String, String>);

    impl Fields for Row {
        fn field(&self, name: &str) -> Option<&str> {
            self.0.get(name).map(String::as_str)
        }
    }

    fn record(fields: &[(&str, &str)]) -> Row {
        Row(fields
            .iter()
            .map(|&(name, value)| (name.to_owned(), value.to_owned()))
            .collect())
    }

    const CONTEXT: QueryContext<'static> = QueryContext {
        user_sys_id: "6816f79cc0a8016401c5a33be04be441",
        user_name: "admin",
    };

    fn matches(query: &str, record: &Row) -> bool {
        EncodedQuery::parse(query).matches(record, &CONTEXT)
    }

    #[test]
    fn empty_query_matches_everything() {
        assert!(matches("", &record(&[("a", "1")])));
        assert_eq!(EncodedQuery::parse(""), EncodedQuery::default());
    }

    #[test]
    fn and_requires_every_condition() {
        let r = record(&[("a", "1"), ("b", "2")]);
        assert!(matches("a=1^b=2", &r));
        assert!(!matches("a=1^b=3", &r));
        assert!(!matches("a=0^b=2", &r));
    }

    #[test]
    fn or_binds_tighter_than_and() {
        let query = "a=1^b=2^ORc=3";
        assert!(matches(
            query,
            &record(&[("a", "1"), ("b", "0"), ("c", "3")])
        ));
        assert!(matches(
            query,
            &record(&[("a", "1"), ("b", "2"), ("c", "0")])
        ));
        // Were it `(a=1 AND b=2) OR c=3`, this would match.
        assert!(!matches(
            query,
            &record(&[("a", "0"), ("b", "0"), ("c", "3")])
        ));
    }

    #[test]
    fn nq_joins_queries_with_or() {
        let query = "a=1^b=1^NQa=2^b=2";
        assert!(matches(query, &record(&[("a", "1"), ("b", "1")])));
        assert!(matches(query, &record(&[("a", "2"), ("b", "2")])));
        assert!(!matches(query, &record(&[("a", "1"), ("b", "2")])));
    }

    #[test]
    fn each_operator() {
        let r = record(&[("name", "Network Printer"), ("state", "2"), ("empty", "")]);
        let cases = [
            ("name=Network Printer", true),
            ("name=Network", false),
            ("name!=Network", true),
            ("name!=Network Printer", false),
            ("stateIN1,2,3", true),
            ("stateIN1,3", false),
            ("stateNOT IN1,3", true),
            ("stateNOT IN2", false),
            ("nameLIKEwork", true),
            ("nameLIKEscanner", false),
            ("nameNOT LIKEscanner", true),
            ("nameNOT LIKEwork", false),
            ("nameSTARTSWITHNet", true),
            ("nameSTARTSWITHPrinter", false),
            ("nameENDSWITHPrinter", true),
            ("nameENDSWITHNet", false),
            ("emptyISEMPTY", true),
            ("nameISEMPTY", false),
            ("nameISNOTEMPTY", true),
            ("emptyISNOTEMPTY", false),
            ("state<3", true),
            ("state<2", false),
            ("state<=2", true),
            ("state<=1", false),
            ("state>1", true),
            ("state>2", false),
            ("state>=2", true),
            ("state>=3", false),
        ];
        for (query, expected) in cases {
            assert_eq!(matches(query, &r), expected, "{query}");
        }
    }

    #[test]
    fn operators_split_field_from_value() {
        let parsed = |text| {
            let query = EncodedQuery::parse(text);
            let condition = query.queries[0][0][0].clone();
            (condition.field, condition.operator, condition.value)
        };
        let owned =
            |field: &str, operator, value: &str| (field.to_owned(), operator, value.to_owned());
        assert_eq!(parsed("nameLIKEfoo"), owned("name", Operator::Like, "foo"));
        assert_eq!(parsed("sys_idINa,b"), owned("sys_id", Operator::In, "a,b"));
        assert_eq!(
            parsed("activeISEMPTY"),
            owned("active", Operator::IsEmpty, "")
        );
        assert_eq!(
            parsed("stateNOT IN1,2"),
            owned("state", Operator::NotIn, "1,2")
        );
        assert_eq!(parsed("a!=b=c"), owned("a", Operator::Ne, "b=c"));
        assert_eq!(parsed("a<=1"), owned("a", Operator::Le, "1"));
        assert_eq!(
            parsed("caller_id.name=x"),
            owned("caller_id.name", Operator::Eq, "x")
        );
        assert_eq!(parsed("nameLIKEIN"), owned("name", Operator::Like, "IN"));
    }

    #[test]
    fn text_comparisons_ignore_ascii_case() {
        let r = record(&[("name", "Network Printer")]);
        for query in [
            "name=network PRINTER",
            "nameINx,NETWORK printer",
            "nameLIKEPRINT",
            "nameSTARTSWITHnet",
            "nameENDSWITHprinter",
        ] {
            assert!(matches(query, &r), "{query}");
        }
        assert!(!matches("name!=NETWORK PRINTER", &r));
    }

    #[test]
    fn javascript_values_resolve_from_context() {
        let r = record(&[("caller", CONTEXT.user_sys_id), ("user", "admin")]);
        assert!(matches("caller=javascript:gs.getUserID()", &r));
        assert!(matches("user=javascript:gs.getUserName()", &r));
        assert!(matches("callerINx,javascript:gs.getUserID()", &r));
        assert!(!matches("caller=javascript:gs.getUserName()", &r));
        assert!(matches("caller!=javascript:gs.beginningOfToday()", &r));
        assert!(matches("emptyISEMPTY^user=javascript:gs.getUserName()", &r));
        let other = record(&[("caller", "")]);
        assert!(matches("caller=javascript:anythingElse()", &other));
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let r = record(&[("a", "1")]);
        assert!(matches("nope=1", &r));
        assert!(matches("a=1^nope=2", &r));
        assert!(!matches("a=2^nope=2", &r));
        assert!(!matches("a=2^ORnope=2", &r));
        // A query made only of ignored conditions drops out instead of matching everything.
        assert!(!matches("a=2^NQnope=2", &r));
    }

    #[test]
    fn invalid_terms_are_ignored() {
        let r = record(&[("a", "1"), ("b", "2")]);
        assert!(matches("garbage", &r));
        assert!(matches("a=1^garbage", &r));
        assert!(!matches("a=2^#!?", &r));
        // The OR attaches to the invalid term, not to `a=2`.
        assert!(!matches("a=2^garbage^ORb=2", &r));
        assert!(
            EncodedQuery::parse("garbage^=1^ORDERBY")
                .field_names()
                .is_empty()
        );
    }

    #[test]
    fn malformed_input_does_not_panic() {
        let r = record(&[("a", "1"), ("b", "2")]);
        assert!(matches("a=1^^b=2", &r));
        assert!(matches("a=1^", &r));
        assert!(matches("^ORa=1", &r));
        assert!(!matches("^ORa=2", &r));
        assert!(matches("^NQ", &r));
        assert!(matches("ORDERBY^ORDERBYDESC", &r));
        assert!(!matches("ä=1^aLIKEé^ORé", &r));
    }

    #[test]
    fn numeric_comparison_when_both_sides_are_numbers() {
        let r = record(&[("priority", "9"), ("name", "b")]);
        assert!(matches("priority<10", &r));
        assert!(matches("priority>=9.0", &r));
        assert!(matches("name<C", &r));
        assert!(!matches("name>C", &r));
    }

    #[test]
    fn field_names_lists_conditions_then_order() {
        let query = EncodedQuery::parse("a=1^ORb=2^NQa=3^ORDERBYDESCc^ORDERBYa^garbage");
        assert_eq!(query.field_names(), ["a", "b", "c"]);
    }

    #[test]
    fn order_by_multiple_keys_is_stable() {
        let rows = [
            record(&[("id", "1"), ("group", "b"), ("priority", "10")]),
            record(&[("id", "2"), ("group", "A"), ("priority", "9")]),
            record(&[("id", "3"), ("group", "b"), ("priority", "9")]),
            record(&[("id", "4"), ("group", "a"), ("priority", "10")]),
            record(&[("id", "5"), ("group", "B"), ("priority", "10")]),
            record(&[("id", "6")]),
        ];
        let ids = |query: &str| {
            let mut refs: Vec<&Row> = rows.iter().collect();
            EncodedQuery::parse(query).sort(&mut refs);
            refs.iter()
                .map(|r| r.field("id").unwrap().to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ids("ORDERBYgroup^ORDERBYDESCpriority"),
            ["6", "4", "2", "1", "5", "3"]
        );
        assert_eq!(
            ids("ORDERBYDESCgroup^ORDERBYpriority"),
            ["3", "1", "5", "2", "4", "6"]
        );
        assert_eq!(ids("ORDERBYpriority"), ["6", "2", "3", "1", "4", "5"]);
        assert_eq!(ids("a=1"), ["1", "2", "3", "4", "5", "6"]);
    }

    /// Strings mixing query syntax, to reach deeper into the parser than arbitrary text.
    fn query_text() -> impl Strategy<Value = String> {
        let tokens = prop::sample::select(vec![
            "^",
            "^OR",
            "^NQ",
            "ORDERBY",
            "ORDERBYDESC",
            "a",
            "b.c",
            "=",
            "!=",
            "<",
            ">=",
            "IN",
            "NOT IN",
            "LIKE",
            "ISEMPTY",
            ",",
            "1",
            "é",
            "javascript:gs.getUserID()",
            " ",
        ]);
        prop_oneof![
            any::<String>(),
            prop::collection::vec(tokens, 0..16).prop_map(|tokens| tokens.concat()),
        ]
    }

    const FIELDS: [&str; 3] = ["a", "b", "c"];
    const VALUES: [&str; 6] = ["", "x", "X", "y", "10", "é"];

    proptest! {
        #[test]
        fn parse_never_panics(text in any::<String>()) {
            EncodedQuery::parse(&text);
        }

        #[test]
        fn matching_and_sorting_never_panic(
            text in query_text(),
            values in prop::collection::vec((any::<String>(), query_text()), 0..8),
        ) {
            let query = EncodedQuery::parse(&text);
            let mut records: Vec<Row> = values
                .iter()
                .map(|(a, b)| record(&[("a", a), ("b.c", b)]))
                .collect();
            for r in &records {
                query.matches(r, &CONTEXT);
            }
            query.field_names();
            query.sort(&mut records);
        }

        #[test]
        fn a_name_value_filter_ands_with_the_query_whatever_its_value(
            text in query_text(),
            field in prop::sample::select(FIELDS.to_vec()),
            value in prop_oneof![any::<String>(), query_text()],
            values in prop::collection::vec(prop_oneof![any::<String>(), query_text()], FIELDS.len()),
        ) {
            prop_assume!(!value.starts_with("javascript:"));
            let fields: Vec<(&str, &str)> =
                FIELDS.iter().copied().zip(values.iter().map(String::as_str)).collect();
            let row = record(&fields);
            let query = EncodedQuery::parse(&text);
            let expected = query.matches(&row, &CONTEXT)
                && row.field(field).unwrap().eq_ignore_ascii_case(&value);
            prop_assert_eq!(query.and_equal(field, &value).matches(&row, &CONTEXT), expected);
        }

        #[test]
        fn a_plain_name_value_filter_reads_as_its_encoded_condition(
            text in query_text(),
            field in prop::sample::select(FIELDS.to_vec()),
            value in "[a-z0-9 ]{0,8}",
        ) {
            prop_assume!(!text.contains("NQ"));
            let joined = EncodedQuery::parse(&format!("{text}^{field}={value}"));
            let filtered = EncodedQuery::parse(&text).and_equal(field, &value);
            let rows = [record(&[("a", &value), ("b", &value), ("c", &value)]), record(&[("a", "x")])];
            for row in &rows {
                prop_assert_eq!(joined.matches(row, &CONTEXT), filtered.matches(row, &CONTEXT));
            }
        }

        #[test]
        fn generated_equality_queries_match_direct_evaluation(
            queries in prop::collection::vec(
                prop::collection::vec(
                    prop::collection::vec(
                        (prop::sample::select(FIELDS.to_vec()), prop::sample::select(VALUES.to_vec())),
                        1..4,
                    ),
                    1..4,
                ),
                1..3,
            ),
            values in prop::collection::vec(prop::sample::select(VALUES.to_vec()), FIELDS.len()),
        ) {
            let text = queries
                .iter()
                .map(|clauses| {
                    clauses
                        .iter()
                        .map(|alternatives| {
                            alternatives
                                .iter()
                                .map(|(field, value)| format!("{field}={value}"))
                                .collect::<Vec<_>>()
                                .join("^OR")
                        })
                        .collect::<Vec<_>>()
                        .join("^")
                })
                .collect::<Vec<_>>()
                .join("^NQ");
            let fields: Vec<(&str, &str)> = FIELDS.iter().copied().zip(values.iter().copied()).collect();
            let value_of = |name: &str| fields.iter().find(|(field, _)| *field == name).unwrap().1;
            let expected = queries.iter().any(|clauses| {
                clauses.iter().all(|alternatives| {
                    alternatives
                        .iter()
                        .any(|(field, value)| value_of(field).eq_ignore_ascii_case(value))
                })
            });
            prop_assert_eq!(matches(&text, &record(&fields)), expected, "{}", text);
        }
    }
}

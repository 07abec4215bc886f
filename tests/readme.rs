//! The README and docs/catalogue.md against the code. docs/catalogue.md is the hand-kept catalogue: the
//! features check exactly the rows it documents, each row's section gives the features' facts, its table
//! (and the README's) is `sncc list --markdown` between the `catalogue` markers, and every link into it
//! names a section or row it has. The README's gates table is the code's; its first lines, the two
//! commands, stay as they are.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use regex::Regex;
use sncc::catalogue::{self, EVIDENCE_TAGS, ScenarioInfo, Severity};

const BEGIN: &str = "<!-- catalogue:begin -->\n";
const END: &str = "<!-- catalogue:end -->";
const CATALOGUE_DOC: &str = "docs/catalogue.md";

/// A file of the project, by its path from the project's root.
fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn readme() -> String {
    read("README.md")
}

fn catalogue_doc() -> String {
    read(CATALOGUE_DOC)
}

/// The built-in features, parsed.
fn built_in_features() -> Vec<gherkin::Feature> {
    sncc::catalogue::features::parse(&sncc::catalogue::features::embedded())
        .expect("the built-in features")
}

/// The text between a file's `catalogue` markers.
fn catalogue_table<'t>(text: &'t str, file: &str) -> &'t str {
    let start = text
        .find(BEGIN)
        .unwrap_or_else(|| panic!("{file} has the begin marker"))
        + BEGIN.len();
    let end = text
        .find(END)
        .unwrap_or_else(|| panic!("{file} has the end marker"));
    &text[start..end]
}

#[test]
fn the_catalogue_tables_are_what_sncc_list_prints() {
    let output = Command::new(env!("CARGO_BIN_EXE_sncc"))
        .args(["list", "--markdown"])
        .output()
        .expect("sncc list runs");
    assert!(output.status.success());
    let table = String::from_utf8(output.stdout).expect("UTF-8 table");
    assert!(
        catalogue_table(&read(CATALOGUE_DOC), CATALOGUE_DOC) == table,
        "{CATALOGUE_DOC}'s catalogue differs from `sncc list --markdown`; put this between its markers:\n{table}"
    );
}

/// The README sums the catalogue up a row per letter: every letter the features check, and no other.
#[test]
fn the_readme_sums_up_every_letter_of_the_catalogue() {
    let readme = read("README.md");
    let start = readme
        .find("| rows | what they check |")
        .expect("the README's summary of the catalogue");
    let summed: Vec<String> = readme[start..]
        .lines()
        .skip(2)
        .map_while(|line| line.strip_prefix("| "))
        .map(|line| line.split(" |").next().unwrap_or_default().to_owned())
        .collect();
    let ids = catalogue::ids(&built_in_features()).expect("the catalogue's ids");
    let mut letters: Vec<String> = ids.iter().map(|id| id[..1].to_owned()).collect();
    letters.dedup();
    assert_eq!(summed, letters);
}

/// The ids of docs/catalogue.md's table, in its order: the hand-kept list of the rows.
fn documented_ids(doc: &str) -> Vec<String> {
    catalogue_table(doc, CATALOGUE_DOC)
        .lines()
        .skip(2)
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            cells.get(1).copied().unwrap_or_default().to_owned()
        })
        .collect()
}

/// A row that loses its scenarios, or a scenario of a row the catalogue lacks, fails here.
#[test]
fn the_features_check_exactly_the_rows_the_catalogue_documents() {
    let checked = catalogue::ids(&built_in_features()).expect("tagged features");
    assert_eq!(checked, documented_ids(&catalogue_doc()));
}

/// Each `### <id>` section of docs/catalogue.md: its one-line bullets (`- **Severity:** must`), by label.
fn row_sections(doc: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let heading = Regex::new(r"^### ([A-Z]+[0-9]+)$").expect("valid pattern");
    let bullet = Regex::new(r"^- \*\*([A-Za-z ]+):\*\* (.*)$").expect("valid pattern");
    let mut sections: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in doc.lines() {
        if let Some(id) = heading.captures(line).map(|found| found[1].to_owned()) {
            assert!(
                !sections.contains_key(&id),
                "{CATALOGUE_DOC} has two sections for {id}"
            );
            sections.insert(id.clone(), BTreeMap::new());
            current = Some(id);
        } else if line.starts_with('#') {
            current = None;
        } else if let (Some(id), Some(found)) = (&current, bullet.captures(line)) {
            let bullets = sections.get_mut(id).expect("its section");
            bullets.insert(found[1].to_owned(), found[2].to_owned());
        }
    }
    sections
}

/// What each row's section must say, from the features: evidence, severity and targets as `sncc list`
/// gives them, and the clauses of all its scenarios.
fn facts_of_the_features() -> BTreeMap<String, [(&'static str, String); 4]> {
    let features = built_in_features();
    let mut clauses: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for feature in &features {
        for scenario in &feature.scenarios {
            let info =
                ScenarioInfo::from_tags(&catalogue::tags_of(feature, scenario)).expect("tags");
            let known = clauses.entry(info.id).or_default();
            for clause in info.clauses {
                if !known.contains(&clause) {
                    known.push(clause);
                }
            }
        }
    }
    catalogue::behaviours(&features)
        .expect("tagged features")
        .into_iter()
        .map(|row| {
            let clauses = match clauses[&row.id].as_slice() {
                [] => "none".to_owned(),
                listed => listed.join(", "),
            };
            let facts = [
                ("Evidence", row.evidence.join(", ")),
                ("Severity", row.severity.name().to_owned()),
                ("Targets", row.targets.join(", ")),
                ("Clauses", clauses),
            ];
            (row.id, facts)
        })
        .collect()
}

#[test]
fn every_row_has_its_section_with_the_features_facts() {
    let sections = row_sections(&catalogue_doc());
    let expected = facts_of_the_features();
    let documented: BTreeSet<&String> = sections.keys().collect();
    let checked: BTreeSet<&String> = expected.keys().collect();
    assert_eq!(
        documented, checked,
        "the `### <id>` sections of {CATALOGUE_DOC}, and the rows the features check"
    );
    let mut problems = Vec::new();
    for (id, facts) in &expected {
        let bullets = &sections[id];
        for (label, value) in facts {
            if bullets.get(*label) != Some(value) {
                problems.push(format!(
                    "{id}: \"- **{label}:** {value}\", not {:?}",
                    bullets.get(*label)
                ));
            }
        }
        for label in ["Sources", "Contract"] {
            if !bullets.contains_key(label) {
                problems.push(format!("{id}: no \"- **{label}:**\" bullet"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The tags of the table in the section under `<a id="{anchor}">`, in order.
fn defined_tags(doc: &str, anchor: &str) -> Vec<String> {
    let marker = format!("<a id=\"{anchor}\"></a>");
    let start = doc.find(&marker).unwrap_or_else(|| panic!("no {marker}"));
    doc[start..]
        .lines()
        .skip(1)
        .take_while(|line| !line.starts_with('#'))
        .filter_map(|line| line.strip_prefix("| `@"))
        .filter_map(|rest| rest.split_once('`'))
        .map(|(tag, _)| tag.to_owned())
        .collect()
}

#[test]
fn the_terms_define_every_evidence_and_severity_tag() {
    let doc = catalogue_doc();
    assert_eq!(defined_tags(&doc, "evidence"), EVIDENCE_TAGS);
    assert_eq!(
        defined_tags(&doc, "severity"),
        [Severity::Must, Severity::Should, Severity::Info].map(Severity::name)
    );
}

/// The numbers of the numbered sections (`## §7 …`), each of which has its anchor on the next line.
fn numbered_sections(doc: &str) -> Vec<u32> {
    let heading = Regex::new(r"^## §([0-9]+) ").expect("valid pattern");
    let anchor = Regex::new(r#"^<a id="([a-z0-9-]+)"></a>$"#).expect("valid pattern");
    let lines: Vec<&str> = doc.lines().collect();
    lines
        .iter()
        .enumerate()
        .filter_map(|(at, line)| {
            heading
                .captures(line)
                .map(|found| (at, found[1].to_owned()))
        })
        .map(|(at, number)| {
            let next = lines.get(at + 1).copied().unwrap_or_default();
            assert!(
                anchor.is_match(next),
                "§{number} has no <a id=\"…\"></a> on the line after it"
            );
            number.parse().expect("a number")
        })
        .collect()
}

/// Every anchor docs/catalogue.md has: its `<a id="…">` lines and its rows (`### F3` is `#f3`).
fn anchors(doc: &str) -> BTreeSet<String> {
    let anchor = Regex::new(r#"<a id="([a-z0-9-]+)"></a>"#).expect("valid pattern");
    let ids = row_sections(doc).into_keys().map(|id| id.to_lowercase());
    anchor
        .captures_iter(doc)
        .map(|found| found[1].to_owned())
        .chain(ids)
        .collect()
}

#[test]
fn sections_are_numbered_in_order_each_with_its_anchor() {
    let numbers = numbered_sections(&catalogue_doc());
    let expected: Vec<u32> = (1..=numbers.len() as u32).collect();
    assert_eq!(numbers, expected);
}

/// The project's text files a citation of the catalogue may be in.
fn project_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable folder") {
        let path = entry.expect("an entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if path.is_dir() {
            if !matches!(name, "target" | ".git") {
                project_files(&path, found);
            }
        } else if ["rs", "md", "feature", "toml", "py", "sh"]
            .iter()
            .any(|ext| path.extension().is_some_and(|e| e == *ext))
        {
            found.push(path);
        }
    }
}

/// `catalogue §7`, `catalogue F3` and `docs/catalogue.md#auth-scopes` anywhere in the project, and the
/// catalogue's own `](#…)` links, name a section, row or anchor it has.
#[test]
fn every_citation_of_the_catalogue_names_what_it_has() {
    let doc = catalogue_doc();
    let anchors = anchors(&doc);
    let sections: BTreeSet<String> = numbered_sections(&doc)
        .into_iter()
        .map(|number| number.to_string())
        .collect();
    let rows: BTreeSet<String> = row_sections(&doc).into_keys().collect();
    let section = Regex::new(r"catalogue §([0-9]+)").expect("valid pattern");
    let row = Regex::new(r"catalogue ([A-Z]+[0-9]+)\b").expect("valid pattern");
    let link = Regex::new(r"docs/catalogue\.md#([A-Za-z0-9-]+)").expect("valid pattern");
    let own_link = Regex::new(r"\]\(#([^)]+)\)").expect("valid pattern");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    project_files(root, &mut files);
    let mut problems = Vec::new();
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let file = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .display()
            .to_string();
        let mut check = |pattern: &Regex, known: &BTreeSet<String>, what: &str| {
            for found in pattern.captures_iter(&text) {
                if !known.contains(&found[1]) {
                    problems.push(format!("{file}: {} names no {what}", &found[0]));
                }
            }
        };
        check(&section, &sections, "numbered section");
        check(&row, &rows, "row");
        check(&link, &anchors, "anchor");
        if file == CATALOGUE_DOC {
            check(&own_link, &anchors, "anchor");
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_readme_opens_with_the_two_commands() {
    let opening = "# sncc: ServiceNow client credentials conformance suite and mock instance\n\n```sh\n\
        cargo run --release -- run        # the main job: every catalogue behaviour against the bundled mock instance\n\
        cargo test                        # the tests (unit, wire snapshots, mock behaviour, the suite and its failure proofs)\n```\n";
    assert!(readme().starts_with(opening));
}

/// The README's gates table names every gate of `sncc::servicenow::GATES` with its first releases, in order.
#[test]
fn the_gates_table_is_the_code_s() {
    let readme = readme();
    let start = readme
        .find("<!-- gates:begin -->")
        .expect("the gates begin marker");
    let end = readme
        .find("<!-- gates:end -->")
        .expect("the gates end marker");
    let rows: Vec<(&str, &str)> = readme[start..end]
        .lines()
        .filter(|line| line.starts_with("| `@gate-"))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            (cells[1], cells[3])
        })
        .collect();
    let expected: Vec<(String, String)> = sncc::servicenow::GATES
        .iter()
        .map(|rule| (format!("`@gate-{}`", rule.tag), rule.gate.arrived_in()))
        .collect();
    let expected: Vec<(&str, &str)> = expected
        .iter()
        .map(|(tag, arrived)| (tag.as_str(), arrived.as_str()))
        .collect();
    assert_eq!(rows, expected);
}

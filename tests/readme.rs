//! The README's catalogue table is `sncc list --markdown`, between its `catalogue` markers: it cannot drift from
//! the features; its gates table is the code's. The README's first lines, the two commands, stay as they are.

use std::process::Command;

const BEGIN: &str = "<!-- catalogue:begin -->\n";
const END: &str = "<!-- catalogue:end -->";

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md")
}

#[test]
fn the_catalogue_table_is_what_sncc_list_prints() {
    let output = Command::new(env!("CARGO_BIN_EXE_sncc"))
        .args(["list", "--markdown"])
        .output()
        .expect("sncc list runs");
    assert!(output.status.success());
    let table = String::from_utf8(output.stdout).expect("UTF-8 table");
    let readme = readme();
    let start = readme.find(BEGIN).expect("the README has the begin marker") + BEGIN.len();
    let end = readme.find(END).expect("the README has the end marker");
    assert!(
        readme[start..end] == table,
        "the README's catalogue differs from `sncc list --markdown`; put this between its markers:\n{table}"
    );
}

#[test]
fn the_readme_opens_with_the_two_commands() {
    let opening = "# sncc: ServiceNow client credentials conformance suite and mock instance\n\n```sh\n\
        cargo run --release -- run        # the main job: every catalogue behaviour against the bundled mock instance\n\
        cargo test                        # the tests (unit, wire snapshots, mock behaviour, the suite and its failure proofs)\n```\n";
    assert!(readme().starts_with(opening));
}

/// The README's gates table names every gate of `sncc::release::GATES` with its first releases, in order.
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
    let expected: Vec<(String, String)> = sncc::release::GATES
        .iter()
        .map(|rule| (format!("`@gate-{}`", rule.tag), rule.gate.arrived_in()))
        .collect();
    let expected: Vec<(&str, &str)> = expected
        .iter()
        .map(|(tag, arrived)| (tag.as_str(), arrived.as_str()))
        .collect();
    assert_eq!(rows, expected);
}

//! `sncc list`: the behaviour catalogue the features check, as aligned columns or a markdown table.

use sncc::catalogue::features::{self, FeatureSource};
use sncc::catalogue::{self, Behaviour};

use super::CommandError;

/// `sncc list`, validated.
pub(crate) struct ListConfig {
    pub features: Vec<FeatureSource>,
    /// `--markdown`: a markdown table (the README's catalogue is this output).
    pub markdown: bool,
}

pub(crate) fn run(config: &ListConfig) -> Result<(), CommandError> {
    let parsed = features::parse(&config.features).map_err(CommandError::config)?;
    let behaviours = catalogue::behaviours(&parsed).map_err(CommandError::config)?;
    if config.markdown {
        print!("{}", markdown(&behaviours));
    } else {
        print!("{}", columns(&behaviours));
    }
    Ok(())
}

fn columns(behaviours: &[Behaviour]) -> String {
    let mut text = format!(
        "{:<4} {:<9} {:<18} {:<18} title\n",
        "id", "severity", "evidence", "targets"
    );
    for behaviour in behaviours {
        text.push_str(&format!(
            "{:<4} {:<9} {:<18} {:<18} {}\n",
            behaviour.id,
            behaviour.severity.name(),
            behaviour.evidence.join("+"),
            behaviour.targets.join(" "),
            behaviour.title
        ));
    }
    text
}

/// `| id | behaviour | evidence | severity | targets |`, a row per behaviour.
fn markdown(behaviours: &[Behaviour]) -> String {
    let mut table =
        String::from("| id | behaviour | evidence | severity | targets |\n|---|---|---|---|---|\n");
    for behaviour in behaviours {
        table.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            behaviour.id,
            cell(&behaviour.title),
            behaviour.evidence.join(", "),
            behaviour.severity.name(),
            behaviour.targets.join(", ")
        ));
    }
    table
}

/// A title as a table cell: pipes escaped, markup characters as entities.
fn cell(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;
    use sncc::catalogue::Severity;

    #[test]
    fn the_markdown_table_has_a_row_per_behaviour_and_escapes_titles() {
        let behaviour = Behaviour {
            id: "A1".into(),
            title: "a <b> | c".into(),
            evidence: vec!["doc".into(), "captured".into()],
            severity: Severity::Must,
            targets: vec!["mock", "admin"],
            scenarios: 1,
        };
        assert_eq!(
            markdown(&[behaviour]),
            "| id | behaviour | evidence | severity | targets |\n|---|---|---|---|---|\n\
             | A1 | a &lt;b&gt; \\| c | doc, captured | must | mock, admin |\n"
        );
    }
}

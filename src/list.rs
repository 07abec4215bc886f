//! `sncc list`: the behaviour catalogue the features check.

use std::process::ExitCode;

use sncc::catalogue;
use sncc::features::{self, FeatureSource};

use crate::cli::CONFIG_ERROR;

pub fn run(sources: &[FeatureSource]) -> ExitCode {
    let behaviours =
        match features::parse(sources).and_then(|parsed| catalogue::behaviours(&parsed)) {
            Ok(behaviours) => behaviours,
            Err(error) => {
                eprintln!("sncc: {error}");
                return ExitCode::from(CONFIG_ERROR);
            }
        };
    println!(
        "{:<4} {:<9} {:<18} {:<18} title",
        "id", "severity", "evidence", "targets"
    );
    for behaviour in behaviours {
        println!(
            "{:<4} {:<9} {:<18} {:<18} {}",
            behaviour.id,
            behaviour.severity.name(),
            behaviour.evidence.join("+"),
            behaviour.targets.join(" "),
            behaviour.title
        );
    }
    ExitCode::SUCCESS
}

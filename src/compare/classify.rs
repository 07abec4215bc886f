//! What kind of change a scenario's outcome went through between two runs (regressed, fixed, newly applicable…),
//! and which `--fail-on` threshold it trips: a pure function of the outcome before, the outcome after and the
//! behaviour's severity.

use crate::catalogue::Severity;
use crate::report::ScenarioOutcome;

/// The kinds of change, in the order a comparison shows them (the first a behaviour has is its kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Class {
    /// It held, now it deviates (passed → failed or warning), or deviates worse (warning → failed).
    Regressed,
    /// It deviated, now it holds, or deviates less.
    Fixed,
    /// It was skipped as not applicable (or not run), now it ran.
    NewlyApplicable,
    /// It ran, now it is skipped as not applicable (or not run).
    NoLongerApplicable,
    /// A fault decided nothing on either side.
    Inconclusive,
    /// The same outcome, but what it recorded differs: facts, exchanges, preflight settings, M1 inventory.
    FactsChanged,
}

impl Class {
    /// Every kind, in the order a comparison shows them.
    pub(crate) const ALL: [Class; 6] = [
        Class::Regressed,
        Class::Fixed,
        Class::NewlyApplicable,
        Class::NoLongerApplicable,
        Class::Inconclusive,
        Class::FactsChanged,
    ];

    /// `regressed`, `newly applicable`…
    pub(crate) fn name(self) -> &'static str {
        match self {
            Class::Regressed => "regressed",
            Class::Fixed => "fixed",
            Class::NewlyApplicable => "newly applicable",
            Class::NoLongerApplicable => "no longer applicable",
            Class::Inconclusive => "inconclusive",
            Class::FactsChanged => "facts changed",
        }
    }
}

/// How strict `sncc compare` is (`--fail-on`), the least strict first: it exits 1 when a change trips it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FailOn {
    /// A `@must` behaviour regressed, or an M1 inventory value of an entity the run did not create changed.
    Must,
    /// Besides: a `@should` behaviour regressed.
    Should,
    /// Besides: any regression, and any fact, exchange or preflight setting that changed.
    Facts,
}

impl FailOn {
    /// `must`, `should`, `facts`, as the flag spells it.
    pub fn name(self) -> &'static str {
        match self {
            FailOn::Must => "must",
            FailOn::Should => "should",
            FailOn::Facts => "facts",
        }
    }
}

/// A change's kind, and the least strict `--fail-on` it trips (none when no threshold counts it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Classified {
    pub class: Class,
    pub trips: Option<FailOn>,
}

/// A recorded value (a fact, an exchange, a preflight setting) that changed: it trips `--fail-on facts`.
pub(crate) const FACT: Classified = Classified {
    class: Class::FactsChanged,
    trips: Some(FailOn::Facts),
};

/// An M1 inventory value of an entity the run did not create that changed: the instance's own integrations
/// changing, which fails the comparison at any threshold.
pub(crate) const FOREIGN_INVENTORY: Classified = Classified {
    class: Class::FactsChanged,
    trips: Some(FailOn::Must),
};

/// How a scenario's outcome changed; `None` for a side that has no such scenario, and `None` back when the two
/// outcomes are the same. The same kind of outcome with another message or reason is a fact that changed (a
/// skip's reason naming the release trips nothing).
pub(crate) fn classify(
    before: Option<&ScenarioOutcome>,
    after: Option<&ScenarioOutcome>,
    severity: Severity,
) -> Option<Classified> {
    if before == after {
        return None;
    }
    let class = match (before.map(Side::of), after.map(Side::of)) {
        (Some(Side::Undecided), _) | (_, Some(Side::Undecided)) => Class::Inconclusive,
        (None | Some(Side::NotApplicable), Some(Side::Ran(_))) => Class::NewlyApplicable,
        (Some(Side::Ran(_)), None | Some(Side::NotApplicable)) => Class::NoLongerApplicable,
        (Some(Side::Ran(was)), Some(Side::Ran(now))) if now > was => Class::Regressed,
        (Some(Side::Ran(was)), Some(Side::Ran(now))) if now < was => Class::Fixed,
        (Some(Side::Ran(_)), Some(Side::Ran(_))) => return Some(FACT),
        (None | Some(Side::NotApplicable), None | Some(Side::NotApplicable)) => {
            return Some(Classified {
                class: Class::FactsChanged,
                trips: None,
            });
        }
    };
    let trips = match (class, severity) {
        (Class::Regressed, Severity::Must) => Some(FailOn::Must),
        (Class::Regressed, Severity::Should) => Some(FailOn::Should),
        (Class::Regressed, Severity::Info) => Some(FailOn::Facts),
        _ => None,
    };
    Some(Classified { class, trips })
}

/// A scenario's outcome as classifying reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    NotApplicable,
    Undecided,
    /// It ran to a verdict: how far it deviated (passed < expected < warning < failed).
    Ran(u8),
}

impl Side {
    fn of(outcome: &ScenarioOutcome) -> Side {
        match outcome {
            ScenarioOutcome::Skipped { .. } => Side::NotApplicable,
            ScenarioOutcome::Inconclusive { .. } => Side::Undecided,
            ran => Side::Ran(ran.rank()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An outcome by name, its message or reason `x`, or what follows `: `.
    fn outcome(name: &str) -> Option<ScenarioOutcome> {
        let (name, said) = name.split_once(": ").unwrap_or((name, "x"));
        let text = || said.to_owned();
        match name {
            "not run" => None,
            "passed" => Some(ScenarioOutcome::Passed),
            "failed" => Some(ScenarioOutcome::Failed { message: text() }),
            "warning" => Some(ScenarioOutcome::Warning { message: text() }),
            "skipped" => Some(ScenarioOutcome::Skipped { reason: text() }),
            "expected" => Some(ScenarioOutcome::Expected {
                reason: text(),
                message: text(),
            }),
            "inconclusive" => Some(ScenarioOutcome::Inconclusive { reason: text() }),
            other => panic!("no outcome {other}"),
        }
    }

    /// Before, after, severity, the class expected and the `--fail-on` it trips.
    type Row = (
        &'static str,
        &'static str,
        Severity,
        Option<Class>,
        Option<FailOn>,
    );

    /// Every pair of outcomes that matters, at each severity: (before, after, severity, class, trips).
    #[test]
    fn the_table() {
        use Class::*;
        use FailOn as F;
        use Severity::{Info, Must, Should};
        let table: &[Row] = &[
            ("passed", "passed", Must, None, None),
            ("skipped", "skipped", Must, None, None),
            ("not run", "not run", Must, None, None),
            ("failed", "failed", Must, None, None),
            (
                "failed",
                "failed: y",
                Must,
                Some(FactsChanged),
                Some(F::Facts),
            ),
            ("skipped", "skipped: y", Must, Some(FactsChanged), None),
            (
                "inconclusive",
                "inconclusive: y",
                Must,
                Some(Inconclusive),
                None,
            ),
            ("passed", "failed", Must, Some(Regressed), Some(F::Must)),
            (
                "passed",
                "warning",
                Should,
                Some(Regressed),
                Some(F::Should),
            ),
            (
                "warning",
                "failed",
                Should,
                Some(Regressed),
                Some(F::Should),
            ),
            ("expected", "failed", Must, Some(Regressed), Some(F::Must)),
            ("passed", "expected", Must, Some(Regressed), Some(F::Must)),
            ("passed", "failed", Info, Some(Regressed), Some(F::Facts)),
            ("failed", "passed", Must, Some(Fixed), None),
            ("warning", "passed", Should, Some(Fixed), None),
            ("failed", "expected", Must, Some(Fixed), None),
            ("skipped", "passed", Must, Some(NewlyApplicable), None),
            ("skipped", "failed", Must, Some(NewlyApplicable), None),
            ("not run", "passed", Must, Some(NewlyApplicable), None),
            ("passed", "skipped", Must, Some(NoLongerApplicable), None),
            ("failed", "not run", Must, Some(NoLongerApplicable), None),
            ("passed", "inconclusive", Must, Some(Inconclusive), None),
            ("inconclusive", "failed", Must, Some(Inconclusive), None),
            ("skipped", "inconclusive", Should, Some(Inconclusive), None),
            ("inconclusive", "not run", Must, Some(Inconclusive), None),
            ("skipped", "not run", Must, Some(FactsChanged), None),
            ("inconclusive", "inconclusive", Must, None, None),
        ];
        for (before, after, severity, class, trips) in table {
            let got = classify(outcome(before).as_ref(), outcome(after).as_ref(), *severity);
            assert_eq!(
                got.map(|got| (got.class, got.trips)),
                class.map(|class| (class, *trips)),
                "{before} → {after} ({})",
                severity.name()
            );
        }
    }

    #[test]
    fn thresholds_grow_stricter() {
        assert!(FailOn::Must < FailOn::Should && FailOn::Should < FailOn::Facts);
        assert_eq!(FailOn::Facts.name(), "facts");
        assert_eq!(Class::ALL.map(Class::name)[2], "newly applicable");
    }
}

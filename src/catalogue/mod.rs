//! The catalogue of behaviours: the Gherkin features that check them (`features`), what each scenario checks,
//! read from its tags (`tags`), and which scenarios run on a target (`selection`).

pub mod features;
pub(crate) mod selection;
mod tags;

pub use tags::{
    Behaviour, CatalogueError, EVIDENCE_TAGS, Needs, ScenarioInfo, Severity, TagError, behaviours,
    ids, tags_of,
};

//! Hands the already parsed features (built in, or from `--features-dir`) to cucumber.

use cucumber::{cli, parser};
use futures::stream;

/// Features parsed before the run, so the catalogue and the selection saw exactly what runs.
pub struct Features(pub Vec<gherkin::Feature>);

impl parser::Parser<()> for Features {
    type Cli = cli::Empty;
    type Output = stream::Iter<std::vec::IntoIter<parser::Result<gherkin::Feature>>>;

    fn parse(self, _: (), _: cli::Empty) -> Self::Output {
        let features: Vec<_> = self.0.into_iter().map(Ok).collect();
        stream::iter(features)
    }
}

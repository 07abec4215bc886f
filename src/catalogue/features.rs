//! The Gherkin features: built into the binary (an installed `sncc` works anywhere) or read from a folder.

use std::path::{Path, PathBuf};

/// One feature file's text and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeatureSource {
    /// `features/<file>.feature` for built-in ones, the path for a folder's.
    pub uri: String,
    pub text: String,
}

macro_rules! embedded {
    ($($file:literal),* $(,)?) => {
        [$(($file, include_str!(concat!("../../features/", $file)))),*]
    };
}

const EMBEDDED: [(&str, &str); 16] = embedded!(
    "grant_toggle.feature",
    "application_registry.feature",
    "token_response.feature",
    "user_mapping.feature",
    "token_use.feature",
    "request_format.feature",
    "releases.feature",
    "api_access_scopes.feature",
    "revocation_and_sessions.feature",
    "basic_auth_restriction.feature",
    "token_format.feature",
    "request_details.feature",
    "access_policies.feature",
    "token_lifecycle.feature",
    "rate_limits.feature",
    "hardening.feature",
);

/// The features shipped inside the binary, in catalogue order.
pub fn embedded() -> Vec<FeatureSource> {
    EMBEDDED
        .iter()
        .map(|(file, text)| FeatureSource {
            uri: format!("features/{file}"),
            text: (*text).to_owned(),
        })
        .collect()
}

/// Why the features cannot be read, or are not valid Gherkin.
#[derive(Debug, thiserror::Error)]
pub enum FeatureError {
    /// A folder or file cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The folder holds no feature file.
    #[error("{} holds no .feature files", .0.display())]
    NoFeatures(PathBuf),
    /// A feature file is not valid Gherkin.
    #[error("{uri}: {source}")]
    NotGherkin {
        uri: String,
        source: gherkin::ParseError,
    },
}

/// Every `*.feature` file in a folder, by name.
pub fn from_dir(dir: &Path) -> Result<Vec<FeatureSource>, FeatureError> {
    let entries = std::fs::read_dir(dir).map_err(|source| FeatureError::Unreadable {
        path: dir.to_owned(),
        source,
    })?;
    let mut paths: Vec<_> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "feature"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(FeatureError::NoFeatures(dir.to_owned()));
    }
    paths
        .into_iter()
        .map(|path| {
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(source) => return Err(FeatureError::Unreadable { path, source }),
            };
            Ok(FeatureSource {
                uri: path.display().to_string(),
                text,
            })
        })
        .collect()
}

/// Parses every source; the first one that is not valid Gherkin is an error naming its file.
pub fn parse(sources: &[FeatureSource]) -> Result<Vec<gherkin::Feature>, FeatureError> {
    sources
        .iter()
        .map(|source| {
            let mut feature = gherkin::Feature::parse(&source.text, gherkin::GherkinEnv::default())
                .map_err(|error| FeatureError::NotGherkin {
                    uri: source.uri.clone(),
                    source: error,
                })?;
            feature.path = Some(source.uri.clone().into());
            Ok(feature)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_feature_file_in_the_source_tree_is_embedded() {
        let on_disk =
            from_dir(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/features"))).unwrap();
        let mut names: Vec<_> = on_disk
            .iter()
            .map(|source| {
                Path::new(&source.uri)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        let mut embedded_names: Vec<_> = EMBEDDED
            .iter()
            .map(|(file, _)| (*file).to_owned())
            .collect();
        names.sort();
        embedded_names.sort();
        assert_eq!(names, embedded_names);
        assert_eq!(parse(&embedded()).unwrap().len(), EMBEDDED.len());
    }

    #[test]
    fn bad_gherkin_names_its_file() {
        let source = FeatureSource {
            uri: "features/broken.feature".into(),
            text: "Scenario without a feature".into(),
        };
        assert!(
            parse(&[source])
                .unwrap_err()
                .to_string()
                .starts_with("features/broken.feature")
        );
    }
}

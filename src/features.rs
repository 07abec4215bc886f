//! The Gherkin features: built into the binary (an installed `sncc` works anywhere) or read from a folder.

use std::path::Path;

/// One feature file's text and where it came from.
#[derive(Clone, Debug)]
pub struct FeatureSource {
    /// `features/<file>.feature` for built-in ones, the path for a folder's.
    pub uri: String,
    pub text: String,
}

macro_rules! embedded {
    ($($file:literal),* $(,)?) => {
        [$(($file, include_str!(concat!("../features/", $file)))),*]
    };
}

const EMBEDDED: [(&str, &str); 10] = embedded!(
    "grant_toggle.feature",
    "application_registry.feature",
    "token_response.feature",
    "user_mapping.feature",
    "token_use.feature",
    "request_format.feature",
    "releases.feature",
    "api_access_scopes.feature",
    "revocation_and_sessions.feature",
    "request_details.feature",
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

/// Every `*.feature` file in a folder, by name.
pub fn from_dir(dir: &Path) -> Result<Vec<FeatureSource>, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|error| format!("cannot read {}: {error}", dir.display()))?;
    let mut paths: Vec<_> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "feature"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(format!("{} holds no .feature files", dir.display()));
    }
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
            Ok(FeatureSource {
                uri: path.display().to_string(),
                text,
            })
        })
        .collect()
}

/// Parses every source; the first one that is not valid Gherkin is an error naming its file.
pub fn parse(sources: &[FeatureSource]) -> Result<Vec<gherkin::Feature>, String> {
    sources
        .iter()
        .map(|source| {
            let mut feature = gherkin::Feature::parse(&source.text, gherkin::GherkinEnv::default())
                .map_err(|error| format!("{}: {error}", source.uri))?;
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
                .starts_with("features/broken.feature")
        );
    }
}

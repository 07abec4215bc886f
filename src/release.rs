//! ServiceNow release families: their order, `glide.buildtag` values, and which support the grant (SPEC §4).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A release family, in ServiceNow's release order (the alphabet wraps after Zurich).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Tokyo,
    Utah,
    Vancouver,
    WashingtonDc,
    Xanadu,
    Yokohama,
    Zurich,
    Australia,
    Brazil,
}

impl Family {
    /// Every known family, oldest first.
    pub const ALL: [Family; 9] = [
        Family::Tokyo,
        Family::Utah,
        Family::Vancouver,
        Family::WashingtonDc,
        Family::Xanadu,
        Family::Yokohama,
        Family::Zurich,
        Family::Australia,
        Family::Brazil,
    ];

    /// The word ServiceNow uses in build tags, e.g. `washingtondc`.
    pub fn name(self) -> &'static str {
        match self {
            Family::Tokyo => "tokyo",
            Family::Utah => "utah",
            Family::Vancouver => "vancouver",
            Family::WashingtonDc => "washingtondc",
            Family::Xanadu => "xanadu",
            Family::Yokohama => "yokohama",
            Family::Zurich => "zurich",
            Family::Australia => "australia",
            Family::Brazil => "brazil",
        }
    }

    /// Whether inbound client credentials exist on this release (Washington DC and later).
    pub fn supports_client_credentials(self) -> bool {
        self >= Family::WashingtonDc
    }

    /// A `glide.buildtag` value of the shape real instances report for this family.
    pub fn buildtag(self) -> String {
        let date = match self {
            Family::Tokyo => "07-08-2022",
            Family::Utah => "01-19-2023",
            Family::Vancouver => "07-11-2023",
            Family::WashingtonDc => "12-20-2023",
            Family::Xanadu => "07-02-2024",
            Family::Yokohama => "01-22-2025",
            Family::Zurich => "07-15-2025",
            Family::Australia => "01-20-2026",
            Family::Brazil => "07-14-2026",
        };
        format!(
            "glide-{}-{date}__patch0-{date}_{date}_0000.zip",
            self.name()
        )
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A release name that is no family's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown release '{name}' (known: {})", Family::ALL.map(|f| f.name()).join(", "))]
pub struct UnknownRelease {
    pub name: String,
}

impl FromStr for Family {
    type Err = UnknownRelease;

    /// Accepts the build-tag word, case-insensitively, and `washington` for Washington DC.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let word = text.trim();
        if word.eq_ignore_ascii_case("washington") {
            return Ok(Family::WashingtonDc);
        }
        Family::ALL
            .into_iter()
            .find(|family| family.name().eq_ignore_ascii_case(word))
            .ok_or_else(|| UnknownRelease {
                name: text.to_owned(),
            })
    }
}

/// What a `glide.buildtag` says about an instance's release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Release {
    Known(Family),
    /// A word not in the list: newer than every known family (SPEC §4), so the grant is assumed to exist.
    Newer(String),
}

impl Release {
    /// Reads the family from a build tag such as `glide-washingtondc-12-20-2023__patch4-…`.
    pub fn from_buildtag(tag: &str) -> Option<Release> {
        let word = tag.strip_prefix("glide-")?.split('-').next()?;
        if word.is_empty() {
            return None;
        }
        Some(match word.parse::<Family>() {
            Ok(family) => Release::Known(family),
            Err(_) => Release::Newer(word.to_ascii_lowercase()),
        })
    }

    pub fn supports_client_credentials(&self) -> bool {
        match self {
            Release::Known(family) => family.supports_client_credentials(),
            Release::Newer(_) => true,
        }
    }

    /// Whether the release is `family` or a later one (a word newer than the list is later than all).
    pub fn is_at_least(&self, family: Family) -> bool {
        match self {
            Release::Known(known) => *known >= family,
            Release::Newer(_) => true,
        }
    }
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Release::Known(family) => family.fmt(f),
            Release::Newer(word) => write!(f, "{word} (newer than {})", Family::Brazil),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn washington_dc_is_the_first_release_with_the_grant() {
        let supported: Vec<_> = Family::ALL
            .into_iter()
            .filter(|f| f.supports_client_credentials())
            .collect();
        assert_eq!(supported.first(), Some(&Family::WashingtonDc));
        assert!(!Family::Vancouver.supports_client_credentials());
        assert!(
            Family::Australia > Family::Zurich,
            "order wraps after zurich"
        );
    }

    #[test]
    fn buildtag_round_trips_for_every_family() {
        for family in Family::ALL {
            assert_eq!(
                Release::from_buildtag(&family.buildtag()),
                Some(Release::Known(family))
            );
        }
    }

    #[test]
    fn a_captured_buildtag_is_washington_dc() {
        let tag = "glide-washingtondc-12-20-2023__patch4-04-17-2024_04-24-2024_2049.zip";
        assert_eq!(
            Release::from_buildtag(tag),
            Some(Release::Known(Family::WashingtonDc))
        );
    }

    #[test]
    fn unknown_words_are_newer_and_support_the_grant() {
        let release = Release::from_buildtag("glide-capetown-01-01-2027__patch0").unwrap();
        assert_eq!(release, Release::Newer("capetown".into()));
        assert!(release.supports_client_credentials());
        assert_eq!(Release::from_buildtag("not a tag"), None);
    }

    #[test]
    fn family_names_parse_case_insensitively() {
        assert_eq!("Vancouver".parse::<Family>(), Ok(Family::Vancouver));
        assert_eq!("washington".parse::<Family>(), Ok(Family::WashingtonDc));
        assert!(
            "kingston"
                .parse::<Family>()
                .unwrap_err()
                .to_string()
                .contains("known: tokyo")
        );
    }
}

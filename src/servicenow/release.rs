//! ServiceNow releases: families in order, patch levels, `glide.buildtag` values, and the gates of behaviours
//! that arrived in a release or a patch (catalogue §4, §7–§10).

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

    /// The newest family the list knows.
    pub const NEWEST: Family = Family::Brazil;

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

    /// The date in this family's GA build tag.
    fn ga_date(self) -> &'static str {
        match self {
            Family::Tokyo => "07-08-2022",
            Family::Utah => "01-19-2023",
            Family::Vancouver => "07-11-2023",
            Family::WashingtonDc => "12-20-2023",
            Family::Xanadu => "07-02-2024",
            Family::Yokohama => "01-22-2025",
            Family::Zurich => "07-15-2025",
            Family::Australia => "01-20-2026",
            Family::Brazil => "07-14-2026",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Family {
    type Err = ReleaseError;

    /// Accepts the build-tag word, case-insensitively, and `washington` for Washington DC.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let word = text.trim();
        if word.eq_ignore_ascii_case("washington") {
            return Ok(Family::WashingtonDc);
        }
        Family::ALL
            .into_iter()
            .find(|family| family.name().eq_ignore_ascii_case(word))
            .ok_or_else(|| ReleaseError::UnknownFamily(text.to_owned()))
    }
}

/// The family part of a release: one of the list, or a word the list does not know yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ReleaseFamily {
    Known(Family),
    /// A word not in the list: newer than every known family (catalogue §4), so every gate is open.
    Newer(String),
}

/// The highest patch level accepted: ServiceNow's patches are numbered from 1 and stay well below it.
pub(crate) const MAX_PATCH: u16 = 99;

/// A release: a family and a patch level (`zurich`, `zurich-p4`; patch 0 is the GA build).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Release {
    pub(crate) family: ReleaseFamily,
    pub(crate) patch: u16,
}

/// Why a release name or a build tag cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReleaseError {
    #[error("unknown release family '{0}' (known: {known})", known = Family::ALL.map(|f| f.name()).join(", "))]
    UnknownFamily(String),
    #[error(
        "release '{0}': a release is a family and an optional patch level, e.g. zurich or zurich-p4"
    )]
    Malformed(String),
    #[error("release '{0}': patch levels go from 0 to {MAX_PATCH}")]
    PatchOutOfRange(String),
    #[error("the mock simulates the families {first} … {newest}, not '{0}'", first = Family::ALL[0], newest = Family::NEWEST)]
    NotSimulated(String),
    #[error(
        "glide.buildtag '{0}' is not a build tag of the form glide-<family>-<date>__patch<n>-…"
    )]
    Buildtag(String),
}

impl Release {
    /// The GA build (patch 0) of a known family.
    pub fn ga(family: Family) -> Release {
        Release::patched(family, 0)
    }

    pub(crate) fn patched(family: Family, patch: u16) -> Release {
        Release {
            family: ReleaseFamily::Known(family),
            patch,
        }
    }

    /// The known family, or `None` for a word newer than the list.
    pub(crate) fn known_family(&self) -> Option<Family> {
        match self.family {
            ReleaseFamily::Known(family) => Some(family),
            ReleaseFamily::Newer(_) => None,
        }
    }

    /// The family word, as build tags spell it.
    pub fn family_word(&self) -> &str {
        match &self.family {
            ReleaseFamily::Known(family) => family.name(),
            ReleaseFamily::Newer(word) => word,
        }
    }

    /// The name `--release` takes: `zurich-p4`, or `zurich` for patch 0.
    pub(crate) fn name(&self) -> String {
        match self.patch {
            0 => self.family_word().to_owned(),
            patch => format!("{}-p{patch}", self.family_word()),
        }
    }

    /// Whether a word newer than the list named this release (worth a warning, catalogue §4).
    pub fn is_newer_than_known(&self) -> bool {
        matches!(self.family, ReleaseFamily::Newer(_))
    }

    /// The release, if the mock can simulate it: a family newer than the list is a real instance's to
    /// report, not one the mock knows the behaviour of.
    pub fn simulated(self) -> Result<Release, ReleaseError> {
        match &self.family {
            ReleaseFamily::Known(_) => Ok(self),
            ReleaseFamily::Newer(word) => Err(ReleaseError::NotSimulated(word.clone())),
        }
    }

    /// Reads a `glide.buildtag` such as `glide-zurich-07-15-2025__patch4-hotfix1-…` or `…__ga-…` (patch 0).
    pub(crate) fn from_buildtag(tag: &str) -> Result<Release, ReleaseError> {
        let garbled = || ReleaseError::Buildtag(tag.to_owned());
        let rest = tag.trim().strip_prefix("glide-").ok_or_else(garbled)?;
        let (word, rest) = rest.split_once('-').unwrap_or((rest, ""));
        if word.is_empty() || !word.bytes().all(|byte| byte.is_ascii_alphabetic()) {
            return Err(garbled());
        }
        let patch = match rest.split_once("__").map(|(_, build)| build) {
            None => 0,
            Some(build) => match build.strip_prefix("patch") {
                None => 0,
                Some(number) => {
                    let digits: &str = &number[..number
                        .find(|c: char| !c.is_ascii_digit())
                        .unwrap_or(number.len())];
                    let patch: u16 = digits.parse().map_err(|_| garbled())?;
                    if patch > MAX_PATCH {
                        return Err(garbled());
                    }
                    patch
                }
            },
        };
        Ok(Release {
            family: family_of(word),
            patch,
        })
    }

    /// A `glide.buildtag` value of the shape real instances report for this release.
    pub(crate) fn buildtag(&self) -> String {
        let date = self
            .known_family()
            .map_or("01-01-2027", |family| family.ga_date());
        format!(
            "glide-{}-{date}__patch{}-{date}_{date}_0000.zip",
            self.family_word(),
            self.patch
        )
    }

    /// Whether the behaviour behind `gate` exists on this release.
    pub fn has(&self, gate: Gate) -> bool {
        let Some(family) = self.known_family() else {
            return true;
        };
        let arrivals = gate.rule().arrived;
        match arrivals.iter().find(|(listed, _)| *listed == family) {
            Some((_, first_patch)) => self.patch >= *first_patch,
            None => arrivals.last().is_some_and(|(last, _)| family > *last),
        }
    }

    pub(crate) fn supports_client_credentials(&self) -> bool {
        self.has(Gate::ClientCredentials)
    }
}

fn family_of(word: &str) -> ReleaseFamily {
    match word.parse::<Family>() {
        Ok(family) => ReleaseFamily::Known(family),
        Err(_) => ReleaseFamily::Newer(word.to_ascii_lowercase()),
    }
}

impl FromStr for Release {
    type Err = ReleaseError;

    /// `zurich`, `zurich-p4`, `Washington`; a letters-only word the list does not know is newer than it.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let name = text.trim();
        let (word, patch) = match name.rsplit_once("-p") {
            Some((word, digits)) => {
                if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
                    return Err(ReleaseError::Malformed(text.to_owned()));
                }
                let patch = digits
                    .parse::<u16>()
                    .ok()
                    .filter(|patch| *patch <= MAX_PATCH)
                    .ok_or_else(|| ReleaseError::PatchOutOfRange(text.to_owned()))?;
                (word, patch)
            }
            None => (name, 0),
        };
        if word.is_empty() || !word.bytes().all(|byte| byte.is_ascii_alphabetic()) {
            return Err(ReleaseError::Malformed(text.to_owned()));
        }
        Ok(Release {
            family: family_of(word),
            patch,
        })
    }
}

impl fmt::Display for Release {
    /// [`Release::name`], and `capetown (newer than brazil)` for a word the list lacks.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())?;
        if self.is_newer_than_known() {
            write!(f, " (newer than {})", Family::NEWEST)?;
        }
        Ok(())
    }
}

/// A behaviour that exists only from some release (and patch) on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Gate {
    /// Inbound client credentials (catalogue §4).
    ClientCredentials,
    /// `oauth_entity.scope_restriction_status=restricted` (catalogue §7, H6).
    RestrictedScopes,
    /// `oauth_entity.token_format=jwt` (catalogue §9, J1–J4).
    JwtAccessTokens,
    /// The Basic authentication restriction properties (catalogue §10, K1–K3).
    BasicAuthRestriction,
    /// REST API access policies and Enforce Token Restriction (catalogue §18).
    AccessPolicies,
}

/// When a gated behaviour arrived: per family, the first patch that has it. A family after the last listed
/// one has it from GA; a family before the first, or missing between listed ones, does not.
pub struct GateRule {
    pub gate: Gate,
    /// The scenario tag naming the gate (`@gate-<tag>`).
    pub tag: &'static str,
    pub arrived: &'static [(Family, u16)],
    /// The release note the dates come from.
    pub source: &'static str,
}

/// Every gate, in one table.
pub const GATES: [GateRule; 5] = [
    GateRule {
        gate: Gate::ClientCredentials,
        tag: "client-credentials",
        arrived: &[(Family::WashingtonDc, 0)],
        source: "Washington DC release notes: inbound OAuth client credentials grant type",
    },
    GateRule {
        gate: Gate::RestrictedScopes,
        tag: "restricted-scopes",
        arrived: &[
            (Family::Yokohama, 11),
            (Family::Zurich, 4),
            (Family::Australia, 0),
        ],
        source: "Yokohama Patch 11, Zurich Patch 4 and Australia release notes: \
                 \"Allow access only to APIs in selected scope\"",
    },
    GateRule {
        gate: Gate::JwtAccessTokens,
        tag: "jwt-access-tokens",
        arrived: &[
            (Family::Yokohama, 7),
            (Family::Zurich, 1),
            (Family::Australia, 0),
        ],
        source: "Yokohama Patch 7, Zurich Patch 1 and Australia release notes: JWT access token format",
    },
    GateRule {
        gate: Gate::BasicAuthRestriction,
        tag: "basic-auth-restriction",
        arrived: &[(Family::Brazil, 0)],
        source: "Brazil release notes: Basic authentication restriction",
    },
    GateRule {
        gate: Gate::AccessPolicies,
        tag: "access-policies",
        arrived: &[(Family::Xanadu, 0)],
        source: "Xanadu documentation: REST API access policies (plugin com.glide.rest.policy) and the \
                 OAuth entity's Enforce Token Restriction",
    },
];

impl Gate {
    pub(crate) fn rule(self) -> &'static GateRule {
        GATES
            .iter()
            .find(|rule| rule.gate == self)
            .expect("every gate has a row in GATES")
    }

    /// The gate a scenario tag `@gate-<tag>` names.
    pub(crate) fn from_tag(tag: &str) -> Option<Gate> {
        GATES
            .iter()
            .find(|rule| rule.tag == tag)
            .map(|rule| rule.gate)
    }

    /// The first releases that have it, e.g. `yokohama-p7, zurich-p1, australia`.
    pub fn arrived_in(self) -> String {
        self.rule()
            .arrived
            .iter()
            .map(|(family, patch)| Release::patched(*family, *patch).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn washington_dc_is_the_first_release_with_the_grant() {
        let supported: Vec<_> = Family::ALL
            .into_iter()
            .filter(|f| Release::ga(*f).supports_client_credentials())
            .collect();
        assert_eq!(supported.first(), Some(&Family::WashingtonDc));
        assert!(!Release::ga(Family::Vancouver).supports_client_credentials());
        assert!(
            Family::Australia > Family::Zurich,
            "order wraps after zurich"
        );
    }

    #[test]
    fn buildtag_round_trips_for_every_family_and_patch() {
        for family in Family::ALL {
            for patch in [0, 4, 11] {
                let release = Release::patched(family, patch);
                assert_eq!(Release::from_buildtag(&release.buildtag()), Ok(release));
            }
        }
    }

    #[test]
    fn captured_buildtags_give_family_and_patch() {
        let tag = "glide-washingtondc-12-20-2023__patch4-04-17-2024_04-24-2024_2049.zip";
        assert_eq!(
            Release::from_buildtag(tag),
            Ok(Release::patched(Family::WashingtonDc, 4))
        );
        let hotfix = "glide-zurich-07-15-2025__patch4-hotfix1-10-02-2025_10-03-2025_1200.zip";
        assert_eq!(
            Release::from_buildtag(hotfix),
            Ok(Release::patched(Family::Zurich, 4))
        );
        let ga = "glide-yokohama-01-22-2025__ga-01-22-2025_1200.zip";
        assert_eq!(
            Release::from_buildtag(ga),
            Ok(Release::ga(Family::Yokohama))
        );
    }

    #[test]
    fn garbled_buildtags_are_errors() {
        for tag in [
            "not a tag",
            "glide-",
            "glide--01-01-2025__patch1",
            "glide-zurich-07-15-2025__patchX-1",
            "glide-zurich-07-15-2025__patch999-1",
            "glide-zur1ch-07-15-2025__patch1",
        ] {
            assert_eq!(
                Release::from_buildtag(tag),
                Err(ReleaseError::Buildtag(tag.into())),
                "{tag}"
            );
        }
    }

    #[test]
    fn unknown_words_are_newer_and_open_every_gate() {
        let release = Release::from_buildtag("glide-capetown-01-01-2027__patch0").unwrap();
        assert!(release.is_newer_than_known());
        assert_eq!(release.to_string(), "capetown (newer than brazil)");
        assert!(GATES.iter().all(|rule| release.has(rule.gate)));
        let named: Release = "capetown-p2".parse().unwrap();
        assert_eq!(named.patch, 2);
        assert!(named.is_newer_than_known());
    }

    #[test]
    fn release_names_parse_with_an_optional_patch() {
        assert_eq!("Zurich-p4".parse(), Ok(Release::patched(Family::Zurich, 4)));
        assert_eq!("washington".parse(), Ok(Release::ga(Family::WashingtonDc)));
        assert_eq!("zurich-p0".parse(), Ok(Release::ga(Family::Zurich)));
        assert_eq!(Release::patched(Family::Zurich, 4).to_string(), "zurich-p4");
        assert_eq!(Release::ga(Family::Zurich).to_string(), "zurich");
        for (name, error) in [
            ("zurich-p", ReleaseError::Malformed("zurich-p".into())),
            ("zurich-px", ReleaseError::Malformed("zurich-px".into())),
            ("-p4", ReleaseError::Malformed("-p4".into())),
            ("", ReleaseError::Malformed("".into())),
            ("zur1ch", ReleaseError::Malformed("zur1ch".into())),
            (
                "zurich-p999",
                ReleaseError::PatchOutOfRange("zurich-p999".into()),
            ),
            (
                "zurich-p99999999999",
                ReleaseError::PatchOutOfRange("zurich-p99999999999".into()),
            ),
        ] {
            assert_eq!(name.parse::<Release>(), Err(error), "{name}");
        }
        assert!(
            "kingston"
                .parse::<Family>()
                .unwrap_err()
                .to_string()
                .contains("known: tokyo")
        );
    }

    #[test]
    fn patch_gates_follow_the_release_notes() {
        let has = |name: &str, gate| name.parse::<Release>().unwrap().has(gate);
        for (name, expected) in [
            ("xanadu-p9", false),
            ("yokohama-p6", false),
            ("yokohama-p7", true),
            ("zurich", false),
            ("zurich-p1", true),
            ("australia", true),
            ("brazil", true),
        ] {
            assert_eq!(has(name, Gate::JwtAccessTokens), expected, "jwt {name}");
        }
        for (name, expected) in [
            ("yokohama-p10", false),
            ("yokohama-p11", true),
            ("zurich-p3", false),
            ("zurich-p4", true),
            ("australia", true),
        ] {
            assert_eq!(
                has(name, Gate::RestrictedScopes),
                expected,
                "restricted {name}"
            );
        }
        assert!(!has("australia-p9", Gate::BasicAuthRestriction));
        assert!(has("brazil", Gate::BasicAuthRestriction));
        assert!(!has("washingtondc-p9", Gate::AccessPolicies));
        assert!(has("xanadu", Gate::AccessPolicies));
        assert!(has("zurich-p3", Gate::AccessPolicies));
        assert_eq!(
            Gate::JwtAccessTokens.arrived_in(),
            "yokohama-p7, zurich-p1, australia"
        );
        for rule in &GATES {
            assert_eq!(Gate::from_tag(rule.tag), Some(rule.gate));
            assert_eq!(rule.gate.rule().tag, rule.tag);
        }
    }
}

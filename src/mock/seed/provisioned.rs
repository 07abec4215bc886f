//! The two kinds of instance (catalogue §13): one upgraded from an older family, or one first provisioned on its
//! own ("zBoot", as every developer instance is), and the settings each starts with on a release. Every setting
//! is an ordinary record an admin may change; the kind decides only where it starts.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub(crate) use crate::servicenow::captured::{
    BASIC_RESTRICTION_ACTIVE_PROPERTY as ACTIVE_PROPERTY,
    BASIC_RESTRICTION_ENFORCE_PROPERTY as ENFORCE_PROPERTY, DEFAULT_MODE_PROPERTY,
    INSTANCE_NAME_PROPERTY, POST_BODY_ONLY_PROPERTY,
};
use crate::servicenow::release::{Family, Release};
/// What `instance_name` is unless a seed says otherwise.
const MOCK_INSTANCE_NAME: &str = "sncc-mock";

/// How an instance came to be (catalogue §13); `upgraded` unless a seed or `sncc mock --provisioned` says `new`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provisioned {
    /// Upgraded from an older family, as most customer instances and their clones are.
    #[default]
    Upgraded,
    /// First provisioned on its family, as every personal developer instance is.
    New,
}

impl Provisioned {
    pub const ALL: [Provisioned; 2] = [Provisioned::Upgraded, Provisioned::New];

    /// The word seeds, `--provisioned` and the control plane use.
    pub fn name(self) -> &'static str {
        match self {
            Provisioned::Upgraded => "upgraded",
            Provisioned::New => "new",
        }
    }
}

impl fmt::Display for Provisioned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A word that is neither kind of instance.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("an instance is provisioned upgraded or new, not '{0}'")]
pub struct UnknownProvisioned(pub String);

impl FromStr for Provisioned {
    type Err = UnknownProvisioned;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Provisioned::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| UnknownProvisioned(text.to_owned()))
    }
}

/// Whether `release` is `family` or a later one (a family newer than the list is later than every one).
fn from_family(release: &Release, family: Family) -> bool {
    release.known_family().is_none_or(|known| known >= family)
}

/// catalogue §13, §10: whether the Basic auth restriction exists on an instance of this kind at `release`: on a
/// new instance from Yokohama ("in zBoot scenarios, basic authentication is restricted by default"), on an
/// upgraded one from Brazil (its release gate).
pub(crate) fn has_basic_auth_restriction(kind: Provisioned, release: &Release) -> bool {
    match kind {
        Provisioned::New => from_family(release, Family::Yokohama),
        Provisioned::Upgraded => {
            release.has(crate::servicenow::release::Gate::BasicAuthRestriction)
        }
    }
}

/// catalogue §13: the `scope_restriction_status` an `oauth_entity` inserted without one gets: `restricted` on a new
/// instance from Zurich (the column's dictionary default there), else `unrestricted`.
pub(crate) fn entity_scope_default(kind: Provisioned, release: &Release) -> &'static str {
    match kind {
        Provisioned::New if from_family(release, Family::Zurich) => "restricted",
        _ => "unrestricted",
    }
}

/// catalogue §13: the properties an instance of this kind starts with at `release` (name, type, value), before a
/// seed's own: on both `post.body.only` true and `instance_name`; the default mode `allow` on an upgraded
/// instance, `deny` on a new one; and on a new instance from Yokohama the Basic auth restriction active and
/// enforcing.
pub(crate) fn starting_properties(
    kind: Provisioned,
    release: &Release,
) -> Vec<(&'static str, &'static str, &'static str)> {
    let mut properties = vec![
        (POST_BODY_ONLY_PROPERTY, "boolean", "true"),
        (INSTANCE_NAME_PROPERTY, "string", MOCK_INSTANCE_NAME),
    ];
    match kind {
        Provisioned::Upgraded => properties.push((DEFAULT_MODE_PROPERTY, "string", "allow")),
        Provisioned::New => {
            properties.push((DEFAULT_MODE_PROPERTY, "string", "deny"));
            if has_basic_auth_restriction(kind, release) {
                properties.push((ACTIVE_PROPERTY, "boolean", "true"));
                properties.push((ENFORCE_PROPERTY, "boolean", "true"));
            }
        }
    }
    properties
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(properties: &[(&str, &str, &'static str)], name: &str) -> Option<&'static str> {
        properties
            .iter()
            .find(|(named, _, _)| *named == name)
            .map(|(_, _, value)| *value)
    }

    #[test]
    fn the_kind_reads_and_shows_as_its_word() {
        assert_eq!("New".parse::<Provisioned>(), Ok(Provisioned::New));
        assert_eq!(
            " upgraded".parse::<Provisioned>(),
            Ok(Provisioned::Upgraded)
        );
        assert_eq!(Provisioned::default(), Provisioned::Upgraded);
        let error = "zboot".parse::<Provisioned>().unwrap_err().to_string();
        assert_eq!(
            error,
            "an instance is provisioned upgraded or new, not 'zboot'"
        );
        assert_eq!(Provisioned::New.to_string(), "new");
    }

    #[test]
    fn both_kinds_read_the_body_only_and_differ_in_the_default_mode() {
        let brazil = Release::ga(Family::Brazil);
        for (kind, mode) in [(Provisioned::Upgraded, "allow"), (Provisioned::New, "deny")] {
            let properties = starting_properties(kind, &brazil);
            assert_eq!(value(&properties, POST_BODY_ONLY_PROPERTY), Some("true"));
            assert_eq!(
                value(&properties, INSTANCE_NAME_PROPERTY),
                Some("sncc-mock")
            );
            assert_eq!(value(&properties, DEFAULT_MODE_PROPERTY), Some(mode));
        }
        let upgraded = starting_properties(Provisioned::Upgraded, &brazil);
        assert_eq!(value(&upgraded, ENFORCE_PROPERTY), None, "tracking: absent");
    }

    #[test]
    fn a_new_instance_enforces_the_restriction_from_yokohama_an_upgraded_one_has_it_from_brazil() {
        for (family, new, upgraded) in [
            (Family::Xanadu, false, false),
            (Family::Yokohama, true, false),
            (Family::Australia, true, false),
            (Family::Brazil, true, true),
        ] {
            let release = Release::ga(family);
            assert_eq!(
                has_basic_auth_restriction(Provisioned::New, &release),
                new,
                "{family}"
            );
            assert_eq!(
                has_basic_auth_restriction(Provisioned::Upgraded, &release),
                upgraded,
                "{family}"
            );
            let properties = starting_properties(Provisioned::New, &release);
            let expected = new.then_some("true");
            assert_eq!(value(&properties, ACTIVE_PROPERTY), expected, "{family}");
            assert_eq!(value(&properties, ENFORCE_PROPERTY), expected, "{family}");
        }
        let newer = "capetown".parse::<Release>().unwrap();
        assert!(has_basic_auth_restriction(Provisioned::New, &newer));
    }

    #[test]
    fn new_entities_are_restricted_on_a_new_instance_from_zurich() {
        for (family, new) in [
            (Family::Yokohama, "unrestricted"),
            (Family::Zurich, "restricted"),
            (Family::Brazil, "restricted"),
        ] {
            let release = Release::ga(family);
            assert_eq!(entity_scope_default(Provisioned::New, &release), new);
            assert_eq!(
                entity_scope_default(Provisioned::Upgraded, &release),
                "unrestricted"
            );
        }
    }
}

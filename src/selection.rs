//! Which scenarios run on a target: the user's `--tags` and `--name`, then what the target and release allow.

use cucumber::tag::Ext as _;
use gherkin::tagexpr::TagOperation;
use regex::Regex;

use crate::catalogue::ScenarioInfo;
use crate::release::Release;

/// What the suite runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetKind {
    /// The bundled mock instance (a fresh one per scenario).
    Mock,
    /// A real instance with admin credentials: everything runs, changes are restored.
    Admin,
    /// A real instance with only a client id and secret: read-only scenarios.
    Client,
}

impl TargetKind {
    pub fn name(self) -> &'static str {
        match self {
            TargetKind::Mock => "mock",
            TargetKind::Admin => "admin",
            TargetKind::Client => "client",
        }
    }
}

/// Whether a scenario runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Run,
    /// The target or release cannot run it: reported as skipped, with why.
    Skip(String),
    /// The user's filters left it out: not reported.
    Excluded,
}

pub struct Selection {
    pub target: TargetKind,
    /// The release the target runs; `None` when unknown (a client run without `--release`).
    pub release: Option<Release>,
    pub tags: Option<TagOperation>,
    pub name: Option<Regex>,
}

impl Selection {
    pub fn verdict(&self, name: &str, tags: &[String], info: &ScenarioInfo) -> Verdict {
        if self
            .tags
            .as_ref()
            .is_some_and(|expression| !expression.eval(tags))
        {
            return Verdict::Excluded;
        }
        if self
            .name
            .as_ref()
            .is_some_and(|pattern| !pattern.is_match(name))
        {
            return Verdict::Excluded;
        }
        let needs = info.needs;
        if needs.mock_only && self.target != TargetKind::Mock {
            return Verdict::Skip("needs the mock instance's control plane".into());
        }
        if needs.admin && self.target == TargetKind::Client {
            return Verdict::Skip("changes the instance: needs an admin target".into());
        }
        let has_grant = self
            .release
            .as_ref()
            .map(Release::supports_client_credentials);
        if needs.grant && has_grant == Some(false) {
            let release = self
                .release
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            return Verdict::Skip(format!(
                "not applicable to this release ({release}): the grant exists from Washington DC on"
            ));
        }
        if let Some(since) = needs.since {
            // Family only: a behaviour that arrived in a patch of an earlier family (SPEC §7's H6:
            // Yokohama Patch 11, Zurich Patch 4) is gated to the first family that ships it whole
            // until releases carry patch levels.
            match &self.release {
                Some(release) if !release.is_at_least(since) => {
                    return Verdict::Skip(format!(
                        "not applicable to this release ({release}): it arrived in {since}"
                    ));
                }
                _ => {}
            }
        }
        if needs.pre_washington && has_grant != Some(false) {
            return Verdict::Skip("applies only to releases before Washington DC".into());
        }
        Verdict::Run
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::Family;

    fn tags(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    fn verdict(selection: &Selection, text: &str) -> Verdict {
        let tags = tags(text);
        let info = ScenarioInfo::from_tags(&tags).unwrap();
        selection.verdict("A scenario", &tags, &info)
    }

    fn selection(target: TargetKind, release: Option<Family>) -> Selection {
        Selection {
            target,
            release: release.map(Release::Known),
            tags: None,
            name: None,
        }
    }

    #[test]
    fn targets_skip_what_they_cannot_run() {
        let client = selection(TargetKind::Client, None);
        assert!(
            matches!(verdict(&client, "CC-A1 doc must admin grant"), Verdict::Skip(why) if why.contains("admin"))
        );
        assert_eq!(verdict(&client, "CC-A3 doc must grant"), Verdict::Run);
        let admin = selection(TargetKind::Admin, Some(Family::Xanadu));
        assert!(
            matches!(verdict(&admin, "CC-G1 doc must mock-only"), Verdict::Skip(why) if why.contains("control plane"))
        );
        assert_eq!(
            verdict(
                &selection(TargetKind::Mock, None),
                "CC-G1 doc must mock-only"
            ),
            Verdict::Run
        );
    }

    #[test]
    fn releases_before_washington_dc_skip_grant_scenarios_and_run_g1() {
        let vancouver = selection(TargetKind::Mock, Some(Family::Vancouver));
        assert!(
            matches!(verdict(&vancouver, "CC-A3 doc must grant"), Verdict::Skip(why) if why.contains("not applicable"))
        );
        assert_eq!(
            verdict(&vancouver, "CC-G1 doc must admin pre-washington"),
            Verdict::Run
        );
        let washington = selection(TargetKind::Mock, Some(Family::WashingtonDc));
        assert!(matches!(
            verdict(&washington, "CC-G1 doc must admin pre-washington"),
            Verdict::Skip(_)
        ));
        assert!(matches!(
            verdict(
                &selection(TargetKind::Client, None),
                "CC-G1 doc must pre-washington"
            ),
            Verdict::Skip(_)
        ));
    }

    #[test]
    fn a_since_tag_skips_older_families_and_runs_on_that_family_and_later() {
        let tagged = "CC-H6 doc should admin grant since-australia";
        let zurich = selection(TargetKind::Admin, Some(Family::Zurich));
        assert!(
            matches!(verdict(&zurich, tagged), Verdict::Skip(why) if why.contains("arrived in australia"))
        );
        for family in [Family::Australia, Family::Brazil] {
            assert_eq!(
                verdict(&selection(TargetKind::Mock, Some(family)), tagged),
                Verdict::Run
            );
        }
        let newer = Selection {
            release: Some(Release::Newer("capetown".into())),
            ..selection(TargetKind::Admin, None)
        };
        assert_eq!(verdict(&newer, tagged), Verdict::Run);
        assert_eq!(
            verdict(&selection(TargetKind::Admin, None), tagged),
            Verdict::Run
        );
    }

    #[test]
    fn user_filters_exclude_before_anything_else() {
        let mut filtered = selection(TargetKind::Client, None);
        filtered.tags = Some("@must and not @admin".parse().unwrap());
        assert_eq!(verdict(&filtered, "CC-A3 doc must grant"), Verdict::Run);
        assert_eq!(
            verdict(&filtered, "CC-A1 doc must admin grant"),
            Verdict::Excluded
        );
        assert_eq!(
            verdict(&filtered, "CC-C3 rfc should grant"),
            Verdict::Excluded
        );
        filtered.tags = None;
        filtered.name = Some(Regex::new("^Another").unwrap());
        assert_eq!(
            verdict(&filtered, "CC-A3 doc must grant"),
            Verdict::Excluded
        );
    }
}

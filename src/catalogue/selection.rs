//! Which scenarios run on a target: the user's `--tags` and `--name`, then what the target and release allow.

use cucumber::tag::Ext as _;
use gherkin::tagexpr::TagOperation;
use regex::Regex;

use crate::catalogue::ScenarioInfo;
use crate::servicenow::release::Release;

/// What the suite runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TargetKind {
    /// The bundled mock instance (a fresh one per scenario).
    Mock,
    /// A real instance with admin credentials: everything runs, changes are restored.
    Admin,
    /// A real instance with only a client id and secret: read-only scenarios.
    Client,
}

impl TargetKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            TargetKind::Mock => "mock",
            TargetKind::Admin => "admin",
            TargetKind::Client => "client",
        }
    }
}

/// Whether a scenario runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    Run,
    /// The target or release cannot run it: reported as skipped, with why.
    Skip(String),
    /// The user's filters left it out: not reported.
    Excluded,
}

pub(crate) struct Selection {
    pub target: TargetKind,
    /// The release the target runs; `None` when unknown (a client run without `--release`).
    pub release: Option<Release>,
    pub tags: Option<TagOperation>,
    pub name: Option<Regex>,
}

impl Selection {
    pub(crate) fn verdict(&self, name: &str, tags: &[String], info: &ScenarioInfo) -> Verdict {
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
        if let (Some(gate), Some(release)) = (needs.gate, &self.release) {
            if !release.has(gate) {
                return Verdict::Skip(format!(
                    "not applicable to this release ({release}): it arrived in {}",
                    gate.arrived_in()
                ));
            }
        }
        if let Some(gate) = needs.before_gate {
            match &self.release {
                Some(release) if !release.has(gate) => {}
                Some(release) => {
                    return Verdict::Skip(format!(
                        "applies only to releases before {} (this is {release})",
                        gate.arrived_in()
                    ));
                }
                None => {
                    return Verdict::Skip(format!(
                        "applies only to releases before {}, and this one is unknown",
                        gate.arrived_in()
                    ));
                }
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

    fn tags(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    fn verdict(selection: &Selection, text: &str) -> Verdict {
        let tags = tags(text);
        let info = ScenarioInfo::from_tags(&tags).unwrap();
        selection.verdict("A scenario", &tags, &info)
    }

    fn selection(target: TargetKind, release: Option<&str>) -> Selection {
        Selection {
            target,
            release: release.map(|name| name.parse().unwrap()),
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
        let admin = selection(TargetKind::Admin, Some("xanadu"));
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
        let vancouver = selection(TargetKind::Mock, Some("vancouver"));
        assert!(
            matches!(verdict(&vancouver, "CC-A3 doc must grant"), Verdict::Skip(why) if why.contains("not applicable"))
        );
        assert_eq!(
            verdict(&vancouver, "CC-G1 doc must admin pre-washington"),
            Verdict::Run
        );
        let washington = selection(TargetKind::Mock, Some("washingtondc"));
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
    fn a_gate_tag_skips_releases_before_its_patch_and_runs_from_it_on() {
        let tagged = "CC-H6 doc should admin grant gate-restricted-scopes";
        for release in ["xanadu", "yokohama-p10", "zurich", "zurich-p3"] {
            assert!(
                matches!(verdict(&selection(TargetKind::Admin, Some(release)), tagged),
                    Verdict::Skip(why) if why.contains("arrived in yokohama-p11, zurich-p4, australia")),
                "{release}"
            );
        }
        for release in [
            "yokohama-p11",
            "zurich-p4",
            "australia",
            "brazil",
            "capetown",
        ] {
            assert_eq!(
                verdict(&selection(TargetKind::Mock, Some(release)), tagged),
                Verdict::Run,
                "{release}"
            );
        }
        assert_eq!(
            verdict(&selection(TargetKind::Admin, None), tagged),
            Verdict::Run
        );
    }

    #[test]
    fn a_before_gate_tag_runs_only_on_a_release_known_to_lack_the_gate() {
        let tagged = "CC-J4 inferred should admin grant before-gate-jwt-access-tokens";
        for release in ["washingtondc", "yokohama-p6", "zurich"] {
            assert_eq!(
                verdict(&selection(TargetKind::Admin, Some(release)), tagged),
                Verdict::Run,
                "{release}"
            );
        }
        for release in ["yokohama-p7", "zurich-p1", "australia", "capetown"] {
            assert!(
                matches!(verdict(&selection(TargetKind::Admin, Some(release)), tagged),
                    Verdict::Skip(why) if why.contains("applies only to releases before yokohama-p7")),
                "{release}"
            );
        }
        assert!(matches!(
            verdict(&selection(TargetKind::Admin, None), tagged),
            Verdict::Skip(why) if why.contains("unknown")
        ));
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

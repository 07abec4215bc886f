//! One simulated instance: its records and fidelity switches, the expiry of issued tokens, and the lock its
//! running mock shares it behind.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::breaks::{Break, BreakState, Breaks};
use super::clock::VirtualInstant;
use super::switches::Switches;
use crate::mock::apis::attachment_files::AttachmentFiles;
use crate::mock::auth::rate_counts::RateCounts;
use crate::mock::auth::sessions::Sessions;
use crate::mock::seed::provisioned::{self, Provisioned};
use crate::mock::tables::dictionary;
use crate::mock::tables::schema::{
    OAUTH_CREDENTIAL, OAUTH_ENTITY, SYS_PROPERTIES, SYS_USER, SYS_USER_HAS_ROLE, SYS_USER_ROLE,
};
pub(crate) use crate::mock::tables::store::SYSTEM_ACTOR;
use crate::mock::tables::store::{RowId, Store};
use crate::servicenow::captured::high_security_write_roles;
pub(crate) use crate::servicenow::captured::{BUILDTAG_PROPERTY, GRANT_PROPERTY};
use crate::servicenow::glide_time::parse_glide_datetime;
use crate::servicenow::release::{Release, ReleaseFamily};

/// `false` lets a session outlive its token (catalogue I4); absent means true.
pub(crate) const COOKIE_AUTH_DISABLED_PROPERTY: &str =
    "glide.authenticate.oauth.post.token.expiration.cookie_auth.disabled";

#[derive(Clone, Debug, Default)]
pub struct Instance {
    pub(crate) store: Store,
    /// Upgraded or new (catalogue §13): where its settings started, and the defaults that follow its release.
    pub(crate) provisioned: Provisioned,
    pub(crate) switches: Switches,
    /// Deliberate infidelities (none unless a test asks); see [`super::breaks`].
    pub(crate) breaks: Breaks,
    /// What the breaks remember between requests (nothing unless one is on).
    pub(crate) break_state: BreakState,
    /// The sessions Bearer calls opened (catalogue §8).
    pub(crate) sessions: Sessions,
    /// The bytes of attached files (catalogue §12; their metadata is in `sys_attachment`).
    pub(crate) attachment_files: AttachmentFiles,
    /// What rate limit rules counted this hour (catalogue §18).
    pub(crate) rate_counts: RateCounts,
    /// Issued tokens by expiry, soonest first, so expired ones are purged without a scan.
    expiries: BinaryHeap<Reverse<(VirtualInstant, RowId)>>,
}

/// The instance of a running mock, shared by its connections: locked for one short, synchronous step at a
/// time.
pub(crate) trait InstanceLock {
    /// Runs `step` with the instance locked.
    fn with_locked<R>(&self, step: impl FnOnce(&mut Instance) -> R) -> R;
}

impl Instance {
    /// catalogue I4: whether sessions die with their tokens (the property's default).
    /// Break [`Break::CookieOutlivesToken`]: they never do.
    pub(crate) fn sessions_die_with_tokens(&self) -> bool {
        !self.breaks.has(Break::CookieOutlivesToken)
            && !self
                .property(COOKIE_AUTH_DISABLED_PROPERTY)
                .is_some_and(|value| value.trim().eq_ignore_ascii_case("false"))
    }

    /// An instance with these tables and records, and nothing else yet.
    pub(crate) fn with_store(store: Store) -> Instance {
        Instance {
            store,
            ..Instance::default()
        }
    }

    /// The same instance, deliberately unfaithful in these ways (see [`Break`]).
    pub fn with_breaks(self, breaks: Breaks) -> Instance {
        Instance { breaks, ..self }
    }

    /// A property's value, read live (catalogue A4).
    pub(crate) fn property(&self, name: &str) -> Option<&str> {
        self.store.find(SYS_PROPERTIES, "name", name)?.raw("value")
    }

    /// Creates the property or changes its value, as the instance itself does (never refused); a High Security
    /// property it creates gets its `write_roles` (catalogue §13).
    pub(crate) fn set_property(
        &mut self,
        name: &str,
        kind: &str,
        value: &str,
        now: VirtualInstant,
    ) {
        let existing = self
            .store
            .find(SYS_PROPERTIES, "name", name)
            .map(|record| record.sys_id().to_owned());
        let mut changes = vec![("name", name), ("type", kind), ("value", value)];
        match existing {
            Some(sys_id) => {
                self.store
                    .update(SYS_PROPERTIES, &sys_id, &changes, SYSTEM_ACTOR, now);
            }
            None => {
                if let Some(roles) = high_security_write_roles(name) {
                    changes.push(("write_roles", roles));
                }
                self.store
                    .insert(SYS_PROPERTIES, &changes, SYSTEM_ACTOR, now);
            }
        }
    }

    /// Deletes a property, as the instance itself does; false when there was none.
    pub(crate) fn remove_property(&mut self, name: &str) -> bool {
        let existing = self.store.find(SYS_PROPERTIES, "name", name);
        let sys_id = existing.map(|record| record.sys_id().to_owned());
        sys_id.is_some_and(|sys_id| self.store.delete(SYS_PROPERTIES, &sys_id))
    }

    /// Whether the instance was upgraded or is new (catalogue §13).
    pub fn provisioned(&self) -> Provisioned {
        self.provisioned
    }

    /// The release named by `glide.buildtag`; a missing or unreadable tag counts as newer than every family.
    pub fn release(&self) -> Release {
        self.property(BUILDTAG_PROPERTY)
            .and_then(|tag| Release::from_buildtag(tag).ok())
            .unwrap_or(Release {
                family: ReleaseFamily::Newer("unknown".into()),
                patch: 0,
            })
    }

    /// Runs `release` (rewriting `glide.buildtag`), with the column defaults that follow from it on this kind of
    /// instance (catalogue §13: a new entity's `scope_restriction_status`).
    pub(crate) fn set_release(&mut self, release: &Release, now: VirtualInstant) {
        self.set_property(BUILDTAG_PROPERTY, "string", &release.buildtag(), now);
        let scope_default = provisioned::entity_scope_default(self.provisioned, release);
        let column = ("scope_restriction_status", scope_default);
        dictionary::change_default(&mut self.store, OAUTH_ENTITY, column, now);
    }

    /// The names of the roles granted to a user.
    pub(crate) fn roles_of(&self, user_sys_id: &str) -> Vec<String> {
        self.store
            .all(SYS_USER_HAS_ROLE)
            .filter(|grant| grant.raw("user") == Some(user_sys_id))
            .filter_map(|grant| self.store.get(SYS_USER_ROLE, grant.raw("role")?))
            .filter_map(|role| role.raw("name").map(str::to_owned))
            .collect()
    }

    /// The sys_id of the role with this name, creating the role when the instance does not have it yet.
    pub(crate) fn ensure_role(&mut self, role_name: &str, now: VirtualInstant) -> String {
        if let Some(role) = self.store.find(SYS_USER_ROLE, "name", role_name) {
            return role.sys_id().to_owned();
        }
        let changes: &[(&str, &str)] = &[("name", role_name)];
        self.store.insert(SYS_USER_ROLE, changes, SYSTEM_ACTOR, now)
    }

    /// Grants a role by name (see [`Instance::ensure_role`]).
    pub(crate) fn grant_role(&mut self, user_sys_id: &str, role_name: &str, now: VirtualInstant) {
        let role = self.ensure_role(role_name, now);
        let changes: &[(&str, &str)] = &[("user", user_sys_id), ("role", &role)];
        self.store
            .insert(SYS_USER_HAS_ROLE, changes, SYSTEM_ACTOR, now);
    }

    /// Finds a user by `user_name`, case-insensitively as a login does.
    pub(crate) fn user_named(&self, user_name: &str) -> Option<String> {
        self.store
            .all(SYS_USER)
            .find(|user| {
                user.raw("user_name")
                    .is_some_and(|name| name.eq_ignore_ascii_case(user_name))
            })
            .map(|user| user.sys_id().to_owned())
    }

    /// Remembers when an issued token's record expires.
    pub(crate) fn track_expiry(&mut self, expires: VirtualInstant, credential: RowId) {
        self.expiries.push(Reverse((expires, credential)));
    }

    /// Deletes the records of issued tokens that have expired by `now`, so memory stays bounded.
    pub(crate) fn purge_expired_tokens(&mut self, now: VirtualInstant) {
        // Break (E4): expired tokens are accepted, so their records are kept.
        if self.breaks.has(Break::ExpiredTokensAccepted) {
            return;
        }
        // Read once a token is actually purged: most calls purge nothing.
        let mut sessions_die = None;
        while let Some(Reverse((expires, _))) = self.expiries.peek() {
            if *expires > now {
                break;
            }
            let Reverse((_, credential)) = self.expiries.pop().expect("peeked");
            let current_expiry = self
                .store
                .row(OAUTH_CREDENTIAL, credential)
                .map(|record| record.raw("expires").and_then(parse_glide_datetime));
            match current_expiry {
                // An admin moved the expiry later: keep the record and look again then.
                Some(Some(later)) if later > now => self.track_expiry(later, credential),
                Some(_) => {
                    // catalogue I4: the token's session dies with it (unless sessions outlive tokens).
                    let die = *sessions_die.get_or_insert_with(|| self.sessions_die_with_tokens());
                    let record = self.store.row(OAUTH_CREDENTIAL, credential);
                    if let Some(record) = record.filter(|_| die) {
                        self.sessions.close(record.sys_id());
                    }
                    self.store.delete_row(OAUTH_CREDENTIAL, credential);
                }
                None => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::servicenow::glide_time::glide_datetime;
    use crate::servicenow::release::Family;

    #[test]
    fn properties_are_created_then_updated_in_place() {
        let mut instance = Instance::default();
        assert_eq!(instance.property(GRANT_PROPERTY), None);
        instance.set_property(GRANT_PROPERTY, "boolean", "true", 0);
        instance.set_property(GRANT_PROPERTY, "boolean", "false", 0);
        assert_eq!(instance.property(GRANT_PROPERTY), Some("false"));
        assert_eq!(instance.store.count(SYS_PROPERTIES), 1);
    }

    #[test]
    fn release_follows_the_buildtag_property() {
        let mut instance = Instance::default();
        assert!(instance.release().is_newer_than_known());
        let zurich = Release::patched(Family::Zurich, 4);
        instance.set_release(&zurich, 0);
        assert_eq!(instance.release(), zurich);
    }

    #[test]
    fn roles_are_granted_by_name_and_created_once() {
        let mut instance = Instance::default();
        let user = instance
            .store
            .insert(SYS_USER, &[("user_name", "Svc.CC")], "a", 0);
        instance.grant_role(&user, "itil", 0);
        instance.grant_role(&user, "admin", 0);
        let other = instance
            .store
            .insert(SYS_USER, &[("user_name", "x")], "a", 0);
        instance.grant_role(&other, "itil", 0);
        assert_eq!(instance.roles_of(&user), ["itil", "admin"]);
        assert_eq!(instance.store.count(SYS_USER_ROLE), 2);
        assert_eq!(instance.user_named("svc.cc"), Some(user));
    }

    #[test]
    fn expired_tokens_are_purged_and_live_or_extended_ones_kept() {
        let mut instance = Instance::default();
        let issue = |instance: &mut Instance, expires: VirtualInstant| {
            let changes: &[(&str, &str)] = &[
                ("token", &format!("t{expires}")),
                ("expires", &glide_datetime(expires)),
            ];
            let row = instance.store.insert_row(OAUTH_CREDENTIAL, changes, "a", 0);
            instance.track_expiry(expires, row);
            let record = instance.store.row(OAUTH_CREDENTIAL, row).unwrap();
            record.sys_id().to_owned()
        };
        let expired = issue(&mut instance, 100);
        let live = issue(&mut instance, 300);
        let extended = issue(&mut instance, 150);
        let later: &[(&str, &str)] = &[("expires", &glide_datetime(500))];
        instance
            .store
            .update(OAUTH_CREDENTIAL, &extended, later, "admin", 0);

        instance.purge_expired_tokens(200);
        assert!(instance.store.get(OAUTH_CREDENTIAL, &expired).is_none());
        assert!(instance.store.get(OAUTH_CREDENTIAL, &live).is_some());
        assert!(instance.store.get(OAUTH_CREDENTIAL, &extended).is_some());
        instance.purge_expired_tokens(500);
        assert_eq!(instance.store.count(OAUTH_CREDENTIAL), 0);
    }
}

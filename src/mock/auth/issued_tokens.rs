//! What a token already issued is once its entity changes (catalogue §18, row O2; not documented: the mock's
//! choices, recorded by the suite). A changed secret changes nothing (the secret authenticates the client at the
//! token endpoint only). An inactive entity's tokens work until they expire, unless the switch
//! `inactive_entity_tokens` refuses them. A token keeps acting as the user it was issued for (its
//! `oauth_credential.user`), whoever the entity's application user is now.

use super::auth_failure::AuthFailure;
use crate::mock::breaks::Break;
use crate::mock::instance::Instance;
use crate::mock::switches::InactiveEntityTokens;
use crate::mock::tables::schema::OAUTH_ENTITY;
use crate::mock::tables::store::RecordRef;

/// catalogue §18 (row O2): the sys_id of the user a live token's `credential` acts as, or its refusal.
/// Break [`Break::TokenFollowsEntityUser`]: it acts as its entity's application user now.
pub(crate) fn o2_acting_user<'i>(
    instance: &'i Instance,
    credential: RecordRef<'i>,
) -> Result<Option<&'i str>, AuthFailure> {
    let entity = credential
        .raw("peer")
        .and_then(|peer| instance.store.get(OAUTH_ENTITY, peer));
    let refuses_inactive =
        instance.switches.inactive_entity_tokens == InactiveEntityTokens::Refused;
    if refuses_inactive && entity.is_some_and(|entity| !entity.is_true("active")) {
        return Err(AuthFailure::EntityInactive);
    }
    let current_user = entity
        .and_then(|entity| entity.raw("user"))
        .filter(|user| !user.is_empty());
    match current_user {
        Some(user) if instance.breaks.has(Break::TokenFollowsEntityUser) => Ok(Some(user)),
        _ => Ok(credential.raw("user")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::Breaks;
    use crate::mock::tables::schema::{OAUTH_CREDENTIAL, SYS_USER};

    /// An entity whose user is `first`, a token issued for `first`, then the entity's user changed to
    /// `second`, its secret changed and the entity made inactive.
    fn changed() -> (Instance, String, String, String) {
        let mut instance = Instance::default();
        let store = &mut instance.store;
        let first = store.insert(SYS_USER, &[("user_name", "first")], "a", 0);
        let second = store.insert(SYS_USER, &[("user_name", "second")], "a", 0);
        let entity = store.insert(OAUTH_ENTITY, &[("user", first.as_str())], "a", 0);
        let token: &[(&str, &str)] = &[("token", "t"), ("peer", &entity), ("user", &first)];
        let credential = store.insert(OAUTH_CREDENTIAL, token, "a", 0);
        let changes: &[(&str, &str)] = &[
            ("user", &second),
            ("client_secret", "new secret"),
            ("active", "false"),
        ];
        store.update(OAUTH_ENTITY, &entity, changes, "a", 0);
        (instance, credential, first, second)
    }

    fn acting(instance: &Instance, credential: &str) -> Result<Option<String>, AuthFailure> {
        let credential = instance.store.get(OAUTH_CREDENTIAL, credential).unwrap();
        o2_acting_user(instance, credential).map(|user| user.map(str::to_owned))
    }

    #[test]
    fn o2_a_token_works_as_issued_after_its_entity_changes() {
        let (instance, credential, first, _) = changed();
        assert_eq!(acting(&instance, &credential), Ok(Some(first)));
    }

    #[test]
    fn o2_the_switch_refuses_an_inactive_entitys_tokens() {
        let (mut instance, credential, _, _) = changed();
        instance.switches.inactive_entity_tokens = InactiveEntityTokens::Refused;
        assert_eq!(
            acting(&instance, &credential),
            Err(AuthFailure::EntityInactive)
        );
    }

    #[test]
    fn o2_the_break_follows_the_entitys_user() {
        let (instance, credential, _, second) = changed();
        let instance = instance.with_breaks(Breaks::new([Break::TokenFollowsEntityUser]));
        assert_eq!(acting(&instance, &credential), Ok(Some(second)));
    }
}

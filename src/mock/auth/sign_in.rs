//! Sign-in records (catalogue I5): a Bearer call sets its user's `last_login_time`, unless
//! `glide.oauth.update_last_login_time=false`. The record is written once a second at most.

use crate::mock::breaks::Break;
use crate::mock::clock::VirtualInstant;
use crate::mock::instance::{Instance, SYSTEM_ACTOR};
use crate::mock::tables::schema::SYS_USER;
use crate::servicenow::glide_time::{glide_datetime, parse_glide_datetime};

/// `false` stops Bearer calls from updating `last_login_time`; absent means true.
pub(crate) const UPDATE_PROPERTY: &str = "glide.oauth.update_last_login_time";
const COLUMN: &str = "last_login_time";

/// catalogue I5: records a Bearer call of `user_sys_id` at `now`.
/// Break [`Break::LastLoginNotUpdated`]: nothing is recorded.
pub(crate) fn i5_record_bearer_call(
    instance: &mut Instance,
    user_sys_id: &str,
    now: VirtualInstant,
) {
    let switched_off = instance
        .property(UPDATE_PROPERTY)
        .is_some_and(|value| value.trim().eq_ignore_ascii_case("false"));
    if switched_off || instance.breaks.has(Break::LastLoginNotUpdated) {
        return;
    }
    let Some(user) = instance.store.get(SYS_USER, user_sys_id) else {
        return;
    };
    if user.raw(COLUMN).and_then(parse_glide_datetime) == Some(now) {
        return;
    }
    let stamp = glide_datetime(now);
    let change: &[(&str, &str)] = &[(COLUMN, &stamp)];
    instance
        .store
        .update(SYS_USER, user_sys_id, change, SYSTEM_ACTOR, now);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::Breaks;

    fn last_login(instance: &Instance, user: &str) -> String {
        let user = instance.store.get(SYS_USER, user).unwrap();
        user.raw(COLUMN).unwrap().to_owned()
    }

    #[test]
    fn i5_a_bearer_call_sets_last_login_time_unless_switched_off() {
        let mut instance = Instance::default();
        let user = instance
            .store
            .insert(SYS_USER, &[("user_name", "u")], "a", 0);
        assert_eq!(last_login(&instance, &user), "");
        i5_record_bearer_call(&mut instance, &user, 60);
        assert_eq!(last_login(&instance, &user), "1970-01-01 00:01:00");
        i5_record_bearer_call(&mut instance, &user, 60);
        let record = instance.store.get(SYS_USER, &user).unwrap();
        assert_eq!(
            record.raw("sys_mod_count"),
            Some("1"),
            "once a second at most"
        );
        instance.set_property(UPDATE_PROPERTY, "boolean", "false", 0);
        i5_record_bearer_call(&mut instance, &user, 120);
        assert_eq!(last_login(&instance, &user), "1970-01-01 00:01:00");
        i5_record_bearer_call(&mut instance, "no-such-user", 120);
    }

    #[test]
    fn i5_the_break_records_nothing() {
        let mut instance =
            Instance::default().with_breaks(Breaks::new([Break::LastLoginNotUpdated]));
        let user = instance
            .store
            .insert(SYS_USER, &[("user_name", "u")], "a", 0);
        i5_record_bearer_call(&mut instance, &user, 60);
        assert_eq!(last_login(&instance, &user), "");
    }
}

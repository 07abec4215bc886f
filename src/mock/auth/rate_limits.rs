//! Inbound REST API rate limits (catalogue §18): an active `sys_rate_limit_rules` row for a single user and a REST
//! API counts that user's requests to the API per clock hour; once its limit is reached, every further request
//! that hour gets the 429 (its answer is the expected one, not a fault). Every answer a rule applies to names it
//! in the `X-RateLimit-*` headers. Where several rules apply, the lowest limit does (as the documentation says for
//! roles). A limit below 1 never applies (the mock's choice: the insert is accepted); rules for roles and for all
//! users are not modelled. Counting starts with the next request (the documentation allows up to 30 s), and
//! changing a rule's limit starts its count again (documented).

use super::rate_counts::Count;
use crate::mock::apis::api_call;
use crate::mock::breaks::Break;
use crate::mock::clock::VirtualInstant;
use crate::mock::instance::Instance;
use crate::mock::tables::schema::SYS_RATE_LIMIT_RULES;

/// The column of a rule's limit (not documented: the mock's choice; its label is "Request limit per hour").
pub(crate) const LIMIT_COLUMN: &str = "request_limit";
/// The column of a rule's REST API (not documented: the mock's choice; its label is "REST API").
pub(crate) const API_COLUMN: &str = "rest_api";
const HOUR: i64 = 3600;

/// The rule that applies to an answer, as its headers name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AppliedRule {
    /// `X-RateLimit-Limit`: the requests allowed per hour.
    pub limit: i64,
    /// `X-RateLimit-Reset`: when the count starts again (Unix seconds).
    pub reset_at: VirtualInstant,
    /// `X-RateLimit-Rule`: the rule's sys_id.
    pub rule: String,
}

/// A request over its limit: the 429.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RateLimited {
    pub applied: AppliedRule,
    /// The API's name, for the body's detail.
    pub api_name: String,
    /// `Retry-After`: the seconds until the count starts again.
    pub retry_after: i64,
}

/// catalogue §18 (row P1): counts a request of `user` to `method path` at `now` against the rule that applies to it,
/// or refuses it once the rule's limit is reached. Break [`Break::RateLimitIgnored`]: no rule ever applies.
pub(crate) fn p1_count(
    instance: &mut Instance,
    user: &str,
    (method, path): (&str, &str),
    now: VirtualInstant,
) -> Result<Option<AppliedRule>, RateLimited> {
    if instance.breaks.has(Break::RateLimitIgnored) {
        return Ok(None);
    }
    let Some((rule, limit, api_name)) = applying_rule(instance, user, method, path) else {
        return Ok(None);
    };
    let hour = now.div_euclid(HOUR);
    let reset_at = (hour + 1) * HOUR;
    let applied = AppliedRule {
        limit,
        reset_at,
        rule,
    };
    let count = instance
        .rate_counts
        .0
        .entry((applied.rule.clone(), user.to_owned()))
        .or_insert(Count {
            hour,
            limit,
            requests: 0,
        });
    if count.hour != hour || count.limit != limit {
        *count = Count {
            hour,
            limit,
            requests: 0,
        };
    }
    if count.requests >= limit {
        return Err(RateLimited {
            applied,
            api_name,
            retry_after: reset_at - now,
        });
    }
    count.requests += 1;
    Ok(Some(applied))
}

/// The active rule for `user` on the API `method path` calls with the lowest limit above 0 (the oldest of
/// equals): its sys_id, limit and API name.
fn applying_rule(
    instance: &Instance,
    user: &str,
    method: &str,
    path: &str,
) -> Option<(String, i64, String)> {
    let store = &instance.store;
    let mut rules = store
        .all(SYS_RATE_LIMIT_RULES)
        .filter(|rule| rule.is_true("active") && rule.raw("user") == Some(user))
        .peekable();
    rules.peek()?;
    let call = api_call::resolve(store, method, path)?;
    let api = call.definition.sys_id();
    let mut lowest: Option<(i64, &str)> = None;
    for rule in rules.filter(|rule| rule.raw(API_COLUMN) == Some(api)) {
        let limit = rule
            .raw(LIMIT_COLUMN)
            .and_then(|text| text.trim().parse::<i64>().ok());
        let Some(limit) = limit.filter(|limit| *limit > 0) else {
            continue;
        };
        if lowest.is_none_or(|(least, _)| limit < least) {
            lowest = Some((limit, rule.sys_id()));
        }
    }
    let (limit, rule) = lowest?;
    let name = call.definition.raw("name").unwrap_or_default();
    Some((rule.to_owned(), limit, name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::apis::api_call::TABLE_API_SYS_ID;
    use crate::mock::seed::rest_apis;
    use crate::mock::tables::schema::SYS_USER;

    const LIST: (&str, &str) = ("GET", "/api/now/table/incident");

    fn setup() -> (Instance, String) {
        let mut instance = Instance::default();
        rest_apis::add_out_of_box(&mut instance.store, 0);
        let user = instance
            .store
            .insert(SYS_USER, &[("user_name", "svc")], "a", 0);
        (instance, user)
    }

    fn rule(instance: &mut Instance, user: &str, limit: &str) -> String {
        let row: &[(&str, &str)] = &[
            ("name", "r"),
            ("user", user),
            (LIMIT_COLUMN, limit),
            (API_COLUMN, TABLE_API_SYS_ID),
        ];
        instance.store.insert(SYS_RATE_LIMIT_RULES, row, "admin", 0)
    }

    #[test]
    fn p1_requests_beyond_the_limit_get_the_429_until_the_hour_ends() {
        let (mut instance, user) = setup();
        let rule = rule(&mut instance, &user, "2");
        let now = 7200 + 1000;
        for _ in 0..2 {
            let applied = p1_count(&mut instance, &user, LIST, now).unwrap().unwrap();
            assert_eq!(
                applied,
                AppliedRule {
                    limit: 2,
                    reset_at: 10800,
                    rule: rule.clone()
                }
            );
        }
        let limited = p1_count(&mut instance, &user, LIST, now + 5).unwrap_err();
        assert_eq!(limited.api_name, "Table API");
        assert_eq!(limited.retry_after, 10800 - now - 5);
        assert_eq!(limited.applied.rule, rule);
        assert!(
            p1_count(&mut instance, &user, LIST, 10800)
                .unwrap()
                .is_some(),
            "a new hour"
        );
        let other = ("GET", "/api/now/ui/user/current_user");
        assert_eq!(
            p1_count(&mut instance, &user, other, now),
            Ok(None),
            "another API"
        );
        assert_eq!(p1_count(&mut instance, "someone else", LIST, now), Ok(None));
    }

    #[test]
    fn p1_the_lowest_limit_applies_and_a_changed_limit_counts_again() {
        let (mut instance, user) = setup();
        rule(&mut instance, &user, "5");
        let low = rule(&mut instance, &user, "1");
        assert!(p1_count(&mut instance, &user, LIST, 0).is_ok());
        assert!(p1_count(&mut instance, &user, LIST, 0).is_err());
        let change: &[(&str, &str)] = &[(LIMIT_COLUMN, "2")];
        instance
            .store
            .update(SYS_RATE_LIMIT_RULES, &low, change, "admin", 0);
        assert!(p1_count(&mut instance, &user, LIST, 0).is_ok());
        assert!(p1_count(&mut instance, &user, LIST, 0).is_ok());
        assert!(p1_count(&mut instance, &user, LIST, 0).is_err());
        let broken = instance.with_breaks(crate::mock::Breaks::new([Break::RateLimitIgnored]));
        let mut broken = broken;
        assert_eq!(p1_count(&mut broken, &user, LIST, 0), Ok(None));
    }

    #[test]
    fn p1_limits_below_one_inactive_rules_and_rules_of_no_api_never_apply() {
        let (mut instance, user) = setup();
        for limit in ["0", "-3", "", "many", "99999999999999999999"] {
            rule(&mut instance, &user, limit);
        }
        let inactive = rule(&mut instance, &user, "1");
        instance.store.update(
            SYS_RATE_LIMIT_RULES,
            &inactive,
            &[("active", "false")],
            "a",
            0,
        );
        let row: &[(&str, &str)] = &[("user", &user), (LIMIT_COLUMN, "1"), (API_COLUMN, "nope")];
        instance.store.insert(SYS_RATE_LIMIT_RULES, row, "admin", 0);
        for _ in 0..3 {
            assert_eq!(p1_count(&mut instance, &user, LIST, 0), Ok(None));
        }
    }
}

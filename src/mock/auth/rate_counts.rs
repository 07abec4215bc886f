//! What the rate limit rules have counted (catalogue §18, row P1): the state the instance keeps for `rate_limits`.

use std::collections::HashMap;

/// What the rules have counted this hour, per rule and user.
#[derive(Clone, Debug, Default)]
pub(crate) struct RateCounts(pub(super) HashMap<(String, String), Count>);

#[derive(Clone, Copy, Debug)]
pub(super) struct Count {
    pub(super) hour: i64,
    /// The limit counted against: another limit starts the count again.
    pub(super) limit: i64,
    pub(super) requests: i64,
}

//! What sncc knows of ServiceNow itself: its releases and the gates of the behaviours that arrived in them
//! (`release`), what real instances were seen to send (`captured`), how it shows time (`glide_time`), and the
//! facts of the upgrade inventory (`inventory`).

pub mod captured;
pub(crate) mod glide_time;
pub(crate) mod inventory;
pub(crate) mod release;

pub use release::{Family, GATES, Gate, GateRule, Release, ReleaseError};

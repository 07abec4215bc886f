//! REST API access policies and Enforce Token Restriction (catalogue §18, N1, N2): the flag on an endpoint, and a
//! policy on the suite's own Scripted REST API admitting one endpoint's profile and the Basic Auth profile.

use cucumber::{given, when};

use crate::suite::world::SuiteWorld;

#[given(expr = "the OAuth API endpoint {string} enforces token restriction")]
#[when(expr = "the OAuth API endpoint {string} enforces token restriction")]
async fn enforces(world: &mut SuiteWorld, endpoint: String) -> Result<(), String> {
    world.set_token_restriction(&endpoint, true).await
}

#[when(expr = "the OAuth API endpoint {string} no longer enforces token restriction")]
async fn no_longer_enforces(world: &mut SuiteWorld, endpoint: String) -> Result<(), String> {
    world.set_token_restriction(&endpoint, false).await
}

#[given(
    expr = "an access policy on the suite's own API admits an OAuth profile linked to {string} and the Basic Auth profile"
)]
async fn policy(world: &mut SuiteWorld, endpoint: String) -> Result<(), String> {
    world.restrict_scripted_api_to(&endpoint).await
}

//! How long a client secret may be (catalogue §11, L2): secrets of growing length, each tried for a token.

use cucumber::{then, when};
use serde_json::{Value, json};

use crate::client::TokenRequest;
use crate::suite::world::{SuiteWorld, access_token};

const WORKED: &str = "secret_lengths_that_got_a_token";

/// A secret of exactly `length` URL-safe characters, from the CSPRNG.
fn secret_of(length: usize) -> String {
    let mut secret = String::new();
    while secret.len() < length {
        secret.push_str(&crate::support::random::secret());
    }
    secret.truncate(length);
    secret
}

#[when(
    expr = "{string} is given client secrets of {int}, {int}, {int} and {int} characters, requesting a token with each"
)]
async fn secrets_of_lengths(
    world: &mut SuiteWorld,
    endpoint: String,
    first: usize,
    second: usize,
    third: usize,
    fourth: usize,
) -> Result<(), String> {
    let mut worked = Vec::new();
    let mut refused_to_store = Vec::new();
    for length in [first, second, third, fourth] {
        // An instance that will not store a secret this long says so with an error answer: recorded, and
        // the next length is tried all the same.
        if world
            .set_client_secret(&endpoint, secret_of(length))
            .await
            .is_err()
        {
            refused_to_store.push(length);
            continue;
        }
        let client = world.vocabulary.endpoint(&endpoint)?;
        let request = TokenRequest::client_credentials(&client.client_id, &client.client_secret);
        world.request_token(request).await?;
        if access_token(world.replies.last_token_reply()?).is_some() {
            worked.push(length);
        }
    }
    world.record_fact(WORKED, json!(worked));
    world.record_fact("secret_lengths_not_stored", json!(refused_to_store));
    Ok(())
}

#[then(expr = "the longest client secret that got a token is recorded as {string}")]
async fn longest_recorded(world: &mut SuiteWorld, fact: String) -> Result<(), String> {
    let longest = world
        .facts
        .get(WORKED)
        .and_then(Value::as_array)
        .and_then(|worked| worked.iter().filter_map(Value::as_u64).max());
    world.record_fact(&fact, json!(longest));
    Ok(())
}

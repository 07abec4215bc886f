//! The scenario's last answers: every token response it got, newest last, and the response to its last
//! REST call; the steps check them.

use secrecy::SecretString;

use crate::client::Reply;

/// What the instance last answered the scenario: its token responses and its last REST response.
#[derive(Default)]
pub(crate) struct Replies {
    /// Every token response, newest last.
    tokens: Vec<Reply>,
    /// The response to the last REST call made with (or without) a token.
    rest: Option<Reply>,
}

impl Replies {
    /// Keeps a token response, as the newest.
    pub(crate) fn keep_token_reply(&mut self, reply: Reply) {
        self.tokens.push(reply);
    }

    /// Every token response, oldest first.
    pub(crate) fn token_replies(&self) -> &[Reply] {
        &self.tokens
    }

    /// The last token response.
    pub(crate) fn last_token_reply(&self) -> Result<&Reply, String> {
        self.tokens
            .last()
            .ok_or_else(|| "no token was requested yet".to_owned())
    }

    /// The first access token issued in this scenario.
    pub(crate) fn first_token(&self) -> Result<SecretString, String> {
        self.tokens
            .iter()
            .find_map(access_token)
            .ok_or_else(|| "no token was issued in this scenario".to_owned())
    }

    /// The newest access token issued in this scenario.
    pub(crate) fn current_token(&self) -> Result<SecretString, String> {
        self.tokens
            .iter()
            .rev()
            .find_map(access_token)
            .ok_or_else(|| "no token was issued in this scenario".to_owned())
    }

    /// Keeps the response to a REST call, in place of the one before.
    pub(crate) fn keep_rest_reply(&mut self, reply: Reply) {
        self.rest = Some(reply);
    }

    /// The response to the last REST call.
    pub(crate) fn rest_reply(&self) -> Result<&Reply, String> {
        self.rest
            .as_ref()
            .ok_or_else(|| "no REST request was made yet".to_owned())
    }
}

/// The access token in a token response, if one was issued.
pub(crate) fn access_token(reply: &Reply) -> Option<SecretString> {
    let token = reply.json()?.get("access_token")?.as_str()?.to_owned();
    (reply.status == 200 && !token.is_empty()).then(|| SecretString::from(token))
}

//! An admin who does not sign in with Basic (catalogue §10): a token from the password grant of an OAuth client
//! the admin names, obtained when first needed and again when it expires or a request with it gets a 401
//! (see [`super::ServiceNow::sign_in`]). A grant the token endpoint refused is never asked again (catalogue §14:
//! five failures lock an account), and every token it gave, refresh tokens too, is remembered so the run can
//! revoke them at its end (catalogue §15).

use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{Mutex, MutexGuard};

/// Seconds before its `expires_in` runs out that a token is obtained afresh (at most half its life).
const RENEW_BEFORE_EXPIRY: u64 = 60;
/// The longest a token is held before it is renewed.
const MAX_HELD_SECONDS: u64 = 24 * 3600;

/// The admin's OAuth client, user and password, and the token they gave last. Deliberately not `Debug`.
pub struct PasswordGrant {
    client_id: String,
    client_secret: SecretString,
    user: String,
    password: SecretString,
    held: Mutex<Option<HeldToken>>,
    /// The token endpoint's refusal, once it refused: every later sign-in gets it without asking again.
    refusal: std::sync::Mutex<Option<super::Reply>>,
    /// Every access and refresh token the grant gave, oldest first.
    issued: std::sync::Mutex<Vec<SecretString>>,
}

/// A token and when to stop using it.
pub(super) struct HeldToken {
    token: SecretString,
    renew_at: Instant,
}

impl HeldToken {
    pub(super) fn new(token: SecretString, expires_in: u64) -> HeldToken {
        let early = RENEW_BEFORE_EXPIRY.min(expires_in / 2);
        // Whatever an instance says, a token is renewed within a day (and a huge `expires_in` cannot overflow).
        let life = Duration::from_secs((expires_in - early).min(MAX_HELD_SECONDS));
        HeldToken {
            token,
            renew_at: Instant::now() + life,
        }
    }

    /// The token, while it is not due for renewal.
    pub(super) fn fresh(&self) -> Option<&SecretString> {
        (Instant::now() < self.renew_at).then_some(&self.token)
    }

    pub(super) fn is(&self, token: &SecretString) -> bool {
        self.token.expose_secret() == token.expose_secret()
    }
}

/// What the token endpoint made of the password grant.
pub(crate) enum SignIn {
    Token(SecretString),
    /// No token: the endpoint's answer, as it came.
    Refused(super::Reply),
}

impl PasswordGrant {
    pub fn new(
        client_id: String,
        client_secret: SecretString,
        user: String,
        password: SecretString,
    ) -> PasswordGrant {
        PasswordGrant {
            client_id,
            client_secret,
            user,
            password,
            held: Mutex::new(None),
            refusal: std::sync::Mutex::new(None),
            issued: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// The token endpoint's refusal of this grant, if it refused it.
    pub(crate) fn refusal(&self) -> Option<super::Reply> {
        crate::lock(&self.refusal).clone()
    }

    /// Keeps the token endpoint's refusal: the grant is never asked again.
    pub(super) fn refused(&self, reply: &super::Reply) {
        crate::lock(&self.refusal).get_or_insert_with(|| reply.clone());
    }

    /// Remembers a token (access or refresh) the grant gave.
    pub(super) fn gave(&self, token: SecretString) {
        crate::lock(&self.issued).push(token);
    }

    /// Every access and refresh token the grant gave, for revoking them.
    pub(crate) fn issued(&self) -> Vec<SecretString> {
        crate::lock(&self.issued).clone()
    }

    pub(crate) fn client_id(&self) -> &str {
        &self.client_id
    }

    pub(crate) fn user(&self) -> &str {
        &self.user
    }

    /// The client secret and the password, for a recorder to scrub.
    pub(crate) fn secrets(&self) -> [&SecretString; 2] {
        [&self.client_secret, &self.password]
    }

    /// The token request's parameters, secrets exposed: only for building the wire request.
    pub(super) fn parameters(&self) -> [(&'static str, String); 5] {
        [
            ("grant_type", "password".to_owned()),
            ("client_id", self.client_id.clone()),
            (
                "client_secret",
                self.client_secret.expose_secret().to_owned(),
            ),
            ("username", self.user.clone()),
            ("password", self.password.expose_secret().to_owned()),
        ]
    }

    /// The held token, locked: whoever holds the guard obtains a token while the others wait for it.
    pub(super) async fn held(&self) -> MutexGuard<'_, Option<HeldToken>> {
        self.held.lock().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_renewed_a_minute_early_or_at_half_its_life() {
        let token = SecretString::from("t");
        assert!(HeldToken::new(token.clone(), 1799).fresh().is_some());
        assert!(HeldToken::new(token.clone(), 0).fresh().is_none());
        let short = HeldToken::new(token.clone(), 2);
        assert!(short.renew_at <= Instant::now() + Duration::from_secs(1));
        assert!(short.is(&token) && !short.is(&SecretString::from("u")));
    }
}

//! Session cookies (SPEC §8, I3, I4): a Bearer call opens its token's session (one per token, sent back as
//! `JSESSIONID`, `glide_user_route` and `glide_session_store` cookies); the cookie alone then authenticates
//! as the token's user while the token is valid, and, unless
//! `glide.authenticate.oauth.post.token.expiration.cookie_auth.disabled=false`, no longer once the token
//! expired or was revoked.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use super::breaks::Break;
use super::clock::VirtualInstant;
use super::instance::Instance;
use super::schema::OAUTH_CREDENTIAL;
use crate::glide_time::parse_glide_datetime;
use crate::random;

/// `false` lets a session outlive its token (SPEC I4); absent means true.
pub(crate) const COOKIE_AUTH_DISABLED_PROPERTY: &str =
    "glide.authenticate.oauth.post.token.expiration.cookie_auth.disabled";
/// The cookie that names the session.
pub(crate) const SESSION_COOKIE: &str = "JSESSIONID";

/// One token's session: what its cookie authenticates as. Its ids are credentials: never shown in `Debug`.
#[derive(Clone)]
pub(crate) struct Session {
    /// The `oauth_credential` sys_id of the token that opened it.
    pub credential: String,
    pub user: String,
    pub entity: String,
    /// The `JSESSIONID`, `glide_user_route` and `glide_session_store` values (shared: every Bearer answer
    /// of the token carries them).
    pub cookies: Arc<[String; 3]>,
}

/// Every open session, by `JSESSIONID` and by the token that opened it.
#[derive(Clone, Default)]
pub(crate) struct Sessions {
    by_id: HashMap<String, Session>,
    by_credential: HashMap<String, String>,
}

impl fmt::Debug for Sessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sessions({} open)", self.by_id.len())
    }
}

impl Sessions {
    /// The cookies of the session a token's Bearer call opened, opening it on the first call (for the
    /// `entity` it names, asked only then).
    pub(crate) fn open(
        &mut self,
        credential: &str,
        user: &str,
        entity: impl FnOnce() -> String,
    ) -> Arc<[String; 3]> {
        let open = self.by_credential.get(credential);
        if let Some(session) = open.and_then(|id| self.by_id.get(id)) {
            return Arc::clone(&session.cookies);
        }
        let id = random::sys_id().to_ascii_uppercase();
        let cookies = Arc::new([
            id.clone(),
            format!("glide.{}", random::sys_id()),
            random::sys_id().to_ascii_uppercase(),
        ]);
        let session = Session {
            credential: credential.to_owned(),
            user: user.to_owned(),
            entity: entity(),
            cookies: Arc::clone(&cookies),
        };
        self.by_id.insert(id.clone(), session);
        self.by_credential.insert(credential.to_owned(), id);
        cookies
    }

    /// The session a `Cookie` header names.
    pub(crate) fn find(&self, cookie_header: &str) -> Option<&Session> {
        let id = cookie_header.split(';').find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == SESSION_COOKIE).then_some(value.trim())
        })?;
        self.by_id.get(id)
    }

    /// Forgets the session of a token whose record is gone.
    pub(crate) fn close(&mut self, credential: &str) {
        if let Some(id) = self.by_credential.remove(credential) {
            self.by_id.remove(&id);
        }
    }
}

/// SPEC I4: whether sessions die with their tokens (the property's default).
/// Break [`Break::CookieOutlivesToken`]: they never do.
pub(crate) fn die_with_token(instance: &Instance) -> bool {
    !instance.breaks.has(Break::CookieOutlivesToken)
        && !instance
            .property(COOKIE_AUTH_DISABLED_PROPERTY)
            .is_some_and(|value| value.trim().eq_ignore_ascii_case("false"))
}

/// SPEC I3, I4: a session authenticates while its token's record exists and has not expired (expiry and
/// revocation both set `expires`), or always when sessions outlive tokens.
pub(crate) fn i4_alive(instance: &Instance, session: &Session, now: VirtualInstant) -> bool {
    if !die_with_token(instance) {
        return true;
    }
    instance
        .store
        .get(&OAUTH_CREDENTIAL, &session.credential)
        .and_then(|credential| parse_glide_datetime(credential.raw("expires")?))
        .is_some_and(|expires| now < expires)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::glide_time::glide_datetime;

    fn with_token(expires: VirtualInstant) -> (Instance, String) {
        let mut instance = Instance::default();
        let row: &[(&str, &str)] = &[("token", "t"), ("expires", &glide_datetime(expires))];
        let credential = instance.store.insert(&OAUTH_CREDENTIAL, row, "a", 0);
        (instance, credential)
    }

    #[test]
    fn a_token_opens_one_session_that_its_cookie_finds() {
        let mut sessions = Sessions::default();
        let entity = || "entity".to_owned();
        let first = sessions.open("cred", "user", entity);
        let again = sessions.open("cred", "user", || unreachable!("asked once"));
        assert_eq!(first, again);
        assert_eq!(first[0].len(), 32);
        let header = format!(
            "glide_user_route={}; {SESSION_COOKIE}={}",
            first[1], first[0]
        );
        assert_eq!(sessions.find(&header).unwrap().user, "user");
        assert!(sessions.find("JSESSIONID=nope").is_none());
        assert!(sessions.find("garbage;;=").is_none());
        assert!(!format!("{sessions:?}").contains(&first[0]));
        sessions.close("cred");
        assert!(sessions.find(&header).is_none());
    }

    #[test]
    fn i4_a_session_dies_with_its_token_unless_the_property_is_false() {
        let (mut instance, credential) = with_token(100);
        let cookies = instance.sessions.open(&credential, "u", || "e".to_owned());
        let header = format!("{SESSION_COOKIE}={}", cookies[0]);
        let session = instance.sessions.find(&header).unwrap().clone();
        assert!(i4_alive(&instance, &session, 99));
        assert!(!i4_alive(&instance, &session, 100));
        instance.set_property(COOKIE_AUTH_DISABLED_PROPERTY, "boolean", "false", 0);
        assert!(i4_alive(&instance, &session, 100));
        instance.set_property(COOKIE_AUTH_DISABLED_PROPERTY, "boolean", "true", 0);
        instance.store.delete(&OAUTH_CREDENTIAL, &credential);
        assert!(!i4_alive(&instance, &session, 0));
        let broken = instance.with_breaks(crate::mock::Breaks::new([Break::CookieOutlivesToken]));
        assert!(i4_alive(&broken, &session, 100));
    }
}

//! Session cookies (catalogue §8, I3, I4, §12): a Bearer call opens its token's session (one per token, sent back
//! as `JSESSIONID`, `glide_user_route` and `glide_session_store` cookies); the cookie alone then authenticates
//! as the token's user while the token is valid, and, unless
//! `glide.authenticate.oauth.post.token.expiration.cookie_auth.disabled=false`, no longer once the token
//! expired or was revoked. A Basic sign-in that sent no session cookie opens its user's Basic session (one per
//! user), whose cookie alone authenticates as that user (catalogue §12).

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::support::random;

/// The cookie that names the session.
pub(crate) const SESSION_COOKIE: &str = "JSESSIONID";

/// One token's session: what its cookie authenticates as. Its ids are credentials: never shown in `Debug`.
#[derive(Clone)]
pub(crate) struct Session {
    /// The `oauth_credential` sys_id of the token that opened it (empty for a Basic session).
    pub credential: String,
    /// Opened by a Basic sign-in (catalogue §12): no token ends it.
    pub basic: bool,
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
            basic: false,
            user: user.to_owned(),
            entity: entity(),
            cookies: Arc::clone(&cookies),
        };
        self.by_id.insert(id.clone(), session);
        self.by_credential.insert(credential.to_owned(), id);
        cookies
    }

    /// catalogue §12: the cookies of `user`'s Basic session, opening it on their first Basic sign-in.
    pub(crate) fn open_basic(&mut self, user: &str) -> Arc<[String; 3]> {
        let key = format!("basic:{user}");
        let cookies = self.open(&key, user, String::new);
        if let Some(session) = self.by_id.get_mut(&cookies[0]) {
            session.basic = true;
            session.credential.clear();
        }
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_basic_user_has_one_session_that_no_token_ends() {
        let mut sessions = Sessions::default();
        let first = sessions.open_basic("user");
        assert_eq!(sessions.open_basic("user"), first);
        assert_ne!(sessions.open_basic("other"), first);
        let found = sessions
            .find(&format!("{SESSION_COOKIE}={}", first[0]))
            .unwrap();
        assert!(found.basic && found.credential.is_empty());
        assert_eq!(found.user, "user");
    }
}

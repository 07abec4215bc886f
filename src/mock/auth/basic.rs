//! HTTP Basic as the mock reads it: an `Authorization: Basic …` header's two halves, and a user's password
//! checked against one (REST sign-ins, catalogue §3, and the password grant's resource owner).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use subtle::ConstantTimeEq;

use crate::mock::tables::store::RecordRef;

/// Splits an `Authorization: Basic …` header into id and secret.
pub(crate) fn basic_credentials(header: &str) -> Option<(String, String)> {
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// Whether `password` is the user's, compared in constant time; a user without one has none to match.
pub(crate) fn password_matches(user: RecordRef<'_>, password: &str) -> bool {
    let stored = user.raw("user_password").unwrap_or_default();
    !stored.is_empty() && bool::from(stored.as_bytes().ct_eq(password.as_bytes()))
}

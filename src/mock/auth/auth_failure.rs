//! Why a REST request was not authenticated (catalogue §3): every reason answers the same 401.

/// Why a request was not authenticated; every one answers the same 401 (E2, E3, E4, E5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AuthFailure {
    NoCredentials,
    UnsupportedScheme,
    WrongPassword,
    UnknownToken,
    ExpiredToken,
    /// A session cookie whose token expired or was revoked (catalogue I4).
    SessionEnded,
    UserCannotLogIn,
    /// A Basic sign-in the enforcing Basic auth restriction refuses (catalogue K1; the §3 401, inferred).
    BasicAuthRestricted,
    /// A token of an entity made inactive, where the switch refuses it (catalogue §18).
    EntityInactive,
}

impl AuthFailure {
    pub(crate) fn code(self) -> &'static str {
        match self {
            AuthFailure::NoCredentials => "no_credentials",
            AuthFailure::UnsupportedScheme => "unsupported_scheme",
            AuthFailure::WrongPassword => "wrong_password",
            AuthFailure::UnknownToken => "unknown_token",
            AuthFailure::ExpiredToken => "expired_token",
            AuthFailure::SessionEnded => "session_ended",
            AuthFailure::UserCannotLogIn => "user_cannot_log_in",
            AuthFailure::BasicAuthRestricted => "basic_auth_restricted",
            AuthFailure::EntityInactive => "entity_inactive",
        }
    }
}

//! Deliberate infidelities, one SPEC behaviour wrong at a time, to prove the suite notices each.
//!
//! A mock with a break is no longer faithful; breaks exist only so tests can show that every scenario
//! can fail. They are set when a mock is built (`sncc run --mock-break …`, hidden), never by the control plane.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

macro_rules! breaks {
    ($($(#[doc = $doc:literal])* $variant:ident => $name:literal,)*) => {
        /// One way of getting a SPEC behaviour wrong.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Break {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Break {
            pub const ALL: &[Break] = &[$(Break::$variant,)*];

            pub fn name(self) -> &'static str {
                match self {
                    $(Break::$variant => $name,)*
                }
            }
        }
    };
}

breaks! {
    /// A1: an absent property counts as true.
    GrantEnabledByDefault => "grant-enabled-by-default",
    /// A2, A4: the property enables the grant whatever its value.
    PropertyValueIgnored => "property-value-ignored",
    /// A3, and every scenario that needs a token (A4, B6, B7, C1–C5, D1–D4, E1, E4–E6, F7, F8), and B1, B2
    /// (refused generically before the user is looked at): the grant stays off whatever the property says.
    GrantAlwaysDisabled => "grant-always-disabled",
    /// A4: the property is read once and cached.
    PropertyCached => "property-cached",
    /// B1, B2: a missing or deleted application user gets the generic error.
    UserlessEntityGeneric => "userless-entity-generic",
    /// B3, C6: any secret is accepted.
    AnySecretAccepted => "any-secret-accepted",
    /// B4: an unknown client id gets RFC 6749's `invalid_client` error, not the generic one.
    UnknownClientInvalid => "unknown-client-invalid-client",
    /// B5: an inactive entity still issues tokens.
    InactiveEntityAccepted => "inactive-entity-accepted",
    /// B6: only entities whose default grant type is client_credentials issue tokens.
    DefaultGrantTypeEnforced => "default-grant-type-enforced",
    /// B7: `expires_in` is the lifespan itself, not one less.
    ExpiresInOffByOne => "expires-in-off-by-one",
    /// C1, C2: a refresh token is returned.
    RefreshTokenReturned => "refresh-token-returned",
    /// C3, C4: the token response carries no cache headers.
    CacheHeadersMissing => "cache-headers-missing",
    /// C5: tokens are 16 characters long.
    ShortTokens => "short-tokens",
    /// C6: the generic error's keys come in RFC order.
    ErrorBodyReordered => "error-body-reordered",
    /// D1–D4: every token acts as admin.
    TokensActAsAdmin => "tokens-act-as-admin",
    /// D2: a token acts as the first user its entity ever had.
    UserChangeIgnored => "user-change-ignored",
    /// D4: records are created by `system`.
    RecordsCreatedBySystem => "records-created-by-system",
    /// D5, D6, D7: the application user's state is not checked.
    UserStateIgnored => "user-state-ignored",
    /// E1, and C5, D1–D4 (which use a token): a Bearer token authenticates nothing.
    BearerRefused => "bearer-refused",
    /// E2–E6: the REST 401 has no `WWW-Authenticate` challenge.
    ChallengeMissing => "challenge-missing",
    /// E3, E4, E5: an unknown bearer token acts as admin (as do expired ones, whose records are purged,
    /// and revoked ones).
    AnyTokenAccepted => "any-token-accepted",
    /// E4: expired tokens are accepted (and their records never purged).
    ExpiredTokensAccepted => "expired-tokens-accepted",
    /// E5: deleting a token's record does not revoke it.
    RevokedTokensAccepted => "revoked-tokens-accepted",
    /// E6: `?access_token=` authenticates.
    QueryTokenAccepted => "query-token-accepted",
    /// F1: a JSON body is read like a form.
    JsonBodyAccepted => "json-body-accepted",
    /// F2: parameters are read from the query string too.
    QueryStringRead => "query-string-read",
    /// F3: GET issues tokens.
    GetIssuesTokens => "get-issues-tokens",
    /// F5: the grant type is not checked.
    GrantTypeIgnored => "grant-type-ignored",
    /// F6: a missing secret is accepted.
    MissingSecretAccepted => "missing-secret-accepted",
    /// F7: any scope is granted.
    ScopeIgnored => "scope-ignored",
    /// F8: the secret is compared before form-decoding.
    SecretNotDecoded => "secret-not-decoded",
    /// G1: releases before Washington DC issue tokens.
    GrantOnOldReleases => "grant-on-old-releases",
}

impl fmt::Display for Break {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Break {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Break::ALL
            .iter()
            .copied()
            .find(|b| b.name() == text)
            .ok_or_else(|| {
                let names: Vec<_> = Break::ALL.iter().map(|b| b.name()).collect();
                format!("unknown mock break '{text}' (known: {})", names.join(", "))
            })
    }
}

/// The breaks a mock runs with; empty (faithful) by default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Breaks(BTreeSet<Break>);

impl Breaks {
    pub fn new(breaks: impl IntoIterator<Item = Break>) -> Breaks {
        Breaks(breaks.into_iter().collect())
    }

    pub fn has(&self, which: Break) -> bool {
        self.0.contains(&which)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_list_the_known() {
        for &which in Break::ALL {
            assert_eq!(which.name().parse::<Break>(), Ok(which));
        }
        assert!(
            "nope"
                .parse::<Break>()
                .unwrap_err()
                .contains("any-secret-accepted")
        );
        assert!(!Breaks::default().has(Break::ShortTokens));
        assert!(Breaks::new([Break::ShortTokens]).has(Break::ShortTokens));
    }
}

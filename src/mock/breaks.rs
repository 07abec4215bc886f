//! Deliberate infidelities, one catalogue behaviour wrong at a time, to prove the suite notices each.
//!
//! A mock with a break is no longer faithful; breaks exist only so tests can show that every scenario
//! can fail. They are set when a mock is built (`sncc run --mock-break …`, hidden), never by the control plane.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use super::clock::VirtualInstant;

macro_rules! breaks {
    ($($(#[doc = $doc:literal])* $variant:ident => $name:literal breaks [$($id:literal),*],)*) => {
        /// One way of getting a catalogue behaviour wrong.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Break {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Break {
            /// Every break, in declaration order.
            pub const ALL: &[Break] = &[$(Break::$variant,)*];

            /// The `--mock-break` name.
            pub fn name(self) -> &'static str {
                match self {
                    $(Break::$variant => $name,)*
                }
            }

            /// The catalogue ids whose `@must` or `@should` scenarios this break fails: the one place
            /// src/ maps breaks to ids (`tests/suite_can_fail.rs` keeps its own table as the proof).
            pub fn ids(self) -> &'static [&'static str] {
                match self {
                    $(Break::$variant => &[$($id),*],)*
                }
            }
        }
    };
}

breaks! {
    /// An absent property counts as true.
    GrantEnabledByDefault => "grant-enabled-by-default" breaks ["A1"],
    /// The property enables the grant whatever its value.
    PropertyValueIgnored => "property-value-ignored" breaks ["A2", "A4"],
    /// The grant stays off whatever the property says: every scenario that needs a token fails (or, when
    /// its setup needs one, as D1–D4, E1, E4–E6, J2, N1, O1, O2 and P1 do, is inconclusive), and B1, B2 are refused
    /// generically before the user is looked at.
    GrantAlwaysDisabled => "grant-always-disabled" breaks [
        "A3", "A4", "B1", "B2", "B6", "B7", "C1", "C2", "C3", "C4", "C5", "F7", "F8", "J1", "J4", "K2", "L1",
        "N2", "R1"
    ],
    /// The property is read once and cached.
    PropertyCached => "property-cached" breaks ["A4"],
    /// A missing or deleted application user gets the generic error.
    UserlessEntityGeneric => "userless-entity-generic" breaks ["B1", "B2"],
    /// Any secret is accepted.
    AnySecretAccepted => "any-secret-accepted" breaks ["B3", "C6"],
    /// An unknown client id gets RFC 6749's `invalid_client` error, not the generic one.
    UnknownClientInvalid => "unknown-client-invalid-client" breaks ["B4"],
    /// An inactive entity still issues tokens.
    InactiveEntityAccepted => "inactive-entity-accepted" breaks ["B5"],
    /// Only entities whose default grant type is client_credentials issue tokens.
    DefaultGrantTypeEnforced => "default-grant-type-enforced" breaks ["B6"],
    /// `expires_in` is the lifespan itself, not one less.
    ExpiresInOffByOne => "expires-in-off-by-one" breaks ["B7"],
    /// `expires_in` is 1799 whatever the lifespan (the token still lives its lifespan).
    ExpiresInFixed => "expires-in-fixed" breaks ["B7"],
    /// A refresh token is returned.
    RefreshTokenReturned => "refresh-token-returned" breaks ["C1", "C2"],
    /// The token response carries no cache headers.
    CacheHeadersMissing => "cache-headers-missing" breaks ["C3", "C4"],
    /// Tokens are 16 characters long.
    ShortTokens => "short-tokens" breaks ["C5"],
    /// The generic error's keys come in RFC order.
    ErrorBodyReordered => "error-body-reordered" breaks ["C6"],
    /// Every token acts as admin.
    TokensActAsAdmin => "tokens-act-as-admin" breaks ["D1", "D2", "D3", "D4", "I5", "J2", "O2", "P1"],
    /// A token acts as the first user its entity ever had.
    UserChangeIgnored => "user-change-ignored" breaks ["D2"],
    /// A token acts as the user its entity had when it first issued a token (the mapping cached then).
    UserCachedAtFirstIssue => "user-cached-at-first-issue" breaks ["D2"],
    /// Records are created by `system`.
    RecordsCreatedBySystem => "records-created-by-system" breaks ["D4"],
    /// The application user's state is not checked.
    UserStateIgnored => "user-state-ignored" breaks ["D5", "D6", "D7"],
    /// A Bearer token authenticates nothing.
    BearerRefused => "bearer-refused" breaks [
        "C5", "D1", "D2", "D3", "D4", "E1", "H1", "H2", "H3", "H4", "H6", "I4", "I5", "J2", "K2", "N1", "N2",
        "O2", "P1"
    ],
    /// The REST 401 has no `WWW-Authenticate` challenge.
    ChallengeMissing => "challenge-missing" breaks ["E2", "E3", "E4", "E5", "E6", "I1", "I4", "J2"],
    /// An unknown bearer token acts as admin (as do expired ones, whose records are purged,
    /// and revoked ones).
    AnyTokenAccepted => "any-token-accepted" breaks ["E3", "E4", "E5", "I1", "J2"],
    /// Expired tokens are accepted (and their records never purged).
    ExpiredTokensAccepted => "expired-tokens-accepted" breaks ["E4", "I1", "J2"],
    /// Deleting a token's record does not revoke it.
    RevokedTokensAccepted => "revoked-tokens-accepted" breaks ["E5"],
    /// `?access_token=` authenticates.
    QueryTokenAccepted => "query-token-accepted" breaks ["E6"],
    /// A JSON body is read like a form.
    JsonBodyAccepted => "json-body-accepted" breaks ["F1"],
    /// Parameters are read from the query string too.
    QueryStringRead => "query-string-read" breaks ["F2"],
    /// GET issues tokens.
    GetIssuesTokens => "get-issues-tokens" breaks ["F3"],
    /// The grant type is not checked.
    GrantTypeIgnored => "grant-type-ignored" breaks ["F5", "R1"],
    /// A missing secret is accepted.
    MissingSecretAccepted => "missing-secret-accepted" breaks ["F6"],
    /// Any scope is granted.
    ScopeIgnored => "scope-ignored" breaks ["F7"],
    /// The secret is compared before form-decoding.
    SecretNotDecoded => "secret-not-decoded" breaks ["F8"],
    /// Releases before Washington DC issue tokens.
    GrantOnOldReleases => "grant-on-old-releases" breaks ["G1"],
    /// A token's scopes are those its entity was mapped to when it was issued, not the live mappings.
    ScopesFrozenAtIssue => "scopes-frozen-at-issue" breaks ["H2"],
    /// The REST API auth scope check is never made.
    ScopeCheckSkipped => "scope-check-skipped" breaks ["H1", "H2", "H6"],
    /// The scope check applies to Basic auth too (a Basic caller carries no scope).
    ScopeCheckOnBasic => "scope-check-on-basic" breaks ["H5"],
    /// `com.glide.rest.api.auth.scope.check.enable=false` does not switch the check off.
    ScopeSwitchIgnored => "scope-check-switch-ignored" breaks ["H4"],
    /// `scope_restriction_status=restricted` is treated as `unrestricted`.
    RestrictedStatusIgnored => "restricted-status-ignored" breaks ["H6"],
    /// `restricted` is enforced on releases before the patch that brought it.
    RestrictedBeforeItsPatch => "restricted-before-its-patch" breaks ["H6"],
    /// A mapping to `useraccount` (or `scope_restriction_status=useraccount`) opens nothing.
    UseraccountScopeIgnored => "useraccount-scope-ignored" breaks ["H3"],
    /// `oauth_revoke_token.do` answers 200 and revokes nothing.
    RevocationIgnored => "revocation-ignored" breaks ["I1", "I2", "I4"],
    /// `oauth_revoke_token.do` deletes the token's record instead of expiring it.
    RevocationDeletesRow => "revocation-deletes-row" breaks ["I2"],
    /// A session cookie still authenticates after its token expired or was revoked.
    CookieOutlivesToken => "cookie-outlives-token" breaks ["I4"],
    /// A Bearer call leaves the user's `last_login_time` as it was.
    LastLoginNotUpdated => "last-login-not-updated" breaks ["I5"],
    /// A form body whose `Content-Type` has parameters (`; charset=UTF-8`) is refused.
    FormCharsetRefused => "form-charset-refused" breaks ["L1"],
    /// A JWT access token is signed with a key the JWKS does not publish (under the published `kid`).
    JwtUnpublishedKey => "jwt-unpublished-key" breaks ["J1"],
    /// A JWT access token acts as `admin`, not as the OAuth Application User.
    JwtActsAsAdmin => "jwt-acts-as-admin" breaks ["J2"],
    /// Releases before JWT access tokens issue them too.
    JwtBeforeGate => "jwt-before-gate" breaks ["J4"],
    /// `token_format=jwt` is ignored: the token is opaque.
    JwtFormatIgnored => "jwt-format-ignored" breaks ["J1"],
    /// An enforcing Basic auth restriction only tracks: Basic sign-ins it should refuse go through.
    RestrictionNotEnforced => "restriction-not-enforced" breaks ["K1"],
    /// An enforcing Basic auth restriction refuses HTTP Basic client authentication at the token endpoint.
    RestrictionBlocksBasicClientAuth => "restriction-blocks-basic-client-auth" breaks ["K2"],
    /// An enforcing Basic auth restriction refuses Bearer tokens too.
    RestrictionBlocksTokens => "restriction-blocks-tokens" breaks ["K2"],
    /// An enforcing Basic auth restriction refuses web-service-only users.
    WebServiceUsersRestricted => "web-service-users-restricted" breaks ["K3"],
    /// An enforcing Basic auth restriction refuses holders of an allowed role.
    AllowedRolesIgnored => "allowed-roles-ignored" breaks ["K3"],
    /// Auth scope bindings cover requests by their `api_path`, as a prefix of the request's path (catalogue §7's
    /// superseded model), and `api_path` is not filled in from the API: a binding by `api` alone covers nothing.
    BindingByPath => "binding-by-path" breaks ["H1", "H2"],
    /// A restricted entity's token on an API no scope protects gets the missing-scope 403 naming
    /// `useraccount`, not "Access to unscoped api is not allowed".
    UnscopedApiBodyWrong => "unscoped-api-body-wrong" breaks ["H6"],
    /// The Enforce Token Restriction flag is not read: a flagged entity's tokens reach every API.
    EnforceTokenRestrictionIgnored => "enforce-token-restriction-ignored" breaks ["N1"],
    /// Access policies are never applied: every profile's requests reach every API.
    AccessPolicyIgnored => "access-policy-ignored" breaks ["N2"],
    /// A token request moves the expiry of its entity's live tokens a full lifespan on (and still issues a new
    /// one).
    TokenRequestSlidesLiveTokens => "token-request-slides-live-tokens" breaks ["O1"],
    /// A token already issued acts as its entity's application user now, not the user it was issued for.
    TokenFollowsEntityUser => "token-follows-entity-user" breaks ["O2"],
    /// Rate limit rules never apply.
    RateLimitIgnored => "rate-limit-ignored" breaks ["P1"],
    /// `glide.oauth.inbound.ropc.grant_type.disabled=true` does not switch the password grant off.
    RopcSwitchIgnored => "ropc-switch-ignored" breaks ["R1"],
    /// An `oauth_entity` inserted without `scope_restriction_status` gets none, not its dictionary default.
    ScopeDefaultNotApplied => "scope-default-not-applied" breaks ["S1"],
}

impl fmt::Display for Break {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is no break's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown mock break '{name}' (known: {})", Break::ALL.iter().map(|b| b.name()).collect::<Vec<_>>().join(", "))]
pub struct UnknownBreak {
    pub name: String,
}

impl FromStr for Break {
    type Err = UnknownBreak;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Break::ALL
            .iter()
            .copied()
            .find(|b| b.name() == text)
            .ok_or_else(|| UnknownBreak {
                name: text.to_owned(),
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

/// What the breaks remember between requests, and nothing faithful does: the one place break-only state
/// lives. The rules only read it; it is written after a decision (by the adapter, issuance and record
/// updates), each write a no-op unless its break is on.
#[derive(Clone, Debug, Default)]
pub(crate) struct BreakState {
    /// [`Break::PropertyCached`]: the grant property as the first token request that reached it read it.
    grant_property: Option<Option<String>>,
    /// [`Break::UserChangeIgnored`]: each entity's application user before it was first changed.
    first_users: BTreeMap<String, String>,
    /// [`Break::UserCachedAtFirstIssue`]: each entity's application user when it first issued a token.
    first_issue_users: BTreeMap<String, String>,
    /// [`Break::RevokedTokensAccepted`]: every issued token's expiry and user, kept when its
    /// `oauth_credential` record is deleted.
    issued_tokens: BTreeMap<String, (VirtualInstant, String)>,
}

impl BreakState {
    /// The cached grant property (`Some(None)`: cached as absent), once a request has read it.
    pub(crate) fn cached_grant_property(&self) -> Option<Option<&str>> {
        self.grant_property.as_ref().map(Option::as_deref)
    }

    /// Caches the grant property, unless it already is.
    pub(crate) fn cache_grant_property(&mut self, value: Option<String>) {
        self.grant_property.get_or_insert(value);
    }

    /// The entity's application user before its first change, if it was changed, or (with
    /// [`Break::UserCachedAtFirstIssue`]) when it first issued a token.
    pub(crate) fn first_user(&self, entity_sys_id: &str) -> Option<&str> {
        self.first_users
            .get(entity_sys_id)
            .or_else(|| self.first_issue_users.get(entity_sys_id))
            .map(String::as_str)
    }

    /// Before an entity is changed: remembers its application user, the first time only.
    pub(crate) fn before_entity_update(
        &mut self,
        breaks: &Breaks,
        entity_sys_id: &str,
        user: Option<&str>,
    ) {
        let user = user.filter(|user| !user.is_empty());
        if let Some(user) = user.filter(|_| breaks.has(Break::UserChangeIgnored)) {
            self.first_users
                .entry(entity_sys_id.to_owned())
                .or_insert_with(|| user.to_owned());
        }
    }

    /// Remembers an issued token apart from its record, and its entity's user at its first token.
    pub(crate) fn token_issued(
        &mut self,
        breaks: &Breaks,
        token: &str,
        expires: VirtualInstant,
        (entity_sys_id, user_sys_id): (&str, &str),
    ) {
        if breaks.has(Break::UserCachedAtFirstIssue) {
            self.first_issue_users
                .entry(entity_sys_id.to_owned())
                .or_insert_with(|| user_sys_id.to_owned());
        }
        if breaks.has(Break::RevokedTokensAccepted) {
            let issued = (expires, user_sys_id.to_owned());
            self.issued_tokens.insert(token.to_owned(), issued);
        }
    }

    /// A remembered token's expiry and user.
    pub(crate) fn issued_token(&self, token: &str) -> Option<(VirtualInstant, &str)> {
        let (expires, user) = self.issued_tokens.get(token)?;
        Some((*expires, user))
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
                .to_string()
                .contains("any-secret-accepted")
        );
        assert!(!Breaks::default().has(Break::ShortTokens));
        assert!(Breaks::new([Break::ShortTokens]).has(Break::ShortTokens));
    }

    #[test]
    fn each_break_declares_ids_of_the_catalogue() {
        let features =
            crate::catalogue::features::parse(&crate::catalogue::features::embedded()).unwrap();
        let behaviours = crate::catalogue::behaviours(&features).unwrap();
        let known: BTreeSet<&str> = behaviours.iter().map(|b| b.id.as_str()).collect();
        for &which in Break::ALL {
            assert!(!which.ids().is_empty(), "{which} declares no id");
            for id in which.ids() {
                assert!(
                    known.contains(id),
                    "{which} declares {id}, not in the catalogue"
                );
            }
        }
    }
}

Feature: Revocation, sessions and sign-in records
  "oauth_revoke_token.do?token=<token>" needs no authentication: the token in the request is marked as
  expired. A Bearer call's response carries a session cookie, which dies with the token
  (glide.authenticate.oauth.post.token.expiration.cookie_auth.disabled, true by default), and updates
  the OAuth Application User's last_login_time.

  Background:
    Given the client credentials property is "true"
    And a user "svc.cc"
    And an OAuth API endpoint "svc-cc" whose OAuth Application User is "svc.cc"
    And "svc-cc" holds a token

  @CC-I1 @doc @inferred @should @grant @RFC7009-2
  Scenario: A token revoked at oauth_revoke_token.do without authentication is refused
    When the token is revoked at oauth_revoke_token.do without authentication
    And the token is used to read the table "sys_user"
    Then the request is rejected as not authenticated

  @CC-I2 @doc @should @admin @grant
  Scenario: A revoked token's oauth_credential record is kept and expires no later than now
    When the token is revoked at oauth_revoke_token.do without authentication
    Then the token's oauth_credential record of "svc-cc" is kept and expires no later than now

  @CC-I3 @doc @info @grant
  Scenario: Whether the session cookie of a Bearer call authenticates alone is recorded
    When the token is used to read the table "sys_user"
    And the session cookie of that response is used alone to read the table "sys_user"
    Then whether the request succeeded is recorded as "session_cookie_authenticates"

  @CC-I4 @doc @should @admin @grant
  Scenario: After the token is revoked its session cookie alone is refused
    When the token is used to read the table "sys_user"
    And the token is revoked at oauth_revoke_token.do without authentication
    And the session cookie of that response is used alone to read the table "sys_user"
    Then the request is rejected as not authenticated

  @CC-I4 @doc @should @mock-only @grant
  Scenario: After the token expires its session cookie alone is refused
    When the token is used to read the table "sys_user"
    And the token's lifespan has passed
    And the session cookie of that response is used alone to read the table "sys_user"
    Then the request is rejected as not authenticated

  @CC-I5 @doc @should @admin @grant
  Scenario: A Bearer call updates the OAuth Application User's last_login_time
    Given the last_login_time of "svc.cc" is noted
    When the token is used to ask who it acts as
    Then the last_login_time of "svc.cc" is set and not earlier than noted

Feature: Basic authentication restriction
  From Brazil an instance can restrict HTTP Basic authentication on REST: once
  glide.authenticate.basic_auth.restriction.enforce is true, Basic auth is refused unless the user is
  web-service-only, holds an allowed role (snc_basic_auth_api_access by default) or is listed in
  glide.authenticate.basic_auth.allowed_users. Token endpoint requests are checked before the gate, so
  client credentials tokens and Basic client authentication at /oauth_token.do are unaffected. An
  upgraded instance only tracks until enforce is set.

  Enforcing blocks every Basic integration of the instance while the scenario runs, so each scenario
  runs alone and undoes its properties at its end. On a real instance these scenarios run only when the
  suite's admin signs in with a token (--admin-client-id): an admin on Basic would be locked out. On the
  mock, whose admin signs in with Basic, the admin is listed in allowed_users before enforcing.

  Background:
    Given the client credentials property is "true"
    And a user "svc.cc"
    And an OAuth API endpoint "svc-cc" whose OAuth Application User is "svc.cc"

  @CC-K1 @doc @must @admin @instance-wide @gate-basic-auth-restriction
  Scenario: An enforcing restriction refuses Basic auth of a user without the allowed role
    Given a user "basic.user" who signs in with a password
    And the Basic auth restriction is enforcing
    When "basic.user" reads the table "sys_user" with Basic auth
    Then the request is refused, its status and body recorded as "basic_auth_refusal"

  @CC-K2 @doc @must @admin @instance-wide @grant @gate-basic-auth-restriction @RFC6749-2.3.1
  Scenario: An enforcing restriction leaves tokens and the token endpoint alone
    When "svc-cc" authenticates with HTTP Basic
    Then whether a token was issued is recorded as "basic_client_auth_before_enforcing"
    When the Basic auth restriction is enforcing
    And "svc-cc" requests a token with its client id and secret
    Then a token is issued
    When the token is used to read the table "sys_user"
    Then the request succeeds
    When "svc-cc" authenticates with HTTP Basic
    Then HTTP Basic client authentication is accepted as recorded in "basic_client_auth_before_enforcing"

  @CC-K3 @doc @should @admin @instance-wide @gate-basic-auth-restriction
  Scenario: Web-service-only users and holders of the allowed role still pass Basic auth
    Given a web-service-only user "ws.user" who signs in with a password
    And a user "api.user" who signs in with a password
    And the user "api.user" has the role "snc_basic_auth_api_access"
    And the Basic auth restriction is enforcing
    When "ws.user" reads the table "sys_user" with Basic auth
    Then the request succeeds
    When "api.user" reads the table "sys_user" with Basic auth
    Then the request succeeds

Feature: Token format
  Since Yokohama Patch 7, Zurich Patch 1 and Australia, an OAuth API endpoint whose token_format is
  "jwt" issues JWT access tokens, signed with keys the instance publishes at /api/now/oauth/jwks; its
  subject_claim names the sys_user field that becomes "sub". A JWT access token is still an
  oauth_credential record and still acts as the OAuth Application User. Its alg, kid and claims are
  not documented: the suite verifies the signature with the published key of its kid and records the
  rest.

  Background:
    Given the client credentials property is "true"
    And a user "svc.cc"
    And an OAuth API endpoint "svc-cc" whose OAuth Application User is "svc.cc"

  @CC-J1 @doc @must @admin @grant @gate-jwt-access-tokens @RFC7519-7.2
  Scenario: A JWT access token verifies with the key the JWKS publishes under its kid
    Given the OAuth API endpoint "svc-cc" has the token format "jwt"
    When "svc-cc" requests a token with its client id and secret
    Then the access token is a JWS that verifies with the key the JWKS publishes under its kid

  # They arrived in Yokohama Patch 7, Zurich Patch 1 and Australia (@gate-jwt-access-tokens): the mock
  # runs the first Yokohama patch that has them, and (J4) the patch before it, where the column means nothing.
  @CC-J1 @doc @must @mock-only @grant
  Scenario: From the patch that brought them a JWT is signed with a published key
    Given the mock instance runs the "yokohama-p7" release
    And the OAuth API endpoint "svc-cc" has the token format "jwt"
    When "svc-cc" requests a token with its client id and secret
    Then the access token is a JWS that verifies with the key the JWKS publishes under its kid

  @CC-J2 @doc @must @admin @grant @gate-jwt-access-tokens @RFC9068-2.2
  Scenario: A JWT access token acts as the application user with an unchanged expires_in
    Given the OAuth API endpoint "svc-cc" has an access token lifespan of 900 seconds
    And "svc-cc" holds a token
    And the OAuth API endpoint "svc-cc" has the token format "jwt"
    And "svc-cc" holds a JWT access token
    Then the JWT access token's expires_in is that of the opaque token before it
    When the token is used to ask who it acts as
    Then the token acts as "svc.cc"

  @CC-J2 @doc @must @admin @slow @grant @gate-jwt-access-tokens @RFC9068-2.2
  Scenario: A JWT access token expires like an opaque one
    Given the OAuth API endpoint "svc-cc" has an access token lifespan of 15 seconds
    And the OAuth API endpoint "svc-cc" has the token format "jwt"
    And "svc-cc" holds a JWT access token
    When the token's lifespan has passed
    And the token is used to read the table "sys_user"
    Then the request is rejected as not authenticated

  @CC-J3 @inferred @info @admin @grant @gate-jwt-access-tokens @RFC9068-2.2
  Scenario: A JWT's header and claims, and whether the JWKS needs authentication, recorded
    Given the OAuth API endpoint "svc-cc" has the token format "jwt"
    When "svc-cc" requests a token with its client id and secret
    Then the JWT's header and claims are recorded
    And whether the JWKS needs authentication is recorded

  @CC-J3 @inferred @info @admin @grant @gate-jwt-access-tokens @RFC9068-2.2
  Scenario: The claims of a JWT whose subject claim is the user name are recorded
    Given the OAuth API endpoint "svc-cc" has the token format "jwt"
    And the OAuth API endpoint "svc-cc" has the subject claim "user_name"
    When "svc-cc" requests a token with its client id and secret
    Then the JWT's header and claims are recorded

  @CC-J4 @inferred @should @mock-only @grant
  Scenario: Before the patch that brought them an endpoint set to JWT gets an opaque token
    Given the mock instance runs the "yokohama-p6" release
    And the OAuth API endpoint "svc-cc" has the token format "jwt"
    When "svc-cc" requests a token with its client id and secret
    Then the access token is opaque, not a JWT

  @CC-J4 @inferred @should @admin @grant @before-gate-jwt-access-tokens
  Scenario: On this older release an endpoint set to JWT gets an opaque token
    Given the OAuth API endpoint "svc-cc" has the token format "jwt"
    When "svc-cc" requests a token with its client id and secret
    Then the access token is opaque, not a JWT

Feature: Using the token on the REST API
  A token goes in the Authorization header as a Bearer token. Without valid credentials the REST
  API answers 401 with ServiceNow's envelope and a BASIC challenge.

  Each scenario's OAuth API endpoint is its own: the expired token's scenario waits on an endpoint that
  no other scenario, and nothing else of its own, asks a token from while it waits, so an instance that
  hands the same token out again and slides its expiry cannot keep it alive.

  Background:
    Given a user "svc.cc"
    And an OAuth API endpoint "svc-cc" whose OAuth Application User is "svc.cc"
    And the client credentials property is "true"

  @CC-E1 @doc @must @grant @RFC6750-2.1
  Scenario: A Bearer token is accepted by the Table API
    Given "svc-cc" holds a token
    When the token is used to read the table "sys_user"
    Then the request succeeds

  @CC-E2 @captured @must
  Scenario: A request without credentials is refused with the captured envelope
    When the Table API is called without credentials
    Then the request is rejected as not authenticated

  @CC-E3 @inferred @must @RFC6750-3.1
  Scenario: A made-up token is refused like no credentials
    When the Table API is called with a made-up token
    Then the request is rejected as not authenticated

  @CC-E4 @doc @must @admin @slow @grant @RFC6750-3.1
  Scenario: An expired token is refused
    Given the OAuth API endpoint "svc-cc" has an access token lifespan of 15 seconds
    And "svc-cc" holds a token
    When the token's lifespan has passed
    And the token is used to read the table "sys_user"
    Then the request is rejected as not authenticated

  @CC-E5 @reported @should @admin @grant
  Scenario: A revoked token is refused
    Given "svc-cc" holds a token
    When the tokens issued to "svc-cc" are revoked
    And the token is used to read the table "sys_user"
    Then the request is rejected as not authenticated

  @CC-E6 @rfc @should @grant @RFC6750-2.3
  Scenario: A token in the query string does not authenticate
    Given "svc-cc" holds a token
    When the token is sent as the access_token query parameter to the Table API
    Then the request is rejected as not authenticated

  @CC-E7 @rfc @info @RFC6750-3
  Scenario: The scheme of the 401 challenge is recorded
    When the Table API is called without credentials
    Then the challenge scheme is recorded

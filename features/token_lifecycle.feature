Feature: Token lifecycle
  ServiceNow documents reusing a live token with a sliding expiry for access requests, not for client
  credentials; nor does it say what becomes of a token already issued when its entity changes. What two token
  requests of one endpoint a few seconds apart give, and what a token already issued does after its endpoint's
  secret, application user or active flag changes, are recorded; the mock's default answers are held to.

  Background:
    Given the client credentials property is "true"
    And a user "svc.cc"
    And an OAuth API endpoint "svc-cc" whose OAuth Application User is "svc.cc"

  @CC-O1 @doc @inferred @info @admin @grant @RFC6749-4.4.3
  Scenario: Whether a second token request reuses the live token or moves its expiry
    Given "svc-cc" holds a token
    And the expiry of the tokens of "svc-cc" is noted
    When a few seconds pass
    And "svc-cc" requests a token with its client id and secret
    Then whether "svc-cc" got the same token, its expires_in and whether the noted expiry moved are recorded

  @CC-O2 @inferred @info @admin @grant
  Scenario: What a token does after its endpoint's secret, user and active flag change
    Given a user "svc.next"
    And "svc-cc" holds a token
    When the OAuth API endpoint "svc-cc" gets a new client secret
    Then who the first token acts as is recorded as "after_secret_change"
    When the OAuth Application User of "svc-cc" is changed to "svc.next"
    Then who the first token acts as is recorded as "after_user_change"
    When the OAuth API endpoint "svc-cc" is made inactive
    Then who the first token acts as is recorded as "after_made_inactive"

  @CC-O1 @inferred @should @mock-only @grant @RFC6749-4.4.3
  Scenario: By default the mock issues a new token and the live one's expiry stays
    Given "svc-cc" holds a token
    And the expiry of the tokens of "svc-cc" is noted
    When a few seconds pass
    And "svc-cc" requests a token with its client id and secret
    Then "svc-cc" got a new token and the noted expiry did not move

  @CC-O2 @inferred @should @mock-only @grant
  Scenario: On the mock a token acts as its user after its endpoint's user changes
    Given a user "svc.next"
    And "svc-cc" holds a token
    When the OAuth Application User of "svc-cc" is changed to "svc.next"
    And the token is used to ask who it acts as
    Then the token acts as "svc.cc"

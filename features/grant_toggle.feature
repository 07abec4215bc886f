Feature: The grant is off until an admin turns it on
  Since Washington DC an instance issues client credentials tokens once the system property
  glide.oauth.inbound.client.credential.grant_type.enabled exists with the value true.
  The property is not shipped with the instance: absent means false.

  Background:
    Given a user "svc.cc"
    And an OAuth API endpoint "svc-cc" whose OAuth Application User is "svc.cc"
    And the client credentials property is "true"

  @CC-A1 @doc @captured @must @admin @grant @instance-wide
  Scenario: Without the system property a correctly configured client is refused
    Given the instance has no client credentials property
    When "svc-cc" requests a token with its client id and secret
    Then the request is refused with ServiceNow's generic error
    And no token is issued

  @CC-A2 @doc @must @admin @grant @instance-wide
  Scenario: With the system property false the client is refused the same way
    Given the client credentials property is "false"
    When "svc-cc" requests a token with its client id and secret
    Then the request is refused with ServiceNow's generic error
    And no token is issued

  @CC-A3 @doc @must @grant @RFC6749-4.4
  Scenario: With the system property true the client gets a token
    When "svc-cc" requests a token with its client id and secret
    Then a token is issued

  @CC-A4 @reported @must @admin @grant @instance-wide
  Scenario: The system property is read live on every token request
    When "svc-cc" requests a token with its client id and secret
    Then a token is issued
    When the client credentials property is set to "false"
    And "svc-cc" requests a token with its client id and secret
    Then the request is refused with ServiceNow's generic error
    When the client credentials property is set to "true"
    And "svc-cc" requests a token with its client id and secret
    Then a token is issued

  @CC-A5 @inferred @info @admin @grant @instance-wide
  Scenario: A token issued while the grant was on, used after it is turned off
    Given "svc-cc" holds a token
    When the client credentials property is set to "false"
    And the token is used to ask who it acts as
    Then whether the request succeeded is recorded as "token_works_after_grant_disabled"

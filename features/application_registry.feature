Feature: OAuth API endpoints for external clients
  An "OAuth API endpoint for external clients" in the Application Registry (an oauth_entity record)
  names the OAuth Application User that every token it issues acts as.

  Background:
    Given the client credentials property is "true"
    And a user "svc.cc"

  @CC-B1 @captured @must @admin @grant @RFC6749-5.2
  Scenario: An endpoint without an OAuth Application User is refused as unauthorized_client
    Given an OAuth API endpoint "svc-cc" without an OAuth Application User
    When "svc-cc" requests a token with its client id and secret
    Then the request is refused as unauthorized_client naming the endpoint "svc-cc"
    And no token is issued

  @CC-B2 @reported @should @admin @grant
  Scenario: An OAuth Application User who was deleted is refused like a missing one
    Given a user "svc.gone"
    And an OAuth API endpoint "svc-cc" whose OAuth Application User is "svc.gone"
    And the user "svc.gone" is deleted
    When "svc-cc" requests a token with its client id and secret
    Then the request is refused as unauthorized_client naming the endpoint "svc-cc"
    And no token is issued

  @CC-B3 @reported @must @grant @RFC6749-4.4.2
  Scenario: A wrong client secret is refused with the generic error
    Given an OAuth API endpoint "svc-cc" whose OAuth Application User is "svc.cc"
    When "svc-cc" requests a token with a wrong client secret
    Then the request is refused with ServiceNow's generic error
    And no token is issued

  @CC-B4 @reported @must @grant
  Scenario: An unknown client id is refused with the generic error
    When a token is requested for an unknown client id
    Then the request is refused with ServiceNow's generic error

  @CC-B5 @reported @should @admin @grant
  Scenario: An inactive endpoint is refused with the generic error
    Given an OAuth API endpoint "svc-cc" whose OAuth Application User is "svc.cc"
    And the OAuth API endpoint "svc-cc" is inactive
    When "svc-cc" requests a token with its client id and secret
    Then the request is refused with ServiceNow's generic error
    And no token is issued

  @CC-B6 @reported @should @admin @grant
  Scenario: A default grant type other than client credentials still issues a token
    Given an OAuth API endpoint "svc-cc" whose OAuth Application User is "svc.cc"
    And the OAuth API endpoint "svc-cc" has the default grant type "password"
    When "svc-cc" requests a token with its client id and secret
    Then a token is issued

  @CC-B7 @captured @must @grant @RFC6749-5.1
  Scenario: expires_in is the default access token lifespan minus one second
    Given an OAuth API endpoint "svc-cc" whose OAuth Application User is "svc.cc"
    When "svc-cc" requests a token with its client id and secret
    Then a token is issued
    And expires_in is 1799

  @CC-B7 @captured @must @admin @grant @RFC6749-5.1
  Scenario: expires_in follows a changed access token lifespan
    Given an OAuth API endpoint "svc-cc" whose OAuth Application User is "svc.cc"
    And the OAuth API endpoint "svc-cc" has an access token lifespan of 600 seconds
    When "svc-cc" requests a token with its client id and secret
    Then a token is issued
    And expires_in is 599

Feature: The token response
  A successful response is compact JSON with access_token, scope, token_type and expires_in, in
  that order, and no refresh token; a refusal is ServiceNow's generic error body.

  Background:
    Given a user "svc.cc"
    And an OAuth API endpoint "svc-cc" whose OAuth Application User is "svc.cc"
    And the client credentials property is "true"

  @CC-C1 @captured @must @grant @RFC6749-5.1
  Scenario: A successful response has exactly the captured members
    When "svc-cc" requests a token with its client id and secret
    Then a token is issued
    And the response is JSON with exactly the members "access_token, scope, token_type, expires_in"
    And the access token is non-empty base64url
    And the token type is "Bearer"
    And the scope is "useraccount"
    And expires_in is an integer

  @CC-C2 @captured @must @grant @RFC6749-4.4.3
  Scenario: No refresh token is issued
    When "svc-cc" requests a token with its client id and secret
    Then a token is issued
    And the response has no refresh token

  @CC-C3 @rfc @should @grant @RFC6749-5.1
  Scenario: The token response may not be cached
    When "svc-cc" requests a token with its client id and secret
    Then a token is issued
    And the response header "Cache-Control" contains "no-store"

  @CC-C4 @rfc @should @grant @RFC6749-5.1
  Scenario: The token response carries Pragma no-cache
    When "svc-cc" requests a token with its client id and secret
    Then a token is issued
    And the response header "Pragma" contains "no-cache"

  @CC-C5 @rfc @should @grant @RFC6749-10.10
  Scenario: Repeated requests give valid tokens with enough entropy
    When "svc-cc" requests 3 tokens in a row
    Then every token works and carries at least 160 bits
    And the token length and whether a repeat returns the same token are recorded

  @CC-C6 @captured @must @grant
  Scenario: The generic error body is exactly the captured one
    When "svc-cc" requests a token with a wrong client secret
    Then the response body is exactly:
      """
      {"error_description":"access_denied","error":"server_error"}
      """

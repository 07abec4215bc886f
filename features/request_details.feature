Feature: Request details, limits and the upgrade inventory
  What clients send besides the bare form: a charset on the content type, long secrets, an endpoint's
  inbound grant type. And what an upgrade may change: every inbound OAuth API endpoint's grant settings
  and the grant's properties, recorded so that sncc compare shows it.

  @CC-L1 @reported @must @grant @RFC6749-4.4.2
  Scenario: A form content type with a charset, as PySNC sends it, gets a token
    Given the client credentials property is "true"
    And a user "svc.cc"
    And an OAuth API endpoint "svc-cc" whose OAuth Application User is "svc.cc"
    When "svc-cc" requests a token with the content type "application/x-www-form-urlencoded; charset=UTF-8"
    Then a token is issued

  @CC-L2 @doc @info @admin @grant
  Scenario: The longest client secret that still works is recorded
    Given the client credentials property is "true"
    And a user "svc.cc"
    And an OAuth API endpoint "svc-cc" whose OAuth Application User is "svc.cc"
    When "svc-cc" is given client secrets of 255, 1024, 2048 and 4096 characters, requesting a token with each
    Then the longest client secret that got a token is recorded as "longest_working_secret"

  @CC-L3 @reported @info @admin @grant
  Scenario: Whether the inbound grant type authz_code refuses the grant is recorded
    Given the client credentials property is "true"
    And a user "svc.cc"
    And an OAuth API endpoint "svc-cc" whose OAuth Application User is "svc.cc"
    And the OAuth API endpoint "svc-cc" has the inbound grant type "authz_code"
    When "svc-cc" requests a token with its client id and secret
    Then whether a token was issued is recorded as "token_issued_with_inbound_grant_type_authz_code"

  @CC-M1 @doc @info @admin
  Scenario: Every inbound endpoint's grant settings and the grant properties are recorded
    When the inbound OAuth API endpoints and the grant properties are inventoried
    Then the inventory is recorded without any secret

Feature: REST API access policies and Enforce Token Restriction
  From Xanadu (plugin com.glide.rest.policy) an active REST API access policy with inbound authentication
  profiles mapped to it restricts its API to them, and an OAuth profile linked to one entity admits only that
  entity's tokens. An entity's Enforce token restriction flag limits its tokens to APIs whose active policies
  admit them. A refusal is the REST 401 of catalogue §3, its WWW-Authenticate recorded.

  The suite restricts only a Scripted REST API of its own, which each scenario creates and removes; the flag's
  column and the profile's entity column are found through sys_dictionary by their labels.

  Background:
    Given the client credentials property is "true"
    And a user "svc.cc"
    And an OAuth API endpoint "svc-cc" whose OAuth Application User is "svc.cc"
    And the suite's own Scripted REST API

  @CC-N1 @doc @reported @should @admin @grant @gate-access-policies @RFC6750-3.1
  Scenario: An endpoint that enforces token restriction is refused the suite's own API
    Given "svc-cc" holds a token
    When the OAuth API endpoint "svc-cc" enforces token restriction
    And the token is used to call the suite's own API
    Then the request is refused with the REST 401, its challenge recorded
    When the OAuth API endpoint "svc-cc" no longer enforces token restriction
    And the token is used to call the suite's own API
    Then the request succeeds

  @CC-N2 @doc @reported @should @admin @grant @gate-access-policies
  Scenario: A policy admits its linked endpoint's token and Basic, not another endpoint's
    Given a user "svc.other"
    And an OAuth API endpoint "svc-other" whose OAuth Application User is "svc.other"
    And an access policy on the suite's own API admits an OAuth profile linked to "svc-cc" and the Basic Auth profile
    When "svc-cc" requests a token with its client id and secret
    And the token is used to call the suite's own API
    Then the request succeeds
    When "svc-other" requests a token with its client id and secret
    And the token is used to call the suite's own API
    Then the request is refused with the REST 401, its challenge recorded
    When the admin calls the suite's own API with Basic
    Then the admin's Basic call succeeds, where the admin signs in with Basic

Feature: Rate limits
  A rate limit rule (sys_rate_limit_rules) for a single user on a REST API: once it applies (up to 30 s), that
  user's requests beyond the limit in the hour get 429 "Rate limit exceeded" with Retry-After; the
  X-RateLimit-Limit, X-RateLimit-Reset and X-RateLimit-Rule headers are recorded. The 429 is the answer the
  scenario expects: the suite does not retry it, and it is not a fault. The rule names the scenario's own user
  and the suite's own Scripted REST API; its limit and API columns are found through sys_dictionary by label.

  Background:
    Given the client credentials property is "true"
    And a user "svc.cc"
    And an OAuth API endpoint "svc-cc" whose OAuth Application User is "svc.cc"
    And the suite's own Scripted REST API

  @CC-P1 @doc @should @admin @grant @RFC6585-4
  Scenario: Requests beyond a rate limit rule's limit get the 429 with Retry-After
    Given "svc-cc" holds a token
    And a rate limit rule of 2 requests per hour for "svc.cc" on the suite's own API
    When the token is used to call the suite's own API 3 times
    Then the last request is refused by the rate limit of 2 requests per hour, its headers recorded

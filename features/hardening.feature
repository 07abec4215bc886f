Feature: Hardening settings
  glide.oauth.inbound.ropc.grant_type.disabled=true switches the password grant off while client credentials
  still issues tokens; the property is High Security (security_admin writes it), so a real instance is observed
  only where it is already true. The dictionary default of oauth_entity.scope_restriction_status, and the status
  an endpoint inserted without it gets, are recorded.

  @CC-R1 @doc @inferred @should @admin @grant
  Scenario: The password grant switched off gets no token; client credentials still do
    Given the client credentials property is "true"
    And a user "svc.cc"
    And an OAuth API endpoint "svc-cc" whose OAuth Application User is "svc.cc"
    And a user "ropc.user" who signs in with a password
    And the instance has the password grant switched off
    When "svc-cc" requests a token for "ropc.user" with the password grant
    Then the token endpoint's answer is recorded as "password_grant"
    And no token is issued
    When "svc-cc" requests a token with its client id and secret
    Then a token is issued

  @CC-S1 @reported @info @admin
  Scenario: The scope restriction default and what an endpoint inserted without it gets
    When the dictionary default of the scope restriction status is read
    And an OAuth API endpoint "svc-plain" is inserted without a scope restriction status
    Then the dictionary default and the status the endpoint got are recorded

  @CC-S1 @reported @should @mock-only
  Scenario: On the mock an endpoint inserted without a scope restriction gets its default
    When the dictionary default of the scope restriction status is read
    And an OAuth API endpoint "svc-plain" is inserted without a scope restriction status
    Then the endpoint got the dictionary default

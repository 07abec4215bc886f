Feature: Releases
  Before Washington DC the grant does not exist for inbound requests. An instance's release family
  is the word after "glide-" in its glide.buildtag property.

  @CC-G1 @doc @must @mock-only
  Scenario: Before Washington DC a configured client is refused
    Given the mock instance runs the "vancouver" release
    And a user "svc.cc"
    And an OAuth API endpoint "svc-cc" whose OAuth Application User is "svc.cc"
    And the client credentials property is "true"
    When "svc-cc" requests a token with its client id and secret
    Then the request is refused with ServiceNow's generic error
    And no token is issued

  @CC-G1 @doc @must @admin @pre-washington
  Scenario: On this release, older than Washington DC, a configured client is refused
    Given a user "svc.cc"
    And an OAuth API endpoint "svc-cc" whose OAuth Application User is "svc.cc"
    And the client credentials property is "true"
    When "svc-cc" requests a token with its client id and secret
    Then the request is refused with ServiceNow's generic error
    And no token is issued

  @CC-G2 @doc @info
  Scenario: The release family is detected and recorded
    When the instance's release is detected
    Then the release family is recorded

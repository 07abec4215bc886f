Feature: What a token request must look like
  The client sends grant_type, client_id and client_secret form-encoded in a POST body. The instance
  reads parameters from the body only while glide.oauth.allow.parameters.in.post.body.only is true, as
  on every instance first provisioned since Madrid; on an older upgraded instance the property is absent,
  which means false: the instance is configured to read query-string parameters too, so there whether
  they get a token is recorded, not held against it. A real instance's value is the one the preflight
  read; a client target cannot read it and expects the body only.

  Background:
    Given a user "svc.cc"
    And an OAuth API endpoint "svc-cc" whose OAuth Application User is "svc.cc"
    And the client credentials property is "true"

  @CC-F1 @reported @must @grant @RFC6749-3.2
  Scenario: A JSON request body gets no token
    When "svc-cc" sends its client id and secret as a JSON body
    Then no token is issued

  @CC-F2 @doc @must @grant @RFC6749-2.3.1
  Scenario: Client credentials in the query string only get no token
    When "svc-cc" sends its client id and secret in the query string only
    Then no token is issued where the instance reads token parameters from the POST body only

  @CC-F3 @rfc @should @grant @RFC6749-3.2
  Scenario: A GET request gets no token
    When "svc-cc" requests a token with GET
    Then no token is issued

  @CC-F4 @rfc @reported @info @grant @RFC6749-2.3.1
  Scenario: Whether HTTP Basic client authentication is accepted is recorded
    When "svc-cc" authenticates with HTTP Basic
    Then whether a token was issued is recorded as "basic_client_auth_accepted"

  @CC-F5 @rfc @must @grant @RFC6749-5.2
  Scenario: An unsupported grant type gets no token
    When "svc-cc" requests a token with the grant type "password"
    Then no token is issued

  @CC-F6 @rfc @must @grant @RFC6749-3.2.1
  Scenario: A request without the client secret gets no token
    When "svc-cc" requests a token without its client secret
    Then no token is issued

  @CC-F7 @reported @should @grant @RFC6749-3.3
  Scenario: The useraccount scope is granted and an unknown scope is not
    When "svc-cc" requests a token with the scope "useraccount"
    Then a token is issued
    And the scope is "useraccount"
    When "svc-cc" requests a token with the scope "sncc_unknown_scope"
    Then no token is issued

  @CC-F8 @captured @must @admin @grant @RFC6749-2.3.1
  Scenario: A secret with reserved characters works when form-encoded
    Given the OAuth API endpoint "svc-cc" has the client secret "p+ss%w:rd/[x]~1"
    When "svc-cc" requests a token with its client id and secret
    Then a token is issued

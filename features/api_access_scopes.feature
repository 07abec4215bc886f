Feature: REST API auth scopes
  "Use the REST API Auth Scope with the client credentials grant type to control the access provided to
  the third-party client." A REST API Auth Scope (sys_api_access_scope) binds an API to an auth scope
  (sys_auth_scope); an OAuth API endpoint mapped to auth scopes (oauth_entity_auth_scope_mapping) may
  call a protected API only with one of them, read from its mappings on every request. An API no
  binding protects is open to any valid token, and the useraccount scope opens every API.

  A binding names an API (its api column, a sys_ws_definition), not a path: it covers every resource
  of that API, and a binding of the Table API would cover every table of the instance and refuse every
  scoped integration. So the suite never binds an API it does not own: each scenario that binds a scope
  first creates a Scripted REST API of its own (a sys_ws_definition "sncc-<run>-<scenario>-own-api" with one
  sys_ws_operation, GET /probe, authentication required), each record journaled before it is made and
  removed when the scenario ends (by sncc restore after a kill). The API's base_uri is read back, never
  guessed, and the scenarios call <base_uri>/probe. Right after binding, a token of an endpoint of the
  scenario's own mapped to another scope reads the suite's own table: if it is refused for a scope (403),
  the binding covers the Table API, so it is deleted at once and the scenario is inconclusive, saying so.
  Since each binding protects only an API of the scenario's own, those scenarios run beside the others;
  only the one that switches the scope check off instance-wide runs alone.

  Background:
    Given the client credentials property is "true"
    And a user "svc.cc"
    And an OAuth API endpoint "svc-cc" whose OAuth Application User is "svc.cc"
    And an auth scope "orders"
    And an auth scope "other"

  @CC-H1 @doc @inferred @must @admin @grant @RFC6750-3.1
  Scenario: A token without the scope an API is bound to is refused naming the missing scope
    Given the auth scope "orders" protects the suite's own API for "any" method
    And the OAuth API endpoint "svc-cc" is mapped to the auth scope "other"
    And "svc-cc" holds a token
    When the token is used to call the suite's own API
    Then the request is refused for the missing auth scope "orders"

  @CC-H2 @doc @must @admin @grant
  Scenario: The same token works once mapped to the bound scope and is refused once unmapped
    Given the auth scope "orders" protects the suite's own API for "GET" method
    And the OAuth API endpoint "svc-cc" is mapped to the auth scope "other"
    And "svc-cc" holds a token
    When the OAuth API endpoint "svc-cc" is mapped to the auth scope "orders"
    And the token is used to call the suite's own API
    Then the request succeeds
    When the OAuth API endpoint "svc-cc" is no longer mapped to the auth scope "orders"
    And the token is used to call the suite's own API
    Then the request is refused for the missing auth scope "orders"

  @CC-H3 @doc @must @admin @grant
  Scenario: An endpoint mapped to the useraccount scope reaches a protected API
    Given the auth scope "orders" protects the suite's own API for "any" method
    And the OAuth API endpoint "svc-cc" is mapped to the auth scope "useraccount"
    And "svc-cc" holds a token
    When the token is used to call the suite's own API
    Then the request succeeds

  @CC-H4 @doc @should @admin @grant @instance-wide
  Scenario: With the scope check switched off a token reaches an API bound to a scope it lacks
    Given the auth scope "orders" protects the suite's own API for "any" method
    And the OAuth API endpoint "svc-cc" is mapped to the auth scope "other"
    And the API access scope check property is "false"
    And "svc-cc" holds a token
    When the token is used to call the suite's own API
    Then the request succeeds

  @CC-H5 @doc @should @admin @grant
  Scenario: Basic authentication on a protected API is not subject to the scope check
    Given the auth scope "orders" protects the suite's own API for "any" method
    And a web-service-only user "basic.reader" who signs in with a password
    When "basic.reader" calls the suite's own API with Basic auth
    Then the request succeeds

  # It arrived in Yokohama Patch 11, Zurich Patch 4 and Australia (@gate-restricted-scopes): the mock
  # runs the first Zurich patch that has it, and the patch before it, where the value means nothing.
  @CC-H6 @doc @reported @should @mock-only @grant
  Scenario: An endpoint restricted to its scopes is refused an API no scope protects
    Given the mock instance runs the "zurich-p4" release
    And the OAuth API endpoint "svc-cc" is mapped to the auth scope "orders"
    And the OAuth API endpoint "svc-cc" has the scope restriction status "restricted"
    And "svc-cc" holds a token
    When the token is used to read the table "sys_user"
    Then the request is refused as a call of an unscoped API

  @CC-H6 @doc @reported @should @mock-only @grant
  Scenario: Before its patch, a restricted endpoint's token reads an unprotected API
    Given the mock instance runs the "zurich-p3" release
    And the OAuth API endpoint "svc-cc" is mapped to the auth scope "orders"
    And the OAuth API endpoint "svc-cc" has the scope restriction status "restricted"
    And "svc-cc" holds a token
    When the token is used to read the table "sys_user"
    Then the request succeeds

  @CC-H6 @doc @reported @should @admin @grant @gate-restricted-scopes
  Scenario: On this release a restricted endpoint's token is refused an API no scope protects
    Given the OAuth API endpoint "svc-cc" is mapped to the auth scope "orders"
    And the OAuth API endpoint "svc-cc" has the scope restriction status "restricted"
    And "svc-cc" holds a token
    When the token is used to read the table "sys_user"
    Then the request is refused as a call of an unscoped API

  @CC-H7 @inferred @info @admin @grant @RFC6749-5.1
  Scenario: The scope of the token response of an endpoint mapped to scopes is recorded
    Given the OAuth API endpoint "svc-cc" is mapped to the auth scope "orders"
    And the OAuth API endpoint "svc-cc" is mapped to the auth scope "other"
    When "svc-cc" requests a token with its client id and secret
    Then the token response's scope is recorded as "mapped_token_scope"

Feature: REST API auth scopes
  "Use the REST API Auth Scope with the client credentials grant type to control the access provided to
  the third-party client." A REST API Auth Scope (sys_api_access_scope) binds an API to an auth scope
  (sys_auth_scope); an OAuth API endpoint mapped to auth scopes (oauth_entity_auth_scope_mapping) may
  call a protected API only with one of them, read from its mappings on every request. An API no
  binding protects is open to any valid token, and the useraccount scope opens every API.

  On a real instance the suite binds its scopes only to a table of its own (u_sncc_<run>, created
  through sys_db_object), never to an API the instance already uses; a binding is still instance-wide
  state, so every scenario that makes one runs alone.

  Background:
    Given the client credentials property is "true"
    And a user "svc.cc"
    And an OAuth API endpoint "svc-cc" whose OAuth Application User is "svc.cc"
    And an auth scope "orders"
    And an auth scope "other"

  @CC-H1 @doc @inferred @must @admin @grant @instance-wide @RFC6750-3.1
  Scenario: A token without the scope an API is bound to is refused naming the missing scope
    Given the auth scope "orders" protects the suite's own table for "any" method
    And the OAuth API endpoint "svc-cc" is mapped to the auth scope "other"
    And "svc-cc" holds a token
    When the token is used to read the suite's own table
    Then the request is refused for the missing auth scope "orders"

  @CC-H2 @doc @must @admin @grant @instance-wide
  Scenario: The same token works once mapped to the bound scope and is refused once unmapped
    Given the auth scope "orders" protects the suite's own table for "GET" method
    And the OAuth API endpoint "svc-cc" is mapped to the auth scope "other"
    And "svc-cc" holds a token
    When the OAuth API endpoint "svc-cc" is mapped to the auth scope "orders"
    And the token is used to read the suite's own table
    Then the request succeeds
    When the OAuth API endpoint "svc-cc" is no longer mapped to the auth scope "orders"
    And the token is used to read the suite's own table
    Then the request is refused for the missing auth scope "orders"

  @CC-H3 @doc @must @admin @grant @instance-wide
  Scenario: An endpoint mapped to the useraccount scope reaches a protected API
    Given the auth scope "orders" protects the suite's own table for "any" method
    And the OAuth API endpoint "svc-cc" is mapped to the auth scope "useraccount"
    And "svc-cc" holds a token
    When the token is used to read the suite's own table
    Then the request succeeds

  @CC-H4 @doc @should @admin @grant @instance-wide
  Scenario: With the scope check switched off a token reaches an API bound to a scope it lacks
    Given the auth scope "orders" protects the suite's own table for "any" method
    And the OAuth API endpoint "svc-cc" is mapped to the auth scope "other"
    And the API access scope check property is "false"
    And "svc-cc" holds a token
    When the token is used to read the suite's own table
    Then the request succeeds

  @CC-H5 @doc @should @admin @grant @instance-wide
  Scenario: Basic authentication on a protected API is not subject to the scope check
    Given the auth scope "orders" protects the suite's own table for "any" method
    When the suite's own table is read with the admin's Basic credentials
    Then the request succeeds

  # It arrived in Yokohama Patch 11, Zurich Patch 4 and Australia (@gate-restricted-scopes): the mock
  # runs the first Zurich patch that has it, and the patch before it, where the value means nothing.
  @CC-H6 @doc @inferred @should @mock-only @grant
  Scenario: An endpoint restricted to its scopes is refused an API no scope protects
    Given the mock instance runs the "zurich-p4" release
    And the OAuth API endpoint "svc-cc" is mapped to the auth scope "orders"
    And the OAuth API endpoint "svc-cc" has the scope restriction status "restricted"
    And "svc-cc" holds a token
    When the token is used to read the table "sys_user"
    Then the request is refused, its status and body recorded as "restricted_refusal"

  @CC-H6 @doc @inferred @should @mock-only @grant
  Scenario: Before the patch that brought it a restricted endpoint's token reads any API
    Given the mock instance runs the "zurich-p3" release
    And the OAuth API endpoint "svc-cc" is mapped to the auth scope "orders"
    And the OAuth API endpoint "svc-cc" has the scope restriction status "restricted"
    And "svc-cc" holds a token
    When the token is used to read the table "sys_user"
    Then the request succeeds

  @CC-H6 @doc @inferred @should @admin @grant @gate-restricted-scopes
  Scenario: On this release a restricted endpoint's token is refused an API no scope protects
    Given the OAuth API endpoint "svc-cc" is mapped to the auth scope "orders"
    And the OAuth API endpoint "svc-cc" has the scope restriction status "restricted"
    And "svc-cc" holds a token
    When the token is used to read the table "sys_user"
    Then the request is refused, its status and body recorded as "restricted_refusal"

  @CC-H7 @inferred @info @admin @grant @RFC6749-5.1
  Scenario: The scope of the token response of an endpoint mapped to scopes is recorded
    Given the OAuth API endpoint "svc-cc" is mapped to the auth scope "orders"
    And the OAuth API endpoint "svc-cc" is mapped to the auth scope "other"
    When "svc-cc" requests a token with its client id and secret
    Then the token response's scope is recorded as "mapped_token_scope"

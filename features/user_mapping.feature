Feature: Every token acts as the OAuth Application User
  ServiceNow associates every request with a user: a client credentials token acts as the OAuth
  Application User of the endpoint that issued it, with that user's roles and nothing more.

  Whether a user must reset a password an admin set decides what a new application user meets on some
  instances (glide.authenticate.api.user.reset_password.mandatory): the scenario of a user who must reset
  the password records the instance's value beside its outcome.

  Background:
    Given a user "svc.cc"
    And an OAuth API endpoint "svc-cc" whose OAuth Application User is "svc.cc"
    And the client credentials property is "true"

  @CC-D1 @doc @must @grant
  Scenario: The token acts as the OAuth Application User
    Given "svc-cc" holds a token
    When the token is used to ask who it acts as
    Then the token acts as "svc.cc"

  @CC-D2 @doc @must @admin @grant
  Scenario: Changing the OAuth Application User changes who new tokens act as
    Given a user "svc.other"
    And "svc-cc" holds a token
    When the OAuth Application User of "svc-cc" is changed to "svc.other"
    And "svc-cc" requests a token with its client id and secret
    And the token is used to ask who it acts as
    Then the token acts as "svc.other"
    And who the first token acts as is recorded as "first_token_acts_as"

  @CC-D3 @doc @must @admin @grant @RFC9700-2.3
  Scenario: The token has the user's rights and no more
    Given "svc-cc" holds a token
    When the token is used to read the table "sys_properties"
    Then the request is denied or sees no records

  @CC-D4 @inferred @should @admin @grant
  Scenario: Records created with the token are created by the OAuth Application User
    Given the user "svc.cc" has the role "itil"
    And "svc-cc" holds a token
    When the token is used to create an incident
    Then the incident was created by "svc.cc"

  @CC-D5 @inferred @should @admin @grant
  Scenario: An inactive OAuth Application User gets no token
    Given the user "svc.cc" is inactive
    When "svc-cc" requests a token with its client id and secret
    Then the request is refused with ServiceNow's generic error
    And no token is issued

  @CC-D6 @inferred @should @admin @grant
  Scenario: A locked-out OAuth Application User gets no token
    Given the user "svc.cc" is locked out
    When "svc-cc" requests a token with its client id and secret
    Then the request is refused with ServiceNow's generic error
    And no token is issued

  @CC-D7 @reported @should @admin @grant
  Scenario: An OAuth Application User who must reset the password gets no token
    Given the instance's property "glide.authenticate.api.user.reset_password.mandatory" is recorded as "reset_password_mandatory"
    And the user "svc.cc" must reset the password
    When "svc-cc" requests a token with its client id and secret
    Then the request is refused with ServiceNow's generic error
    And no token is issued

//! The Gherkin vocabulary: every step the features use, grouped by what it acts on.

mod access_policies;
mod basic_auth;
mod hardening;
mod inventory;
mod jwt;
mod lifecycle;
mod rate_limits;
mod release;
mod rest;
mod revocation;
mod scopes;
mod scripted_api;
mod secrets;
mod sessions;
mod setup;
mod sign_in;
mod tokens;

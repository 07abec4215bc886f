//! The Gherkin vocabulary: every step the features use, grouped by what it acts on.

mod basic_auth;
mod inventory;
mod jwt;
mod release;
mod rest;
mod revocation;
mod scopes;
mod secrets;
mod sessions;
mod setup;
mod sign_in;
mod tokens;

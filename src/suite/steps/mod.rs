//! The Gherkin vocabulary: every step the features use, grouped by what it acts on.

mod release;
mod rest;
mod setup;
mod tokens;

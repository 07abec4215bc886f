//! What the steps name, by logical name: users, OAuth API endpoints, auth scopes and their mappings, and
//! the suite's own table and Scripted REST API, each as the instance knows it.

use std::collections::HashMap;

use secrecy::SecretString;
use serde_json::Value;

/// A user the scenario named, as the instance knows it.
#[derive(Clone, Debug)]
pub(crate) struct User {
    pub user_name: String,
    /// Unknown on a client target until the token says who it acts as.
    pub sys_id: Option<String>,
    /// The password it signs in with over Basic, when the scenario gave it one.
    pub password: Option<SecretString>,
}

/// An OAuth API endpoint the scenario named.
#[derive(Clone)]
pub(crate) struct Endpoint {
    /// Unknown on a client target.
    pub sys_id: Option<String>,
    pub client_id: String,
    pub client_secret: SecretString,
}

/// The suite's own Scripted REST API (catalogue §17), as the instance made it.
#[derive(Clone, Debug)]
pub(crate) struct OwnApi {
    /// Its `sys_ws_definition`.
    pub sys_id: String,
    /// Its one resource's path: the API's `base_uri` as read back, and `/probe`.
    pub probe_path: String,
}

/// The scenario's names for what it made or found on the instance.
#[derive(Default)]
pub(crate) struct Vocabulary {
    pub(super) users: HashMap<String, User>,
    pub(super) endpoints: HashMap<String, Endpoint>,
    /// The auth scopes the scenario named (`sys_auth_scope` records), by logical name.
    pub(super) auth_scopes: HashMap<String, Value>,
    /// The scenario's mappings of endpoints to auth scopes (`oauth_entity_auth_scope_mapping`), by
    /// endpoint and scope logical names.
    pub(super) scope_mappings: HashMap<(String, String), Value>,
    /// The suite's own table, once the scenario has it.
    pub(super) own_table: Option<String>,
    /// The suite's own Scripted REST API, once the scenario made it.
    pub(super) own_api: Option<OwnApi>,
}

impl Vocabulary {
    /// A user by logical name.
    pub(crate) fn user(&self, logical: &str) -> Result<&User, String> {
        self.users
            .get(logical)
            .ok_or_else(|| format!("no user \"{logical}\" in this scenario"))
    }

    /// An OAuth API endpoint by logical name.
    pub(crate) fn endpoint(&self, logical: &str) -> Result<&Endpoint, String> {
        self.endpoints
            .get(logical)
            .ok_or_else(|| format!("no OAuth API endpoint \"{logical}\" in this scenario"))
    }

    /// The client ids of every endpoint the scenario named.
    pub(crate) fn client_ids(&self) -> Vec<String> {
        let endpoints = self.endpoints.values();
        endpoints
            .map(|endpoint| endpoint.client_id.clone())
            .collect()
    }
}

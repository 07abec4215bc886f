//! Seed files (TOML, see `fixtures/instances/`): the kind of instance (`provisioned`, catalogue §13), the users,
//! clients and properties it starts with, its update sets and users' preferences, and tables, columns, choices
//! and records of its own (checked whole before the instance is handed out).

use std::path::PathBuf;
use std::sync::LazyLock;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::mock::clock::VirtualInstant;
use crate::mock::instance::{Instance, SYSTEM_ACTOR};
use crate::mock::tables::custom_tables;
use crate::mock::tables::declaration::{self, DeclarationError, TableDecl};
use crate::mock::tables::dictionary;
use crate::mock::tables::schema::{OAUTH_ENTITY, SYS_AUTH_SCOPE, SYS_USER};
use crate::mock::tables::store::Store;
use crate::servicenow::glide_time::real_now;
use crate::servicenow::release::{Family, Release, ReleaseError};
use crate::support::random;
use provisioned::Provisioned;
use records::{RecordError, RecordSeeds};
use update_sets::{
    PreferenceSeed, UpdateSetSeed, add_global_update_set, add_preference, add_update_set,
};

pub(crate) mod provisioned;
mod records;
mod update_sets;

/// The seeds built into the binary, by name: usable away from the source tree.
pub(crate) const BUILTIN: [(&str, &str); 2] = [
    (
        "ready",
        include_str!("../../../fixtures/instances/ready.toml"),
    ),
    (
        "untouched",
        include_str!("../../../fixtures/instances/untouched.toml"),
    ),
];

/// The property that holds the sys_id of the `useraccount` scope (catalogue §7).
pub(crate) const USERACCOUNT_SCOPE_PROPERTY: &str = "glide.oauth.token.scope.useraccount";

/// The auth scopes every instance has out of the box (catalogue §7): name and description.
const OUT_OF_BOX_SCOPES: [(&str, &str); 1] = [(
    "useraccount",
    "Access to all the resources available to the signed in user",
)];

/// catalogue §12: the `admin` user's sys_id on every instance.
pub(crate) const ADMIN_SYS_ID: &str = "6816f79cc0a8016401c5a33be04be441";
/// catalogue §12: the `admin` user's email on every instance.
const ADMIN_EMAIL: &str = "admin@example.com";

/// The family a seed runs when it names none: the newest the catalogue lists, at its GA patch.
pub const DEFAULT_RELEASE: Family = Family::NEWEST;

/// The out-of-box tables with their dictionary rows, described once per process: as on real instances, the
/// out-of-box dictionary rows have the same sys_ids everywhere. Cloning it rather than describing ~300 rows
/// per instance cut building the `ready` seed from 331–477 µs to 123–185 µs (medians of 50,
/// `benches/throughput.rs`, A B A B on one machine).
fn out_of_box_store() -> &'static Store {
    static STORE: LazyLock<Store> = LazyLock::new(|| {
        let mut store = Store::default();
        dictionary::describe_all(&mut store, real_now());
        store
    });
    &STORE
}

/// A seed as read. Its `Debug` shows no text or record values: they may hold secrets.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// A release, e.g. `vancouver` or `zurich-p4`; [`DEFAULT_RELEASE`] when absent.
    pub(crate) release: Option<String>,
    /// Upgraded (when absent) or new (catalogue §13).
    #[serde(default)]
    pub(crate) provisioned: Provisioned,
    #[serde(default)]
    pub(crate) properties: Vec<PropertySeed>,
    /// An entry for `admin` amends the seeded admin (its roles granted, its flags set).
    #[serde(default)]
    pub(crate) users: Vec<UserSeed>,
    #[serde(default)]
    pub(crate) clients: Vec<ClientSeed>,
    /// Update sets besides `Default` (catalogue §13).
    #[serde(default)]
    update_sets: Vec<UpdateSetSeed>,
    /// Users' preferences, such as their current update set and application (catalogue §13).
    #[serde(default)]
    preferences: Vec<PreferenceSeed>,
    /// Tables of the seed's own, or columns, overrides and roles added to existing ones.
    #[serde(default)]
    tables: Vec<TableDecl>,
    /// Records by table name.
    #[serde(default)]
    records: RecordSeeds,
    /// The seed's text, to name the line of a mistake.
    #[serde(skip)]
    text: String,
    /// Where the seed was read from, to name it in a mistake.
    #[serde(skip)]
    origin: Option<Origin>,
}

enum Origin {
    Builtin(String),
    File(PathBuf),
}

impl std::fmt::Debug for Seed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let records: Vec<(&str, usize)> = self
            .records
            .iter()
            .map(|(table, records)| (table.as_str(), records.len()))
            .collect();
        f.debug_struct("Seed")
            .field("release", &self.release)
            .field("provisioned", &self.provisioned)
            .field("properties", &self.properties)
            .field("users", &self.users)
            .field("clients", &self.clients)
            .field("update_sets", &self.update_sets)
            .field("preferences", &self.preferences)
            .field("tables", &self.tables.len())
            .field("records", &records)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PropertySeed {
    pub name: String,
    pub value: String,
    #[serde(rename = "type", default = "string_type")]
    pub kind: String,
}

fn string_type() -> String {
    "string".into()
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserSeed {
    pub user_name: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub email: String,
    /// Generated when absent.
    pub sys_id: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub locked_out: bool,
    #[serde(default)]
    pub password_needs_reset: bool,
    #[serde(default)]
    pub web_service_access_only: bool,
    #[serde(default)]
    pub roles: Vec<String>,
    /// Lets the user sign in with HTTP Basic; none means Basic is refused.
    pub password: Option<SecretString>,
}

/// An "OAuth API endpoint for external clients" (an `oauth_entity` record).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClientSeed {
    pub name: String,
    /// Generated (32 hex digits) when absent.
    pub client_id: Option<String>,
    /// Generated when absent.
    pub client_secret: Option<SecretString>,
    /// The OAuth Application User, by `user_name`; none leaves it empty.
    pub user: Option<String>,
    #[serde(default = "client_credentials")]
    pub default_grant_type: String,
    pub access_token_lifespan: Option<u32>,
    #[serde(default = "yes")]
    pub active: bool,
    /// `unrestricted`, `restricted` or `useraccount` (catalogue §7); absent: the instance's default for a new
    /// entity (catalogue §13).
    pub scope_restriction_status: Option<String>,
}

fn client_credentials() -> String {
    "client_credentials".into()
}

/// A client as seeded, to tell the person who started the mock.
#[derive(Debug)]
pub struct SeededClient {
    pub name: String,
    pub client_id: String,
    pub client_secret: SecretString,
    pub user: Option<String>,
}

/// Why a seed cannot be read or built; a TOML error names its line and column.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("built-in seed {name}: {source}")]
    Builtin {
        name: String,
        source: Box<SeedError>,
    },
    #[error("cannot read seed {}: {source} (built-in seeds: {})", path.display(), BUILTIN.map(|(name, _)| name).join(", "))]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("seed {}: {source}", path.display())]
    InFile {
        path: PathBuf,
        source: Box<SeedError>,
    },
    /// Not a seed's TOML.
    #[error(transparent)]
    Toml(#[from] toml::de::Error),
    #[error(transparent)]
    Release(#[from] ReleaseError),
    #[error("user {0} is seeded twice")]
    UserTwice(String),
    /// An `admin` entry may amend roles, flags and names; the admin's sys_id and password are the instance's.
    #[error("the seeded admin keeps its {0}: an admin entry gives roles, flags and names only")]
    AdminAmendment(&'static str),
    #[error("preference {preference} names user {user}, who is not seeded")]
    PreferenceUser { preference: String, user: String },
    #[error("preference {preference} names {what} {value}, which the seed does not have")]
    PreferenceTarget {
        preference: String,
        what: &'static str,
        value: String,
    },
    #[error("update set {name} names application {application}, which the seed does not have")]
    UpdateSetApplication { name: String, application: String },
    #[error("client {client} names user {user}, who is not seeded")]
    UnknownUser { client: String, user: String },
    #[error("client {0} has an empty client_id")]
    EmptyClientId(String),
    /// A table declaration that cannot be resolved (no line when the mistake shows in an out-of-box table).
    #[error("{}{problem}", at_line(*line))]
    Table {
        line: Option<usize>,
        problem: String,
    },
    /// A record that does not fit its table.
    #[error("line {line}: {problem}")]
    Record { line: usize, problem: String },
}

fn at_line(line: Option<usize>) -> String {
    line.map(|line| format!("line {line}: "))
        .unwrap_or_default()
}

/// The line (from 1) of a byte offset in a seed's text.
fn line_of(text: &str, offset: usize) -> usize {
    let before = text.get(..offset).unwrap_or(text);
    before.matches('\n').count() + 1
}

impl Seed {
    /// Reads a built-in seed by name (`ready`, `untouched`) or a TOML file by path.
    pub fn load(name_or_path: &str) -> Result<Seed, SeedError> {
        let (origin, text) = match BUILTIN.iter().find(|(name, _)| *name == name_or_path) {
            Some((name, text)) => (Origin::Builtin((*name).to_owned()), (*text).to_owned()),
            None => {
                let path = PathBuf::from(name_or_path);
                match std::fs::read_to_string(&path) {
                    Ok(text) => (Origin::File(path), text),
                    Err(source) => return Err(SeedError::Unreadable { path, source }),
                }
            }
        };
        match Seed::parse(&text) {
            Ok(seed) => Ok(Seed {
                origin: Some(origin),
                ..seed
            }),
            Err(error) => Err(located(Some(&origin), error)),
        }
    }

    pub(crate) fn parse(text: &str) -> Result<Seed, SeedError> {
        let seed: Seed = toml::from_str(text)?;
        Ok(Seed {
            text: text.to_owned(),
            ..seed
        })
    }

    fn table_error(&self, error: DeclarationError) -> SeedError {
        SeedError::Table {
            line: error.at.map(|at| line_of(&self.text, at.start)),
            problem: error.problem.to_string(),
        }
    }

    fn record_error(&self, error: RecordError) -> SeedError {
        SeedError::Record {
            line: line_of(&self.text, error.at.start),
            problem: error.problem.to_string(),
        }
    }

    /// The store the instance starts from: the out-of-box tables with the seed's declared in, described by
    /// the dictionary tables.
    fn store(&self, now: VirtualInstant) -> Result<Store, SeedError> {
        if self.tables.is_empty() {
            return Ok(out_of_box_store().clone());
        }
        let schema = declaration::extend(declaration::out_of_box(), &self.tables)
            .map_err(|error| self.table_error(error))?;
        let mut store = Store::new(&schema.tables);
        dictionary::describe_all(&mut store, now);
        Ok(store)
    }

    /// The same seed, building this kind of instance whatever it says (`sncc mock --provisioned`).
    pub fn provisioned_as(self, kind: Provisioned) -> Seed {
        Seed {
            provisioned: kind,
            ..self
        }
    }

    /// The release to run: the override if given, else the seed's, else [`DEFAULT_RELEASE`].
    pub(crate) fn release(
        &self,
        release_override: Option<&Release>,
    ) -> Result<Release, ReleaseError> {
        match (release_override, &self.release) {
            (Some(release), _) => release.clone().simulated(),
            (None, Some(name)) => name.parse::<Release>()?.simulated(),
            (None, None) => Ok(Release::ga(DEFAULT_RELEASE)),
        }
    }

    /// Builds the instance: an untouched instance of the seed's kind with its `admin` (with the given password),
    /// roles, scopes, application, update set and starting properties (catalogue §13), then the seed's properties,
    /// users, clients, records, update sets and preferences. A mistake names the seed (and its line); no instance
    /// is built from a seed with one.
    pub fn build(
        &self,
        admin_password: &SecretString,
        release_override: Option<&Release>,
    ) -> Result<(Instance, Vec<SeededClient>), SeedError> {
        self.build_instance(admin_password, release_override)
            .map_err(|error| located(self.origin.as_ref(), error))
    }

    fn build_instance(
        &self,
        admin_password: &SecretString,
        release_override: Option<&Release>,
    ) -> Result<(Instance, Vec<SeededClient>), SeedError> {
        // Seeded records are stamped with real time: a mock's virtual clock starts there.
        let now = real_now();
        let mut instance = Instance::with_store(self.store(now)?);
        instance.provisioned = self.provisioned;
        let release = self.release(release_override)?;
        instance.set_release(&release, now);
        let admin = UserSeed {
            user_name: "admin".into(),
            first_name: "System".into(),
            last_name: "Administrator".into(),
            email: ADMIN_EMAIL.into(),
            sys_id: Some(ADMIN_SYS_ID.into()),
            active: true,
            locked_out: false,
            password_needs_reset: false,
            web_service_access_only: false,
            roles: vec!["admin".into()],
            password: Some(admin_password.clone()),
        };
        add_user(&mut instance, &admin, now)?;
        instance.ensure_role("itil", now);
        // catalogue K3: the role an instance ships for Basic API access.
        instance.ensure_role(
            crate::mock::auth::basic_restriction::DEFAULT_ALLOWED_ROLE,
            now,
        );
        add_out_of_box_scopes(&mut instance, now);
        add_global_update_set(&mut instance.store, now);
        for (name, kind, value) in provisioned::starting_properties(self.provisioned, &release) {
            instance.set_property(name, kind, value, now);
        }
        for property in &self.properties {
            instance.set_property(&property.name, &property.kind, &property.value, now);
        }
        for user in &self.users {
            if user.user_name.eq_ignore_ascii_case("admin") {
                amend_admin(&mut instance, user, now)?;
            } else {
                add_user(&mut instance, user, now)?;
            }
        }
        let clients = self
            .clients
            .iter()
            .map(|client| add_client(&mut instance, client, now))
            .collect::<Result<_, _>>()?;
        records::insert_all(&mut instance.store, &self.records, now)
            .map_err(|error| self.record_error(error))?;
        for update_set in &self.update_sets {
            add_update_set(&mut instance.store, update_set, now)?;
        }
        for preference in &self.preferences {
            add_preference(&mut instance, preference, now)?;
        }
        custom_tables::reconcile(&mut instance, now);
        Ok((instance, clients))
    }
}

/// A mistake with the name of the seed it is in.
fn located(origin: Option<&Origin>, error: SeedError) -> SeedError {
    match origin {
        None => error,
        Some(Origin::Builtin(name)) => SeedError::Builtin {
            name: name.clone(),
            source: Box::new(error),
        },
        Some(Origin::File(path)) => SeedError::InFile {
            path: path.clone(),
            source: Box::new(error),
        },
    }
}

/// The out-of-box scopes, and the property naming `useraccount`'s sys_id.
fn add_out_of_box_scopes(instance: &mut Instance, now: VirtualInstant) {
    for (name, description) in OUT_OF_BOX_SCOPES {
        let scope: &[(&str, &str)] = &[("name", name), ("description", description)];
        let sys_id = instance
            .store
            .insert(SYS_AUTH_SCOPE, scope, SYSTEM_ACTOR, now);
        if name == crate::mock::auth::scopes::DEFAULT_SCOPE {
            instance.set_property(USERACCOUNT_SCOPE_PROPERTY, "string", &sys_id, now);
        }
    }
}

/// A seed's `admin` entry: its roles granted to the seeded admin, its flags set, its names and email where given.
fn amend_admin(
    instance: &mut Instance,
    user: &UserSeed,
    now: VirtualInstant,
) -> Result<(), SeedError> {
    if user.password.is_some() {
        return Err(SeedError::AdminAmendment("password"));
    }
    if user
        .sys_id
        .as_deref()
        .is_some_and(|sys_id| sys_id != ADMIN_SYS_ID)
    {
        return Err(SeedError::AdminAmendment("sys_id"));
    }
    let flag = |value: bool| value.to_string();
    let mut changes = vec![
        ("active", flag(user.active)),
        ("locked_out", flag(user.locked_out)),
        ("password_needs_reset", flag(user.password_needs_reset)),
        (
            "web_service_access_only",
            flag(user.web_service_access_only),
        ),
    ];
    for (column, value) in [
        ("first_name", &user.first_name),
        ("last_name", &user.last_name),
        ("email", &user.email),
    ] {
        if !value.is_empty() {
            changes.push((column, value.clone()));
        }
    }
    instance
        .store
        .update(SYS_USER, ADMIN_SYS_ID, &changes, SYSTEM_ACTOR, now);
    let held = instance.roles_of(ADMIN_SYS_ID);
    for role in user.roles.iter().filter(|role| !held.contains(role)) {
        instance.grant_role(ADMIN_SYS_ID, role, now);
    }
    Ok(())
}

fn add_user(
    instance: &mut Instance,
    user: &UserSeed,
    now: VirtualInstant,
) -> Result<(), SeedError> {
    if instance.user_named(&user.user_name).is_some() {
        return Err(SeedError::UserTwice(user.user_name.clone()));
    }
    let flag = |value: bool| value.to_string();
    let password = user
        .password
        .as_ref()
        .map(|secret| secret.expose_secret().to_owned())
        .unwrap_or_default();
    let changes: &[(&str, &str)] = &[
        ("sys_id", user.sys_id.as_deref().unwrap_or_default()),
        ("user_name", &user.user_name),
        ("first_name", &user.first_name),
        ("last_name", &user.last_name),
        ("email", &user.email),
        ("active", &flag(user.active)),
        ("locked_out", &flag(user.locked_out)),
        ("password_needs_reset", &flag(user.password_needs_reset)),
        (
            "web_service_access_only",
            &flag(user.web_service_access_only),
        ),
        ("user_password", &password),
    ];
    let sys_id = instance.store.insert(SYS_USER, changes, SYSTEM_ACTOR, now);
    for role in &user.roles {
        instance.grant_role(&sys_id, role, now);
    }
    Ok(())
}

fn add_client(
    instance: &mut Instance,
    client: &ClientSeed,
    now: VirtualInstant,
) -> Result<SeededClient, SeedError> {
    let user_sys_id = match &client.user {
        Some(name) => Some(
            instance
                .user_named(name)
                .ok_or_else(|| SeedError::UnknownUser {
                    client: client.name.clone(),
                    user: name.clone(),
                })?,
        ),
        None => None,
    };
    let client_id = client.client_id.clone().unwrap_or_else(random::client_id);
    if client_id.is_empty() {
        return Err(SeedError::EmptyClientId(client.name.clone()));
    }
    let secret = client
        .client_secret
        .as_ref()
        .map(|secret| secret.expose_secret().to_owned())
        .unwrap_or_else(random::secret);
    let lifespan = client.access_token_lifespan.unwrap_or(1800).to_string();
    let active = client.active.to_string();
    let mut changes: Vec<(&str, &str)> = vec![
        ("name", &client.name),
        ("client_id", &client_id),
        ("client_secret", &secret),
        ("user", user_sys_id.as_deref().unwrap_or_default()),
        ("default_grant_type", &client.default_grant_type),
        ("access_token_lifespan", &lifespan),
        ("active", &active),
    ];
    if let Some(status) = &client.scope_restriction_status {
        changes.push(("scope_restriction_status", status));
    }
    instance
        .store
        .insert(OAUTH_ENTITY, &changes, SYSTEM_ACTOR, now);
    Ok(SeededClient {
        name: client.name.clone(),
        client_id,
        client_secret: SecretString::from(secret),
        user: client.user.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::instance::GRANT_PROPERTY;
    use crate::mock::tables::schema::{SYS_SCOPE, SYS_UPDATE_SET, SYS_USER_PREFERENCE};
    use crate::mock::tables::update_sets::{
        CURRENT_APP_PREFERENCE, DEFAULT_UPDATE_SET, GLOBAL_SCOPE, UPDATE_SET_PREFERENCE,
    };

    fn password() -> SecretString {
        SecretString::from("admin-pw")
    }

    #[test]
    fn the_ready_seed_enables_the_grant_for_a_client_with_a_user() {
        let (instance, clients) = Seed::load("ready")
            .unwrap()
            .build(&password(), None)
            .unwrap();
        assert_eq!(instance.property(GRANT_PROPERTY), Some("true"));
        assert_eq!(instance.release(), Release::ga(DEFAULT_RELEASE));
        let [client] = clients.as_slice() else {
            panic!("one client expected");
        };
        let entity = instance
            .store
            .find(OAUTH_ENTITY, "client_id", &client.client_id)
            .unwrap();
        let user = instance
            .store
            .get(SYS_USER, entity.raw("user").unwrap())
            .unwrap();
        assert_eq!(Some(user.raw("user_name").unwrap().to_owned()), client.user);
    }

    #[test]
    fn every_seed_has_the_useraccount_scope_named_by_its_property() {
        let (instance, _) = Seed::load("untouched")
            .unwrap()
            .build(&password(), None)
            .unwrap();
        let sys_id = instance.property(USERACCOUNT_SCOPE_PROPERTY).unwrap();
        let scope = instance.store.get(SYS_AUTH_SCOPE, sys_id).unwrap();
        assert_eq!(scope.raw("name"), Some("useraccount"));
    }

    #[test]
    fn the_untouched_seed_has_demo_data_and_no_property() {
        let seed = Seed::load("untouched").unwrap();
        let vancouver = Release::ga(Family::Vancouver);
        let (instance, clients) = seed.build(&password(), Some(&vancouver)).unwrap();
        assert!(clients.is_empty());
        assert_eq!(instance.property(GRANT_PROPERTY), None);
        assert_eq!(instance.release(), vancouver);
        let admin = instance.user_named("admin").unwrap();
        assert_eq!(admin, ADMIN_SYS_ID);
        assert_eq!(instance.roles_of(&admin), ["admin"]);
        assert!(instance.store.count(SYS_USER) > 1);
        let incidents: Vec<_> = instance.store.all("incident").collect();
        assert!(incidents.len() >= 3);
        let network = incidents
            .iter()
            .find(|incident| incident.raw("category") == Some("network"))
            .unwrap();
        assert_eq!(network.raw("priority"), Some("1"));
        let caller = network.raw("caller_id").unwrap();
        let caller = instance.store.get(SYS_USER, caller).unwrap();
        assert_eq!(caller.raw("user_name"), Some("abel.tuter"));
    }

    #[test]
    fn every_seed_has_the_well_known_admin() {
        for name in ["ready", "untouched"] {
            let (instance, _) = Seed::load(name).unwrap().build(&password(), None).unwrap();
            let admin = instance.store.get(SYS_USER, ADMIN_SYS_ID).unwrap();
            assert_eq!(admin.raw("user_name"), Some("admin"));
            assert_eq!(admin.raw("email"), Some(ADMIN_EMAIL));
            assert!(
                instance
                    .store
                    .count(crate::mock::tables::schema::SYS_DICTIONARY)
                    > 100
            );
        }
    }

    #[test]
    fn a_seed_declares_tables_and_records_of_its_own() {
        let text = r#"
[[tables]]
name = "u_widget"
label = "Widget"
read = ["itil"]
columns = [
  { name = "u_name", type = "string" },
  { name = "u_size", type = "integer", default = "1", choices = [["1", "Small"], ["2", "Large"]] },
  { name = "u_owner", type = "reference", reference = "sys_user" },
]

[[records.u_widget]]
u_name = "sprocket"
u_size = 2
u_owner = "admin"
"#;
        let (instance, _) = Seed::parse(text).unwrap().build(&password(), None).unwrap();
        let widget = instance.store.all("u_widget").next().unwrap();
        assert_eq!(widget.raw("u_size"), Some("2"));
        assert_eq!(widget.raw("u_owner"), Some(ADMIN_SYS_ID));
        let table = instance.store.table("u_widget").unwrap();
        assert_eq!(table.access.read, ["itil"]);
        let defined = instance.store.find(
            crate::mock::tables::schema::SYS_DB_OBJECT,
            "name",
            "u_widget",
        );
        assert_eq!(defined.unwrap().raw("label"), Some("Widget"));
    }

    #[test]
    fn bad_seed_tables_and_records_name_their_line() {
        let table =
            "[[tables]]\nname = \"u_w\"\ncolumns = [{ name = \"u_n\", type = \"integer\" }]\n";
        let cases = [
            (
                "[[tables]]\nname = \"u_w\"\ncolumns = [\n  { name = \"u_a\", type = \"reference\", reference = \"u_gone\" },\n]".to_owned(),
                "line 4: u_w.u_a references table u_gone, which does not exist",
            ),
            (
                "[[tables]]\nname = \"u_w\"\ncolumns = [\n  { name = \"u_a\", type = \"string\" },\n  { name = \"u_a\", type = \"string\" },\n]".to_owned(),
                "line 5: column u_a of table u_w is declared twice",
            ),
            (
                "[[tables]]\nname = \"incident\"\n[tables.override]\nnumber = { choices = [] }".to_owned(),
                "line 4: incident.number is not a choice column",
            ),
            (format!("{table}[[records.u_w]]\nu_m = 1"), "line 5: table u_w has no column u_m"),
            (format!("{table}[[records.u_w]]\nu_n = \"many\""), "line 5: u_w.u_n: \"many\" is not a valid integer value"),
            ("[[records.u_nope]]\nx = 1".to_owned(), "line 1: records for table u_nope"),
            ("[[records.incident]]\ncaller_id = \"nobody\"".to_owned(), "line 2: incident.caller_id: no sys_user record"),
            ("[[tables]]\nname = \"u_w\"\ncolumns = [{ name = \"u_n\", type = \"text\" }]".to_owned(), "line 3: u_w.u_n: unknown type text"),
        ];
        for (text, expected) in cases {
            let error = Seed::parse(&text)
                .and_then(|seed| seed.build(&password(), None).map(|_| ()))
                .unwrap_err()
                .to_string();
            assert!(error.contains(expected), "{text}\n{error}");
        }
    }

    #[test]
    fn seed_mistakes_are_reported_not_ignored() {
        let cases = [
            ("relase = \"utah\"", "unknown field"),
            ("release = \"zurich-p\"", "optional patch level"),
            ("release = \"zurich-p999\"", "patch levels go from 0 to 99"),
            ("[[clients]]\nname = \"c\"\nuser = \"ghost\"", "not seeded"),
            (
                "[[users]]\nuser_name = \"x\"\n[[users]]\nuser_name = \"X\"",
                "seeded twice",
            ),
        ];
        for (text, expected) in cases {
            let error =
                Seed::parse(text).and_then(|seed| seed.build(&password(), None).map(|_| ()));
            let error = error.unwrap_err().to_string();
            assert!(error.contains(expected), "{text}: {error}");
        }
        assert!(
            Seed::load("/no/such/seed.toml")
                .unwrap_err()
                .to_string()
                .contains("built-in seeds: ready")
        );
    }

    #[test]
    fn a_new_instance_starts_with_its_kinds_settings_and_an_upgraded_one_with_its_own() {
        use crate::mock::auth::basic_restriction::{self, ENFORCE_PROPERTY, Mode};
        use provisioned::{DEFAULT_MODE_PROPERTY, INSTANCE_NAME_PROPERTY, POST_BODY_ONLY_PROPERTY};
        let build = |kind: Provisioned| {
            let seed = Seed::load("ready").unwrap().provisioned_as(kind);
            seed.build(&password(), None).unwrap().0
        };
        let (upgraded, new) = (build(Provisioned::Upgraded), build(Provisioned::New));
        assert_eq!(upgraded.provisioned(), Provisioned::Upgraded);
        assert_eq!(new.provisioned(), Provisioned::New);
        for instance in [&upgraded, &new] {
            assert_eq!(instance.property(POST_BODY_ONLY_PROPERTY), Some("true"));
            assert_eq!(instance.property(INSTANCE_NAME_PROPERTY), Some("sncc-mock"));
            assert_eq!(instance.roles_of(ADMIN_SYS_ID), ["admin"]);
            let default = instance
                .store
                .find(SYS_UPDATE_SET, "name", DEFAULT_UPDATE_SET);
            assert_eq!(default.unwrap().raw("application"), Some(GLOBAL_SCOPE));
            let global = instance.store.get(SYS_SCOPE, GLOBAL_SCOPE).unwrap();
            assert_eq!(global.raw("name"), Some("Global"));
        }
        assert_eq!(upgraded.property(DEFAULT_MODE_PROPERTY), Some("allow"));
        assert_eq!(new.property(DEFAULT_MODE_PROPERTY), Some("deny"));
        assert_eq!(upgraded.property(ENFORCE_PROPERTY), None);
        assert_eq!(basic_restriction::mode(&upgraded), Mode::Tracking);
        assert_eq!(new.property(ENFORCE_PROPERTY), Some("true"));
        assert_eq!(basic_restriction::mode(&new), Mode::Enforcing);
        let mode = new.store.find(
            crate::mock::tables::schema::SYS_PROPERTIES,
            "name",
            DEFAULT_MODE_PROPERTY,
        );
        assert_eq!(mode.unwrap().raw("write_roles"), Some("security_admin"));
        let entity = new.store.all(OAUTH_ENTITY).next().unwrap();
        assert_eq!(
            entity.raw("scope_restriction_status"),
            Some("unrestricted"),
            "the seed says so"
        );
    }

    #[test]
    fn a_new_instances_entities_are_restricted_from_zurich_and_follow_the_release() {
        let text = "provisioned = \"new\"\nrelease = \"yokohama\"\n[[clients]]\nname = \"c\"";
        let (mut instance, _) = Seed::parse(text).unwrap().build(&password(), None).unwrap();
        let status = |instance: &Instance| {
            let entity = instance.store.all(OAUTH_ENTITY).last().unwrap();
            entity.raw("scope_restriction_status").unwrap().to_owned()
        };
        assert_eq!(status(&instance), "unrestricted");
        instance.set_release(&Release::ga(Family::Zurich), 0);
        instance
            .store
            .insert(OAUTH_ENTITY, &[("name", "d")], "admin", 0);
        assert_eq!(status(&instance), "restricted");
        let dictionary = instance
            .store
            .all(crate::mock::tables::schema::SYS_DICTIONARY)
            .find(|row| {
                row.raw("name") == Some(OAUTH_ENTITY)
                    && row.raw("element") == Some("scope_restriction_status")
            });
        assert_eq!(dictionary.unwrap().raw("default_value"), Some("restricted"));
        let (upgraded, _) = Seed::parse("release = \"zurich\"\n[[clients]]\nname = \"c\"")
            .unwrap()
            .build(&password(), None)
            .unwrap();
        assert_eq!(status(&upgraded), "unrestricted");
    }

    #[test]
    fn an_admin_entry_amends_the_seeded_admin_and_seeds_give_update_sets_and_preferences() {
        let text = r#"
[[users]]
user_name = "admin"
roles = ["snc_basic_auth_api_access", "admin"]
password_needs_reset = true

[[records.sys_scope]]
scope = "x_acme_app"
name = "Acme"

[[update_sets]]
name = "Feature work"
application = "x_acme_app"

[[preferences]]
user = "admin"
name = "sys_update_set"
value = "Feature work"

[[preferences]]
user = "admin"
name = "apps.current_app"
value = "Acme"

[[preferences]]
user = "admin"
name = "rowcount"
value = "50"
"#;
        let (instance, _) = Seed::parse(text).unwrap().build(&password(), None).unwrap();
        assert_eq!(
            instance.roles_of(ADMIN_SYS_ID),
            ["admin", "snc_basic_auth_api_access"]
        );
        let admin = instance.store.get(SYS_USER, ADMIN_SYS_ID).unwrap();
        assert!(admin.is_true("password_needs_reset"));
        assert_eq!(admin.raw("first_name"), Some("System"), "kept");
        let set = instance
            .store
            .find(SYS_UPDATE_SET, "name", "Feature work")
            .unwrap();
        let app = instance
            .store
            .find(SYS_SCOPE, "scope", "x_acme_app")
            .unwrap();
        assert_eq!(set.raw("application"), Some(app.sys_id()));
        assert_eq!(set.raw("state"), Some("in progress"));
        let preference = |name: &str| {
            let row = instance
                .store
                .find(SYS_USER_PREFERENCE, "name", name)
                .unwrap();
            assert_eq!(row.raw("user"), Some(ADMIN_SYS_ID));
            row.raw("value").unwrap().to_owned()
        };
        assert_eq!(preference(UPDATE_SET_PREFERENCE), set.sys_id());
        assert_eq!(preference(CURRENT_APP_PREFERENCE), app.sys_id());
        assert_eq!(preference("rowcount"), "50");
    }

    #[test]
    fn an_admin_entry_keeps_the_instances_password_and_preferences_name_what_exists() {
        let cases = [
            (
                "[[users]]\nuser_name = \"admin\"\npassword = \"x\"",
                "keeps its password",
            ),
            (
                "[[users]]\nuser_name = \"Admin\"\nsys_id = \"0123456789abcdef0123456789abcdef\"",
                "keeps its sys_id",
            ),
            (
                "[[preferences]]\nuser = \"ghost\"\nname = \"a\"\nvalue = \"b\"",
                "names user ghost",
            ),
            (
                "[[preferences]]\nuser = \"admin\"\nname = \"sys_update_set\"\nvalue = \"Nope\"",
                "names update set Nope",
            ),
            (
                "[[preferences]]\nuser = \"admin\"\nname = \"apps.current_app\"\nvalue = \"x_no\"",
                "names application x_no",
            ),
            (
                "[[update_sets]]\nname = \"s\"\napplication = \"x_no\"",
                "update set s names application x_no",
            ),
            ("provisioned = \"zboot\"", "unknown variant"),
        ];
        for (text, expected) in cases {
            let error = Seed::parse(text)
                .and_then(|seed| seed.build(&password(), None).map(|_| ()))
                .unwrap_err()
                .to_string();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn seeded_secrets_do_not_show_in_debug() {
        let text = "[[clients]]\nname = \"c\"\nclient_secret = \"hunter2\"\n[[records.sys_user]]\nuser_password = \"hunter2\"";
        let seed = Seed::parse(text).unwrap();
        assert!(!format!("{seed:?}").contains("hunter2"));
        let (_, clients) = seed.build(&password(), None).unwrap();
        assert!(!format!("{clients:?}").contains("hunter2"));
    }
}

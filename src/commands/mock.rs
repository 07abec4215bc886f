//! `sncc mock`: the bundled instance served until Ctrl-C or SIGTERM, with what a client needs printed.

use std::net::SocketAddr;
use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};
use sncc::mock::{Break, Instance, MockOptions, MockServer, SeededClient, TlsIdentity};
use sncc::servicenow::{Gate, Release};
use sncc::support::signals;

use super::CommandError;

/// `sncc mock`, validated.
pub(crate) struct MockConfig {
    pub listen: SocketAddr,
    pub tls: Option<TlsIdentity>,
    pub seed_name: String,
    pub instance: Instance,
    pub clients: Vec<SeededClient>,
    pub admin_password: SecretString,
    /// Deliberate breaks (`--mock-break`, hidden): said on the banner, so nobody takes them for ServiceNow.
    pub breaks: Vec<Break>,
}

pub(crate) async fn run(config: MockConfig) -> Result<(), CommandError> {
    let ca_pem = config.tls.as_ref().map(|identity| identity.ca_pem.clone());
    let release = config.instance.release();
    let provisioned = config.instance.provisioned();
    let options = MockOptions {
        listen: config.listen,
        tls: config.tls,
        instance: config.instance,
    };
    let server = MockServer::start(options).await.map_err(|error| {
        CommandError::Config(format!("cannot listen on {}: {error}", config.listen))
    })?;
    let ca_path = ca_pem
        .map(|pem| write_ca(&pem, server.local_addr().port()))
        .transpose()
        .map_err(|error| {
            CommandError::Config(format!("cannot write the CA certificate: {error}"))
        })?;

    let url = server.base_url();
    println!(
        "sncc mock instance ({release} release, {provisioned} instance, seed {}) at {url}",
        config.seed_name
    );
    if let Some(path) = &ca_path {
        println!("  CA certificate  {}", path.display());
        for (how, clients) in trust_lines(&path.display().to_string()) {
            println!("                  {how:<48} {clients}");
        }
    }
    println!(
        "  admin           user admin, password {}",
        config.admin_password.expose_secret()
    );
    for client in &config.clients {
        let user = client
            .user
            .as_deref()
            .unwrap_or("(no OAuth Application User)");
        println!(
            "  client {:<8} client_id {}  client_secret {}  acts as {user}",
            client.name,
            client.client_id,
            client.client_secret.expose_secret()
        );
    }
    println!("  JWT tokens      {}", jwt_tokens(&release, url));
    println!("  control plane   {url}/__mock/");
    for broken in &config.breaks {
        println!(
            "  deliberately wrong: {broken} (breaks {})",
            broken.ids().join(", ")
        );
    }
    println!("Ctrl-C stops it.");

    signals::stop_requested().await;
    server.stop().await;
    if let Some(path) = ca_path {
        let _ = std::fs::remove_dir_all(path.parent().unwrap_or(&path));
    }
    println!("sncc mock instance stopped.");
    Ok(())
}

/// How each kind of client is told to trust the mock's CA at `path`: the variable or option, and who reads it.
fn trust_lines(path: &str) -> [(String, &'static str); 4] {
    [
        (format!("curl --cacert {path}"), "curl"),
        (
            format!("REQUESTS_CA_BUNDLE={path}"),
            "requests, PySNC (its token request ignores verify)",
        ),
        (
            format!("SSL_CERT_FILE={path}"),
            "httpx, Ansible, OpenSSL-based tools",
        ),
        (format!("NODE_EXTRA_CA_CERTS={path}"), "Node"),
    ]
}

/// Whether `oauth_entity.token_format=jwt` gives JWT access tokens on the mock's release (catalogue §9).
fn jwt_tokens(release: &Release, url: &str) -> String {
    let gate = Gate::JwtAccessTokens;
    if release.has(gate) {
        format!("available: oauth_entity.token_format=jwt; keys at {url}/api/now/oauth/jwks")
    } else {
        format!(
            "not on this release (from {}): token_format is ignored",
            gate.arrived_in()
        )
    }
}

/// Writes the CA certificate where `curl --cacert` and `REQUESTS_CA_BUNDLE` can read it.
fn write_ca(pem: &str, port: u16) -> std::io::Result<PathBuf> {
    let folder = std::env::temp_dir().join(format!("sncc-mock-{port}"));
    std::fs::create_dir_all(&folder)?;
    let path = folder.join("ca.pem");
    std::fs::write(&path, pem)?;
    Ok(path)
}

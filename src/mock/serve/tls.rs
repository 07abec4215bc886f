//! TLS for the mock: a throwaway certificate authority and server certificate (rcgen), served with rustls and ring.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rustls::ServerConfig;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// The names the server certificate is valid for.
pub(crate) const SERVER_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// A server configuration and the PEM of the authority that signed its certificate.
#[derive(Clone)]
pub struct TlsIdentity {
    pub(crate) server_config: Arc<ServerConfig>,
    /// Trust this to reach the mock: `curl --cacert`, `REQUESTS_CA_BUNDLE`, `--ca-cert`.
    pub ca_pem: String,
}

/// Why a TLS identity cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A step of making the certificates (`CA key`, `server certificate`…) failed.
    #[error("{step}: {source}")]
    Certificate {
        step: &'static str,
        source: rcgen::Error,
    },
    #[error("TLS versions: {0}")]
    Versions(rustls::Error),
    #[error("TLS certificate: {0}")]
    ServerCertificate(rustls::Error),
}

fn error(step: &'static str) -> impl Fn(rcgen::Error) -> TlsError {
    move |source| TlsError::Certificate { step, source }
}

/// Generates a fresh authority and a server certificate for [`SERVER_NAMES`], signed by it.
pub fn generate() -> Result<TlsIdentity, TlsError> {
    let mut ca_params =
        CertificateParams::new(Vec::<String>::new()).map_err(error("CA parameters"))?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "sncc mock instance CA");
    let ca_key = KeyPair::generate().map_err(error("CA key"))?;
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).map_err(error("CA certificate"))?;

    let names: Vec<String> = SERVER_NAMES.iter().map(|name| (*name).to_owned()).collect();
    let mut server_params = CertificateParams::new(names).map_err(error("server parameters"))?;
    server_params
        .distinguished_name
        .push(DnType::CommonName, "sncc mock instance");
    let server_key = KeyPair::generate().map_err(error("server key"))?;
    let server_cert = server_params
        .signed_by(&server_key, &ca)
        .map_err(error("server certificate"))?;

    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let mut config = ServerConfig::builder_with_provider(crate::support::crypto::provider())
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Versions)?
        .with_no_client_auth()
        .with_single_cert(vec![server_cert.der().clone(), ca.der().clone()], key)
        .map_err(TlsError::ServerCertificate)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsIdentity {
        server_config: Arc::new(config),
        ca_pem: ca.pem(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_a_pem_authority_and_a_server_config() {
        let identity = generate().unwrap();
        assert!(identity.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert_eq!(
            identity.server_config.alpn_protocols,
            [b"http/1.1".to_vec()]
        );
        assert_ne!(
            generate().unwrap().ca_pem,
            identity.ca_pem,
            "fresh every time"
        );
    }
}

//! The one TLS crypto provider sncc uses (ring, pure Rust), for the client and the mock alike.

use std::sync::Arc;

use rustls::crypto::CryptoProvider;

/// The one crypto provider sncc uses, pure Rust.
pub(crate) fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Makes ring the process-wide provider, for clients built without one (reqwest's `rustls-no-provider`).
pub fn install_default_crypto_provider() {
    // Installing twice is refused and harmless: whoever came first installed this same provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

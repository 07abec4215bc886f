//! The mock's RSA keys for JWT access tokens (catalogue §9): two 2048-bit test keys made ahead of time and
//! built into the binary (`fixtures/keys`), so no mock waits for a key to be found (making one took 60 to
//! 270 ms, most of the suite's wall time on the mock). Every mock signs with the same published key: they
//! are test keys, public in the repository; a mock's token proves nothing anywhere else.
//!
//! ring reads and signs with them (RSASSA-PKCS1-v1_5 with SHA-256, RS256).

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair, RsaPublicKeyComponents};
use serde_json::{Value, json};

/// The key the JWKS publishes, PKCS#8 DER.
const PUBLISHED_PKCS8: &[u8] = include_bytes!("../../../fixtures/keys/mock_jwt_published.pk8");
/// A key no JWKS lists (only [`crate::mock::Break::JwtUnpublishedKey`] signs with it), PKCS#8 DER.
const UNPUBLISHED_PKCS8: &[u8] = include_bytes!("../../../fixtures/keys/mock_jwt_unpublished.pk8");

/// Which key signs a JWT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyChoice {
    /// The key the JWKS publishes (catalogue J1).
    Published,
    /// Another key, under the published key's `kid` (the J1 break).
    Unpublished,
}

/// An RSA key pair as ring signs with it, and its public half as a JWK.
pub(crate) struct SigningKey {
    key_pair: RsaKeyPair,
    /// The RFC 7638 thumbprint of the public key.
    kid: String,
    /// The modulus and public exponent, big-endian, base64url.
    n: String,
    e: String,
}

impl SigningKey {
    fn read(pkcs8: &[u8]) -> SigningKey {
        // Both keys are built in; the test below reads each.
        let key_pair = RsaKeyPair::from_pkcs8(pkcs8).expect("a built-in key is RSA in PKCS#8 DER");
        let public = RsaPublicKeyComponents::<Vec<u8>>::from(key_pair.public());
        let n = URL_SAFE_NO_PAD.encode(public.n);
        let e = URL_SAFE_NO_PAD.encode(public.e);
        let kid = thumbprint(&n, &e);
        SigningKey {
            key_pair,
            kid,
            n,
            e,
        }
    }

    pub(crate) fn kid(&self) -> &str {
        &self.kid
    }

    /// The RS256 signature of `message`.
    pub(crate) fn sign(&self, message: &[u8]) -> Vec<u8> {
        let mut signature = vec![0; self.key_pair.public().modulus_len()];
        self.key_pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .expect("the operating system's random source failed");
        signature
    }

    /// The public key as a JWK (RFC 7517), as the JWKS lists it.
    pub(crate) fn jwk(&self) -> Value {
        json!({
            "kty": "RSA",
            "kid": self.kid,
            "use": "sig",
            "alg": "RS256",
            "n": self.n,
            "e": self.e,
        })
    }
}

/// RFC 7638: the SHA-256 of the JWK's required members in lexicographic order, base64url.
fn thumbprint(n: &str, e: &str) -> String {
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    let digest = ring::digest::digest(&ring::digest::SHA256, canonical.as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// The key `choice` names (read from the binary the first time).
pub(crate) fn key(choice: KeyChoice) -> &'static SigningKey {
    static PUBLISHED: OnceLock<SigningKey> = OnceLock::new();
    static UNPUBLISHED: OnceLock<SigningKey> = OnceLock::new();
    match choice {
        KeyChoice::Published => PUBLISHED.get_or_init(|| SigningKey::read(PUBLISHED_PKCS8)),
        KeyChoice::Unpublished => UNPUBLISHED.get_or_init(|| SigningKey::read(UNPUBLISHED_PKCS8)),
    }
}

#[cfg(test)]
mod tests {
    use ring::signature::RSA_PKCS1_2048_8192_SHA256;

    use super::*;

    #[test]
    fn a_signature_verifies_with_the_published_jwk_and_not_with_another_key() {
        let published = key(KeyChoice::Published);
        let jwk = published.jwk();
        let component = |name: &str| URL_SAFE_NO_PAD.decode(jwk[name].as_str().unwrap()).unwrap();
        let public = RsaPublicKeyComponents {
            n: component("n"),
            e: component("e"),
        };
        assert_eq!(public.n.len() * 8, 2048);
        assert_eq!(public.e, [1, 0, 1]);
        assert_eq!(
            (
                jwk["kty"].as_str(),
                jwk["alg"].as_str(),
                jwk["use"].as_str()
            ),
            (Some("RSA"), Some("RS256"), Some("sig"))
        );
        assert_eq!(jwk["kid"].as_str(), Some(published.kid()));
        let signature = published.sign(b"header.claims");
        let verify = |message: &[u8], signature: &[u8]| {
            public.verify(&RSA_PKCS1_2048_8192_SHA256, message, signature)
        };
        assert!(verify(b"header.claims", &signature).is_ok());
        assert!(verify(b"header.claimz", &signature).is_err());
        let other = key(KeyChoice::Unpublished).sign(b"header.claims");
        assert!(verify(b"header.claims", &other).is_err());
    }

    #[test]
    fn the_kid_is_the_rfc_7638_thumbprint() {
        // RFC 7638 §3.1's example key and thumbprint.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        assert_eq!(
            thumbprint(n, "AQAB"),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }
}

//! A JWT access token as the suite reads it (catalogue §9): a compact JWS's header and claims, and its signature
//! checked against the key a JWKS publishes under its `kid`.
//!
//! The suite verifies what an instance may plausibly sign with (RSA PKCS#1 v1.5 and PSS, ECDSA P-256 and
//! P-384, as RFC 7518 names them), with ring; which one ServiceNow uses is recorded, never assumed.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey, VerificationAlgorithm};
use serde_json::{Map, Value};

/// Why a token is not a verified JWS.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(super) enum JwsError {
    #[error(
        "the access token is not a compact JWS (three base64url parts, a JSON header and JSON claims)"
    )]
    NotCompact,
    #[error("the JWT header names no kid")]
    NoKid,
    #[error("the JWT header names no alg")]
    NoAlg,
    #[error("the JWKS is not a JSON object with a keys array")]
    NotAKeySet,
    #[error("the JWKS publishes no key with the JWT's kid {0}")]
    UnknownKid(String),
    #[error(
        "the JWT's alg {0} is not one the suite verifies (RS256/384/512, PS256/384/512, ES256/384)"
    )]
    UnsupportedAlg(String),
    #[error("the JWKS key {kid} is not a usable key for {alg}")]
    UnusableKey { kid: String, alg: String },
    #[error("the JWT's signature does not verify with the JWKS key {0}")]
    BadSignature(String),
}

/// A parsed compact JWS. Not `Debug` beyond its header and claims: with its signature it is the token.
pub(super) struct Jws {
    header: Map<String, Value>,
    claims: Map<String, Value>,
    /// `<header>.<claims>` as sent: what the signature covers.
    signing_input: String,
    signature: Vec<u8>,
}

impl fmt::Debug for Jws {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jws")
            .field("header", &self.header)
            .field("claims", &self.claims)
            .finish_non_exhaustive()
    }
}

impl Jws {
    /// Reads a compact JWS whose header and payload are JSON objects (a JWT); anything else, an opaque
    /// token included, is [`JwsError::NotCompact`].
    pub(super) fn parse(token: &str) -> Result<Jws, JwsError> {
        let mut parts = token.split('.');
        let (Some(header), Some(claims), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwsError::NotCompact);
        };
        let object = |part: &str| {
            let bytes = URL_SAFE_NO_PAD.decode(part).ok()?;
            match serde_json::from_slice(&bytes).ok()? {
                Value::Object(members) => Some(members),
                _ => None,
            }
        };
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| JwsError::NotCompact)?;
        Ok(Jws {
            header: object(header).ok_or(JwsError::NotCompact)?,
            claims: object(claims).ok_or(JwsError::NotCompact)?,
            signing_input: format!("{header}.{claims}"),
            signature,
        })
    }

    pub(super) fn header(&self) -> &Map<String, Value> {
        &self.header
    }

    pub(super) fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// A header member as text (`alg`, `kid`, `typ`).
    pub(super) fn header_text(&self, name: &str) -> Option<&str> {
        self.header.get(name).and_then(Value::as_str)
    }

    /// Checks the signature with the key `key_set` (a JWKS, RFC 7517 §5) lists under the header's `kid`.
    pub(super) fn verify(&self, key_set: &Value) -> Result<(), JwsError> {
        let kid = self.header_text("kid").ok_or(JwsError::NoKid)?;
        let alg = self.header_text("alg").ok_or(JwsError::NoAlg)?;
        let keys = key_set["keys"].as_array().ok_or(JwsError::NotAKeySet)?;
        let key = keys
            .iter()
            .find(|key| key["kid"].as_str() == Some(kid))
            .ok_or_else(|| JwsError::UnknownKid(kid.to_owned()))?;
        let unusable = || JwsError::UnusableKey {
            kid: kid.to_owned(),
            alg: alg.to_owned(),
        };
        // RFC 7517 §4.2, §4.4: a key published for another algorithm, or not for signatures, verifies nothing.
        let stated =
            |member: &str, wanted: &str| key[member].as_str().is_none_or(|value| value == wanted);
        if !stated("alg", alg) || !stated("use", "sig") {
            return Err(unusable());
        }
        let member = |name: &str| -> Result<Vec<u8>, JwsError> {
            let text = key[name].as_str().ok_or_else(unusable)?;
            URL_SAFE_NO_PAD.decode(text).map_err(|_| unusable())
        };
        let (message, signature) = (self.signing_input.as_bytes(), &self.signature[..]);
        let verified = match algorithm(alg)? {
            Algorithm::Rsa(parameters) if key["kty"] == "RSA" => {
                let public = RsaPublicKeyComponents {
                    n: member("n")?,
                    e: member("e")?,
                };
                public.verify(parameters, message, signature)
            }
            Algorithm::Ecdsa(algorithm, curve) if key["kty"] == "EC" && key["crv"] == curve => {
                // SEC 1 uncompressed point: 0x04, x, y.
                let point = [vec![4], member("x")?, member("y")?].concat();
                UnparsedPublicKey::new(algorithm, point).verify(message, signature)
            }
            _ => return Err(unusable()),
        };
        verified.map_err(|_| JwsError::BadSignature(kid.to_owned()))
    }
}

/// How an RFC 7518 `alg` is verified.
enum Algorithm {
    Rsa(&'static signature::RsaParameters),
    /// The algorithm and the JWK `crv` its key must have.
    Ecdsa(&'static dyn VerificationAlgorithm, &'static str),
}

fn algorithm(alg: &str) -> Result<Algorithm, JwsError> {
    Ok(match alg {
        "RS256" => Algorithm::Rsa(&signature::RSA_PKCS1_2048_8192_SHA256),
        "RS384" => Algorithm::Rsa(&signature::RSA_PKCS1_2048_8192_SHA384),
        "RS512" => Algorithm::Rsa(&signature::RSA_PKCS1_2048_8192_SHA512),
        "PS256" => Algorithm::Rsa(&signature::RSA_PSS_2048_8192_SHA256),
        "PS384" => Algorithm::Rsa(&signature::RSA_PSS_2048_8192_SHA384),
        "PS512" => Algorithm::Rsa(&signature::RSA_PSS_2048_8192_SHA512),
        "ES256" => Algorithm::Ecdsa(&signature::ECDSA_P256_SHA256_FIXED, "P-256"),
        "ES384" => Algorithm::Ecdsa(&signature::ECDSA_P384_SHA384_FIXED, "P-384"),
        other => return Err(JwsError::UnsupportedAlg(other.to_owned())),
    })
}

#[cfg(test)]
mod tests {
    use ring::rand::SystemRandom;
    use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
    use serde_json::json;

    use super::*;

    fn part(value: &Value) -> String {
        URL_SAFE_NO_PAD.encode(value.to_string())
    }

    /// An ES256 JWT and the JWKS of its key (ring makes EC keys quickly; RSA is covered by the mock's tests
    /// through `sncc run`).
    fn es256(kid: &str) -> (String, Value) {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .unwrap();
        let header = json!({"alg": "ES256", "kid": kid});
        let input = format!("{}.{}", part(&header), part(&json!({"sub": "svc.cc"})));
        let signature = pair.sign(&rng, input.as_bytes()).unwrap();
        let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()));
        let point = pair.public_key().as_ref();
        let jwk = json!({
            "kty": "EC", "crv": "P-256", "kid": kid,
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
            "y": URL_SAFE_NO_PAD.encode(&point[33..]),
        });
        (token, json!({ "keys": [jwk] }))
    }

    #[test]
    fn a_jwt_reads_its_header_and_claims_and_verifies_with_the_key_of_its_kid() {
        let (token, key_set) = es256("k1");
        let jws = Jws::parse(&token).unwrap();
        assert_eq!(jws.header_text("alg"), Some("ES256"));
        assert_eq!(jws.claims()["sub"], "svc.cc");
        assert_eq!(jws.verify(&key_set), Ok(()));
        let shown = format!("{jws:?}");
        assert!(
            !shown.contains(token.rsplit('.').next().unwrap()),
            "{shown}"
        );
    }

    #[test]
    fn another_key_an_unknown_kid_or_a_changed_payload_fail() {
        let (token, key_set) = es256("k1");
        let (_, other_keys) = es256("k1");
        let jws = Jws::parse(&token).unwrap();
        assert_eq!(
            jws.verify(&other_keys),
            Err(JwsError::BadSignature("k1".into()))
        );
        let (_, elsewhere) = es256("k2");
        assert_eq!(
            jws.verify(&elsewhere),
            Err(JwsError::UnknownKid("k1".into()))
        );
        assert_eq!(jws.verify(&json!({"keys": 1})), Err(JwsError::NotAKeySet));
        let (header, rest) = token.split_once('.').unwrap();
        let (_, signature) = rest.split_once('.').unwrap();
        let forged = format!("{header}.{}.{signature}", part(&json!({"sub": "admin"})));
        assert_eq!(
            Jws::parse(&forged).unwrap().verify(&key_set),
            Err(JwsError::BadSignature("k1".into()))
        );
    }

    #[test]
    fn a_key_published_for_another_algorithm_or_use_verifies_nothing() {
        let (token, key_set) = es256("k1");
        let jws = Jws::parse(&token).unwrap();
        let unusable = Err(JwsError::UnusableKey {
            kid: "k1".into(),
            alg: "ES256".into(),
        });
        for (member, value) in [("alg", "ES384"), ("use", "enc")] {
            let mut published = key_set.clone();
            published["keys"][0][member] = json!(value);
            assert_eq!(jws.verify(&published), unusable, "{member}");
        }
        let mut stated = key_set.clone();
        stated["keys"][0]["alg"] = json!("ES256");
        stated["keys"][0]["use"] = json!("sig");
        assert_eq!(jws.verify(&stated), Ok(()));
    }

    #[test]
    fn opaque_tokens_and_odd_headers_are_not_verified_jwts() {
        for opaque in ["", "abc", "a.b", "a.b.c.d", &"x".repeat(86)] {
            assert_eq!(
                Jws::parse(opaque).unwrap_err(),
                JwsError::NotCompact,
                "{opaque}"
            );
        }
        let unsigned = format!(
            "{}.{}.",
            part(&json!({"alg": "none", "kid": "k"})),
            part(&json!({}))
        );
        let jws = Jws::parse(&unsigned).unwrap();
        assert_eq!(
            jws.verify(&json!({"keys": [{"kid": "k", "kty": "RSA"}]})),
            Err(JwsError::UnsupportedAlg("none".into()))
        );
        let no_kid = format!("{}.{}.", part(&json!({"alg": "RS256"})), part(&json!({})));
        assert_eq!(
            Jws::parse(&no_kid).unwrap().verify(&json!({"keys": []})),
            Err(JwsError::NoKid)
        );
        let (token, mut key_set) = es256("k1");
        key_set["keys"][0]["kty"] = json!("RSA");
        assert!(matches!(
            Jws::parse(&token).unwrap().verify(&key_set),
            Err(JwsError::UnusableKey { .. })
        ));
    }
}

//! Unpredictable values from the operating system's CSPRNG: tokens, sys_ids, client ids and secrets.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    bytes
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// An access token as captured: 64 random bytes, base64url without padding (86 characters).
pub fn access_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<64>())
}

/// A record id: 32 lowercase hex digits, like every sys_id.
pub fn sys_id() -> String {
    hex(&random_bytes::<16>())
}

/// An OAuth client id: 32 lowercase hex digits.
pub fn client_id() -> String {
    sys_id()
}

/// A generated client secret or password: 24 URL-safe characters (144 bits).
pub fn secret() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<18>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_the_captured_shape_and_differ() {
        let (first, second) = (access_token(), access_token());
        assert_eq!(first.len(), 86);
        assert!(
            first
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_ne!(first, second);
    }

    #[test]
    fn sys_ids_are_32_hex_digits() {
        let id = sys_id();
        assert_eq!(id.len(), 32);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_eq!(secret().len(), 24);
    }
}

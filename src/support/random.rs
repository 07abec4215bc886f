//! Unpredictable values from the operating system's CSPRNG: tokens, sys_ids, client ids and secrets.

use std::cell::RefCell;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// How many bytes of OS randomness each thread fetches at once: one system call per ~50 tokens.
const POOL_BYTES: usize = 4096;

/// Bytes fetched from the OS and not yet handed out; each byte is handed out once.
struct Pool {
    bytes: [u8; POOL_BYTES],
    next: usize,
}

impl Pool {
    fn take(&mut self, out: &mut [u8]) {
        if POOL_BYTES - self.next < out.len() {
            getrandom::fill(&mut self.bytes).expect("the operating system's random source failed");
            self.next = 0;
        }
        let taken = &mut self.bytes[self.next..self.next + out.len()];
        out.copy_from_slice(taken);
        taken.fill(0);
        self.next += out.len();
    }
}

thread_local! {
    static POOL: RefCell<Pool> = const {
        RefCell::new(Pool { bytes: [0; POOL_BYTES], next: POOL_BYTES })
    };
}

fn random_bytes<const N: usize>() -> [u8; N] {
    const { assert!(N <= POOL_BYTES) };
    let mut bytes = [0u8; N];
    POOL.with_borrow_mut(|pool| pool.take(&mut bytes));
    bytes
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(DIGITS[usize::from(byte >> 4)] as char);
        text.push(DIGITS[usize::from(byte & 0x0f)] as char);
    }
    text
}

/// An access token as captured: 64 random bytes, base64url without padding (86 characters).
pub(crate) fn access_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<64>())
}

/// A record id: 32 lowercase hex digits, like every sys_id.
pub(crate) fn sys_id() -> String {
    hex(&random_bytes::<16>())
}

/// An OAuth client id: 32 lowercase hex digits.
pub(crate) fn client_id() -> String {
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
    fn values_stay_distinct_across_pool_refills() {
        let tokens: std::collections::HashSet<_> = (0..500).map(|_| access_token()).collect();
        assert_eq!(tokens.len(), 500, "64 × 500 bytes spans several pools");
    }

    #[test]
    fn hex_writes_two_lowercase_digits_per_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
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

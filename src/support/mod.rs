//! What every part leans on and none owns: the one TLS crypto provider (`crypto`), the operating system's
//! randomness (`random`), redaction of secrets from whatever sncc shows or keeps (`redact`), waiting for
//! the user to stop sncc (`signals`), and requests that go out a few at a time (`at_once`).

pub(crate) mod at_once;
pub mod crypto;
pub mod random;
pub(crate) mod redact;
pub mod signals;

//! What every part leans on and none owns: the one TLS crypto provider (`crypto`), the operating system's
//! randomness (`random`), redaction of secrets from whatever sncc shows or keeps (`redact`), and waiting for
//! the user to stop sncc (`signals`).

pub mod crypto;
pub mod random;
pub(crate) mod redact;
pub mod signals;

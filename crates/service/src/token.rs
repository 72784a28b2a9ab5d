//! Sign-in tokens: 160 random bits shown once, stored only as a digest.

use rand::rand_core::TryRngCore;
use sha2::{Digest, Sha256};

/// A fresh token: 40 lower-case hex characters from the OS generator.
pub fn generate() -> Result<String, String> {
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| format!("OS random generator failed: {e}"))?;
    Ok(hex::encode(bytes))
}

/// The SHA-256 digest (hex) under which a token is stored and looked up;
/// the lookup is by this digest, so no stored secret is ever compared.
pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_forty_hex_and_distinct() {
        let a = super::generate().unwrap();
        assert_eq!(a.len(), 40);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, super::generate().unwrap());
        assert_eq!(super::digest("x").len(), 64);
        assert_ne!(super::digest(&a), a);
    }
}

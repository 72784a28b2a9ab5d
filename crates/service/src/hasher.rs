//! Password hashes: Django's `BCryptSHA256PasswordHasher`. bcrypt reads only
//! the first 72 bytes of its input, so two long passwords sharing those
//! bytes would both sign in; the password is therefore reduced to the hex
//! SHA-256 of its bytes (64 characters) before bcrypt. Hashes made that way
//! are stored as `bcrypt_sha256$<bcrypt hash>`; plain bcrypt hashes from
//! before are still accepted, and replaced at the next successful sign-in.

use sha2::{Digest, Sha256};

use crate::error::{ServiceError, ServiceResult};

/// Marks hashes of the pre-hashed password (Django's algorithm name).
pub const PREFIX: &str = "bcrypt_sha256$";

fn prehash(password: &str) -> String {
    hex::encode(Sha256::digest(password.as_bytes()))
}

/// A new hash of `password` at `cost` (slow: call it off the async workers).
pub fn hash(password: &str, cost: u32) -> ServiceResult<String> {
    bcrypt::hash(prehash(password), cost)
        .map(|h| format!("{PREFIX}{h}"))
        .map_err(|e| ServiceError::Internal(format!("bcrypt failed: {e}")))
}

/// Whether `password` matches `stored`, and whether `stored` is a plain
/// bcrypt hash that should be replaced by [`hash`] now that the password is
/// known (slow: call it off the async workers).
pub fn verify(password: &str, stored: &str) -> (bool, bool) {
    match stored.strip_prefix(PREFIX) {
        Some(inner) => (
            bcrypt::verify(prehash(password), inner).unwrap_or(false),
            false,
        ),
        None => {
            let matches = bcrypt::verify(password, stored).unwrap_or(false);
            (matches, matches)
        }
    }
}

/// The bcrypt cost a hash was made with.
pub fn cost(stored: &str) -> Option<u32> {
    let inner = stored.strip_prefix(PREFIX).unwrap_or(stored);
    inner.split('$').nth(2)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_passwords_differ_past_72_bytes() {
        let long = "x".repeat(72);
        let stored = hash(&format!("{long}-one"), 4).unwrap();
        assert!(stored.starts_with(PREFIX));
        assert_eq!(verify(&format!("{long}-one"), &stored), (true, false));
        assert_eq!(verify(&format!("{long}-two"), &stored), (false, false));
        assert_eq!(cost(&stored), Some(4));
    }

    #[test]
    fn plain_bcrypt_hashes_are_accepted_and_flagged_for_upgrade() {
        let legacy = bcrypt::hash("Correct-horse-9", 4).unwrap();
        assert_eq!(verify("Correct-horse-9", &legacy), (true, true));
        assert_eq!(verify("wrong", &legacy), (false, false));
        assert_eq!(cost(&legacy), Some(4));
    }
}

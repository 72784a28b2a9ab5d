//! Recently authenticated tokens, so that a client making many requests
//! does not cost a token lookup per request.
//!
//! Each entry is kept under the database's accounts *write generation*
//! ([`mstream_db::generation`]) read before the lookup, and trusted only
//! by requests that find the same generation ([`crate::freshness`]). Every
//! write that revokes a token or changes what its user may do (logout,
//! account deletion, password change, the admin flag) moves that
//! generation in its own transaction, whichever process or CLI command
//! made it, so a revoked token stops working at the very next request on
//! every process. Entries also expire after `auth.token_cache_ms`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use mstream_kernel::User;

/// The cache; cheap to share behind an `Arc`.
pub struct TokenCache {
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<String, Entry>>,
}

struct Entry {
    user: User,
    generation: i64,
    at: Instant,
}

impl TokenCache {
    /// Holds at most `capacity` tokens for `ttl` each; a zero `ttl` turns
    /// caching off.
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            ttl,
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Whether anything is ever kept.
    pub fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }

    /// Whether `digest` has an entry at all (current or not): a token
    /// that has none needs no generation check to know it is not cached.
    pub fn holds(&self, digest: &str) -> bool {
        self.entries
            .lock()
            .is_ok_and(|entries| entries.contains_key(digest))
    }

    /// The user a token digest belonged to, if it was looked up at
    /// `generation` (the current one) less than `ttl` ago.
    pub fn lookup(&self, digest: &str, generation: i64) -> Option<User> {
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(digest)?;
        (entry.generation == generation && entry.at.elapsed() < self.ttl)
            .then(|| entry.user.clone())
    }

    /// Remembers a lookup made after `generation` was read.
    pub fn remember(&self, digest: String, user: User, generation: i64) {
        if !self.enabled() {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= self.capacity {
            let ttl = self.ttl;
            entries.retain(|_, e| e.generation >= generation && e.at.elapsed() < ttl);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(
            digest,
            Entry {
                user,
                generation,
                at: Instant::now(),
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mstream_kernel::{user::UserId, Timestamp};

    fn user() -> User {
        User {
            id: UserId::from_uuid(uuid::Uuid::new_v4()),
            username: "ana".into(),
            email: "ana@example.com".into(),
            is_admin: false,
            created: Timestamp::now(),
            updated: Timestamp::now(),
        }
    }

    #[test]
    fn a_remembered_token_is_found_until_the_generation_moves() {
        let cache = TokenCache::new(Duration::from_secs(60), 10);
        assert!(cache.lookup("d", 5).is_none());
        cache.remember("d".into(), user(), 5);
        assert_eq!(cache.lookup("d", 5).map(|u| u.username), Some("ana".into()));
        assert!(cache.lookup("d", 6).is_none(), "an account write since");
    }

    #[test]
    fn a_zero_lifetime_caches_nothing() {
        let cache = TokenCache::new(Duration::ZERO, 10);
        cache.remember("d".into(), user(), 0);
        assert!(cache.lookup("d", 0).is_none());
    }

    #[test]
    fn a_full_cache_makes_room() {
        let cache = TokenCache::new(Duration::from_secs(60), 2);
        for key in ["a", "b", "c"] {
            cache.remember(key.into(), user(), 0);
        }
        assert!(cache.lookup("c", 0).is_some());
    }
}

//! Recently authenticated tokens, so that a client making many requests
//! costs one token lookup a second rather than one per request.
//!
//! Entries live for a short, configured time (`auth.token_cache_ms`). Every
//! account write made through this process (logout, account deletion,
//! password change, admin flag change) empties the cache at once, so within
//! one server a revoked token stops working immediately; a revocation made
//! by another process (the CLI's `changepassword`, a second server on the
//! same PostgreSQL) takes effect within the lifetime. A generation counter
//! keeps a lookup that raced with a revocation from re-inserting what the
//! revocation removed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use mstream_kernel::User;

/// The cache; cheap to share behind an `Arc`.
pub struct TokenCache {
    ttl: Duration,
    capacity: usize,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    generation: u64,
    entries: HashMap<String, (User, Instant)>,
}

/// Where a miss was taken, to hand back to [`TokenCache::remember`].
#[derive(Debug, Clone, Copy)]
pub struct Generation(u64);

impl TokenCache {
    /// Holds at most `capacity` tokens for `ttl` each; a zero `ttl` turns
    /// caching off.
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            ttl,
            capacity,
            state: Mutex::new(State::default()),
        }
    }

    /// The user a token digest belonged to less than `ttl` ago, or the
    /// generation to remember a fresh lookup under.
    pub fn lookup(&self, digest: &str) -> Result<User, Generation> {
        let Ok(state) = self.state.lock() else {
            return Err(Generation(u64::MAX));
        };
        match state.entries.get(digest) {
            Some((user, at)) if at.elapsed() < self.ttl => Ok(user.clone()),
            _ => Err(Generation(state.generation)),
        }
    }

    /// Remembers a lookup made since `generation`, unless the cache was
    /// emptied meanwhile (the lookup may have read a revoked token).
    pub fn remember(&self, digest: String, user: User, generation: Generation) {
        if self.ttl.is_zero() {
            return;
        }
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        if state.generation != generation.0 {
            return;
        }
        if state.entries.len() >= self.capacity {
            let ttl = self.ttl;
            state.entries.retain(|_, (_, at)| at.elapsed() < ttl);
            if state.entries.len() >= self.capacity {
                state.entries.clear();
            }
        }
        state.entries.insert(digest, (user, Instant::now()));
    }

    /// Forgets every token (after any account write).
    pub fn clear(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.generation = state.generation.wrapping_add(1);
            state.entries.clear();
        }
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
    fn a_remembered_token_is_found_until_cleared() {
        let cache = TokenCache::new(Duration::from_secs(60), 10);
        let generation = cache.lookup("d").unwrap_err();
        cache.remember("d".into(), user(), generation);
        assert_eq!(
            cache.lookup("d").map(|u| u.username).ok(),
            Some("ana".into())
        );
        cache.clear();
        assert!(cache.lookup("d").is_err());
    }

    #[test]
    fn a_lookup_that_raced_with_a_revocation_is_not_remembered() {
        let cache = TokenCache::new(Duration::from_secs(60), 10);
        let generation = cache.lookup("d").unwrap_err();
        cache.clear();
        cache.remember("d".into(), user(), generation);
        assert!(cache.lookup("d").is_err());
    }

    #[test]
    fn a_zero_lifetime_caches_nothing() {
        let cache = TokenCache::new(Duration::ZERO, 10);
        let generation = cache.lookup("d").unwrap_err();
        cache.remember("d".into(), user(), generation);
        assert!(cache.lookup("d").is_err());
    }

    #[test]
    fn a_full_cache_makes_room() {
        let cache = TokenCache::new(Duration::from_secs(60), 2);
        for key in ["a", "b", "c"] {
            let generation = cache.lookup(key).unwrap_err();
            cache.remember(key.into(), user(), generation);
        }
        assert!(cache.lookup("c").is_ok());
    }
}

//! What every service shares, and the one way they reach the database.

use std::path::PathBuf;
use std::sync::Arc;

use mstream_db::{AnyConn, DbPool};
use tokio::sync::Semaphore;

use crate::error::{ServiceError, ServiceResult};

/// Settings the use cases need.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// bcrypt work factor (4..=31).
    pub bcrypt_cost: u32,
    /// Where uploaded media live (the stored paths are relative to it).
    pub media_root: PathBuf,
    /// Media settings (root, limits, URL lifetime).
    pub media: crate::media::MediaConfig,
    /// Signs media URLs.
    pub secret_key: String,
    /// How long an authenticated token is trusted without a lookup
    /// (see [`crate::token_cache`]); zero looks every request up.
    pub token_cache_ttl: std::time::Duration,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            bcrypt_cost: 12,
            media_root: PathBuf::from("content"),
            media: crate::media::MediaConfig::default(),
            secret_key: String::new(),
            token_cache_ttl: std::time::Duration::from_secs(1),
        }
    }
}

/// The pool and settings, cheap to clone.
#[derive(Clone)]
pub struct Ctx {
    inner: Arc<Inner>,
}

struct Inner {
    pool: DbPool,
    config: ServiceConfig,
    /// One permit per pooled connection.
    connections: Arc<Semaphore>,
}

impl Ctx {
    /// Wraps a pool and settings.
    pub fn new(pool: DbPool, config: ServiceConfig) -> Self {
        let connections = Arc::new(Semaphore::new(pool.max_size() as usize));
        Self {
            inner: Arc::new(Inner {
                pool,
                config,
                connections,
            }),
        }
    }

    /// The pool.
    pub fn pool(&self) -> &DbPool {
        &self.inner.pool
    }

    /// The settings.
    pub fn config(&self) -> &ServiceConfig {
        &self.inner.config
    }

    /// Runs blocking `work` (diesel, bcrypt) on tokio's blocking pool with
    /// a pooled connection, so the async workers never wait on it.
    pub async fn run<T, F>(&self, work: F) -> ServiceResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConn) -> ServiceResult<T> + Send + 'static,
    {
        // Wait for a free connection here, asynchronously: a request beyond
        // the pool's size then costs a queued future, not a blocking thread
        // parked on the pool's lock (under load those threads and their
        // wake-ups were a large share of the CPU).
        let permit = Arc::clone(&self.inner.connections)
            .acquire_owned()
            .await
            .map_err(|e| ServiceError::Internal(format!("connection gate closed: {e}")))?;
        let pool = self.inner.pool.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut conn = pool.get()?;
            work(&mut conn)
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("blocking task failed: {e}")))?
    }

    /// Runs blocking `work` that needs no connection (hashing).
    pub async fn compute<T, F>(&self, work: F) -> ServiceResult<T>
    where
        T: Send + 'static,
        F: FnOnce() -> ServiceResult<T> + Send + 'static,
    {
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| ServiceError::Internal(format!("blocking task failed: {e}")))?
    }
}

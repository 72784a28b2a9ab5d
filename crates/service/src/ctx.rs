//! What every service shares, and the one way they reach the database.

use std::sync::Arc;

use mstream_db::{AnyConn, DbPool};
use tokio::sync::Semaphore;

use crate::config::ServiceConfig;
use crate::counts::Counts;
use crate::error::{ServiceError, ServiceResult};
use crate::freshness::Freshness;
use crate::open_files::OpenFiles;
use crate::read_cache::{Answer, ReadCache};

fn downcast<T: Clone + 'static>(answer: &(dyn std::any::Any + Send + Sync)) -> Option<T> {
    answer.downcast_ref::<T>().cloned()
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
    /// Recent catalog reads.
    reads: ReadCache,
    /// Handles of recently served media files.
    open_files: OpenFiles,
    /// What the caches are checked against.
    freshness: Freshness,
    /// Counts of large lists, kept while nothing is written.
    counts: Arc<Counts>,
}

/// Bytes of records the read cache holds at most, over all entries (their
/// serialised forms add about as much again). The busiest benchmark keeps
/// about 3 MiB alive within a second; a crawl through 100,000 contents
/// would otherwise fill whatever it is given.
const READ_CACHE_BYTES: usize = 8 * 1024 * 1024;

/// Media files kept open for the next range request.
const OPEN_MEDIA_FILES: usize = 256;

impl Ctx {
    /// Wraps a pool and settings.
    pub fn new(pool: DbPool, config: ServiceConfig) -> Self {
        let connections = Arc::new(Semaphore::new(pool.max_size() as usize));
        let reads = ReadCache::new(config.read_cache_ttl, READ_CACHE_BYTES);
        Self {
            inner: Arc::new(Inner {
                pool,
                connections,
                reads,
                open_files: OpenFiles::new(OPEN_MEDIA_FILES),
                freshness: Freshness::default(),
                counts: Arc::new(Counts::new(config.keep_counts_from)),
                config,
            }),
        }
    }

    /// The pool.
    pub fn pool(&self) -> &DbPool {
        &self.inner.pool
    }

    /// The read cache (for its counters).
    pub fn reads(&self) -> &ReadCache {
        &self.inner.reads
    }

    /// Handles of recently served media files; whoever removes a media
    /// file forgets its handle here.
    pub fn open_files(&self) -> &OpenFiles {
        &self.inner.open_files
    }

    /// The write generations as of some moment after the current request
    /// arrived: what every cache of this process is checked against.
    pub async fn generations(&self) -> ServiceResult<mstream_db::Generations> {
        let ctx = self.clone();
        self.inner
            .freshness
            .current(move || {
                let ctx = ctx.clone();
                async move {
                    ctx.run(|conn| Ok(mstream_db::generation::read(conn)?))
                        .await
                }
            })
            .await
    }

    /// Counts of large lists kept between requests ([`crate::counts`]).
    pub fn counts(&self) -> Arc<Counts> {
        Arc::clone(&self.inner.counts)
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
        // Bounded, like the pool's own wait: with the database slow or
        // down, a request fails in about this time instead of queueing.
        let deadline = self.inner.pool.acquire_timeout();
        let permit = tokio::time::timeout(
            deadline,
            Arc::clone(&self.inner.connections).acquire_owned(),
        )
        .await
        .map_err(|_| {
            ServiceError::Unavailable(format!(
                "no database connection free within {} ms",
                deadline.as_millis()
            ))
        })?
        .map_err(|e| ServiceError::Internal(format!("connection gate closed: {e}")))?;
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut conn = inner.pool.get()?;
            work(&mut conn)
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("blocking task failed: {e}")))?
    }

    /// Like [`Ctx::run`] for a read, reusing the answer kept under `key` if
    /// nothing was written, by any process, since it was read (see
    /// [`crate::read_cache`]); `cost` is the answer's approximate size in
    /// bytes.
    pub async fn read_cached<T, F>(
        &self,
        key: String,
        cost: fn(&T) -> usize,
        work: F,
    ) -> ServiceResult<T>
    where
        T: Clone + Send + Sync + 'static,
        F: FnOnce(&mut AnyConn) -> ServiceResult<T> + Send + 'static,
    {
        let reads = &self.inner.reads;
        if !reads.enabled() {
            reads.missed();
            return self.run(work).await;
        }
        // Checked before the cache is looked at, and the answer read
        // after it: what is kept under a generation is at least as new as
        // the generation.
        let generation = self.generations().await?.catalog;
        if let Some(value) = reads
            .get(&key, generation)
            .as_deref()
            .and_then(downcast::<T>)
        {
            return Ok(value);
        }
        let boarding = reads.board(&key, generation);
        let answer = boarding
            .flight()
            .get_or_try_init(|| async {
                reads.missed();
                let value = self.run(work).await?;
                let size = cost(&value);
                let answer: Answer = Arc::new(value);
                reads.put(key, generation, size, Arc::clone(&answer));
                Ok::<_, ServiceError>(answer)
            })
            .await?;
        downcast::<T>(answer.as_ref())
            .ok_or_else(|| ServiceError::Internal("read cache: answer of another type".into()))
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

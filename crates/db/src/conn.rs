//! Connections and the pool: the backend is chosen by the URL's scheme.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel::Connection;

use crate::error::{DbError, DbResult};

/// One connection to either backend. diesel's `MultiConnection` derive
/// gives it `Connection`, so typed queries run on it unchanged; code that
/// needs backend-specific SQL matches on the variant.
#[derive(diesel::MultiConnection)]
pub enum AnyConn {
    /// PostgreSQL.
    Postgresql(PgConnection),
    /// SQLite.
    Sqlite(SqliteConnection),
}

/// Which database a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// `sqlite://path` (relative to the working directory) or
    /// `sqlite:///absolute/path`.
    Sqlite(PathBuf),
    /// `postgres://…` or `postgresql://…`, passed to libpq as is.
    Postgres(String),
}

impl Backend {
    /// Reads the backend from a `database.url`.
    pub fn from_url(url: &str) -> Result<Self, String> {
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() || path.contains(":memory:") {
                return Err(format!(
                    "database.url {url:?}: an SQLite URL needs a file path (an in-memory database would be a different one on every pooled connection)"
                ));
            }
            return Ok(Backend::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Backend::Postgres(url.to_owned()));
        }
        Err(format!(
            "database.url {url:?}: unknown scheme (expected sqlite://path or postgres://…)"
        ))
    }

    /// Whether SQL placeholders are `$1, $2` (PostgreSQL) rather than `?`.
    pub fn is_postgres(&self) -> bool {
        matches!(self, Backend::Postgres(_))
    }
}

/// Counters shared by every connection of one pool (exported at `/metrics`,
/// and read by tests to prove a request runs a constant number of queries).
#[derive(Debug, Default)]
pub struct PoolStats {
    queries: AtomicU64,
    commits: AtomicU64,
}

impl PoolStats {
    /// Statements started since the pool was built.
    pub fn queries(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    /// Commits begun since the pool was built (counted as the COMMIT is
    /// sent, so a caller that sees the count move after its own work
    /// knows that work committed something).
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Acquire)
    }
}

struct CountQueries(Arc<PoolStats>);

impl Instrumentation for CountQueries {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => {
                self.0.queries.fetch_add(1, Ordering::Relaxed);
            }
            InstrumentationEvent::CommitTransaction { .. } => {
                self.0.commits.fetch_add(1, Ordering::AcqRel);
            }
            _ => {}
        }
    }
}

/// Makes connections for the pool.
pub struct Manager {
    backend: Backend,
    stats: Arc<PoolStats>,
}

/// Why a connection could not be made.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConnectError(String);

/// Per-connection SQLite set-up. Beyond correctness (WAL, foreign keys,
/// busy timeout): a 2 MiB page cache and in-memory temporary sort space.
/// Every pooled connection has its own page cache, so its size multiplies
/// by the pool's: 8 MiB × 16 took the server to 122 MiB resident at
/// 100,000 contents (90 MiB with 2 MiB), for 10–40 % more uncached reads a
/// second there (bench/README.md); the OS page cache holds the file for
/// all of them anyway. (A memory map of the file was tried: each pooled
/// connection maps it again, which multiplied the resident size for
/// little gain.)
/// The busy timeout comes first: `journal_mode` takes a lock, and while
/// another process (a server being killed, the CLI) holds one, it must
/// wait rather than fail the start-up with "database is locked".
const SQLITE_SETUP: &str = "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
     PRAGMA cache_size = -2048; PRAGMA temp_store = MEMORY;";

impl r2d2::ManageConnection for Manager {
    type Connection = AnyConn;
    type Error = ConnectError;

    fn connect(&self) -> Result<AnyConn, ConnectError> {
        let mut conn = match &self.backend {
            Backend::Postgres(url) => PgConnection::establish(url)
                .map(AnyConn::Postgresql)
                .map_err(|e| ConnectError(format!("cannot connect to PostgreSQL: {e}")))?,
            Backend::Sqlite(path) => {
                let path = path.to_string_lossy();
                let mut conn = SqliteConnection::establish(&path)
                    .map_err(|e| ConnectError(format!("cannot open SQLite file {path}: {e}")))?;
                // One statement per call is all `sql_query` runs on SQLite.
                conn.batch_execute(SQLITE_SETUP)
                    .map_err(|e| ConnectError(format!("cannot set up SQLite file {path}: {e}")))?;
                AnyConn::Sqlite(conn)
            }
        };
        conn.set_instrumentation(CountQueries(self.stats.clone()));
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut AnyConn) -> Result<(), ConnectError> {
        conn.batch_execute("SELECT 1")
            .map_err(|e| ConnectError(e.to_string()))
    }

    fn has_broken(&self, _conn: &mut AnyConn) -> bool {
        false
    }
}

/// A pool of connections to one database.
#[derive(Clone)]
pub struct DbPool {
    pool: r2d2::Pool<Manager>,
    backend: Backend,
    stats: Arc<PoolStats>,
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A connection borrowed from the pool.
pub type PooledConn = r2d2::PooledConnection<Manager>;

impl DbPool {
    /// Opens the database at `url` (creating an SQLite file and its folder
    /// when missing) and checks that it answers.
    pub fn connect(url: &str, size: u32) -> DbResult<Self> {
        Self::build(url, size, 1)
    }

    /// As [`DbPool::connect`], for short-lived processes (the CLI): a
    /// connection is opened only when a caller asks for one (and waits for
    /// it), never ahead of time on r2d2's threads. With one idle connection
    /// kept, taking it made r2d2 open the next in the background, and a
    /// process exiting while that thread was inside libpq crashed in libc
    /// (SIGSEGV after the work was done, about one run in ten).
    pub fn connect_on_demand(url: &str, size: u32) -> DbResult<Self> {
        Self::build(url, size, 0)
    }

    fn build(url: &str, size: u32, min_idle: u32) -> DbResult<Self> {
        let backend = Backend::from_url(url).map_err(DbError::Unavailable)?;
        if let Backend::Sqlite(path) = &backend {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    DbError::Unavailable(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
        }
        let stats = Arc::new(PoolStats::default());
        let manager = Manager {
            backend: backend.clone(),
            stats: stats.clone(),
        };
        // One direct attempt first: an unreachable database is reported at
        // once, in one line, instead of after the pool's retries.
        r2d2::ManageConnection::connect(&manager)
            .map_err(|e| DbError::Unavailable(one_line(&e.to_string())))?;
        let pool = r2d2::Pool::builder()
            .max_size(size.max(1))
            .min_idle(Some(min_idle))
            .connection_timeout(Duration::from_secs(10))
            // A PostgreSQL server can restart under us: check a connection
            // before lending it, so a dead one is replaced instead of failing
            // a request. An SQLite file cannot go away, so skip the round trip.
            .test_on_check_out(backend.is_postgres())
            .error_handler(Box::new(r2d2::LoggingErrorHandler))
            .build(manager)
            .map_err(|e| DbError::Unavailable(e.to_string()))?;
        Ok(Self {
            pool,
            backend,
            stats,
        })
    }

    /// A connection, waiting up to the pool's timeout.
    pub fn get(&self) -> DbResult<PooledConn> {
        Ok(self.pool.get()?)
    }

    /// Whether the database answers a trivial query now.
    pub fn ping(&self) -> bool {
        self.pool
            .get_timeout(Duration::from_secs(2))
            .ok()
            .is_some_and(|mut conn| conn.batch_execute("SELECT 1").is_ok())
    }

    /// The backend in use.
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// The shared counters.
    pub fn stats(&self) -> &PoolStats {
        &self.stats
    }

    /// (connections open, connections idle).
    pub fn usage(&self) -> (u32, u32) {
        let state = self.pool.state();
        (state.connections, state.idle_connections)
    }

    /// The pool's largest size.
    pub fn max_size(&self) -> u32 {
        self.pool.max_size()
    }
}

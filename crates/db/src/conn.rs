//! Connections and the pool: the backend is chosen by the URL's scheme.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::pg::PgConnection;
use diesel::result::DatabaseErrorKind;
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
            "database.url {:?}: unknown scheme (expected sqlite://path or postgres://…)",
            redacted(url)
        ))
    }

    /// Whether SQL placeholders are `$1, $2` (PostgreSQL) rather than `?`.
    pub fn is_postgres(&self) -> bool {
        matches!(self, Backend::Postgres(_))
    }
}

/// `url` with the password of its user-info replaced by `***`, fit for an
/// error message or a log line.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            let hidden = if userinfo.contains(':') { ":***" } else { "" };
            format!("{user}{hidden}@{host}")
        }
        None => authority.to_owned(),
    };
    // libpq also takes the password as a query parameter.
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => {
                        format!("{key}=***")
                    }
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

/// Counters shared by every connection of one pool (exported at `/metrics`,
/// and read by tests to prove a request runs a constant number of queries).
#[derive(Debug)]
pub struct PoolStats {
    queries: AtomicU64,
    commits: AtomicU64,
    /// When the pool was built: the origin of `lost_at`.
    epoch: Instant,
    /// When a connection was last found dead (µs since `epoch`, 0 for
    /// never): every connection lent before then is checked before it is
    /// lent again, as the database probably restarted.
    lost_at: AtomicU64,
}

impl Default for PoolStats {
    fn default() -> Self {
        Self {
            queries: AtomicU64::new(0),
            commits: AtomicU64::new(0),
            epoch: Instant::now(),
            lost_at: AtomicU64::new(0),
        }
    }
}

impl PoolStats {
    /// Statements started for callers since the pool was built (the pool's
    /// own connection checks are not counted).
    pub fn queries(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    /// Commits begun since the pool was built (counted as the COMMIT is
    /// sent, so a caller that sees the count move after its own work
    /// knows that work committed something).
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Acquire)
    }

    fn since_epoch(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.epoch).as_micros()).unwrap_or(u64::MAX)
    }

    fn lost_connection(&self) {
        self.lost_at
            .fetch_max(self.since_epoch(Instant::now()).max(1), Ordering::AcqRel);
    }

    /// Whether a connection lent at `lent` may have been cut since.
    fn suspect(&self, lent: Instant) -> bool {
        let lost = self.lost_at.load(Ordering::Acquire);
        lost != 0 && self.since_epoch(lent) <= lost
    }
}

/// Counts a connection's statements into the pool's [`PoolStats`], and
/// notes when one failed because the connection itself is gone.
struct CountQueries {
    stats: Arc<PoolStats>,
    broken: Arc<AtomicBool>,
}

impl Instrumentation for CountQueries {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { query, .. } => {
                self.stats.queries.fetch_add(1, Ordering::Relaxed);
                // `RUST_LOG=mstream_db=trace` shows every statement.
                tracing::trace!(%query, "statement");
            }
            InstrumentationEvent::FinishQuery {
                error:
                    Some(diesel::result::Error::DatabaseError(
                        DatabaseErrorKind::ClosedConnection
                        | DatabaseErrorKind::UnableToSendCommand,
                        _,
                    )),
                ..
            } => {
                self.broken.store(true, Ordering::Relaxed);
                self.stats.lost_connection();
            }
            InstrumentationEvent::CommitTransaction { .. } => {
                self.stats.commits.fetch_add(1, Ordering::AcqRel);
            }
            _ => {}
        }
    }
}

/// A pooled connection: the connection, and whether a statement found it
/// dead (then the pool drops it instead of lending it again).
pub struct Pooled {
    conn: AnyConn,
    broken: Arc<AtomicBool>,
    /// When it was last lent.
    lent: Instant,
}

/// A connection lent again within this time is not checked first: one in
/// steady use is known to work, and checking it was a round trip per
/// request. One idle for longer (the database may have restarted
/// meanwhile), or lent before another connection was found dead, answers
/// a `SELECT 1` before it is lent (HikariCP's "alive bypass window").
const TRUSTED_WHILE_BUSY: Duration = Duration::from_millis(500);

impl std::ops::Deref for Pooled {
    type Target = AnyConn;

    fn deref(&self) -> &AnyConn {
        &self.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut AnyConn {
        &mut self.conn
    }
}

/// Makes connections for the pool.
pub struct Manager {
    backend: Backend,
    stats: Arc<PoolStats>,
    statement_timeout: Duration,
}

/// How a pool behaves under load and when the database is away.
#[derive(Debug, Clone, Copy)]
pub struct PoolOptions {
    /// Most connections.
    pub size: u32,
    /// Connections kept open while idle; 0 opens one only for a caller
    /// that waits for it (short-lived processes: see
    /// [`DbPool::connect_on_demand`]).
    pub min_idle: u32,
    /// Longest wait for a connection before [`DbError::Unavailable`].
    pub acquire_timeout: Duration,
    /// Longest a statement may run before PostgreSQL cancels it
    /// ([`DbError::Busy`]); zero: no limit. SQLite has no equivalent that
    /// diesel exposes (see docs/decisions.md).
    pub statement_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            size: 16,
            min_idle: 1,
            acquire_timeout: Duration::from_secs(2),
            statement_timeout: Duration::from_secs(5),
        }
    }
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

/// Runs [`SQLITE_SETUP`] (one statement per call is all `sql_query` runs
/// on SQLite, hence `batch_execute`). Switching a new file to WAL needs
/// its exclusive lock, and SQLite answers "database is locked" at once,
/// without its busy handler, when another connection is switching it at
/// the same moment (processes started together on a fresh file: 7 runs in
/// 12 of a test that starts four); the switch is tried again for up to
/// the busy timeout. A file already in WAL mode never waits here.
fn sqlite_setup(conn: &mut SqliteConnection) -> diesel::QueryResult<()> {
    const PAUSE: Duration = Duration::from_millis(10);
    let mut waited = Duration::ZERO;
    loop {
        match conn.batch_execute(SQLITE_SETUP) {
            Err(diesel::result::Error::DatabaseError(_, info))
                if info.message().contains("locked") && waited < Duration::from_secs(10) =>
            {
                std::thread::sleep(PAUSE);
                waited += PAUSE;
            }
            other => return other,
        }
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Pooled;
    type Error = ConnectError;

    fn connect(&self) -> Result<Pooled, ConnectError> {
        let mut conn = self.open()?;
        if let (AnyConn::Postgresql(c), false) = (&mut conn, self.statement_timeout.is_zero()) {
            c.batch_execute(&format!(
                "SET statement_timeout = {}",
                self.statement_timeout.as_millis()
            ))
            .map_err(|e| ConnectError(format!("cannot set statement_timeout: {e}")))?;
        }
        let broken = Arc::new(AtomicBool::new(false));
        conn.set_instrumentation(CountQueries {
            stats: self.stats.clone(),
            broken: broken.clone(),
        });
        Ok(Pooled {
            conn,
            broken,
            lent: Instant::now(),
        })
    }

    fn is_valid(&self, conn: &mut Pooled) -> Result<(), ConnectError> {
        conn.batch_execute("SELECT 1")
            .map_err(|e| ConnectError(e.to_string()))
    }

    /// Checked when a connection comes back: a connection that a statement
    /// found dead, or whose transaction could not be closed, is dropped
    /// (and replaced) instead of being lent again. With the idle check in
    /// [`DbPool::get`], this replaces a `SELECT 1` on every checkout (a
    /// round trip per request).
    fn has_broken(&self, conn: &mut Pooled) -> bool {
        use diesel::r2d2::R2D2Connection;
        conn.broken.load(Ordering::Relaxed) || conn.conn.is_broken()
    }
}

impl Manager {
    /// A set-up connection with no statement timeout (migrations).
    fn open(&self) -> Result<AnyConn, ConnectError> {
        Ok(match &self.backend {
            Backend::Postgres(url) => PgConnection::establish(url)
                .map(AnyConn::Postgresql)
                .map_err(|e| ConnectError(format!("cannot connect to PostgreSQL: {e}")))?,
            Backend::Sqlite(path) => {
                let path = path.to_string_lossy();
                let mut conn = SqliteConnection::establish(&path)
                    .map_err(|e| ConnectError(format!("cannot open SQLite file {path}: {e}")))?;
                sqlite_setup(&mut conn)
                    .map_err(|e| ConnectError(format!("cannot set up SQLite file {path}: {e}")))?;
                AnyConn::Sqlite(conn)
            }
        })
    }
}

/// A pool of connections to one database.
#[derive(Clone)]
pub struct DbPool {
    pool: r2d2::Pool<Manager>,
    backend: Backend,
    stats: Arc<PoolStats>,
    acquire_timeout: Duration,
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
        Self::connect_with(
            url,
            PoolOptions {
                size,
                ..PoolOptions::default()
            },
        )
    }

    /// As [`DbPool::connect`], for short-lived processes (the CLI): a
    /// connection is opened only when a caller asks for one (and waits for
    /// it), never ahead of time on r2d2's threads. With one idle connection
    /// kept, taking it made r2d2 open the next in the background, and a
    /// process exiting while that thread was inside libpq crashed in libc
    /// (SIGSEGV after the work was done, about one run in ten).
    pub fn connect_on_demand(url: &str, size: u32) -> DbResult<Self> {
        Self::connect_with(
            url,
            PoolOptions {
                size,
                min_idle: 0,
                ..PoolOptions::default()
            },
        )
    }

    /// [`DbPool::connect`] with every option.
    pub fn connect_with(url: &str, options: PoolOptions) -> DbResult<Self> {
        let size = options.size;
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
            statement_timeout: options.statement_timeout,
        };
        // One direct attempt first: an unreachable database is reported at
        // once, in one line, instead of after the pool's retries.
        r2d2::ManageConnection::connect(&manager)
            .map_err(|e| DbError::Unavailable(one_line(&e.to_string())))?;
        let pool = r2d2::Pool::builder()
            .max_size(size.max(1))
            .min_idle(Some(options.min_idle))
            // A request waits this long at most, then gets its 503: with the
            // database down, every request fails in about this time.
            .connection_timeout(options.acquire_timeout.max(Duration::from_millis(1)))
            // A connection is not checked when lent (that was a round trip
            // per request on PostgreSQL): one that a statement found dead is
            // dropped when it comes back (`has_broken`), so a restarted
            // server costs each pooled connection one failed request (503
            // with Retry-After), not one round trip on every request.
            .test_on_check_out(false)
            .error_handler(Box::new(r2d2::LoggingErrorHandler))
            .build(manager)
            .map_err(|e| DbError::Unavailable(e.to_string()))?;
        Ok(Self {
            pool,
            backend,
            stats,
            acquire_timeout: options.acquire_timeout,
        })
    }

    /// A connection of its own, outside the pool, with no statement
    /// timeout (migrations may take longer than any request should).
    pub fn dedicated(&self) -> DbResult<AnyConn> {
        let manager = Manager {
            backend: self.backend.clone(),
            stats: self.stats.clone(),
            statement_timeout: Duration::ZERO,
        };
        manager
            .open()
            .map_err(|e| DbError::Unavailable(one_line(&e.to_string())))
    }

    /// How long a request may wait for a connection.
    pub fn acquire_timeout(&self) -> Duration {
        self.acquire_timeout
    }

    /// A connection, waiting up to the pool's timeout; one that was idle
    /// for a while is checked first, and replaced if the database dropped
    /// it (a restart), so a restart costs no request.
    pub fn get(&self) -> DbResult<PooledConn> {
        self.get_within(self.acquire_timeout)
    }

    /// [`DbPool::get`], waiting at most `timeout` for each connection.
    fn get_within(&self, timeout: Duration) -> DbResult<PooledConn> {
        let mut conn = self.pool.get_timeout(timeout)?;
        // At most one try per pooled connection: after a restart each may
        // be dead, and each is replaced as it is found.
        for _ in 0..self.max_size() {
            let suspect = conn.lent.elapsed() > TRUSTED_WHILE_BUSY || self.stats.suspect(conn.lent);
            if !suspect || self.check(&mut conn) {
                break;
            }
            self.lost(&conn);
            drop(conn);
            conn = self.pool.get_timeout(timeout)?;
        }
        conn.lent = Instant::now();
        Ok(conn)
    }

    /// Whether the database answers a trivial query now.
    pub fn ping(&self) -> bool {
        let once = || {
            self.get_within(Duration::from_secs(2))
                .is_ok_and(|mut conn| {
                    let alive = conn.batch_execute("SELECT 1").is_ok();
                    if !alive {
                        self.lost(&conn);
                    }
                    alive
                })
        };
        // A connection in steady use is lent unchecked; if it turns out
        // dead, every other one becomes suspect and the second try is
        // lent a checked (or new) one.
        once() || once()
    }

    /// Whether `conn` answers `SELECT 1`. Counted as a connection check,
    /// not as one of the statements requests run (`queries`), so that a
    /// request's statement count does not depend on how long its
    /// connection had been idle.
    fn check(&self, conn: &mut Pooled) -> bool {
        let counted = self.stats.queries();
        let alive = conn.conn.batch_execute("SELECT 1").is_ok();
        // Other connections may count meanwhile: take back only ours.
        let ours = self.stats.queries().saturating_sub(counted).min(1);
        self.stats.queries.fetch_sub(ours, Ordering::Relaxed);
        alive
    }

    /// Marks `conn` dead (dropped when it comes back) and every connection
    /// lent before now suspect.
    fn lost(&self, conn: &Pooled) {
        conn.broken.store(true, Ordering::Relaxed);
        self.stats.lost_connection();
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

#[cfg(test)]
mod tests {
    use super::{redacted, Backend};

    #[test]
    fn a_database_url_in_an_error_keeps_its_password_out() {
        assert_eq!(
            redacted("postgres://app:s3cret@db:5432/mstream"),
            "postgres://app:***@db:5432/mstream"
        );
        assert_eq!(
            redacted("postgres://db/mstream?user=app&password=s3cret&sslmode=require"),
            "postgres://db/mstream?user=app&password=***&sslmode=require"
        );
        assert_eq!(redacted("postgres://app@db/m"), "postgres://app@db/m");
        assert_eq!(redacted("sqlite://mstream.db"), "sqlite://mstream.db");
        let error = Backend::from_url("mysql://root:hunter2@db/m").unwrap_err();
        assert!(!error.contains("hunter2"), "{error}");
        assert!(error.contains("mysql://root:***@db/m"), "{error}");
    }
}

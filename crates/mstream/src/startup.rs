//! Builds the running application from settings.

use std::net::TcpListener;

use actix_web::dev::Server;
use mstream_api::{ApiSettings, AppState};
use mstream_db::{migrate, DbPool, PoolOptions};
use mstream_service::{ServiceConfig, Services};

use crate::config::Settings;

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The database could not be opened or migrated.
    #[error("{}", database_message(.0))]
    Database(#[from] mstream_db::DbError),
    /// A setting is unusable.
    #[error("configuration: {0}")]
    Config(String),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// host:port.
        addr: String,
        /// The OS error.
        source: std::io::Error,
    },
}

/// `DbError::Unavailable` already says "database unavailable"; the rest
/// need saying that the database is where it failed.
fn database_message(error: &mstream_db::DbError) -> String {
    match error {
        mstream_db::DbError::Unavailable(_) => error.to_string(),
        other => format!("database: {other}"),
    }
}

/// Refuses a media root the server cannot write (found at start-up, not
/// at the first upload): creates it if missing, then writes and removes a
/// probe file in it.
pub fn check_media_root(root: &std::path::Path) -> Result<(), StartupError> {
    let refuse = |e: std::io::Error| {
        StartupError::Config(format!(
            "media.root {}: not writable ({e}); set MSTREAM__MEDIA__ROOT to a folder this user may write",
            root.display()
        ))
    };
    std::fs::create_dir_all(root).map_err(refuse)?;
    let probe = root.join(format!(".write-check-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(refuse)?;
    std::fs::remove_file(&probe).map_err(refuse)
}

/// Opens the server's pool and applies pending migrations.
pub fn open_database(settings: &Settings) -> Result<DbPool, StartupError> {
    migrated(DbPool::connect_with(
        &settings.database.url,
        pool_options(settings, 1),
    )?)
}

/// Opens a pool for a CLI command (connections opened only when asked
/// for, so none is in flight when the process exits) and applies pending
/// migrations.
pub fn open_cli_database(settings: &Settings) -> Result<DbPool, StartupError> {
    migrated(DbPool::connect_with(
        &settings.database.url,
        pool_options(settings, 0),
    )?)
}

fn pool_options(settings: &Settings, min_idle: u32) -> PoolOptions {
    PoolOptions {
        size: settings.database.pool_size,
        min_idle,
        acquire_timeout: std::time::Duration::from_millis(settings.database.acquire_timeout_ms),
        statement_timeout: std::time::Duration::from_millis(settings.database.statement_timeout_ms),
    }
}

fn migrated(pool: DbPool) -> Result<DbPool, StartupError> {
    let applied = migrate::run_pending(&pool)?;
    for version in applied {
        tracing::info!(%version, "applied migration");
    }
    Ok(pool)
}

/// The services over an open pool; refuses settings `validate` would have
/// refused that the services need (callers that built their settings
/// without loading them — tests, tools — skip `validate`).
pub fn services(settings: &Settings, pool: DbPool) -> Result<Services, StartupError> {
    Ok(Services::new(
        pool,
        ServiceConfig {
            bcrypt_cost: settings.auth.bcrypt_cost,
            media_root: settings.media.root.clone(),
            media: mstream_service::MediaConfig {
                root: settings.media.root.clone(),
                max_upload_bytes: settings.media.max_upload_bytes,
                url_ttl_secs: settings.media.url_ttl_secs,
                public: settings.media.public,
                resumable_ttl_secs: settings.media.resumable_ttl_secs,
            },
            secret_key: settings.secret_key.clone().unwrap_or_default(),
            token_cache_ttl: std::time::Duration::from_millis(settings.auth.token_cache_ms),
            read_cache_ttl: std::time::Duration::from_millis(settings.database.read_cache_ms),
            keep_counts_from: settings.database.keep_counts_from,
            hls: hls_config(settings)?,
        },
    ))
}

/// Removes expired resumable uploads now and then periodically (a quarter
/// of their lifetime, between 1 s and 10 min), for as long as the runtime
/// runs. Every process sweeps; an upload being appended to is skipped.
fn sweep_uploads(uploads: mstream_service::resumable::ResumableUploads, ttl_secs: u64) {
    let every = std::time::Duration::from_secs((ttl_secs / 4).clamp(1, 600));
    actix_web::rt::spawn(async move {
        let mut ticks = actix_web::rt::time::interval(every);
        loop {
            ticks.tick().await;
            match uploads.sweep().await {
                Ok(0) => {}
                Ok(removed) => tracing::info!(removed, "removed expired resumable uploads"),
                Err(error) => tracing::warn!(%error, "sweeping expired resumable uploads failed"),
            }
        }
    });
}

/// Removes orphaned media bytes (see
/// [`mstream_service::media::MediaService::sweep_orphans`]) now and then
/// every quarter of their grace period, for as long as the runtime runs.
/// Every process sweeps.
fn sweep_media_orphans(media: mstream_service::media::MediaService) {
    let every = mstream_service::media::ORPHAN_GRACE / 4;
    actix_web::rt::spawn(async move {
        let mut ticks = actix_web::rt::time::interval(every);
        loop {
            ticks.tick().await;
            match media.sweep_orphans().await {
                Ok(0) => {}
                Ok(removed) => tracing::info!(removed, "removed media bytes no media file names"),
                Err(error) => tracing::warn!(%error, "sweeping orphaned media bytes failed"),
            }
        }
    });
}

/// The packaging settings; a ladder entry that does not parse is a
/// configuration error, never dropped (a server without its ladder would
/// silently package one rendition of the source instead).
fn hls_config(settings: &Settings) -> Result<mstream_service::hls::HlsConfig, StartupError> {
    let hls = &settings.hls;
    let ladder = hls
        .renditions()
        .map_err(|e| StartupError::Config(e.to_string()))?;
    Ok(mstream_service::hls::HlsConfig {
        worker: hls.worker,
        ffmpeg: hls.ffmpeg.clone(),
        ffprobe: hls.ffprobe.clone(),
        poll_interval: std::time::Duration::from_millis(hls.poll_interval_ms.max(10)),
        lease: std::time::Duration::from_secs(hls.lease_secs.max(1)),
        max_attempts: hls.max_attempts.max(1),
        retry_base: std::time::Duration::from_secs(hls.retry_base_secs),
        ladder,
        segment_secs: hls.segment_secs.max(1),
        read_bytes_per_sec: u64::from(hls.read_mib_per_sec) * 1024 * 1024,
    })
}

/// A built, not yet awaited, server.
pub struct Application {
    server: Server,
    port: u16,
    stop_signals: StopSignals,
    /// This process's HLS packaging worker (`None` when `hls.worker` is off).
    worker: Option<mstream_service::hls::HlsService>,
}

/// SIGTERM and SIGINT, listened to from the moment the application is
/// built. actix-server registers its own listeners only after it has
/// started accepting, so a SIGTERM sent right after the first request was
/// answered could find no handler and kill the process (exit by signal 15,
/// seen once in about 200 starts under load): mstream listens too, from
/// before the listener accepts anything, and stops the server the same
/// way actix does (a second stop is ignored).
struct StopSignals {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn listen() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Self {
                terminate: signal(SignalKind::terminate())?,
                interrupt: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    async fn received(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.terminate.recv() => {}
            _ = self.interrupt.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}

impl Application {
    /// Opens and migrates the database, binds the listener and builds the
    /// server (call inside an actix/tokio runtime).
    pub fn build(mut settings: Settings) -> Result<Self, StartupError> {
        let (_, generated) = settings.secret_key_or_throwaway();
        if generated {
            tracing::warn!("no secret key configured: using a throwaway one (signed media URLs will not survive a restart); set MSTREAM__SECRET_KEY");
        }
        let stop_signals = StopSignals::listen()
            .map_err(|e| StartupError::Config(format!("cannot listen for SIGTERM/SIGINT: {e}")))?;
        check_media_root(&settings.media.root)?;
        let pool = open_database(&settings)?;
        let stale = mstream_service::media::clean_staging(&settings.media.root);
        if stale > 0 {
            tracing::info!(
                stale,
                "removed uploads left unfinished by processes that are gone"
            );
        }
        let addr = format!("{}:{}", settings.server.host, settings.server.port);
        let listener = TcpListener::bind(&addr).map_err(|source| StartupError::Bind {
            addr: addr.clone(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or(settings.server.port);
        let trusted_proxies = mstream_api::TrustedProxies::parse(&settings.server.trusted_proxies)
            .map_err(StartupError::Config)?;
        let services = services(&settings, pool)?;
        let worker = settings.hls.worker.then(|| services.hls.clone());
        let state = AppState {
            services,
            settings: ApiSettings {
                max_body_bytes: settings.server.max_body_bytes,
                body_timeout: std::time::Duration::from_secs(settings.server.body_timeout_secs),
                allowed_hosts: settings.allowed_hosts(),
                throttle: mstream_api::ThrottleSettings {
                    user_per_minute: settings.throttle.user_per_minute,
                    admin_per_minute: settings.throttle.admin_per_minute,
                    anon_per_minute: settings.throttle.anon_per_minute,
                    trusted_proxies,
                    redis_url: settings
                        .throttle
                        .redis_url
                        .clone()
                        .filter(|url| !url.is_empty()),
                    redis_prefix: settings.throttle.redis_prefix.clone(),
                },
            },
        };
        sweep_uploads(
            state.services.uploads.clone(),
            settings.media.resumable_ttl_secs,
        );
        sweep_media_orphans(state.services.media.clone());
        mstream_api::record_build_info(env!("CARGO_PKG_VERSION"), env!("MSTREAM_GIT_COMMIT"));
        let server = mstream_api::serve(listener, state, settings.server.workers)
            .map_err(|source| StartupError::Bind { addr, source })?;
        Ok(Self {
            server,
            port,
            stop_signals,
            worker,
        })
    }

    /// A handle to stop the server from elsewhere.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGINT/SIGTERM, then drains in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Self {
            server,
            mut stop_signals,
            worker,
            ..
        } = self;
        let handle = server.handle();
        let mut server = std::pin::pin!(server);
        // The packaging worker lives as long as the server: when the server
        // stops its task is aborted, and ffmpeg (kill_on_drop) with it.
        let worker = worker.map(|worker| tokio::spawn(worker.run_worker()));
        let served = tokio::select! {
            served = &mut server => served,
            () = stop_signals.received() => {
                // The command is sent now; the server future, polled
                // below, carries it out (awaiting the stop first would
                // wait for a server nobody polls).
                drop(handle.stop(true));
                server.await
            }
        };
        if let Some(worker) = worker {
            worker.abort();
        }
        served
    }
}

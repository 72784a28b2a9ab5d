//! Configuration: built-in defaults, then `config/default.toml`, then
//! `config/<MSTREAM_ENV>.toml`, then `MSTREAM__SECTION__KEY` environment
//! variables (a `.env` file in the working directory supplies any that the
//! real environment lacks). `DSK` stands in for `MSTREAM__SECRET_KEY`.

use std::path::PathBuf;

use config::{Config, Environment, File};
use serde::Deserialize;

/// Every setting, each with a default.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// Signs media URLs. Generated per run in development when missing.
    #[serde(default)]
    pub secret_key: Option<String>,
    /// HTTP listener.
    #[serde(default)]
    pub server: ServerSettings,
    /// Storage.
    #[serde(default)]
    pub database: DatabaseSettings,
    /// Uploaded media.
    #[serde(default)]
    pub media: MediaSettings,
    /// Passwords.
    #[serde(default)]
    pub auth: AuthSettings,
    /// Request budgets.
    #[serde(default)]
    pub throttle: ThrottleSettings,
    /// `MSTREAM_ENV` (`development` unless set).
    #[serde(skip)]
    pub environment: String,
}

/// `server.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ServerSettings {
    /// Address to bind.
    pub host: String,
    /// Port to bind (0 picks a free one).
    pub port: u16,
    /// Worker threads (default: one per core).
    pub workers: Option<usize>,
    /// Largest JSON/form body in bytes.
    pub max_body_bytes: usize,
    /// Reverse proxies (addresses or networks such as `10.0.0.0/8`) whose
    /// `X-Forwarded-For` names the client; empty: the peer is the client.
    pub trusted_proxies: Vec<String>,
    /// Django's `ALLOWED_HOSTS`: host names served (`example.com`,
    /// `.example.com` with subdomains, `*` for any). Unset: the loopback
    /// names in development; production refuses to start.
    pub allowed_hosts: Option<Vec<String>>,
    /// Longest wait in seconds for the next piece of a request body
    /// (nginx's `client_body_timeout`); 408 beyond.
    pub body_timeout_secs: u64,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8000,
            workers: None,
            max_body_bytes: 1024 * 1024,
            trusted_proxies: Vec::new(),
            allowed_hosts: None,
            body_timeout_secs: 60,
        }
    }
}

/// `database.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct DatabaseSettings {
    /// `sqlite://path` or `postgres://…`.
    pub url: String,
    /// Most pooled connections.
    pub pool_size: u32,
    /// How long (ms) a catalog read (a list page, an entity) is reused
    /// while nothing is written. A write by any process (this server,
    /// another one on the same database, the CLI) is seen by the next
    /// read; the lifetime only bounds what the cache holds. 0 reads every
    /// request afresh.
    pub read_cache_ms: u64,
    /// How long (ms) a request waits for a pooled connection before it is
    /// answered 503 with `Retry-After`.
    pub acquire_timeout_ms: u64,
    /// Longest a statement may run (ms) before the database cancels it
    /// and the request is answered 503 (PostgreSQL's `statement_timeout`;
    /// on SQLite the request stops waiting for it). 0: no limit.
    pub statement_timeout_ms: u64,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: "sqlite://data/mstream.sqlite3".into(),
            pool_size: 16,
            read_cache_ms: 1000,
            acquire_timeout_ms: 2000,
            statement_timeout_ms: 5000,
        }
    }
}

/// `media.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct MediaSettings {
    /// Folder of the uploaded files.
    pub root: PathBuf,
    /// Largest upload.
    pub max_upload_bytes: u64,
    /// Lifetime of signed media URLs.
    pub url_ttl_secs: u64,
    /// Serve media without signatures.
    pub public: bool,
}

impl Default for MediaSettings {
    fn default() -> Self {
        Self {
            root: PathBuf::from("content"),
            max_upload_bytes: 4 * 1024 * 1024 * 1024,
            url_ttl_secs: 6 * 3600,
            public: false,
        }
    }
}

/// `auth.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct AuthSettings {
    /// bcrypt work factor.
    pub bcrypt_cost: u32,
    /// How long (ms) a token, once looked up, is trusted without another
    /// lookup while no account write (by any process) intervenes; a
    /// revocation takes effect at the next request everywhere. 0 looks
    /// every request's token up.
    pub token_cache_ms: u64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            bcrypt_cost: 12,
            token_cache_ms: 1000,
        }
    }
}

/// `throttle.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ThrottleSettings {
    /// Requests a minute per signed-in user (0: unlimited).
    pub user_per_minute: u32,
    /// Requests a minute per admin (0: unlimited); higher, so the admin
    /// panel does not throttle itself.
    pub admin_per_minute: u32,
    /// Requests a minute per anonymous client address (0: unlimited).
    pub anon_per_minute: u32,
    /// Count budgets in this Redis (`redis://127.0.0.1:6379/0`), shared by
    /// every process of the site; unset: in this process.
    pub redis_url: Option<String>,
    /// Prefix of the site's keys in Redis.
    pub redis_prefix: String,
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        Self {
            user_per_minute: 60,
            admin_per_minute: 600,
            anon_per_minute: 60,
            redis_url: None,
            redis_prefix: "mstream:throttle:".into(),
        }
    }
}

/// Django's `check --deploy` (security.W009): a production secret key
/// shorter than this, or with fewer distinct characters, is refused.
pub const MIN_SECRET_CHARS: usize = 50;
/// See [`MIN_SECRET_CHARS`].
pub const MIN_SECRET_DISTINCT: usize = 5;

/// Whether `key` is too weak to sign anything in production.
pub fn weak_secret(key: &str) -> bool {
    let distinct: std::collections::HashSet<char> = key.chars().collect();
    key.chars().count() < MIN_SECRET_CHARS || distinct.len() < MIN_SECRET_DISTINCT
}

/// Why the configuration was refused.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl Settings {
    /// Reads every layer from the working directory and the environment.
    pub fn load() -> Result<Self, ConfigError> {
        let environment = std::env::var("MSTREAM_ENV").unwrap_or_else(|_| "development".into());
        let config = Config::builder()
            .add_source(File::with_name("config/default").required(false))
            .add_source(File::with_name(&format!("config/{environment}")).required(false))
            .add_source(
                Environment::with_prefix("MSTREAM")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true)
                    .list_separator(",")
                    .with_list_parse_key("server.trusted_proxies")
                    .with_list_parse_key("server.allowed_hosts"),
            )
            .build()
            .map_err(|e| ConfigError(e.to_string()))?;
        let mut settings: Settings = config
            .try_deserialize()
            .map_err(|e| ConfigError(e.to_string()))?;
        settings.environment = environment;
        if settings.secret_key.as_deref().is_none_or(str::is_empty) {
            settings.secret_key = std::env::var("DSK").ok().filter(|k| !k.is_empty());
        }
        settings.validate()?;
        Ok(settings)
    }

    /// Defaults only (tests start from these).
    pub fn defaults() -> Self {
        Self {
            secret_key: None,
            server: ServerSettings::default(),
            database: DatabaseSettings::default(),
            media: MediaSettings::default(),
            auth: AuthSettings::default(),
            throttle: ThrottleSettings::default(),
            environment: "development".into(),
        }
    }

    /// Checks values no type can (URL scheme, ranges).
    pub fn validate(&self) -> Result<(), ConfigError> {
        mstream_db::Backend::from_url(&self.database.url).map_err(ConfigError)?;
        if !(4..=31).contains(&self.auth.bcrypt_cost) {
            return Err(ConfigError(format!(
                "auth.bcrypt_cost = {}: must be between 4 and 31",
                self.auth.bcrypt_cost
            )));
        }
        mstream_api::TrustedProxies::parse(&self.server.trusted_proxies).map_err(ConfigError)?;
        if self.database.pool_size == 0 {
            return Err(ConfigError("database.pool_size must be at least 1".into()));
        }
        if self.server.body_timeout_secs == 0 {
            return Err(ConfigError(
                "server.body_timeout_secs must be at least 1".into(),
            ));
        }
        if !self.is_production() {
            return Ok(());
        }
        let Some(key) = &self.secret_key else {
            return Err(ConfigError(
                "MSTREAM_ENV=production needs a secret key: set MSTREAM__SECRET_KEY (or DSK)"
                    .into(),
            ));
        };
        if weak_secret(key) {
            return Err(ConfigError(format!(
                "MSTREAM_ENV=production needs a strong secret key: at least {MIN_SECRET_CHARS} characters, {MIN_SECRET_DISTINCT} of them different (e.g. `openssl rand -hex 32`)"
            )));
        }
        let no_hosts = self
            .server
            .allowed_hosts
            .as_ref()
            .is_none_or(|hosts| mstream_api::AllowedHosts::parse(hosts).is_empty());
        if no_hosts {
            return Err(ConfigError(
                "MSTREAM_ENV=production needs server.allowed_hosts: the host names this site is served as (MSTREAM__SERVER__ALLOWED_HOSTS=example.com,www.example.com)".into(),
            ));
        }
        Ok(())
    }

    /// The hosts served: the configured ones, or development's loopback.
    pub fn allowed_hosts(&self) -> mstream_api::AllowedHosts {
        self.server
            .allowed_hosts
            .as_ref()
            .map_or_else(mstream_api::AllowedHosts::default, |hosts| {
                mstream_api::AllowedHosts::parse(hosts)
            })
    }

    /// Whether `MSTREAM_ENV=production`.
    pub fn is_production(&self) -> bool {
        self.environment == "production"
    }

    /// The secret key, or a throwaway one for this run (development only;
    /// signed URLs stop working at restart). Returns whether it was generated.
    pub fn secret_key_or_throwaway(&mut self) -> (String, bool) {
        match &self.secret_key {
            Some(key) => (key.clone(), false),
            None => {
                let key: String = (0..64)
                    .map(|_| char::from(b"0123456789abcdef"[rand::random_range(0..16)]))
                    .collect();
                self.secret_key = Some(key.clone());
                (key, true)
            }
        }
    }
}

//! Configuration: built-in defaults, then `config/default.toml`, then
//! `config/<MSTREAM_ENV>.toml`, then `MSTREAM__SECTION__KEY` environment
//! variables (a `.env` file in the working directory supplies any that the
//! real environment lacks). `DSK` stands in for `MSTREAM__SECRET_KEY`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use config::{Config, Environment, File};
use serde::{Deserialize, Serialize};

/// Every setting, each with a default.
#[derive(Debug, Clone, Deserialize, Serialize)]
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
    /// HLS packaging jobs.
    #[serde(default)]
    pub hls: HlsSettings,
    /// `MSTREAM_ENV` (`development` unless set).
    #[serde(skip)]
    pub environment: String,
}

/// `server.*`.
#[derive(Debug, Clone, Deserialize, Serialize)]
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
#[derive(Debug, Clone, Deserialize, Serialize)]
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
    /// Counts of lists with at least this many matches are kept and
    /// reused until anything is written, by any process (a count scans
    /// every match; checking that nothing was written is one read). 0
    /// counts every list afresh.
    pub keep_counts_from: u64,
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
            read_cache_ms: 10_000,
            keep_counts_from: 1_000,
            acquire_timeout_ms: 2000,
            statement_timeout_ms: 5000,
        }
    }
}

/// `media.*`.
#[derive(Debug, Clone, Deserialize, Serialize)]
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
    /// How long a resumable (tus) upload lives after its last append.
    pub resumable_ttl_secs: u64,
}

impl Default for MediaSettings {
    fn default() -> Self {
        Self {
            root: PathBuf::from("content"),
            max_upload_bytes: 4 * 1024 * 1024 * 1024,
            url_ttl_secs: 6 * 3600,
            public: false,
            resumable_ttl_secs: 24 * 3600,
        }
    }
}

/// `hls.*`: the packaging worker each server runs (docs/hls.md).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct HlsSettings {
    /// Run a packaging worker in this process.
    pub worker: bool,
    /// The ffmpeg program.
    pub ffmpeg: String,
    /// The ffprobe program.
    pub ffprobe: String,
    /// How often an idle worker looks for a job.
    pub poll_interval_ms: u64,
    /// How long a claimed job stays claimed without news from its worker.
    pub lease_secs: u64,
    /// Attempts before a job is marked failed.
    pub max_attempts: u32,
    /// Wait after the first failed attempt (doubled after each further one).
    pub retry_base_secs: u64,
    /// Re-encoded renditions, `<height>:<kbit/s>` each; empty: stream copy
    /// of H.264/AAC input, else one rendition at the source size.
    pub ladder: Vec<String>,
    /// Target segment length.
    pub segment_secs: u32,
    /// How fast a packaging job reads its input, MiB a second; 0: as fast
    /// as ffmpeg can (docs/hls.md, "What a job costs the API").
    pub read_mib_per_sec: u32,
}

impl Default for HlsSettings {
    fn default() -> Self {
        Self {
            worker: true,
            ffmpeg: "ffmpeg".into(),
            ffprobe: "ffprobe".into(),
            poll_interval_ms: 2000,
            lease_secs: 60,
            max_attempts: 5,
            retry_base_secs: 10,
            ladder: Vec::new(),
            segment_secs: 4,
            read_mib_per_sec: 4,
        }
    }
}

impl HlsSettings {
    /// The ladder, parsed.
    pub fn renditions(&self) -> Result<Vec<mstream_service::hls::Rendition>, ConfigError> {
        self.ladder
            .iter()
            .map(|r| {
                r.parse()
                    .map_err(|e| ConfigError(format!("hls.ladder: {e}")))
            })
            .collect()
    }
}

/// `auth.*`.
#[derive(Debug, Clone, Deserialize, Serialize)]
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
            token_cache_ms: 10_000,
        }
    }
}

/// `throttle.*`.
#[derive(Debug, Clone, Deserialize, Serialize)]
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
    /// The throttle's own defaults (`mstream_api::ThrottleSettings`), so the
    /// numbers are written once.
    fn default() -> Self {
        let api = mstream_api::ThrottleSettings::default();
        Self {
            user_per_minute: api.user_per_minute,
            admin_per_minute: api.admin_per_minute,
            anon_per_minute: api.anon_per_minute,
            redis_url: api.redis_url,
            redis_prefix: api.redis_prefix,
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
        Self::load_with(None)
    }

    /// As [`Settings::load`], with `extra` (`--config FILE`) read after
    /// `config/<MSTREAM_ENV>.toml` and before the environment.
    pub fn load_with(extra: Option<&Path>) -> Result<Self, ConfigError> {
        let environment = std::env::var("MSTREAM_ENV").unwrap_or_else(|_| "development".into());
        let mut files = vec![
            (
                "config/default.toml".to_owned(),
                File::with_name("config/default").required(false),
            ),
            (
                format!("config/{environment}.toml"),
                File::with_name(&format!("config/{environment}")).required(false),
            ),
        ];
        if let Some(extra) = extra {
            if !extra.is_file() {
                return Err(ConfigError(format!(
                    "--config {}: no such file",
                    extra.display()
                )));
            }
            files.push((
                extra.display().to_string(),
                File::from(extra.to_path_buf()).required(true),
            ));
        }
        let mut builder = Config::builder();
        for (_, file) in &files {
            builder = builder.add_source(file.clone());
        }
        let config = builder
            .add_source(
                Environment::with_prefix("MSTREAM")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true)
                    .list_separator(",")
                    .with_list_parse_key("server.trusted_proxies")
                    .with_list_parse_key("server.allowed_hosts")
                    .with_list_parse_key("hls.ladder"),
            )
            .build()
            .map_err(|e| ConfigError(describe_error(e)))?;
        let unknown = unknown_keys(&files)?;
        let mut settings: Settings = config
            .try_deserialize()
            .map_err(|e| ConfigError(describe_error(e)))?;
        settings.environment = environment;
        if !unknown.is_empty() {
            let list = unknown.join("; ");
            if settings.is_production() {
                return Err(ConfigError(format!(
                    "unknown configuration keys (refused with MSTREAM_ENV=production): {list}"
                )));
            }
            tracing::warn!("unknown configuration keys, ignored: {list}");
        }
        if settings.secret_key.as_deref().is_none_or(str::is_empty) {
            settings.secret_key = std::env::var("DSK").ok().filter(|k| !k.is_empty());
        }
        settings.validate()?;
        Ok(settings)
    }

    /// Every key a configuration may set (`server.port`, `secret_key`, …),
    /// read from the serialised defaults, so a new setting is known as soon
    /// as it is a field.
    pub fn known_keys() -> BTreeSet<String> {
        fn walk(prefix: &str, value: &serde_json::Value, keys: &mut BTreeSet<String>) {
            match value {
                serde_json::Value::Object(map) => {
                    for (key, value) in map {
                        let path = if prefix.is_empty() {
                            key.clone()
                        } else {
                            format!("{prefix}.{key}")
                        };
                        walk(&path, value, keys);
                    }
                }
                _ => {
                    keys.insert(prefix.to_owned());
                }
            }
        }
        let mut keys = BTreeSet::new();
        if let Ok(defaults) = serde_json::to_value(Self::defaults()) {
            walk("", &defaults, &mut keys);
        }
        keys
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
            hls: HlsSettings::default(),
            environment: "development".into(),
        }
    }

    /// Checks values no type can (URL scheme, ranges).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let backend = mstream_db::Backend::from_url(&self.database.url).map_err(ConfigError)?;
        if backend.is_postgres() && !names_database(&self.database.url) {
            return Err(ConfigError(
                "database.url: a PostgreSQL URL must name its database (postgres://user@host:5432/mstream); without one the tables would go into the server's shared default database".into(),
            ));
        }
        if !(4..=31).contains(&self.auth.bcrypt_cost) {
            return Err(ConfigError(format!(
                "auth.bcrypt_cost = {}: must be between 4 and 31",
                self.auth.bcrypt_cost
            )));
        }
        mstream_api::TrustedProxies::parse(&self.server.trusted_proxies).map_err(ConfigError)?;
        self.hls.renditions()?;
        if self.hls.lease_secs == 0 || self.hls.max_attempts == 0 {
            return Err(ConfigError(
                "hls.lease_secs and hls.max_attempts must be at least 1".into(),
            ));
        }
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

/// Whether a `postgres://` URL names a database: a non-empty path after
/// the host, or a `dbname=` parameter.
fn names_database(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let (location, query) = rest.split_once('?').unwrap_or((rest, ""));
    let path = location
        .split_once('/')
        .map_or("", |(_, path)| path.trim_matches('/'));
    !path.is_empty()
        || query
            .split('&')
            .any(|pair| pair.strip_prefix("dbname=").is_some_and(|v| !v.is_empty()))
}

/// Keys set in the config files or as `MSTREAM__…` variables that no
/// setting reads, each named where it was set (with a guess at what was
/// meant).
fn unknown_keys(
    files: &[(String, File<config::FileSourceFile, config::FileFormat>)],
) -> Result<Vec<String>, ConfigError> {
    let known = Settings::known_keys();
    let mut unknown = Vec::new();
    let mut report = |key: &str, place: String| {
        if !known.contains(key) {
            let guess = closest(key, &known)
                .map(|k| format!(" (did you mean {k}?)"))
                .unwrap_or_default();
            unknown.push(format!("{key} in {place}{guess}"));
        }
    };
    for (name, file) in files {
        let table = Config::builder()
            .add_source(file.clone())
            .build()
            .and_then(|c| c.try_deserialize::<config::Map<String, config::Value>>())
            .map_err(|e| ConfigError(describe_error(e)))?;
        let mut keys = Vec::new();
        leaf_keys("", &table, &mut keys);
        for key in keys {
            report(&key, name.clone());
        }
    }
    let mut variables: Vec<(String, String)> = std::env::vars()
        .filter_map(|(name, _)| {
            let rest = name.strip_prefix("MSTREAM__")?;
            Some((rest.to_lowercase().replace("__", "."), name))
        })
        .collect();
    variables.sort();
    for (key, name) in variables {
        report(&key, name);
    }
    Ok(unknown)
}

fn leaf_keys(prefix: &str, table: &config::Map<String, config::Value>, keys: &mut Vec<String>) {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match &value.kind {
            config::ValueKind::Table(inner) => leaf_keys(&path, inner, keys),
            _ => keys.push(path),
        }
    }
}

/// The known key nearest to `key` within two edits, if any.
fn closest<'a>(key: &str, known: &'a BTreeSet<String>) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (edit_distance(key, k), k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.as_str())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The `MSTREAM__…` variable that sets `key`.
fn variable_of(key: &str) -> String {
    format!("MSTREAM__{}", key.to_uppercase().replace('.', "__"))
}

/// A loader error in the operator's terms: which key, where it was set,
/// the value and what the key takes (not serde's type vocabulary).
fn describe_error(error: config::ConfigError) -> String {
    match error {
        config::ConfigError::Type {
            origin,
            unexpected,
            expected,
            key: Some(key),
        } => {
            // config keeps serde's wording ("64-bit unsigned integer
            // `99999`", "string \"abc\""); only the value is wanted.
            let found = unexpected.to_string();
            let value = match found.split('`').nth(1) {
                Some(inner) => inner.to_owned(),
                None => found
                    .strip_prefix("string ")
                    .map_or(found.clone(), str::to_owned),
            };
            let place = match origin.as_deref() {
                None | Some("the environment") => variable_of(&key),
                Some(file) => file.to_owned(),
            };
            format!("{key} = {value} (in {place}): {}", takes(expected))
        }
        other => other.to_string(),
    }
}

/// What a key of serde's `expected` type accepts, in plain words.
fn takes(expected: &str) -> String {
    if expected.contains("16 bit") {
        "must be a whole number from 0 to 65535".into()
    } else if expected.contains("32 bit") {
        "must be a whole number from 0 to 4294967295".into()
    } else if expected.contains("integer") {
        "must be a whole number, 0 or more".into()
    } else if expected.contains("boolean") {
        "must be true or false".into()
    } else if expected.contains("sequence") {
        "must be a list (comma-separated in an environment variable)".into()
    } else if expected.contains("string") {
        "must be text".into()
    } else {
        format!("must be {expected}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_keys_come_from_the_settings() {
        let keys = Settings::known_keys();
        for key in [
            "secret_key",
            "server.port",
            "server.workers",
            "media.root",
            "throttle.anon_per_minute",
        ] {
            assert!(keys.contains(key), "{key} in {keys:?}");
        }
        assert!(!keys.contains("environment"));
        assert_eq!(closest("server.prot", &keys), Some("server.port"));
    }

    /// docs/operations.md lists every key with its variable: a new setting
    /// fails here until it is documented.
    #[test]
    fn every_key_is_documented_in_operations_md() {
        let doc = include_str!("../../../docs/operations.md");
        for key in Settings::known_keys() {
            let row = format!("| `{key}` | `{}`", variable_of(&key));
            assert!(
                doc.contains(&row),
                "docs/operations.md: a row for {key}: {row}"
            );
        }
    }

    #[test]
    fn postgres_urls_must_name_a_database() {
        assert!(names_database("postgres://u@h:5432/db"));
        assert!(names_database("postgres://u:p@h/db?sslmode=disable"));
        assert!(names_database("postgresql://h?dbname=x"));
        assert!(!names_database("postgres://postgres@127.0.0.1:5432/"));
        assert!(!names_database("postgres://postgres@127.0.0.1:5432"));
        assert!(!names_database("postgres://h/?sslmode=disable"));
    }
}

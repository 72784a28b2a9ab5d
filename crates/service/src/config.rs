//! The settings the use cases run with, filled by the binary from its
//! configuration.

use std::path::PathBuf;

/// Settings the use cases need.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// bcrypt work factor (4..=31).
    pub bcrypt_cost: u32,
    /// Where uploaded media live (the stored paths are relative to it).
    pub media_root: PathBuf,
    /// Media settings (root, limits, URL lifetime).
    pub media: MediaConfig,
    /// Signs media URLs.
    pub secret_key: String,
    /// How long an authenticated token is trusted without a lookup
    /// (see [`crate::token_cache`]); zero looks every request up.
    pub token_cache_ttl: std::time::Duration,
    /// How long a catalog read is reused while nothing is written (see
    /// [`crate::read_cache`]); zero reads every request afresh.
    pub read_cache_ttl: std::time::Duration,
    /// HLS packaging.
    pub hls: crate::hls::HlsConfig,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            bcrypt_cost: 12,
            media_root: PathBuf::from("content"),
            media: MediaConfig::default(),
            secret_key: String::new(),
            token_cache_ttl: std::time::Duration::from_secs(1),
            read_cache_ttl: std::time::Duration::from_secs(1),
            hls: crate::hls::HlsConfig::default(),
        }
    }
}

/// Media settings.
#[derive(Debug, Clone)]
pub struct MediaConfig {
    /// The media root.
    pub root: PathBuf,
    /// Largest upload in bytes.
    pub max_upload_bytes: u64,
    /// Lifetime of a signed URL.
    pub url_ttl_secs: u64,
    /// Serve without signatures.
    pub public: bool,
}

impl Default for MediaConfig {
    fn default() -> Self {
        Self {
            root: PathBuf::from("content"),
            max_upload_bytes: 4 * 1024 * 1024 * 1024,
            url_ttl_secs: 6 * 3600,
            public: false,
        }
    }
}

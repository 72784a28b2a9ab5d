//! The settings the use cases run with, filled by the binary from its
//! configuration.

use std::path::PathBuf;
use std::time::Duration;

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
    /// Counts of lists with at least this many matches are kept and
    /// reused while nothing is written (see [`crate::counts`]); 0 keeps
    /// none.
    pub keep_counts_from: u64,
    /// HLS packaging.
    pub hls: HlsConfig,
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
            keep_counts_from: 1_000,
            hls: HlsConfig::default(),
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
    /// How long a resumable upload lives after its last append.
    pub resumable_ttl_secs: u64,
}

impl Default for MediaConfig {
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

/// Packaging settings.
#[derive(Debug, Clone)]
pub struct HlsConfig {
    /// Whether this process runs a worker at all.
    pub worker: bool,
    /// The `ffmpeg` program.
    pub ffmpeg: String,
    /// The `ffprobe` program.
    pub ffprobe: String,
    /// How often an idle worker looks for a job.
    pub poll_interval: Duration,
    /// How long a claim holds without being renewed.
    pub lease: Duration,
    /// Attempts before a job is `failed`.
    pub max_attempts: u32,
    /// The wait after the first failure (doubled after each further one).
    pub retry_base: Duration,
    /// Re-encoded renditions; empty: stream copy when the input is
    /// H.264/AAC, else one rendition at the source size.
    pub ladder: Vec<Rendition>,
    /// Target segment length in seconds.
    pub segment_secs: u32,
    /// How fast a job reads its input, in bytes a second (ffmpeg's
    /// `-readrate`, worked out from the file's size and duration); 0: as
    /// fast as ffmpeg can. A stream copy is nearly all reading and writing,
    /// and unpaced it takes the API's cores in bursts (docs/hls.md).
    pub read_bytes_per_sec: u64,
}

impl Default for HlsConfig {
    fn default() -> Self {
        Self {
            worker: true,
            ffmpeg: "ffmpeg".into(),
            ffprobe: "ffprobe".into(),
            poll_interval: Duration::from_secs(2),
            lease: Duration::from_secs(60),
            max_attempts: 5,
            retry_base: Duration::from_secs(10),
            ladder: Vec::new(),
            segment_secs: 4,
            read_bytes_per_sec: 4 * 1024 * 1024,
        }
    }
}

/// One re-encoded rendition of the ladder: `<height>:<video kbit/s>`
/// (e.g. `720:2800`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rendition {
    /// Lines; the width follows the aspect ratio.
    pub height: u32,
    /// Video bit rate in kbit/s.
    pub video_kbps: u32,
}

impl std::str::FromStr for Rendition {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (height, kbps) = text
            .trim()
            .split_once(':')
            .ok_or_else(|| format!("{text:?}: expected <height>:<kbit/s>, e.g. 720:2800"))?;
        let height: u32 = height
            .trim()
            .parse()
            .map_err(|_| format!("{text:?}: the height is no number"))?;
        let video_kbps: u32 = kbps
            .trim()
            .trim_end_matches('k')
            .parse()
            .map_err(|_| format!("{text:?}: the bit rate is no number"))?;
        if !(64..=4320).contains(&height) || video_kbps == 0 {
            return Err(format!("{text:?}: height 64–4320, bit rate above 0"));
        }
        Ok(Self { height, video_kbps })
    }
}

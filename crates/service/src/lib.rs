//! mstream's use cases, free of HTTP.
//!
//! Every operation takes the caller as an [`Actor`](mstream_kernel::Actor)
//! and decides permission itself. Database and bcrypt work runs on tokio's
//! blocking pool ([`Ctx::run`]), never on the async workers. Business rules
//! live here: ownership of reviews and the rating mean recomputed in the
//! same transaction as every review change, cascades, token handling.

pub mod accounts;
pub mod audit;
pub mod catalog;
pub mod config;
pub mod counts;
pub mod ctx;
pub mod error;
pub mod freshness;
pub mod hasher;
pub mod history;
pub mod hls;
pub mod media;
pub mod open_files;
pub mod password;
pub mod policy;
pub mod progress;
pub mod read_cache;
pub mod resumable;
pub mod reviews;
pub mod seed;
pub mod token;
pub mod token_cache;

pub use accounts::AccountService;
pub use catalog::CatalogService;
pub use config::{MediaConfig, ServiceConfig};
pub use ctx::Ctx;
pub use error::{ServiceError, ServiceResult};
pub use reviews::ReviewService;

use mstream_db::DbPool;

/// Every service, sharing one pool and configuration.
#[derive(Clone)]
pub struct Services {
    /// Sign-up, sign-in, tokens, accounts.
    pub accounts: AccountService,
    /// The admin-curated catalog resources.
    pub catalog: CatalogService,
    /// Reviews and ratings.
    pub reviews: ReviewService,
    /// The admin history of catalog writes.
    pub history: history::HistoryService,
    /// Media uploads, signed URLs, the subscribers' catalog.
    pub media: media::MediaService,
    /// Where users stopped watching.
    pub progress: progress::ProgressService,
    /// Resumable (tus) uploads that become media files.
    pub uploads: resumable::ResumableUploads,
    /// HLS packaging: this process's worker and the jobs' state.
    pub hls: hls::HlsService,
    /// The shared context.
    pub ctx: Ctx,
}

impl Services {
    /// Builds the services over `pool`.
    pub fn new(pool: DbPool, config: ServiceConfig) -> Self {
        let ctx = Ctx::new(pool, config.clone());
        let media = media::MediaService::new(
            ctx.clone(),
            config.media.clone(),
            media::Signer::new(
                &config.secret_key,
                config.media.url_ttl_secs,
                config.media.public,
            ),
        );
        Self {
            accounts: AccountService::new(ctx.clone()),
            catalog: CatalogService::new(ctx.clone()),
            reviews: ReviewService::new(ctx.clone()),
            history: history::HistoryService::new(ctx.clone()),
            uploads: resumable::ResumableUploads::new(
                ctx.clone(),
                media.clone(),
                config.media.resumable_ttl_secs,
            ),
            progress: progress::ProgressService::new(ctx.clone()),
            media,
            hls: hls::HlsService::new(ctx.clone(), config.hls.clone(), config.media.root.clone()),
            ctx,
        }
    }
}

//! mstream's use cases, free of HTTP.
//!
//! Every operation takes the caller as an [`Actor`](mstream_kernel::Actor)
//! and decides permission itself. Database and bcrypt work runs on tokio's
//! blocking pool ([`Ctx::run`]), never on the async workers. Business rules
//! live here: ownership of reviews and the rating mean recomputed in the
//! same transaction as every review change, cascades, token handling.

pub mod accounts;
pub mod catalog;
pub mod config;
pub mod ctx;
pub mod error;
pub mod freshness;
pub mod hasher;
pub mod hls;
pub mod media;
pub mod open_files;
pub mod password;
pub mod policy;
pub mod read_cache;
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
    /// Media uploads, signed URLs, the subscribers' catalog.
    pub media: media::MediaService,
    /// HLS packaging: this process's worker and the jobs' state.
    pub hls: hls::HlsService,
    /// The shared context.
    pub ctx: Ctx,
}

impl Services {
    /// Builds the services over `pool`.
    pub fn new(pool: DbPool, config: ServiceConfig) -> Self {
        let ctx = Ctx::new(pool, config.clone());
        Self {
            accounts: AccountService::new(ctx.clone()),
            catalog: CatalogService::new(ctx.clone()),
            reviews: ReviewService::new(ctx.clone()),
            media: media::MediaService::new(
                ctx.clone(),
                config.media.clone(),
                media::Signer::new(
                    &config.secret_key,
                    config.media.url_ttl_secs,
                    config.media.public,
                ),
            ),
            hls: hls::HlsService::new(ctx.clone(), config.hls.clone(), config.media.root.clone()),
            ctx,
        }
    }
}

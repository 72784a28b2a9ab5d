//! Request budgets (SPEC §7): `user_per_minute` per signed-in user — keyed
//! by the user, whatever token or address they use — `admin_per_minute`
//! per admin (so the admin panel does not throttle itself), and
//! `anon_per_minute` per client address for everyone else. Probes, the
//! scraper and media (`/content/`) are never counted.
//!
//! One middleware, [`guard`], decides before any handler (and so before
//! any body) runs:
//! 1. Who is asking: no token → the client address; a token this process
//!    has cached (and nobody revoked since) → its user; an unknown token →
//!    looked up, unless the address has already presented more bad tokens
//!    than its anonymous budget, in which case it is refused with no
//!    database work at all (a flood of random tokens costs nothing).
//! 2. That subject's budget is spent, or the request is refused with
//!    `429`, `Retry-After` and DRF's detail text.
//!
//! Budgets are GCRA buckets ([`gcra`]), counted in this process or, with
//! `throttle.redis_url`, in Redis for every process alike
//! ([`redis_store`]). The answer of the token lookup is kept for the
//! [`crate::caller::Caller`] extractor, so a request authenticates once.

pub mod gcra;
pub mod proxies;
pub mod redis_store;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage, HttpResponse};
use mstream_kernel::{Actor, User};
use mstream_service::accounts::Known;
use mstream_service::{freshness, ServiceError};

pub use proxies::{client_ip, TrustedProxies};

use crate::credentials::{presented_token, Authenticated};
use crate::AppState;
use gcra::{LocalStore, Rate};
use redis_store::RedisStore;

/// Budgets, where they are counted, and the proxies whose
/// `X-Forwarded-For` is believed.
#[derive(Debug, Clone)]
pub struct ThrottleSettings {
    /// Requests a minute per signed-in user (0 turns the limit off).
    pub user_per_minute: u32,
    /// Requests a minute per admin (0 turns the limit off).
    pub admin_per_minute: u32,
    /// Requests a minute per anonymous client address (0 turns it off).
    pub anon_per_minute: u32,
    /// Peers allowed to say who the client is in `X-Forwarded-For`.
    pub trusted_proxies: TrustedProxies,
    /// Count budgets in this Redis (`redis://host:6379/0`), shared by
    /// every process; `None` counts them in this process.
    pub redis_url: Option<String>,
    /// Prefix of this site's keys in Redis.
    pub redis_prefix: String,
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        Self {
            user_per_minute: 60,
            admin_per_minute: 600,
            anon_per_minute: 60,
            trusted_proxies: TrustedProxies::default(),
            redis_url: None,
            redis_prefix: "mstream:throttle:".into(),
        }
    }
}

/// Paths never counted: probes, the scraper, media byte ranges.
pub fn exempt(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics") || path.starts_with("/content/")
}

/// The signed-in user a request was counted against (for the access log).
#[derive(Debug, Clone, Copy)]
pub struct Identified(pub uuid::Uuid);

/// Where one HTTP worker counts budgets: this process's store (shared by
/// all workers) and, when configured, its own connection to Redis.
pub struct Budgets {
    local: Arc<LocalStore>,
    redis: Option<RedisStore>,
}

impl Budgets {
    /// For one worker; `local` is the process's store.
    pub fn new(settings: &ThrottleSettings, local: Arc<LocalStore>) -> Self {
        let redis = settings.redis_url.as_deref().and_then(|url| {
            RedisStore::new(url, &settings.redis_prefix)
                .map_err(|e| redis_store::fell_back(&e.to_string()))
                .ok()
        });
        Self { local, redis }
    }

    /// Spends (or, with `peek`, looks at) one request of `key`'s budget.
    async fn take(&self, key: &str, rate: Rate, peek: bool) -> Result<(), Duration> {
        if let Some(redis) = &self.redis {
            match redis.take(key, rate, peek).await {
                Ok(decision) => return decision,
                Err(why) => redis_store::fell_back(&why),
            }
        }
        self.local.take(key, rate, peek)
    }
}

/// Who a request is counted against.
enum Subject {
    User(User),
    Addr(IpAddr),
}

/// The middleware that refuses a request whose caller spent its budget.
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    freshness::arrived(async move {
        match admit(&req).await {
            Ok(()) => next
                .call(req)
                .await
                .map(ServiceResponse::map_into_left_body),
            Err(wait) => Ok(req.into_response(throttled(wait)).map_into_right_body()),
        }
    })
    .await
}

async fn admit(req: &ServiceRequest) -> Result<(), Duration> {
    if exempt(req.path()) {
        return Ok(());
    }
    let (Some(state), Some(budgets)) = (
        req.app_data::<web::Data<AppState>>(),
        req.app_data::<web::Data<Budgets>>(),
    ) else {
        return Ok(());
    };
    let settings = &state.settings.throttle;
    let Some(ip) = client_ip(req, &settings.trusted_proxies) else {
        return Ok(());
    };
    let subject = match presented_token(req.request()) {
        // A malformed header is the extractor's 401 to give.
        Ok(None) | Err(_) => Subject::Addr(ip),
        Ok(Some(token)) => identify(req, state, budgets, ip, token).await?,
    };
    let (key, per_minute) = match &subject {
        Subject::User(user) if user.is_admin => {
            (format!("u:{}", user.id), settings.admin_per_minute)
        }
        Subject::User(user) => (format!("u:{}", user.id), settings.user_per_minute),
        Subject::Addr(ip) => (format!("a:{ip}"), settings.anon_per_minute),
    };
    match Rate::per_minute(per_minute) {
        Some(rate) => budgets.take(&key, rate, false).await,
        None => Ok(()),
    }
}

/// Resolves a presented token, leaving the answer for the `Caller`.
async fn identify(
    req: &ServiceRequest,
    state: &AppState,
    budgets: &Budgets,
    ip: IpAddr,
    token: String,
) -> Result<Subject, Duration> {
    let accounts = &state.services.accounts;
    let bad_tokens = Rate::per_minute(state.settings.throttle.anon_per_minute);
    let bad_key = format!("t:{ip}");
    let result = match accounts.cached_user(&token).await {
        Ok(Known::User(user)) => Ok(Actor::User(user)),
        Ok(known) => {
            // A token seen valid a moment ago is looked up again whatever
            // its address did; an unknown one only while the address has
            // not spent its budget of bad tokens.
            if let (Known::Unknown, Some(rate)) = (known, bad_tokens) {
                budgets.take(&bad_key, rate, true).await?;
            }
            let result = accounts.authenticate(Some(token)).await;
            if let (Err(ServiceError::InvalidToken), Some(rate)) = (&result, bad_tokens) {
                // Spent even when it leaves nothing: the next unknown
                // token from here is then refused before its lookup.
                let _ = budgets.take(&bad_key, rate, false).await;
            }
            result
        }
        Err(error) => Err(error),
    };
    let subject = match &result {
        Ok(Actor::User(user)) => {
            req.extensions_mut().insert(Identified(user.id.uuid()));
            Subject::User(user.clone())
        }
        _ => Subject::Addr(ip),
    };
    req.extensions_mut().insert(Authenticated(result));
    Ok(subject)
}

/// DRF's 429: the wait in whole seconds, rounded up, at least one, with
/// its singular and plural forms.
fn throttled(wait: Duration) -> HttpResponse {
    let seconds = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
    let unit = if seconds == 1 { "second" } else { "seconds" };
    HttpResponse::TooManyRequests()
        .insert_header((header::RETRY_AFTER, seconds))
        .json(serde_json::json!({
            "detail": format!("Request was throttled. Expected available in {seconds} {unit}.")
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_is_whole_seconds_in_drf_words() {
        let body = |wait| {
            let response = throttled(wait);
            let retry = response.headers().get(header::RETRY_AFTER).cloned();
            let bytes = match response.into_body().try_into_bytes() {
                Ok(bytes) => bytes,
                Err(_) => panic!("a sized body"),
            };
            (retry, String::from_utf8_lossy(&bytes).into_owned())
        };
        let (retry, text) = body(Duration::from_millis(200));
        assert_eq!(retry.unwrap(), "1");
        assert!(text.contains("Expected available in 1 second."), "{text}");
        let (retry, text) = body(Duration::from_millis(1_200));
        assert_eq!(retry.unwrap(), "2");
        assert!(text.contains("Expected available in 2 seconds."), "{text}");
    }
}

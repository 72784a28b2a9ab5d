//! Request budgets (SPEC §7): `user_per_minute` per signed-in user — keyed
//! by the user, whatever token or address they use — and `anon_per_minute`
//! per client address for everyone else. Probes, the scraper and media
//! (`/content/`) are never counted.
//!
//! Three layers, outermost first:
//! 1. [`identify`] resolves the presented token to its user (through the
//!    accounts service, whose short-lived token cache keeps floods off the
//!    database) and puts a [`Subject`] in the request's extensions, with
//!    the answer kept for the [`crate::caller::Caller`] extractor, so a
//!    request authenticates once.
//! 2. An `actix-governor` limiter keyed by client address for anonymous
//!    requests.
//! 3. An `actix-governor` limiter keyed by user id for signed-in ones.
//!
//! Both limiters are GCRA buckets: a burst of N, refilled at N a minute, so
//! the (N+1)-th request of a burst is refused with `429`, `Retry-After` and
//! DRF's detail text.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_governor::governor::clock::{Clock, DefaultClock, QuantaInstant};
use actix_governor::governor::middleware::NoOpMiddleware;
use actix_governor::governor::NotUntil;
use actix_governor::{
    Governor, GovernorConfig, GovernorConfigBuilder, KeyExtractor, SimpleKeyExtractionError,
};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage, HttpResponse, HttpResponseBuilder};
use mstream_kernel::Actor;
use mstream_service::ServiceError;
use uuid::Uuid;

use crate::caller::presented_token;
use crate::AppState;

/// Budgets and the proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone)]
pub struct ThrottleSettings {
    /// Requests a minute per signed-in user (0 turns the limit off).
    pub user_per_minute: u32,
    /// Requests a minute per anonymous client address (0 turns it off).
    pub anon_per_minute: u32,
    /// Peers allowed to say who the client is in `X-Forwarded-For`.
    pub trusted_proxies: TrustedProxies,
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        Self {
            user_per_minute: 60,
            anon_per_minute: 60,
            trusted_proxies: TrustedProxies::default(),
        }
    }
}

/// Paths never counted: probes, the scraper, media byte ranges.
pub fn exempt(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics") || path.starts_with("/content/")
}

/// Addresses and networks (`10.0.0.0/8`, `::1`) of trusted reverse proxies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// Parses `address` or `address/prefix` entries.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        let mut nets = Vec::new();
        for entry in entries {
            let entry = entry.as_ref().trim();
            let (addr, prefix) = match entry.split_once('/') {
                Some((addr, prefix)) => (addr, Some(prefix)),
                None => (entry, None),
            };
            let addr: IpAddr = addr.parse().map_err(|_| {
                format!("server.trusted_proxies: '{entry}' is not an IP address or network")
            })?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                None => max,
                Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| {
                    format!("server.trusted_proxies: '{entry}' has a bad prefix length")
                })?,
            };
            nets.push((addr, prefix));
        }
        Ok(Self(nets))
    }

    /// Whether `ip` is one of the proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0
            .iter()
            .any(|(net, prefix)| match (canonical(*net), ip) {
                (IpAddr::V4(net), IpAddr::V4(ip)) => {
                    masked(u32::from(net).into(), *prefix, 32)
                        == masked(u32::from(ip).into(), *prefix, 32)
                }
                (IpAddr::V6(net), IpAddr::V6(ip)) => {
                    masked(u128::from(net), *prefix, 128) == masked(u128::from(ip), *prefix, 128)
                }
                _ => false,
            })
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn masked(bits: u128, prefix: u8, width: u8) -> u128 {
    if prefix == 0 {
        return 0;
    }
    let shift = u32::from(width - prefix);
    let all = if width == 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    };
    bits & (all >> shift << shift)
}

/// The client's address: the peer's, unless the peer is a trusted proxy,
/// in which case the right-most `X-Forwarded-For` hop that is not itself
/// a trusted proxy.
pub fn client_ip(req: &ServiceRequest, trusted: &TrustedProxies) -> Option<IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip())?;
    if !trusted.contains(peer) {
        return Some(peer);
    }
    let hops: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|hop| hop.trim().parse().ok())
        .collect();
    Some(
        hops.iter()
            .rev()
            .find(|hop| !trusted.contains(**hop))
            .or(hops.first())
            .copied()
            .unwrap_or(peer),
    )
}

/// Who a request is counted against; put in the request's extensions by
/// [`identify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    /// Not counted.
    Exempt,
    /// A signed-in user.
    User(Uuid),
    /// An anonymous client (or one whose token is invalid).
    Addr(IpAddr),
}

/// The authentication [`identify`] already did, for the `Caller` extractor.
pub struct Authenticated(pub Result<Actor, ServiceError>);

/// The middleware that decides the [`Subject`] of every request.
pub async fn identify(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let subject = subject(&req).await;
    req.extensions_mut().insert(subject);
    next.call(req).await
}

async fn subject(req: &ServiceRequest) -> Subject {
    if exempt(req.path()) {
        return Subject::Exempt;
    }
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Subject::Exempt;
    };
    let trusted = &state.settings.throttle.trusted_proxies;
    let anonymous = || client_ip(req, trusted).map_or(Subject::Exempt, Subject::Addr);
    let Ok(Some(token)) = presented_token(req.request()) else {
        return anonymous();
    };
    let result = state.services.accounts.authenticate(Some(token)).await;
    let subject = match &result {
        Ok(Actor::User(user)) => Subject::User(user.id.uuid()),
        _ => anonymous(),
    };
    req.extensions_mut().insert(Authenticated(result));
    subject
}

/// Keys one of the two limiters: the other kind of subject passes.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    users: bool,
}

impl KeyExtractor for Budget {
    type Key = Subject;
    type KeyExtractionError = SimpleKeyExtractionError<&'static str>;

    fn extract(&self, req: &ServiceRequest) -> Result<Subject, Self::KeyExtractionError> {
        let subject = req
            .extensions()
            .get::<Subject>()
            .copied()
            .unwrap_or(Subject::Exempt);
        Ok(match subject {
            Subject::User(_) if self.users => subject,
            Subject::Addr(_) if !self.users => subject,
            _ => Subject::Exempt,
        })
    }

    fn exceed_rate_limit_response(
        &self,
        negative: &NotUntil<QuantaInstant>,
        mut response: HttpResponseBuilder,
    ) -> HttpResponse {
        let wait = negative.wait_time_from(DefaultClock::default().now());
        let seconds = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
        response
            .insert_header((header::RETRY_AFTER, seconds))
            .json(serde_json::json!({
                "detail": format!("Request was throttled. Expected available in {seconds} seconds.")
            }))
    }

    fn whitelisted_keys(&self) -> Vec<Subject> {
        vec![Subject::Exempt]
    }
}

type Config = GovernorConfig<Budget, NoOpMiddleware<QuantaInstant>>;
type Limiter = Governor<Budget, NoOpMiddleware<QuantaInstant>>;

/// The two limiters of one server, shared by all its workers.
#[derive(Clone)]
pub struct Limiters {
    users: Config,
    anonymous: Config,
}

fn config(per_minute: u32, users: bool) -> std::io::Result<Config> {
    // 0 turns the limit off: a budget no client can spend.
    let per_minute = if per_minute == 0 {
        u32::MAX
    } else {
        per_minute
    };
    GovernorConfigBuilder::default()
        .requests_per_minute(u64::from(per_minute))
        .burst_size(per_minute)
        .key_extractor(Budget { users })
        .finish()
        .ok_or_else(|| std::io::Error::other("throttle: invalid rate"))
}

impl Limiters {
    /// Builds the limiters; a background task forgets idle keys every
    /// minute so their maps stay bounded by the callers of the last minute.
    pub fn new(settings: &ThrottleSettings) -> std::io::Result<Self> {
        let limiters = Self {
            users: config(settings.user_per_minute, true)?,
            anonymous: config(settings.anon_per_minute, false)?,
        };
        let weak = [
            Arc::downgrade(&limiters.users.limiter()),
            Arc::downgrade(&limiters.anonymous.limiter()),
        ];
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(60));
                loop {
                    tick.tick().await;
                    let live: Vec<_> = weak.iter().filter_map(std::sync::Weak::upgrade).collect();
                    if live.is_empty() {
                        break;
                    }
                    for limiter in live {
                        limiter.retain_recent();
                        limiter.shrink_to_fit();
                    }
                }
            });
        }
        Ok(limiters)
    }

    /// The per-user limiter.
    pub fn users(&self) -> Limiter {
        Governor::new(&self.users)
    }

    /// The per-address limiter.
    pub fn anonymous(&self) -> Limiter {
        Governor::new(&self.anonymous)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_proxies_match_addresses_and_networks() {
        let trusted = TrustedProxies::parse(&["10.0.0.0/8", "::1", "192.168.1.7"]).unwrap();
        assert!(trusted.contains("10.1.2.3".parse().unwrap()));
        assert!(!trusted.contains("11.1.2.3".parse().unwrap()));
        assert!(trusted.contains("::1".parse().unwrap()));
        assert!(trusted.contains("192.168.1.7".parse().unwrap()));
        assert!(trusted.contains("::ffff:10.0.0.1".parse().unwrap()));
        assert!(!trusted.contains("192.168.1.8".parse().unwrap()));
        assert!(TrustedProxies::parse(&["nonsense"]).is_err());
        assert!(TrustedProxies::parse(&["10.0.0.0/33"]).is_err());
        let all = TrustedProxies::parse(&["0.0.0.0/0"]).unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
    }
}

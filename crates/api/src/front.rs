//! The front door, run on every request before routing: a URI too long is
//! refused with `414`, a `Host` this site does not serve with `400` (SPEC
//! §1), and every response gets the headers that stop a browser from
//! sniffing, framing or running what it is sent.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpResponse};
use serde_json::json;

use crate::AppState;

/// The longest request target (path and query) served: nginx's default
/// `large_client_header_buffers` (8 KiB) for a request line. actix itself
/// answers an empty `400` past 64 KiB, before any middleware runs; below
/// that, a longer URI is refused here with a body.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Django's `ALLOWED_HOSTS`: the host names this site answers to. An entry
/// is a name (`example.com`), a name and its subdomains (`.example.com`),
/// an address (`127.0.0.1`, `[::1]`), or `*` for any host. Ports are not
/// part of the match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHosts(Vec<String>);

impl Default for AllowedHosts {
    /// Development's: the loopback names, any port.
    fn default() -> Self {
        Self::parse(&["localhost", ".localhost", "127.0.0.1", "[::1]"])
    }
}

impl AllowedHosts {
    /// From config entries (case-insensitive; a trailing dot is ignored).
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Self {
        Self(
            entries
                .iter()
                .map(|e| e.as_ref().trim().trim_end_matches('.').to_ascii_lowercase())
                .filter(|e| !e.is_empty())
                .collect(),
        )
    }

    /// Whether there is no entry (no host would be served).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `host` (a `Host` header's value, port included or not) is
    /// well-formed and one of the allowed hosts.
    pub fn allows(&self, host: &str) -> bool {
        let Some(name) = host_name(host) else {
            return false;
        };
        self.0.iter().any(|pattern| {
            pattern == "*"
                || *pattern == name
                || pattern.strip_prefix('.').is_some_and(|domain| {
                    name == domain
                        || name
                            .strip_suffix(domain)
                            .is_some_and(|sub| sub.ends_with('.'))
                })
        })
    }
}

/// The lower-cased name part of `host[:port]`, or `None` when it is not a
/// host name or address followed by an optional numeric port (Django's
/// `host_validation_re`).
fn host_name(host: &str) -> Option<String> {
    let host = host.to_ascii_lowercase();
    let (name, port) = if host.starts_with('[') {
        let end = host.find(']')?;
        let (name, rest) = host.split_at(end + 1);
        if !(rest.is_empty() || rest.starts_with(':')) {
            return None;
        }
        (name.to_owned(), rest.strip_prefix(':'))
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) => (name.to_owned(), Some(port)),
            None => (host.clone(), None),
        }
    };
    if port.is_some_and(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let valid = if let Some(inner) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        inner.parse::<std::net::Ipv6Addr>().is_ok()
    } else {
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    };
    valid.then(|| name.trim_end_matches('.').to_owned())
}

/// Paths answered whatever the `Host`: probes and the scraper address the
/// process by its IP, and nothing they return carries a link.
pub(crate) fn host_exempt(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// The host a request names: `Host` (or the URI's authority), or — from a
/// trusted proxy — what the proxy forwarded (`Forwarded: host=` or
/// `X-Forwarded-Host`), which is what links would be built from.
fn requested_host(req: &ServiceRequest, state: &AppState) -> Option<String> {
    let trusted = req
        .peer_addr()
        .is_some_and(|peer| state.settings.throttle.trusted_proxies.contains(peer.ip()));
    if trusted {
        return Some(req.connection_info().host().to_owned());
    }
    req.headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.as_str().to_owned()))
}

fn refuse(req: ServiceRequest, status: StatusCode, detail: String) -> ServiceResponse {
    let response = HttpResponse::build(status).json(json!({ "detail": detail }));
    req.into_response(response)
}

/// The middleware.
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let uri_length = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    let refused = if uri_length > MAX_URI_BYTES {
        Some((
            StatusCode::URI_TOO_LONG,
            format!("Request URI is too long: at most {MAX_URI_BYTES} bytes are accepted."),
        ))
    } else if host_exempt(req.path()) {
        None
    } else {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let host = state.as_ref().and_then(|state| requested_host(&req, state));
        let allowed = match (&state, &host) {
            (Some(state), Some(host)) => state.settings.allowed_hosts.allows(host),
            _ => false,
        };
        (!allowed).then(|| {
            (
                StatusCode::BAD_REQUEST,
                format!(
                    "Invalid HTTP_HOST header: '{}'. It is not in server.allowed_hosts.",
                    host.as_deref().unwrap_or_default()
                ),
            )
        })
    };
    let path_is_content = req.path().starts_with("/content/");
    let mut response = match refused {
        Some((status, detail)) => refuse(req, status, detail).map_into_right_body(),
        None => next.call(req).await?.map_into_left_body(),
    };
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if path_is_content {
        // Media are served from the API's origin: a stored file must never
        // run as a page there, whatever a browser would make of its bytes.
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("sandbox"),
        );
    } else {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_match_as_django_matches_them() {
        let dev = AllowedHosts::default();
        for ok in [
            "localhost",
            "localhost:8000",
            "127.0.0.1:1",
            "[::1]:8000",
            "[::1]",
            "api.localhost",
            "LOCALHOST",
        ] {
            assert!(dev.allows(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "localhost.evil.example",
            "127.0.0.1:x",
            "127.0.0.1:",
            "",
            "local host",
            "[::1",
            "evil.example/x",
        ] {
            assert!(!dev.allows(bad), "{bad}");
        }
        let site = AllowedHosts::parse(&[".example.com"]);
        assert!(site.allows("example.com"));
        assert!(site.allows("a.b.example.com:443"));
        assert!(!site.allows("badexample.com"));
        assert!(AllowedHosts::parse(&["*"]).allows("anything.test"));
        assert!(!AllowedHosts::parse(&["*"]).allows("bad host"));
        assert!(AllowedHosts::parse::<&str>(&[]).is_empty());
    }
}

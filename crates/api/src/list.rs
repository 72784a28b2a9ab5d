//! Query strings in, the pagination envelope and absolute URLs out.

use actix_web::HttpRequest;
use mstream_kernel::Page;
use mstream_service::catalog::{Listed, Rendering};

/// The query string as ordered pairs, repeats kept.
pub fn query_pairs(req: &HttpRequest) -> Vec<(String, String)> {
    serde_urlencoded::from_str(req.query_string()).unwrap_or_default()
}

/// `scheme://host` of the request. `Forwarded` / `X-Forwarded-*` are
/// honoured only when the peer is a trusted proxy (`server.trusted_proxies`):
/// anyone else could otherwise put their own host into pagination links and
/// signed media URLs.
pub fn origin(req: &HttpRequest) -> String {
    let trusted = req
        .app_data::<actix_web::web::Data<crate::AppState>>()
        .zip(req.peer_addr())
        .is_some_and(|(state, peer)| state.settings.throttle.trusted_proxies.contains(peer.ip()));
    if trusted {
        let info = req.connection_info();
        return format!("{}://{}", info.scheme(), info.host());
    }
    let scheme = if req.app_config().secure() {
        "https"
    } else {
        "http"
    };
    let host = req
        .headers()
        .get(actix_web::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty())
        .map_or_else(|| req.app_config().host().to_owned(), str::to_owned);
    format!("{scheme}://{host}")
}

/// An absolute URL for `path` on this server.
pub fn absolute(req: &HttpRequest, path: &str) -> String {
    format!("{}{}", origin(req), path)
}

/// DRF's page envelope, serialised straight into the response body.
#[derive(serde::Serialize)]
pub struct Envelope<T> {
    count: u64,
    next: Option<String>,
    previous: Option<String>,
    results: Vec<T>,
}

/// DRF's page envelope: `{count, next, previous, results}` with absolute
/// next/previous URLs that keep every other query parameter.
pub fn envelope<T: serde::Serialize>(
    req: &HttpRequest,
    listed: &Listed,
    results: Vec<T>,
) -> Envelope<T> {
    page_envelope(req, listed.count, listed.page, results)
}

/// [`envelope`] for a page of `count` results that is not a resource's.
pub fn page_envelope<T: serde::Serialize>(
    req: &HttpRequest,
    count: u64,
    page: Page,
    results: Vec<T>,
) -> Envelope<T> {
    let (next, previous) = links(req, count, page);
    Envelope {
        count,
        next,
        previous,
        results,
    }
}

/// The envelope's other members, before `results`.
#[derive(serde::Serialize)]
struct Head {
    count: u64,
    next: Option<String>,
    previous: Option<String>,
}

/// The envelope as JSON text, with `results` taken from the page's shared
/// rendering (serialised by the first request that presented this cached
/// page; see [`mstream_service::catalog::Rendering`]). Only for resources
/// whose records are presented as stored (no signed media URLs, which
/// depend on the request).
pub fn envelope_json(req: &HttpRequest, listed: &Listed) -> serde_json::Result<Vec<u8>> {
    let results = rendered(&listed.rendering, listed.records())?;
    let (next, previous) = links(req, listed.count, listed.page);
    let mut body = serde_json::to_vec(&Head {
        count: listed.count,
        next,
        previous,
    })?;
    // `{"count":…,"previous":…}` → `{"count":…,"previous":…,"results":[…]}`
    body.pop();
    body.extend_from_slice(b",\"results\":");
    body.extend_from_slice(&results);
    body.push(b'}');
    Ok(body)
}

/// `value` as JSON, serialised by the first caller that presents this
/// `rendering`'s value (a page's records, an entity) and reused by every
/// later one (see [`mstream_service::catalog::Rendering`]).
pub fn rendered<T: serde::Serialize + ?Sized>(
    rendering: &Rendering,
    value: &T,
) -> serde_json::Result<bytes::Bytes> {
    if let Some(bytes) = rendering.get() {
        return Ok(bytes.clone());
    }
    let bytes = bytes::Bytes::from(serde_json::to_vec(value)?);
    Ok(rendering.get_or_init(|| bytes).clone())
}

/// Absolute next/previous URLs that keep every other query parameter.
fn links(req: &HttpRequest, count: u64, page: Page) -> (Option<String>, Option<String>) {
    let pairs = query_pairs(req);
    let last = page.last_for(count);
    let page = page.number;
    let link = |target: Option<u64>| -> Option<String> {
        let target = target?;
        let mut kept: Vec<(String, String)> =
            pairs.iter().filter(|(k, _)| k != "page").cloned().collect();
        if target > 1 {
            kept.push(("page".to_owned(), target.to_string()));
        }
        let query = serde_urlencoded::to_string(&kept).unwrap_or_default();
        let path = req.path();
        Some(if query.is_empty() {
            absolute(req, path)
        } else {
            absolute(req, &format!("{path}?{query}"))
        })
    };
    let next = (page < last).then_some(page + 1);
    let previous = (page > 1).then(|| (page - 1).min(last));
    (link(next), link(previous))
}

//! Query strings in, the pagination envelope and absolute URLs out.

use actix_web::HttpRequest;
use mstream_service::catalog::Listed;
use serde_json::{json, Value as Json};

/// The query string as ordered pairs, repeats kept.
pub fn query_pairs(req: &HttpRequest) -> Vec<(String, String)> {
    serde_urlencoded::from_str(req.query_string()).unwrap_or_default()
}

/// `scheme://host` of the request (honouring `Forwarded`/`X-Forwarded-*`).
pub fn origin(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

/// An absolute URL for `path` on this server.
pub fn absolute(req: &HttpRequest, path: &str) -> String {
    format!("{}{}", origin(req), path)
}

/// DRF's page envelope: `{count, next, previous, results}` with absolute
/// next/previous URLs that keep every other query parameter.
pub fn envelope(req: &HttpRequest, listed: Listed, results: Vec<Json>) -> Json {
    let pairs = query_pairs(req);
    let page = listed.page.number;
    let last = listed.page.last_for(listed.count);
    let link = |target: Option<u64>| -> Json {
        let Some(target) = target else {
            return Json::Null;
        };
        let mut kept: Vec<(String, String)> =
            pairs.iter().filter(|(k, _)| k != "page").cloned().collect();
        if target > 1 {
            kept.push(("page".to_owned(), target.to_string()));
        }
        let query = serde_urlencoded::to_string(&kept).unwrap_or_default();
        let path = req.path();
        Json::String(if query.is_empty() {
            absolute(req, path)
        } else {
            absolute(req, &format!("{path}?{query}"))
        })
    };
    let next = (page < last).then_some(page + 1);
    let previous = (page > 1).then(|| (page - 1).min(last));
    json!({
        "count": listed.count,
        "next": link(next),
        "previous": link(previous),
        "results": results,
    })
}

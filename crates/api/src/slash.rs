//! Every API path ends with a slash (SPEC §1): `GET`/`HEAD` without it are
//! redirected, other methods are served as if it were there (a redirect
//! would make clients drop their body).

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, Uri};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse};

/// Paths that take no trailing slash: probes, the scraper, media files
/// (`/content/`, `/hls/`).
fn exempt(path: &str) -> bool {
    path.ends_with('/')
        || matches!(path, "/healthz" | "/readyz" | "/metrics")
        || path.starts_with("/content/")
        || path.starts_with("/hls/")
        || path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'))
}

/// A `Location` that stays on this site: `//host/x` (and `/\host/x`, which
/// browsers read the same way) is a network-path reference to another
/// host, so its second character is percent-encoded, as Django's
/// `escape_leading_slashes` does.
fn on_this_site(location: &str) -> String {
    match location.as_bytes() {
        [b'/', b'/', ..] => format!("/%2F{}", &location[2..]),
        [b'/', b'\\', ..] => format!("/%5C{}", &location[2..]),
        _ => location.to_owned(),
    }
}

/// The middleware.
pub async fn trailing_slash(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let path = req.path().to_owned();
    if exempt(&path) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    let slashed = match req.query_string() {
        "" => format!("{path}/"),
        query => format!("{path}/?{query}"),
    };
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        let response = HttpResponse::MovedPermanently()
            .insert_header((header::LOCATION, on_this_site(&slashed)))
            .finish();
        return Ok(req.into_response(response).map_into_right_body());
    }
    if let Ok(uri) = slashed.parse::<Uri>() {
        req.match_info_mut().get_mut().update(&uri);
        req.head_mut().uri = uri;
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

#[cfg(test)]
mod tests {
    use super::on_this_site;

    #[test]
    fn redirects_never_name_another_host() {
        assert_eq!(on_this_site("//evil.example/x/"), "/%2Fevil.example/x/");
        assert_eq!(on_this_site("/\\evil.example/x/"), "/%5Cevil.example/x/");
        assert_eq!(on_this_site("/api/genre/"), "/api/genre/");
    }
}

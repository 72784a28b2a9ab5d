//! The credentials a request presents, read once: by the throttle (which
//! counts a signed-in user against their own budget) and then by the
//! [`Caller`](crate::caller::Caller) extractor, which reuses what the
//! throttle found.

use actix_web::http::{header, StatusCode};
use actix_web::HttpRequest;
use mstream_kernel::Actor;
use mstream_service::ServiceError;

use crate::error::ApiError;

/// The authentication the throttle already did, left in the request's
/// extensions for the `Caller` extractor.
pub struct Authenticated(pub Result<Actor, ServiceError>);

/// The cookie the admin panel's sign-in sets (`HttpOnly; SameSite=Strict;
/// Path=/`), holding the same token `/user/login/` returns.
pub const PANEL_COOKIE: &str = "mstream_panel";

/// The header the panel's own same-origin requests carry. The panel cookie
/// is accepted only together with it: a browser sends a custom header
/// cross-origin only after a CORS preflight this server never grants, so a
/// forged request from another site cannot present the cookie (CSRF).
pub const PANEL_HEADER: &str = "x-mstream-panel";

/// Whether the request is one of the panel's own (`X-Mstream-Panel: 1`).
pub fn from_panel(req: &HttpRequest) -> bool {
    req.headers()
        .get(PANEL_HEADER)
        .is_some_and(|v| v.as_bytes() == b"1")
}

/// The token in the `Authorization` header, if the scheme is `Token`
/// (case-insensitive, as DRF); other schemes are not ours and mean none.
/// Without an `Authorization` header, the panel's cookie — only on a
/// request that also carries the panel's header (see [`PANEL_HEADER`]).
pub fn presented_token(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(panel_token(req));
    };
    let value = value.to_str().map_err(|_| {
        bad_header("Invalid token header. Token string should not contain invalid characters.")
    })?;
    let mut parts = value.split_whitespace();
    match parts.next() {
        Some(scheme) if scheme.eq_ignore_ascii_case("token") => {}
        _ => return Ok(None),
    }
    let token = parts
        .next()
        .ok_or_else(|| bad_header("Invalid token header. No credentials provided."))?;
    if parts.next().is_some() {
        return Err(bad_header(
            "Invalid token header. Token string should not contain spaces.",
        ));
    }
    Ok(Some(token.to_owned()))
}

fn bad_header(detail: &str) -> ApiError {
    ApiError::detail(StatusCode::UNAUTHORIZED, detail)
}

/// The panel cookie's token, when the request carries the panel header too.
fn panel_token(req: &HttpRequest) -> Option<String> {
    if !from_panel(req) {
        return None;
    }
    req.cookie(PANEL_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_alphanumeric()))
}

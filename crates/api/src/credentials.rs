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

/// The token in the `Authorization` header, if the scheme is `Token`
/// (case-insensitive, as DRF); other schemes are not ours and mean none.
pub fn presented_token(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
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

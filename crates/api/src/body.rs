//! Request bodies: JSON everywhere, forms where DRF clients post them.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest};
use serde_json::{Map, Value as Json};

use crate::error::ApiError;

/// Which body encodings an endpoint takes besides JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepts {
    /// JSON only.
    Json,
    /// JSON or `application/x-www-form-urlencoded` (sign-up, sign-in).
    JsonOrForm,
}

/// Reads `bytes` as the endpoint's body: 415 for other media types, 400
/// `JSON parse error - …` for bad JSON; an empty body is an empty object,
/// as DRF treats it.
pub fn parse(req: &HttpRequest, bytes: &web::Bytes, accepts: Accepts) -> Result<Json, ApiError> {
    let media_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    if bytes.is_empty() && media_type.is_none() {
        return Ok(Json::Object(Map::new()));
    }
    match media_type.as_deref() {
        Some("application/json") | None => serde_json::from_slice(bytes).map_err(|e| {
            ApiError::detail(StatusCode::BAD_REQUEST, format!("JSON parse error - {e}"))
        }),
        Some("application/x-www-form-urlencoded") if accepts == Accepts::JsonOrForm => {
            let pairs: Vec<(String, String)> =
                serde_urlencoded::from_bytes(bytes).map_err(|e| {
                    ApiError::detail(StatusCode::BAD_REQUEST, format!("Form parse error - {e}"))
                })?;
            Ok(Json::Object(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k, Json::String(v)))
                    .collect(),
            ))
        }
        Some(other) => Err(ApiError::detail(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Unsupported media type \"{other}\" in request."),
        )),
    }
}

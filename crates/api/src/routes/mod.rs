//! Routes.

pub mod accounts;
pub mod admin;
pub mod health;
pub mod media;
pub mod options;
pub mod resources;
pub mod root;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use crate::error::{text, ApiError};
use crate::AppState;

/// Registers every route. The docs go first: the generic
/// `/api/{resource}/` routes would otherwise claim `/api/docs/`.
pub fn configure(cfg: &mut web::ServiceConfig, openapi: serde_json::Value) {
    cfg.service(
        utoipa_swagger_ui::SwaggerUi::new("/api/docs/{_:.*}")
            .external_url_unchecked("/api/schema/", openapi),
    );
    options::configure(cfg);
    health::configure(cfg);
    accounts::configure(cfg);
    root::configure(cfg);
    media::configure(cfg);
    resources::configure(cfg);
    admin::configure(cfg);
}

/// Middleware: `HEAD` is answered as `GET` would be, without the body
/// (Django's and DRF's habit, and what every `Allow` here promises; the
/// connection knows the request was a HEAD and sends no body). `/content/`
/// has its own HEAD handling.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD && !req.path().starts_with("/content/") {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}

/// 404 for paths no route matches.
pub async fn not_found() -> HttpResponse {
    HttpResponse::NotFound().json(serde_json::json!({ "detail": text::NOT_FOUND }))
}

/// A resource's fallback: 405 with DRF's text and the allowed methods.
pub fn method_not_allowed(
    allowed: &'static str,
) -> impl Fn(HttpRequest) -> std::future::Ready<HttpResponse> + Clone {
    move |req: HttpRequest| {
        std::future::ready(
            HttpResponse::MethodNotAllowed()
                .insert_header((header::ALLOW, allowed))
                .json(serde_json::json!({ "detail": format!("Method \"{}\" not allowed.", req.method()) })),
        )
    }
}

/// Reads a request body up to the configured limit (413 beyond it, also
/// when `Content-Length` announces more).
pub async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    state: &AppState,
) -> Result<web::Bytes, ApiError> {
    let limit = state.settings.max_body_bytes;
    let too_large =
        || ApiError::detail(StatusCode::PAYLOAD_TOO_LARGE, "Request body is too large.");
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if announced.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::detail(
                StatusCode::BAD_REQUEST,
                format!("Could not read the request body: {e}"),
            )
        })?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// An id from the path; a malformed one is a 404, as an unknown one is.
pub fn path_id(raw: &str) -> Result<uuid::Uuid, ApiError> {
    mstream_kernel::id::parse_uuid(raw).ok_or_else(ApiError::not_found)
}

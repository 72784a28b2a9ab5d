//! Routes.

pub mod accounts;
pub mod admin;
pub mod health;
pub mod history;
pub mod hls;
pub mod media;
pub mod options;
pub mod progress;
pub mod resources;
pub mod root;
pub mod uploads;

use std::cell::RefCell;

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
    uploads::configure(cfg);
    options::configure(cfg);
    health::configure(cfg);
    accounts::configure(cfg);
    root::configure(cfg);
    media::configure(cfg);
    progress::configure(cfg);
    history::configure(cfg);
    hls::configure(cfg);
    resources::configure(cfg);
    admin::configure(cfg);
    #[cfg(feature = "fault-injection")]
    cfg.service(resource("/_fault/").route(web::get().to(fault)));
}

/// `GET /_fault/`, in test builds only (feature `fault-injection`): fails
/// as an unexpected internal error does, with a cause that must stay in
/// the server's log.
#[cfg(feature = "fault-injection")]
async fn fault() -> Result<HttpResponse, ApiError> {
    Err(mstream_service::ServiceError::Internal(
        "injected fault: relation \"users\" column password_hash at /srv/mstream/data".into(),
    )
    .into())
}

thread_local! {
    /// The paths registered so far while [`served`] runs; `None` otherwise,
    /// so serving records nothing.
    static LISTING: RefCell<Option<Vec<&'static str>>> = const { RefCell::new(None) };
}

fn record(path: &'static str) {
    LISTING.with(|listing| {
        if let Some(paths) = listing.borrow_mut().as_mut() {
            paths.push(path);
        }
    });
}

/// `web::resource(path)`, listed by [`served`]. Routes are registered only
/// through this and [`route`] (clippy's `disallowed-methods` refuses the
/// actix functions elsewhere), so the listing cannot miss one.
#[allow(clippy::disallowed_methods)]
pub fn resource(path: &'static str) -> actix_web::Resource {
    record(path);
    web::resource(path)
}

/// `cfg.route(path, route)`, listed by [`served`].
#[allow(clippy::disallowed_methods)]
pub fn route<'a>(
    cfg: &'a mut web::ServiceConfig,
    path: &'static str,
    route: actix_web::Route,
) -> &'a mut web::ServiceConfig {
    record(path);
    cfg.route(path, route)
}

/// Every path pattern the application serves, in actix's syntax (e.g.
/// `/api/{resource}/{id}/`), taken from the same registration as
/// [`configure`] — so a test can hold them against the OpenAPI document.
/// The Swagger UI under `/api/docs/` is not listed (it serves the document).
pub fn served() -> Vec<&'static str> {
    LISTING.with(|listing| *listing.borrow_mut() = Some(Vec::new()));
    // `App::configure` runs the registration at once; the app is dropped.
    let _app =
        actix_web::App::new().configure(|cfg| configure(cfg, crate::openapi::document_json()));
    LISTING
        .with(|listing| listing.borrow_mut().take())
        .unwrap_or_default()
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
    payload: web::Payload,
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
    let (mut payload, stalled) = crate::body::timed(payload, state.settings.body_timeout);
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            if stalled.happened() {
                return crate::body::timed_out();
            }
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

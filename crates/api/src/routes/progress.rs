//! `/api/progress/`: "continue watching", and `/api/progress/<media-id>/`:
//! where the caller stopped in one media file (issue #20).

use actix_web::{web, HttpRequest, HttpResponse};
use mstream_service::policy::signed_in;

use super::{method_not_allowed, path_id, read_body};
use crate::body::{self, Accepts};
use crate::caller::Caller;
use crate::error::ApiResult;
use crate::list::{page_envelope, query_pairs};
use crate::AppState;

/// Registers the progress routes (before the generic `/api/{resource}/`
/// routes, which would otherwise claim `progress`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::resource("/api/progress/")
            .route(web::get().to(continue_watching))
            .route(web::head().to(continue_watching))
            .default_service(web::to(method_not_allowed("GET, HEAD, OPTIONS"))),
    )
    .service(
        super::resource("/api/progress/{media}/")
            .route(web::get().to(position))
            .route(web::head().to(position))
            .route(web::put().to(record))
            .route(web::delete().to(forget))
            .default_service(web::to(method_not_allowed(
                "GET, PUT, DELETE, HEAD, OPTIONS",
            ))),
    );
}

async fn continue_watching(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let page = state
        .services
        .progress
        .continue_watching(&caller.actor, &query_pairs(&req))
        .await?;
    Ok(HttpResponse::Ok().json(page_envelope(&req, page.count, page.page, page.entries)))
}

async fn position(
    caller: Caller,
    media: web::Path<String>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let media = path_id(&media)?;
    let stored = state.services.progress.get(&caller.actor, media).await?;
    Ok(HttpResponse::Ok().json(stored))
}

async fn record(
    req: HttpRequest,
    caller: Caller,
    media: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    // 401 before the body is read, as every write.
    signed_in(&caller.actor)?;
    let media = path_id(&media)?;
    let bytes = read_body(&req, payload, &state).await?;
    let body = body::parse(&req, &bytes, Accepts::JsonOrForm)?;
    let stored = state
        .services
        .progress
        .record(&caller.actor, media, &body)
        .await?;
    Ok(HttpResponse::Ok().json(stored))
}

async fn forget(
    caller: Caller,
    media: web::Path<String>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let media = path_id(&media)?;
    state.services.progress.forget(&caller.actor, media).await?;
    Ok(HttpResponse::NoContent().finish())
}

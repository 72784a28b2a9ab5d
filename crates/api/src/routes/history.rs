//! `GET /api/history/`: the admin history of catalog writes (admins only).

use actix_web::{web, HttpRequest, HttpResponse};

use crate::caller::Caller;
use crate::error::ApiResult;
use crate::list::{envelope, query_pairs};
use crate::AppState;

/// Registers the history route (before the generic resource routes, which
/// would otherwise claim `/api/history/`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::resource("/api/history/")
            .route(web::get().to(list))
            .route(web::head().to(list))
            .default_service(web::to(super::method_not_allowed("GET, HEAD, OPTIONS"))),
    );
}

async fn list(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let listed = state
        .services
        .history
        .list(&caller.actor, query_pairs(&req))
        .await?;
    let results = listed.to_records();
    Ok(HttpResponse::Ok().json(envelope(&req, &listed, results)))
}

//! Probes: `/healthz` (the process answers) and `/readyz` (the database does).

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::AppState;

/// Registers the probes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.services.ctx.pool().clone();
    let up = web::block(move || pool.ping()).await.unwrap_or(false);
    if up {
        HttpResponse::Ok().json(json!({ "status": "ok", "database": "ok" }))
    } else {
        HttpResponse::ServiceUnavailable().json(json!({ "status": "unavailable", "database": "unreachable" }))
    }
}

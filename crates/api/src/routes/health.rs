//! Probes: `/healthz` (the process answers) and `/readyz` (the database does).

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::AppState;

/// Registers the probes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // Other methods get 405 with `Allow` (HEAD is served as GET).
    let get_only = || web::to(super::method_not_allowed("GET, HEAD"));
    cfg.service(
        super::resource("/healthz")
            .route(web::get().to(healthz))
            .default_service(get_only()),
    )
    .service(
        super::resource("/readyz")
            .route(web::get().to(readyz))
            .default_service(get_only()),
    )
    .service(
        super::resource("/metrics")
            .route(web::get().to(metrics))
            .default_service(get_only()),
    );
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
        HttpResponse::ServiceUnavailable()
            .json(json!({ "status": "unavailable", "database": "unreachable" }))
    }
}

/// Prometheus text: the process's request, latency and byte metrics, then
/// this server's database pool use and the statements it ran, then the
/// standard `process_*` lines.
async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let process = web::block(|| crate::process::ProcessStats::read().render())
        .await
        .unwrap_or_default();
    let pool = state.services.ctx.pool();
    let (open, idle) = pool.usage();
    let (hits, misses) = state.services.ctx.reads().counts();
    let mut body = crate::observe::render();
    if !body.is_empty() && !body.ends_with('\n') {
        body.push('\n');
    }
    body += &format!(
        "# HELP mstream_db_queries_total SQL statements started.\n\
         # TYPE mstream_db_queries_total counter\n\
         mstream_db_queries_total {}\n\
         # HELP mstream_db_pool_connections Pooled database connections by state.\n\
         # TYPE mstream_db_pool_connections gauge\n\
         mstream_db_pool_connections{{state=\"idle\"}} {idle}\n\
         mstream_db_pool_connections{{state=\"in_use\"}} {}\n\
         # HELP mstream_db_pool_max_connections Largest pool size.\n\
         # TYPE mstream_db_pool_max_connections gauge\n\
         mstream_db_pool_max_connections {}\n\
         # HELP mstream_read_cache_reads_total Catalog reads by where they were answered from.\n\
         # TYPE mstream_read_cache_reads_total counter\n\
         mstream_read_cache_reads_total{{result=\"hit\"}} {hits}\n\
         mstream_read_cache_reads_total{{result=\"miss\"}} {misses}\n",
        pool.stats().queries(),
        open.saturating_sub(idle),
        pool.max_size(),
    );
    body += &process;
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}

//! `GET /api/`: DRF's API root; `GET /` redirects to it.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{Map, Value as Json};

use crate::list::absolute;
use crate::registry::RESOURCES;

/// Registers the root, and `/`, which sends a visitor to it.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::resource("/")
            .route(web::get().to(to_api_root))
            .route(web::head().to(to_api_root)),
    )
    .service(
        super::resource("/api/")
            .route(web::get().to(root))
            .route(web::head().to(root))
            .default_service(web::to(super::method_not_allowed("GET, HEAD, OPTIONS"))),
    );
}

/// `302` to `/api/` (not permanent: `/` may become a page of its own).
async fn to_api_root() -> HttpResponse {
    HttpResponse::Found()
        .insert_header((actix_web::http::header::LOCATION, "/api/"))
        .finish()
}

async fn root(req: HttpRequest) -> HttpResponse {
    let links: Map<String, Json> = RESOURCES
        .iter()
        .map(|name| {
            (
                (*name).to_owned(),
                Json::String(absolute(&req, &format!("/api/{name}/"))),
            )
        })
        .collect();
    HttpResponse::Ok().json(links)
}

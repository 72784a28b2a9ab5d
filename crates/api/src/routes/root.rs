//! `GET /api/`: DRF's API root.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{Map, Value as Json};

use crate::list::absolute;

/// The ten resources, in the seed's order.
pub const RESOURCES: [&str; 10] = [
    "genre",
    "parcontag",
    "contype",
    "conmediafile",
    "artists",
    "contents",
    "artconrelation",
    "reviews",
    "submodels",
    "submap",
];

/// Registers the root.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::resource("/api/")
            .route(web::get().to(root))
            .route(web::head().to(root))
            .default_service(web::to(super::method_not_allowed("GET, HEAD, OPTIONS"))),
    );
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

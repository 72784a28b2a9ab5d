//! `/api/<resource>/` and `/api/<resource>/<id>/` for every resource, with
//! DRF `ModelViewSet` semantics. One set of handlers serves all of them:
//! the path names the resource, and the resource's declaration and storage
//! do the rest.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use mstream_kernel::{Kind, Mode, Record};
use mstream_service::catalog::{CatalogResource, Fetched, Listed};
use mstream_service::policy::{require_admin, signed_in};
use serde_json::Value as Json;
use uuid::Uuid;

use super::{method_not_allowed, path_id, read_body};
use crate::body::{self, Accepts};
use crate::caller::Caller;
use crate::error::{ApiError, ApiResult};
use crate::list::{absolute, envelope, envelope_json, query_pairs, rendered};
use crate::AppState;

/// Which use cases serve a resource.
#[derive(Clone, Copy)]
enum Endpoint {
    /// Admin-curated catalog resources.
    Catalog(CatalogResource),
    /// Reviews (any signed-in user; ownership rules).
    Reviews,
    /// Users (admins; only `is_admin` writable; no create or delete here).
    Users,
}

/// Refuses a write the caller may not make at all (401/403) before its
/// body is read: DRF decides authentication and permission before parsing,
/// and an upload refused after it was staged would have cost its bytes.
/// The service checks again, with what only it knows (ownership).
fn may_write(endpoint: Endpoint, actor: &mstream_kernel::Actor) -> ApiResult<()> {
    match endpoint {
        Endpoint::Catalog(_) | Endpoint::Users => require_admin(actor).map(drop)?,
        Endpoint::Reviews => signed_in(actor).map(drop)?,
    }
    Ok(())
}

fn endpoint(name: &str) -> ApiResult<Endpoint> {
    match name {
        "reviews" => Ok(Endpoint::Reviews),
        "users" => Ok(Endpoint::Users),
        other => CatalogResource::named(other)
            .map(Endpoint::Catalog)
            .ok_or_else(ApiError::not_found),
    }
}

/// 405 listing what the path's resource serves (users have no POST or
/// DELETE).
fn not_allowed_here(
    detail: bool,
) -> impl Fn(HttpRequest) -> std::future::Ready<HttpResponse> + Clone {
    move |req: HttpRequest| {
        let name = req.match_info().get("resource").unwrap_or_default();
        method_not_allowed(super::options::allowed(name, detail))(req)
    }
}

/// Registers the resource routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::resource("/api/{resource}/")
            .route(web::get().to(list))
            .route(web::head().to(list))
            .route(web::post().to(create))
            .default_service(web::to(not_allowed_here(false))),
    )
    .service(
        super::resource("/api/{resource}/{id}/")
            .route(web::get().to(retrieve))
            .route(web::head().to(retrieve))
            .route(web::put().to(replace))
            .route(web::patch().to(patch))
            .route(web::delete().to(destroy))
            .default_service(web::to(not_allowed_here(true))),
    )
    .service(
        super::resource("/api/{resource}/{id}/delete-preview/")
            .route(web::get().to(delete_preview))
            .route(web::head().to(delete_preview))
            .default_service(web::to(super::method_not_allowed("GET, HEAD, OPTIONS"))),
    );
}

/// The wire form of a record: uploaded files become absolute URLs.
fn present(
    req: &HttpRequest,
    state: &AppState,
    resource: &mstream_kernel::Resource,
    mut record: Record,
) -> Record {
    for field in resource.fields.iter().filter(|f| f.kind == Kind::File) {
        if let Some(path) = record.text(field.name).map(str::to_owned) {
            record.set(
                field.name,
                mstream_kernel::FieldValue::Text(super::media::signed_url(req, state, &path)),
            );
        }
    }
    record
}

fn resource_of(endpoint: Endpoint) -> &'static mstream_kernel::Resource {
    match endpoint {
        Endpoint::Catalog(resource) => resource.declaration(),
        Endpoint::Reviews => &mstream_reviews::REVIEW,
        Endpoint::Users => &mstream_kernel::user::USER,
    }
}

/// Whether records of `resource` go out as stored (no signed media URLs,
/// which depend on the request), so their serialised form can be reused.
fn presented_as_stored(resource: &mstream_kernel::Resource) -> bool {
    !resource.fields.iter().any(|f| f.kind == Kind::File)
}

async fn page(
    req: &HttpRequest,
    state: &AppState,
    endpoint: Endpoint,
    listed: Listed,
) -> ApiResult<HttpResponse> {
    let resource = resource_of(endpoint);
    if presented_as_stored(resource) {
        if let Ok(body) = envelope_json(req, &listed) {
            return Ok(json_body(body));
        }
    }
    let results = presented(req, state, resource, listed.to_records()).await?;
    Ok(HttpResponse::Ok().json(envelope(req, &listed, results)))
}

/// The wire forms of `records` ([`present`]); media files also say how
/// their HLS packaging stands (`hls_url`, `poster_url`, `duration`,
/// `packaging`: docs/hls.md), read for the whole page in one query.
async fn presented(
    req: &HttpRequest,
    state: &AppState,
    resource: &'static mstream_kernel::Resource,
    records: Vec<Record>,
) -> ApiResult<Vec<Json>> {
    let media = resource.name == mstream_content::MEDIA_FILE.name;
    let packaging = if media {
        let ids = records.iter().filter_map(Record::id).collect();
        state.services.hls.packaging(ids).await?
    } else {
        mstream_service::hls::Packaging::new()
    };
    Ok(records
        .into_iter()
        .map(|record| {
            let id = record.id();
            let mut json =
                serde_json::to_value(present(req, state, resource, record)).unwrap_or(Json::Null);
            if let (true, Json::Object(fields)) = (media, &mut json) {
                let job = id.and_then(|id| packaging.get(&id));
                fields.extend(super::hls::packaged_fields(req, state, job, true));
            }
            json
        })
        .collect())
}

/// [`presented`] for one record.
async fn presented_one(
    req: &HttpRequest,
    state: &AppState,
    resource: &'static mstream_kernel::Resource,
    record: Record,
) -> ApiResult<Json> {
    Ok(presented(req, state, resource, vec![record])
        .await?
        .pop()
        .unwrap_or(Json::Null))
}

fn json_body(body: impl actix_web::body::MessageBody + 'static) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(body)
}

async fn list(
    req: HttpRequest,
    path: web::Path<String>,
    caller: Caller,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let endpoint = endpoint(&path)?;
    let pairs = query_pairs(&req);
    let services = &state.services;
    let listed = match endpoint {
        Endpoint::Catalog(resource) => {
            services
                .catalog
                .list(&caller.actor, resource, pairs)
                .await?
        }
        Endpoint::Reviews => services.reviews.list(&caller.actor, pairs).await?,
        Endpoint::Users => services.accounts.list_users(&caller.actor, pairs).await?,
    };
    page(&req, &state, endpoint, listed).await
}

async fn create(
    req: HttpRequest,
    path: web::Path<String>,
    caller: Caller,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let endpoint = endpoint(&path)?;
    if let Endpoint::Users = endpoint {
        return Ok(method_not_allowed(super::options::allowed("users", false))(req).await);
    }
    may_write(endpoint, &caller.actor)?;
    let services = &state.services;
    let record = if is_media(endpoint) && super::media::is_multipart(&req) {
        let (fields, file) = super::media::read_upload(&req, payload, &state).await?;
        services.media.create(&caller.actor, &fields, file).await?
    } else {
        let bytes = read_body(&req, payload, &state).await?;
        let body = body::parse(&req, &bytes, Accepts::Json)?;
        create_from_json(&state, &caller, endpoint, &body).await?
    };
    let location = record
        .id()
        .map(|id| absolute(&req, &format!("/api/{}/{id}/", path.as_str())))
        .unwrap_or_default();
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(presented_one(&req, &state, resource_of(endpoint), record).await?))
}

fn is_media(endpoint: Endpoint) -> bool {
    matches!(endpoint, Endpoint::Catalog(resource) if resource.declaration().name == mstream_content::MEDIA_FILE.name)
}

async fn create_from_json(
    state: &AppState,
    caller: &Caller,
    endpoint: Endpoint,
    body: &Json,
) -> ApiResult<Record> {
    let services = &state.services;
    Ok(match endpoint {
        Endpoint::Catalog(resource) => {
            services
                .catalog
                .create(&caller.actor, resource, body)
                .await?
        }
        Endpoint::Reviews => services.reviews.create(&caller.actor, body).await?,
        Endpoint::Users => return Err(ApiError::not_found()),
    })
}

async fn retrieve(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    caller: Caller,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (name, raw_id) = path.into_inner();
    let endpoint = endpoint(&name)?;
    let id = path_id(&raw_id)?;
    let services = &state.services;
    let fetched = match endpoint {
        Endpoint::Catalog(resource) => services.catalog.get(&caller.actor, resource, id).await?,
        Endpoint::Reviews => services.reviews.get(&caller.actor, id).await?,
        Endpoint::Users => Fetched::from(services.accounts.get_user(&caller.actor, id).await?),
    };
    let resource = resource_of(endpoint);
    if presented_as_stored(resource) {
        if let Ok(body) = rendered(&fetched.rendering, fetched.record()) {
            return Ok(json_body(body));
        }
    }
    Ok(
        HttpResponse::Ok()
            .json(presented_one(&req, &state, resource, fetched.into_record()).await?),
    )
}

async fn write(
    req: HttpRequest,
    name: &str,
    id: Uuid,
    caller: Caller,
    payload: web::Payload,
    state: &AppState,
    mode: Mode,
) -> ApiResult<HttpResponse> {
    let endpoint = endpoint(name)?;
    may_write(endpoint, &caller.actor)?;
    let services = &state.services;
    if is_media(endpoint) && super::media::is_multipart(&req) {
        let (fields, file) = super::media::read_upload(&req, payload, state).await?;
        let record = services
            .media
            .update(&caller.actor, id, &fields, file, mode)
            .await?;
        let body = presented_one(&req, state, resource_of(endpoint), record).await?;
        return Ok(HttpResponse::Ok().json(body));
    }
    let bytes = read_body(&req, payload, state).await?;
    let body = body::parse(&req, &bytes, Accepts::Json)?;
    let record = match endpoint {
        Endpoint::Catalog(resource) => {
            services
                .catalog
                .update(&caller.actor, resource, id, &body, mode)
                .await?
        }
        Endpoint::Reviews => {
            services
                .reviews
                .update(&caller.actor, id, &body, mode)
                .await?
        }
        Endpoint::Users => {
            services
                .accounts
                .update_user(&caller.actor, id, &body, mode)
                .await?
        }
    };
    let body = presented_one(&req, state, resource_of(endpoint), record).await?;
    Ok(HttpResponse::Ok().json(body))
}

async fn replace(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    caller: Caller,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (name, raw_id) = path.into_inner();
    let id = path_id(&raw_id)?;
    write(req, &name, id, caller, payload, &state, Mode::Replace).await
}

async fn patch(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    caller: Caller,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (name, raw_id) = path.into_inner();
    let id = path_id(&raw_id)?;
    write(req, &name, id, caller, payload, &state, Mode::Patch).await
}

async fn destroy(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    caller: Caller,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (name, raw_id) = path.into_inner();
    let endpoint = endpoint(&name)?;
    let id = path_id(&raw_id)?;
    let services = &state.services;
    match endpoint {
        Endpoint::Catalog(resource) => services.catalog.delete(&caller.actor, resource, id).await?,
        Endpoint::Reviews => services.reviews.delete(&caller.actor, id).await?,
        Endpoint::Users => {
            return Ok(method_not_allowed(super::options::allowed("users", true))(req).await)
        }
    }
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/<resource>/<id>/delete-preview/`: what deleting the entity
/// would remove (admins; catalog resources only).
async fn delete_preview(
    path: web::Path<(String, String)>,
    caller: Caller,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (name, raw_id) = path.into_inner();
    let Endpoint::Catalog(resource) = endpoint(&name)? else {
        return Err(ApiError::not_found());
    };
    let id = path_id(&raw_id)?;
    let preview = state
        .services
        .catalog
        .delete_preview(&caller.actor, resource, id)
        .await?;
    let deletes: Vec<Json> = preview
        .deletes
        .iter()
        .map(|r| serde_json::json!({"resource": r.resource, "count": r.count, "names": r.names}))
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "resource": preview.resource,
        "id": preview.id,
        "name": preview.name,
        "deletes": deletes,
    })))
}

//! Media: multipart uploads for `/api/conmediafile/`, signed byte-range
//! streaming under `/content/`, and the subscribers' catalog (`/api/catalog/`).

use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use mstream_kernel::{FieldValue, Record};
use mstream_service::media::{StageError, StagedFile};
use serde_json::{json, Map, Value as Json};

use super::{method_not_allowed, path_id};
use crate::caller::Caller;
use crate::error::{ApiError, ApiResult};
use crate::file_body;
use crate::list::{absolute, envelope_json, query_pairs};
use crate::AppState;

/// Registers `/content/` and `/api/catalog/` (before the generic
/// `/api/{resource}/` routes, which would otherwise claim `catalog`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::resource("/content/{path:.*}")
            .route(web::get().to(stream))
            .route(web::head().to(stream))
            .default_service(web::to(method_not_allowed("GET, HEAD"))),
    )
    .service(
        super::resource("/api/catalog/")
            .route(web::get().to(catalog_list))
            .route(web::head().to(catalog_list))
            .default_service(web::to(method_not_allowed("GET, HEAD, OPTIONS"))),
    )
    .service(
        super::resource("/api/catalog/{id}/")
            .route(web::get().to(catalog_detail))
            .route(web::head().to(catalog_detail))
            .default_service(web::to(method_not_allowed("GET, HEAD, OPTIONS"))),
    );
}

/// Seconds since the Unix epoch.
fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The absolute signed URL of a stored media path.
pub fn signed_url(req: &HttpRequest, state: &AppState, stored: &str) -> String {
    let query = state.services.media.signer().query(stored, now());
    let url = absolute(req, &format!("/content/{stored}"));
    if query.is_empty() {
        url
    } else {
        format!("{url}?{query}")
    }
}

/// Whether the request carries a multipart form.
pub fn is_multipart(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

/// Most text parts a media form may have (Django's
/// `DATA_UPLOAD_MAX_NUMBER_FIELDS`).
pub const MAX_FORM_FIELDS: usize = 1000;
/// Most bytes of text all parts together may have (Django's
/// `DATA_UPLOAD_MAX_MEMORY_SIZE`, 2.5 MB).
pub const MAX_FORM_TEXT_BYTES: usize = 2_621_440;
/// Most bytes of one text part.
const MAX_FIELD_BYTES: usize = 64 * 1024;

/// Reads a media form: text parts of the resource's own writable fields
/// become a JSON object for the service's validation; other text parts are
/// read and dropped, as DRF ignores unknown fields. Every text part counts
/// towards [`MAX_FORM_FIELDS`] and [`MAX_FORM_TEXT_BYTES`], so neither
/// their number nor their size can grow memory, with or without a
/// `Content-Length`. The `file` part is streamed to the staging folder
/// (never held in memory) with its hash and size. A body that stops
/// arriving is answered `408` (see [`crate::body::timed`]), and the staged
/// file removed.
pub async fn read_upload(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
) -> ApiResult<(Json, Option<StagedFile>)> {
    let limit = state.services.media.config().max_upload_bytes;
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let text_limit = u64::try_from(MAX_FORM_TEXT_BYTES).unwrap_or(u64::MAX);
    if announced.is_some_and(|n| n > limit.saturating_add(text_limit)) {
        return Err(too_large(limit));
    }
    let (payload, stalled) = crate::body::timed(payload, state.settings.body_timeout);
    let failed = |e: &dyn std::fmt::Display| {
        if stalled.happened() {
            crate::body::timed_out()
        } else {
            bad_form(&e.to_string())
        }
    };
    let own = &mstream_content::MEDIA_FILE;
    let mut form = Multipart::new(req.headers(), payload);
    let mut fields = Map::new();
    let mut file = None;
    let (mut parts, mut text_bytes) = (0usize, 0usize);
    while let Some(part) = form.next().await {
        let mut part = part.map_err(|e| failed(&e))?;
        let name = part.name().unwrap_or_default().to_owned();
        if name == "file" {
            if file.is_some() {
                return Err(ApiError::fields(mstream_kernel::FieldErrors::single(
                    "file",
                    "Submit one file only.",
                )));
            }
            let staged = state
                .services
                .media
                .stage(&mut part)
                .await
                .map_err(|e| match e {
                    StageError::Body(e) => failed(&e),
                    StageError::Refused(e) => ApiError::Service(e),
                })?;
            crate::record_upload_bytes(staged.size);
            file = Some(staged);
            continue;
        }
        parts += 1;
        if parts > MAX_FORM_FIELDS {
            return Err(ApiError::detail(
                StatusCode::BAD_REQUEST,
                format!("The form has more than {MAX_FORM_FIELDS} fields."),
            ));
        }
        let keep = own
            .fields
            .iter()
            .any(|f| f.name == name && f.write != mstream_kernel::Write::ReadOnly);
        let mut text = Vec::new();
        let mut size = 0usize;
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|e| failed(&e))?;
            size += chunk.len();
            text_bytes += chunk.len();
            if text_bytes > MAX_FORM_TEXT_BYTES {
                return Err(ApiError::detail(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("The form's text fields exceed {MAX_FORM_TEXT_BYTES} bytes."),
                ));
            }
            if size > MAX_FIELD_BYTES {
                return Err(ApiError::detail(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "A form field is too large.",
                ));
            }
            if keep {
                text.extend_from_slice(&chunk);
            }
        }
        if keep {
            fields.insert(
                name,
                Json::String(String::from_utf8_lossy(&text).into_owned()),
            );
        }
    }
    Ok((Json::Object(fields), file))
}

fn too_large(limit: u64) -> ApiError {
    ApiError::detail(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("The upload is larger than the limit of {limit} bytes."),
    )
}

fn bad_form(why: &str) -> ApiError {
    ApiError::detail(
        StatusCode::BAD_REQUEST,
        format!("Multipart form parse error - {why}"),
    )
}

#[derive(serde::Deserialize)]
struct Grant {
    expires: Option<String>,
    signature: Option<String>,
}

/// `GET|HEAD /content/<path>`: signature first (403), then the path must
/// stay inside the media root and name no dot-file (404 otherwise), then
/// actix-files serves it with ranges, validators and conditionals.
async fn stream(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let requested = path.into_inner();
    let grant = web::Query::<Grant>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .unwrap_or(Grant {
            expires: None,
            signature: None,
        });
    let media = &state.services.media;
    if !media.signer().verify(
        &requested,
        grant.expires.as_deref(),
        grant.signature.as_deref(),
        now(),
    ) {
        return Err(ApiError::detail(
            StatusCode::FORBIDDEN,
            "This media URL is missing a valid, unexpired signature.",
        ));
    }
    serve(&req, &state, requested).await
}

/// Serves the stored file `requested` (a path under the media root,
/// already authorised): ranges, validators and conditionals; 404 when it
/// is outside the root, a dot-file or missing.
pub async fn serve(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    requested: String,
) -> ApiResult<HttpResponse> {
    let media = &state.services.media;
    let range = (req.method() == actix_web::http::Method::GET)
        .then(|| req.headers().get(header::RANGE))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // A file kept open by an earlier request is served without a trip to
    // the blocking pool when its range is in the page cache.
    if let Some(file) = media.opened(&requested) {
        match file_body::reopen(&file, range.as_deref()) {
            Ok(opened) => return Ok(file_body::respond(req, opened)),
            Err(_) => media.forget_opened(&requested),
        }
    }
    let state = state.clone();
    let opened = web::block(move || {
        let media = &state.services.media;
        media
            .open(&requested)
            .and_then(|file| file_body::open(&file, range.as_deref()))
    })
    .await
    .map_err(|_| ApiError::not_found())?;
    match opened {
        Ok(opened) => Ok(file_body::respond(req, opened)),
        Err(_) => Err(ApiError::not_found()),
    }
}

async fn catalog_list(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let pairs = query_pairs(&req);
    let listed = state.services.catalog.browse(&caller.actor, pairs).await?;
    // Contents carry no media URLs: the page's shared rendering serves.
    Ok(HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(envelope_json(&req, &listed).map_err(|e| {
            ApiError::Service(mstream_service::ServiceError::Internal(format!(
                "serialising a catalog page: {e}"
            )))
        })?))
}

async fn catalog_detail(
    req: HttpRequest,
    path: web::Path<String>,
    caller: Caller,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&path)?;
    let entry = state
        .services
        .media
        .catalog_entry(&caller.actor, id)
        .await?;
    let mut body = serde_json::to_value(&entry.content).unwrap_or(Json::Null);
    let media: Vec<Json> = entry
        .media
        .iter()
        .map(|m| {
            let stream_url = match (entry.may_stream, m.text("file")) {
                (true, Some(stored)) => Json::String(signed_url(&req, &state, stored)),
                _ => Json::Null,
            };
            let job = m.id().and_then(|id| entry.packaging.get(&id));
            let mut media = json!({
                "id": value(m, "id"),
                "name": value(m, "name"),
                "mime_type": value(m, "mime_type"),
                "size": value(m, "size"),
                "stream_url": stream_url,
            });
            if let Json::Object(fields) = &mut media {
                fields.extend(super::hls::packaged_fields(
                    &req,
                    &state,
                    job,
                    entry.may_stream,
                ));
            }
            media
        })
        .collect();
    if let Json::Object(map) = &mut body {
        map.insert(
            "credits".into(),
            serde_json::to_value(&entry.credits).unwrap_or(Json::Null),
        );
        map.insert("media".into(), Json::Array(media));
    }
    Ok(HttpResponse::Ok().json(body))
}

fn value(record: &Record, field: &str) -> Json {
    serde_json::to_value(record.get(field).unwrap_or(&FieldValue::Null)).unwrap_or(Json::Null)
}

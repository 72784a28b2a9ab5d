//! Resumable uploads: the tus 1.0 protocol under `/api/uploads/` (core,
//! creation, creation-with-upload, termination, expiration and checksum
//! with `sha1`), admin-only like media files. The protocol's headers are
//! read and written here; what an upload is and how it becomes a media file
//! is the service's ([`mstream_service::resumable`]).

use std::collections::BTreeMap;

use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::DefaultHeaders;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine as _;
use mstream_kernel::FieldValue;
use mstream_service::resumable::{AppendError, Appended, UploadState};

use super::{method_not_allowed, path_id};
use crate::caller::Caller;
use crate::error::{ApiError, ApiResult};
use crate::list::absolute;
use crate::AppState;

pub use crate::tus::{MEDIA_FILE_HEADER, TUS_CHECKSUMS, TUS_EXTENSIONS, TUS_VERSION};
/// The body type of an append.
const OFFSET_OCTET_STREAM: &str = "application/offset+octet-stream";

/// Registers `/api/uploads/` and `/api/uploads/{id}/` (before the generic
/// routes, `OPTIONS` ones included, which would claim `uploads`). Every
/// response carries `Tus-Resumable`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::resource("/api/uploads/")
            .wrap(DefaultHeaders::new().add(("Tus-Resumable", TUS_VERSION)))
            .route(web::method(actix_web::http::Method::OPTIONS).to(options))
            .route(web::post().to(create))
            .default_service(web::to(method_not_allowed("POST, OPTIONS"))),
    )
    .service(
        super::resource("/api/uploads/{id}/")
            .wrap(DefaultHeaders::new().add(("Tus-Resumable", TUS_VERSION)))
            .route(web::method(actix_web::http::Method::OPTIONS).to(options))
            // HEAD arrives as GET (`head_as_get`); a GET answers the same.
            .route(web::get().to(head))
            .route(web::patch().to(append))
            .route(web::delete().to(terminate))
            .default_service(web::to(method_not_allowed("HEAD, PATCH, DELETE, OPTIONS"))),
    );
}

fn header_text<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// 412 with the versions spoken when the request is not tus 1.0.0.
fn version_mismatch(req: &HttpRequest) -> Option<HttpResponse> {
    // A request without the header is malformed (400, as any missing
    // required header); one naming another version cannot be served (412,
    // tus's answer, with the version spoken).
    let status = match header_text(req, "Tus-Resumable") {
        Some(TUS_VERSION) => return None,
        None => StatusCode::BAD_REQUEST,
        Some(_) => StatusCode::PRECONDITION_FAILED,
    };
    Some(
        HttpResponse::build(status)
            .insert_header(("Tus-Version", TUS_VERSION))
            .json(serde_json::json!({
                "detail": format!("Tus-Resumable {TUS_VERSION} is required.")
            })),
    )
}

/// `OPTIONS`: what the server supports (no credentials needed).
async fn options(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header(("Tus-Version", TUS_VERSION))
        .insert_header(("Tus-Extension", TUS_EXTENSIONS))
        .insert_header((
            "Tus-Max-Size",
            state.services.uploads.max_size().to_string(),
        ))
        .insert_header(("Tus-Checksum-Algorithm", TUS_CHECKSUMS))
        .finish()
}

fn bad_request(detail: impl Into<String>) -> ApiError {
    ApiError::detail(StatusCode::BAD_REQUEST, detail)
}

/// `Upload-Metadata`: comma-separated `key base64value` pairs (the value
/// may be absent).
fn metadata(raw: &str) -> ApiResult<BTreeMap<String, String>> {
    let mut pairs = BTreeMap::new();
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once(' ').unwrap_or((pair, ""));
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .map_err(|_| bad_request(format!("Upload-Metadata: {key} is not base64.")))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| bad_request(format!("Upload-Metadata: {key} is not UTF-8.")))?;
        pairs.insert(key.to_owned(), text);
    }
    Ok(pairs)
}

fn expires(state: &UploadState) -> String {
    chrono::DateTime::from_timestamp(state.expires_at, 0)
        .unwrap_or_default()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

fn is_append(req: &HttpRequest) -> bool {
    header_text(req, header::CONTENT_TYPE.as_str())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(OFFSET_OCTET_STREAM))
}

/// `POST /api/uploads/`: a new upload of `Upload-Length` bytes for the
/// content its metadata names; with an `application/offset+octet-stream`
/// body, its first bytes too (creation-with-upload).
async fn create(
    req: HttpRequest,
    caller: Caller,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    // Who asks comes first (401/403), as on every endpoint; then the
    // protocol version (412).
    mstream_service::policy::require_admin(&caller.actor)?;
    if let Some(refused) = version_mismatch(&req) {
        return Ok(refused);
    }
    if req.headers().contains_key("Upload-Defer-Length") {
        return Err(bad_request("Upload-Defer-Length is not supported."));
    }
    let length = header_text(&req, "Upload-Length")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| bad_request("Upload-Length is required: a whole number of bytes."))?;
    let raw = header_text(&req, "Upload-Metadata").unwrap_or_default();
    let pairs = metadata(raw)?;
    let uploads = &state.services.uploads;
    let created = uploads.create(&caller.actor, length, &pairs, raw).await?;
    let location = absolute(&req, &format!("/api/uploads/{}/", created.id.simple()));
    let mut response = HttpResponse::Created();
    response
        .insert_header((header::LOCATION, location))
        .insert_header(("Upload-Expires", expires(&created)));
    if is_append(&req) {
        let appended = append_body(&req, &caller, payload, &state, created.id, 0).await?;
        response
            .insert_header(("Upload-Offset", appended.state.offset.to_string()))
            .insert_header(("Upload-Expires", expires(&appended.state)));
        name_media_file(&mut response, &appended);
    }
    Ok(response.finish())
}

/// `HEAD /api/uploads/{id}/`: how far the upload got.
async fn head(
    req: HttpRequest,
    path: web::Path<String>,
    caller: Caller,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    mstream_service::policy::require_admin(&caller.actor)?;
    if let Some(refused) = version_mismatch(&req) {
        return Ok(refused);
    }
    let id = path_id(&path)?;
    let upload = state.services.uploads.state(&caller.actor, id).await?;
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("Upload-Offset", upload.offset.to_string()))
        .insert_header(("Upload-Length", upload.length.to_string()))
        .insert_header(("Upload-Expires", expires(&upload)));
    if !upload.metadata.is_empty() {
        if let Ok(value) = HeaderValue::from_str(&upload.metadata) {
            response.insert_header((HeaderName::from_static("upload-metadata"), value));
        }
    }
    Ok(response.finish())
}

/// `PATCH /api/uploads/{id}/`: bytes at `Upload-Offset`.
async fn append(
    req: HttpRequest,
    path: web::Path<String>,
    caller: Caller,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    // Who asks comes first (401/403), as on every endpoint; then the
    // protocol version (412).
    mstream_service::policy::require_admin(&caller.actor)?;
    if let Some(refused) = version_mismatch(&req) {
        return Ok(refused);
    }
    let id = path_id(&path)?;
    if !is_append(&req) {
        return Err(ApiError::detail(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Content-Type must be {OFFSET_OCTET_STREAM}."),
        ));
    }
    let offset = header_text(&req, "Upload-Offset")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| bad_request("Upload-Offset is required: a whole number of bytes."))?;
    let appended = append_body(&req, &caller, payload, &state, id, offset).await?;
    let mut response = HttpResponse::NoContent();
    response
        .insert_header(("Upload-Offset", appended.state.offset.to_string()))
        .insert_header(("Upload-Expires", expires(&appended.state)));
    name_media_file(&mut response, &appended);
    Ok(response.finish())
}

/// The answer to the last byte names the media file it became
/// ([`MEDIA_FILE_HEADER`]): tus itself says nothing of what an upload
/// becomes, and a client should not have to search for it by name.
fn name_media_file(response: &mut actix_web::HttpResponseBuilder, appended: &Appended) {
    if let Some(FieldValue::Id(id)) = appended.media.as_ref().and_then(|m| m.get("id")) {
        response.insert_header((MEDIA_FILE_HEADER, id.to_string()));
    }
}

/// `Upload-Checksum: sha1 <base64>`, decoded.
fn checksum(req: &HttpRequest) -> ApiResult<Option<Vec<u8>>> {
    let Some(value) = header_text(req, "Upload-Checksum") else {
        return Ok(None);
    };
    let (algorithm, digest) = value.trim().split_once(' ').unwrap_or((value, ""));
    if !algorithm.eq_ignore_ascii_case("sha1") {
        return Err(bad_request(format!(
            "Upload-Checksum: {algorithm} is not supported (use {TUS_CHECKSUMS})."
        )));
    }
    base64::engine::general_purpose::STANDARD
        .decode(digest.trim())
        .map(Some)
        .map_err(|_| bad_request("Upload-Checksum: the digest is not base64."))
}

/// Streams the body into upload `id` at `offset` (bounded by the upload's
/// length and the body timeout; what arrived before the client went away
/// is kept).
async fn append_body(
    req: &HttpRequest,
    caller: &Caller,
    payload: web::Payload,
    state: &AppState,
    id: uuid::Uuid,
    offset: u64,
) -> ApiResult<Appended> {
    let sha1 = checksum(req)?;
    let (body, stalled) = crate::body::timed(payload, state.settings.body_timeout);
    let appended = state
        .services
        .uploads
        .append(&caller.actor, id, offset, sha1, body)
        .await
        .map_err(|e| match e {
            AppendError::Body(e) if stalled.happened() => {
                let _ = e;
                crate::body::timed_out()
            }
            AppendError::Body(e) => bad_request(format!("Could not read the request body: {e}")),
            AppendError::Refused(e) => ApiError::Service(e),
        })?;
    crate::record_upload_bytes(appended.state.offset.saturating_sub(offset));
    Ok(appended)
}

/// `DELETE /api/uploads/{id}/`: the upload and its bytes are gone.
async fn terminate(
    req: HttpRequest,
    path: web::Path<String>,
    caller: Caller,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    mstream_service::policy::require_admin(&caller.actor)?;
    if let Some(refused) = version_mismatch(&req) {
        return Ok(refused);
    }
    let id = path_id(&path)?;
    state.services.uploads.terminate(&caller.actor, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

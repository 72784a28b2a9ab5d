//! `/hls/<expires>/<signature>/<media id>/<run>/<file>`: a packaged
//! video's playlists, segments and poster (docs/hls.md). One signature
//! covers the whole run's folder (`hls/<media id>/<run>`, with the same key
//! and HMAC as `/content/` URLs), carried in the path, so a stock player
//! fetches the renditions and segments the master playlist names by
//! relative URL and each of them is granted too.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use mstream_service::hls::{run_path, MASTER, POSTER};
use uuid::Uuid;

use super::method_not_allowed;
use crate::error::{ApiError, ApiResult};
use crate::list::absolute;
use crate::AppState;

/// What stands for the expiry and signature when media are public.
const PUBLIC: &str = "public";

/// Registers `/hls/…`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::resource("/hls/{expires}/{signature}/{id}/{run}/{file:.*}")
            .route(web::get().to(stream))
            .route(web::head().to(stream))
            .default_service(web::to(method_not_allowed("GET, HEAD"))),
    );
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The absolute signed URL of `file` in a run's folder.
pub fn url(req: &HttpRequest, state: &AppState, media_file: Uuid, run: &str, file: &str) -> String {
    let prefix = run_path(media_file, run);
    let grant = match state.services.media.signer().grant(&prefix, now()) {
        Some((expires, signature)) => format!("{expires}/{signature}"),
        None => format!("0/{PUBLIC}"),
    };
    absolute(req, &format!("/hls/{grant}/{media_file}/{run}/{file}"))
}

/// The signed URL of a run's master playlist.
pub fn master_url(req: &HttpRequest, state: &AppState, media_file: Uuid, run: &str) -> String {
    url(req, state, media_file, run, MASTER)
}

/// The signed URL of a run's poster.
pub fn poster_url(req: &HttpRequest, state: &AppState, media_file: Uuid, run: &str) -> String {
    url(req, state, media_file, run, POSTER)
}

/// The content type a player expects of a packaged file.
fn content_type(file: &str) -> &'static str {
    match file.rsplit('.').next() {
        Some("m3u8") => "application/vnd.apple.mpegurl",
        Some("m4s" | "mp4") => "video/mp4",
        Some("jpg" | "jpeg") => "image/jpeg",
        _ => "application/octet-stream",
    }
}

/// A run's folder name: what the worker makes (32 hex digits), nothing else.
fn is_run(run: &str) -> bool {
    run.len() == 32 && run.bytes().all(|b| b.is_ascii_hexdigit())
}

async fn stream(
    req: HttpRequest,
    path: web::Path<(String, String, String, String, String)>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (expires, signature, id, run, file) = path.into_inner();
    let Some(id) = mstream_kernel::id::parse_uuid(&id) else {
        return Err(ApiError::not_found());
    };
    if !is_run(&run) {
        return Err(ApiError::not_found());
    }
    let prefix = run_path(id, &run);
    if !state
        .services
        .media
        .signer()
        .verify(&prefix, Some(&expires), Some(&signature), now())
    {
        return Err(ApiError::detail(
            StatusCode::FORBIDDEN,
            "This media URL is missing a valid, unexpired signature.",
        ));
    }
    let kind = content_type(&file);
    let mut response = super::media::serve(&req, &state, format!("{prefix}/{file}")).await?;
    if response.status().is_success() {
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    }
    Ok(response)
}

/// What a media file's wire form says of its packaging: `hls_url` and
/// `poster_url` (signed; null until ready, or when the caller may not
/// stream), `duration` (seconds, null until ready) and `packaging`
/// (`{state, progress, reason}`, null for what is not packaged: audio and
/// images).
pub fn packaged_fields(
    req: &HttpRequest,
    state: &AppState,
    job: Option<&mstream_service::hls::Job>,
    may_stream: bool,
) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::{json, Value as Json};
    let ready = job.filter(|j| j.state == mstream_service::hls::JobState::Ready);
    let run = ready.and_then(|j| j.run.as_deref().map(|run| (j.media_file, run)));
    let granted = run.filter(|_| may_stream);
    let mut fields = serde_json::Map::new();
    fields.insert(
        "hls_url".into(),
        granted.map_or(Json::Null, |(id, run)| {
            Json::String(master_url(req, state, id, run))
        }),
    );
    fields.insert(
        "poster_url".into(),
        granted.map_or(Json::Null, |(id, run)| {
            Json::String(poster_url(req, state, id, run))
        }),
    );
    fields.insert(
        "duration".into(),
        ready
            .and_then(|j| j.duration)
            .map_or(Json::Null, |d| json!(d)),
    );
    fields.insert(
        "packaging".into(),
        job.map_or(Json::Null, |j| {
            json!({
                "state": j.state.as_str(),
                "progress": j.progress,
                "reason": j.reason,
            })
        }),
    );
    fields
}

//! Observability: Prometheus metrics (request counts and latency by route
//! template and status, bytes uploaded and streamed) and the `X-Request-Id`
//! response header that matches the request id in the logs.
//!
//! The metrics recorder is process-wide (the `metrics` facade has one
//! global recorder), installed once on first use; every server in the
//! process renders it at `/metrics` and appends its own pool's lines.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing_actix_web::RequestId;

/// Requests served, by method, route template and status.
pub const REQUESTS: &str = "mstream_http_requests_total";
/// Request latency histogram, by method, route template and status.
pub const DURATION: &str = "mstream_http_request_duration_seconds";
/// Bytes of media received by uploads.
pub const UPLOAD_BYTES: &str = "mstream_upload_bytes_total";
/// Bytes of media sent by `/content/`.
pub const STREAM_BYTES: &str = "mstream_stream_bytes_total";

/// Latency buckets, in seconds.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's recorder, installed on first call (`None` if another
/// recorder was installed first by someone else).
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new().set_buckets(BUCKETS).ok()?;
            let handle = match builder.install_recorder() {
                Ok(handle) => handle,
                Err(error) => {
                    tracing::warn!(%error, "metrics recorder not installed");
                    return None;
                }
            };
            describe();
            // Histograms keep raw samples until upkeep folds them into
            // buckets; do it regularly even when nobody scrapes.
            let upkeep = handle.clone();
            let _ = std::thread::Builder::new()
                .name("metrics-upkeep".into())
                .spawn(move || loop {
                    std::thread::sleep(Duration::from_secs(5));
                    upkeep.run_upkeep();
                });
            Some(handle)
        })
        .as_ref()
}

fn describe() {
    metrics::describe_counter!(
        REQUESTS,
        "HTTP requests served, by method, route template and status."
    );
    metrics::describe_histogram!(
        DURATION,
        metrics::Unit::Seconds,
        "HTTP request latency, by method, route template and status."
    );
    metrics::describe_counter!(
        UPLOAD_BYTES,
        metrics::Unit::Bytes,
        "Bytes of media received by uploads."
    );
    metrics::describe_counter!(
        STREAM_BYTES,
        metrics::Unit::Bytes,
        "Bytes of media sent by /content/."
    );
    // Registered at zero so they are scraped before the first upload/stream.
    metrics::counter!(UPLOAD_BYTES).increment(0);
    metrics::counter!(STREAM_BYTES).increment(0);
}

/// Counts `bytes` of an upload (call as chunks arrive or once at the end).
pub fn record_upload_bytes(bytes: u64) {
    metrics::counter!(UPLOAD_BYTES).increment(bytes);
}

/// Counts `bytes` sent by `/content/`.
pub fn record_stream_bytes(bytes: u64) {
    metrics::counter!(STREAM_BYTES).increment(bytes);
}

/// A response body that counts its bytes into
/// [`STREAM_BYTES`] as they are handed to the connection, so a player that
/// stops after the first megabyte of a 2 GiB file counts one megabyte, not
/// the file's size. Its size is the inner body's, so `Content-Length` is
/// kept.
pub struct CountedBody<B> {
    inner: B,
}

impl<B> CountedBody<B> {
    /// Counts what `inner` yields.
    pub fn new(inner: B) -> Self {
        Self { inner }
    }
}

impl<B: MessageBody + Unpin> MessageBody for CountedBody<B> {
    type Error = B::Error;

    fn size(&self) -> actix_web::body::BodySize {
        self.inner.size()
    }

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<actix_web::web::Bytes, Self::Error>>> {
        let polled = std::pin::Pin::new(&mut self.get_mut().inner).poll_next(cx);
        if let std::task::Poll::Ready(Some(Ok(chunk))) = &polled {
            record_stream_bytes(chunk.len() as u64);
        }
        polled
    }
}

/// The Prometheus text of the process's metrics (empty without a recorder).
pub fn render() -> String {
    handle().map(PrometheusHandle::render).unwrap_or_default()
}

/// Middleware: records each request's count and latency under its route
/// template (never the raw path: ids would explode the label set), and
/// adds `X-Request-Id` (the id in the request's log span) to the response.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let request_id = req.extensions().get::<RequestId>().map(|id| id.to_string());
    let method = req.method().as_str().to_owned();
    let mut response = next.call(req).await?;
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!(REQUESTS, &labels).increment(1);
    metrics::histogram!(DURATION, &labels).record(started.elapsed().as_secs_f64());
    if let Some(value) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    Ok(response)
}

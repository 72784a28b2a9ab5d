//! Observability: the access log (one line per request), Prometheus
//! metrics (request counts and latency by route template and status, bytes
//! uploaded and streamed) and the `X-Request-Id` response header that
//! matches the request id in the logs.
//!
//! The metrics recorder is process-wide (the `metrics` facade has one
//! global recorder), installed once on first use; every server in the
//! process renders it at `/metrics` and appends its own pool's lines.

use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};

use crate::error::ApiError;
use crate::throttle::{client_ip, Identified};
use crate::AppState;

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

/// Build facts, as Prometheus' `*_build_info` convention has them: a
/// gauge of 1 labelled with the version and the git commit.
pub const BUILD_INFO: &str = "mstream_build_info";

/// Exports [`BUILD_INFO`] (installing the recorder if need be).
pub fn record_build_info(version: &str, commit: &str) {
    handle();
    metrics::describe_gauge!(
        BUILD_INFO,
        "A constant 1, labelled with the version and git commit of the running binary."
    );
    metrics::gauge!(BUILD_INFO, "version" => version.to_owned(), "commit" => commit.to_owned())
        .set(1.0);
}

/// Counts `bytes` of an upload (call as chunks arrive or once at the end).
pub fn record_upload_bytes(bytes: u64) {
    metrics::counter!(UPLOAD_BYTES).increment(bytes);
}

/// Counts `bytes` sent by `/content/`.
pub fn record_stream_bytes(bytes: u64) {
    metrics::counter!(STREAM_BYTES).increment(bytes);
}

/// What a [`Tapped`] body tells about each chunk it hands on.
pub trait Tap: Unpin {
    /// `len` more bytes went to the connection.
    fn chunk(&mut self, len: u64);
}

/// A response body that reports each chunk's size to `T` as it is handed
/// to the connection. Its size is the inner body's, so `Content-Length`
/// is kept.
pub struct Tapped<B, T> {
    inner: B,
    tap: T,
}

impl<B: MessageBody + Unpin, T: Tap> MessageBody for Tapped<B, T> {
    type Error = B::Error;

    fn size(&self) -> actix_web::body::BodySize {
        self.inner.size()
    }

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<actix_web::web::Bytes, Self::Error>>> {
        let this = self.get_mut();
        let polled = std::pin::Pin::new(&mut this.inner).poll_next(cx);
        if let std::task::Poll::Ready(Some(Ok(chunk))) = &polled {
            this.tap.chunk(chunk.len() as u64);
        }
        polled
    }
}

/// Counts into [`STREAM_BYTES`].
pub struct StreamBytes;

impl Tap for StreamBytes {
    fn chunk(&mut self, len: u64) {
        record_stream_bytes(len);
    }
}

/// A body that counts its bytes into [`STREAM_BYTES`] as they are sent, so
/// a player that stops after the first megabyte of a 2 GiB file counts one
/// megabyte, not the file's size.
pub type CountedBody<B> = Tapped<B, StreamBytes>;

impl<B> CountedBody<B> {
    /// Counts what `inner` yields.
    pub fn new(inner: B) -> Self {
        Tapped {
            inner,
            tap: StreamBytes,
        }
    }
}

/// The Prometheus text of the process's metrics (empty without a recorder).
pub fn render() -> String {
    handle().map(PrometheusHandle::render).unwrap_or_default()
}

/// The root span of every request: its id (and the user, once known), so
/// whatever a handler logs is found under the request's id. The span logs
/// nothing itself: the request's outcome is the access line.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request.extensions().get::<RequestId>().copied();
        tracing::info_span!(
            "request",
            request_id = request_id.map(tracing::field::display),
            user_id = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(_: Span, _: &Result<ServiceResponse<B>, Error>) {}
}

/// The route label of a request: its route template, with the resource
/// named (`/api/genre/{id}/`, one of a fixed set) and without the router's
/// regexes (`/content/{path}`); `unmatched` when no route matched (404s,
/// slash redirects). Never the raw path: ids would explode the label set.
pub fn route_label(req: &HttpRequest) -> String {
    let Some(pattern) = req.match_pattern() else {
        return "unmatched".to_owned();
    };
    let mut label = String::with_capacity(pattern.len());
    let mut rest = pattern.as_str();
    while let Some(open) = rest.find('{') {
        label.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let segment = &rest[open + 1..open + close];
        let name = segment.split_once(':').map_or(segment, |(name, _)| name);
        match req.match_info().get(name) {
            Some(value) if name == "resource" && crate::registry::is_resource(value) => {
                label.push_str(value);
            }
            _ => {
                label.push('{');
                label.push_str(name);
                label.push('}');
            }
        }
        rest = &rest[open + close + 1..];
    }
    label.push_str(rest);
    label
}

/// The path and query as logged: a media URL's `signature` is replaced by
/// `REDACTED`, so the log grants no access to anyone who reads it.
pub fn logged_uri(uri: &actix_web::http::Uri) -> String {
    let path = uri.path();
    let Some(query) = uri.query() else {
        return path.to_owned();
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("signature") => {
                format!("{key}=REDACTED")
            }
            _ => pair.to_owned(),
        })
        .collect();
    format!("{path}?{}", query.join("&"))
}

/// What the access line says about a request, gathered as its response
/// starts and written when its body is done.
struct Access {
    method: actix_web::http::Method,
    uri: String,
    route: String,
    status: u16,
    request_id: Option<RequestId>,
    user: Option<uuid::Uuid>,
    client: Option<IpAddr>,
    error: Option<String>,
    started: Instant,
}

impl Access {
    fn write(&self, bytes: u64) {
        // Microsecond precision: a number in JSON, short in text.
        let latency_ms = (self.started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
        macro_rules! line {
            ($level:expr) => {
                tracing::event!(
                    target: "mstream::access",
                    $level,
                    method = %self.method,
                    uri = %self.uri,
                    route = %self.route,
                    status = self.status,
                    latency_ms,
                    bytes,
                    request_id = self.request_id.map(tracing::field::display),
                    user = self.user.map(tracing::field::display),
                    client = self.client.map(tracing::field::display),
                    error = self.error.as_deref(),
                    "request"
                )
            };
        }
        if self.status >= 500 {
            line!(tracing::Level::ERROR);
        } else {
            line!(tracing::Level::INFO);
        }
    }
}

/// The bytes a response sent, and its access line, written when the body
/// is dropped: after the last byte, or when the client went away (then
/// with the bytes sent so far).
pub struct AccessTap {
    bytes: u64,
    access: Access,
}

impl Tap for AccessTap {
    fn chunk(&mut self, len: u64) {
        self.bytes += len;
    }
}

impl Drop for AccessTap {
    fn drop(&mut self) {
        self.access.write(self.bytes);
    }
}

/// A response body that writes its request's access line when done.
pub type AccessBody<B> = Tapped<B, AccessTap>;

/// An error's message followed by its causes, `: `-separated (one line,
/// not a `Debug` dump).
fn cause_chain(error: &Error) -> String {
    let mut text = error.to_string();
    let mut source = error
        .as_error::<ApiError>()
        .and_then(std::error::Error::source);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // thiserror's `{0}` messages often embed their source already.
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Middleware (outermost): records each request's count and latency under
/// its [`route_label`], adds `X-Request-Id` (the id of the request's log
/// span) to the response, and writes one access line per request.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<AccessBody<impl MessageBody>>, Error> {
    let started = Instant::now();
    let client = match req.app_data::<actix_web::web::Data<AppState>>() {
        Some(state) => client_ip(&req, &state.settings.throttle.trusted_proxies),
        None => req.peer_addr().map(|addr| addr.ip()),
    };
    // Kept apart from the request, which the router needs to hold alone.
    let method = req.method().clone();
    let uri = logged_uri(req.uri());
    let mut response = match next.call(req).await {
        Ok(response) => response,
        Err(error) => {
            // A middleware's refusal; actix renders it after we return.
            let status = error.as_response_error().status_code().as_u16();
            record(&method, "unmatched", status, started);
            Access {
                method,
                uri,
                route: "unmatched".to_owned(),
                status,
                request_id: None,
                user: None,
                client,
                error: Some(cause_chain(&error)),
                started,
            }
            .write(0);
            return Err(error);
        }
    };
    let request = response.request();
    let route = route_label(request);
    let status = response.status().as_u16();
    record(&method, &route, status, started);
    let request_id = request.extensions().get::<RequestId>().copied();
    let user = request
        .extensions()
        .get::<Identified>()
        .map(|Identified(id)| *id);
    let access = Access {
        method,
        uri,
        route,
        status,
        request_id,
        user,
        client,
        error: response.response().error().map(cause_chain),
        started,
    };
    if let Some(value) = request_id.and_then(|id| HeaderValue::from_str(&id.to_string()).ok()) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    Ok(response.map_body(|_, inner| Tapped {
        inner,
        tap: AccessTap { bytes: 0, access },
    }))
}

/// Counts a request and its latency under its labels.
fn record(method: &actix_web::http::Method, route: &str, status: u16, started: Instant) {
    let labels = [
        ("method", method.as_str().to_owned()),
        ("route", route.to_owned()),
        ("status", status.to_string()),
    ];
    metrics::counter!(REQUESTS, &labels).increment(1);
    metrics::histogram!(DURATION, &labels).record(started.elapsed().as_secs_f64());
}

//! Request bodies: JSON everywhere, forms where DRF clients post them.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::error::PayloadError;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest};
use futures_util::Stream;
use serde_json::{Map, Value as Json};

use crate::error::ApiError;

/// Which body encodings an endpoint takes besides JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepts {
    /// JSON only.
    Json,
    /// JSON or `application/x-www-form-urlencoded` (sign-up, sign-in).
    JsonOrForm,
}

/// Reads `bytes` as the endpoint's body: 415 for other media types, 400
/// `JSON parse error - …` for bad JSON; an empty body is an empty object,
/// as DRF treats it.
pub fn parse(req: &HttpRequest, bytes: &web::Bytes, accepts: Accepts) -> Result<Json, ApiError> {
    let media_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    if bytes.is_empty() && media_type.is_none() {
        return Ok(Json::Object(Map::new()));
    }
    match media_type.as_deref() {
        Some("application/json") | None => serde_json::from_slice(bytes).map_err(|e| {
            ApiError::detail(StatusCode::BAD_REQUEST, format!("JSON parse error - {e}"))
        }),
        Some("application/x-www-form-urlencoded") if accepts == Accepts::JsonOrForm => {
            let pairs: Vec<(String, String)> =
                serde_urlencoded::from_bytes(bytes).map_err(|e| {
                    ApiError::detail(StatusCode::BAD_REQUEST, format!("Form parse error - {e}"))
                })?;
            Ok(Json::Object(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k, Json::String(v)))
                    .collect(),
            ))
        }
        Some(other) => Err(ApiError::detail(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Unsupported media type \"{other}\" in request."),
        )),
    }
}

/// Set by [`timed`] when the client stopped sending.
#[derive(Clone, Default)]
pub struct Stalled(Rc<Cell<bool>>);

impl Stalled {
    /// Whether the body timed out.
    pub fn happened(&self) -> bool {
        self.0.get()
    }
}

/// The request body, failing when no piece of it arrives within `timeout`
/// of the previous one (nginx's `client_body_timeout`: the time between two
/// reads, not for the whole body, so a slow but live upload never times
/// out). A stall is reported as a payload error, and flagged in the
/// returned [`Stalled`] so that it can be answered with `408`.
pub fn timed(payload: web::Payload, timeout: Duration) -> (Timed, Stalled) {
    let stalled = Stalled::default();
    let timed = Timed {
        payload: Some(payload),
        timeout,
        deadline: Box::pin(tokio::time::sleep(timeout)),
        stalled: stalled.clone(),
    };
    (timed, stalled)
}

/// See [`timed`].
pub struct Timed {
    payload: Option<web::Payload>,
    timeout: Duration,
    deadline: Pin<Box<tokio::time::Sleep>>,
    stalled: Stalled,
}

impl Stream for Timed {
    type Item = Result<web::Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let Some(payload) = this.payload.as_mut() else {
            return Poll::Ready(None);
        };
        match Pin::new(payload).poll_next(cx) {
            Poll::Ready(Some(item)) => {
                let next = tokio::time::Instant::now() + this.timeout;
                this.deadline.as_mut().reset(next);
                Poll::Ready(Some(item))
            }
            Poll::Ready(None) => {
                this.payload = None;
                Poll::Ready(None)
            }
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    this.payload = None;
                    this.stalled.0.set(true);
                    let error = std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the request body stopped arriving",
                    );
                    Poll::Ready(Some(Err(PayloadError::Io(error))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

/// `408` for a body that stopped arriving.
pub fn timed_out() -> ApiError {
    ApiError::detail(
        StatusCode::REQUEST_TIMEOUT,
        "The request body stopped arriving before it was complete.",
    )
}

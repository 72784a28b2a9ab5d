//! What a call can fail with, one variant per thing a caller would do
//! differently.

use std::time::Duration;

use mstream_kernel::FieldErrors;

/// A failed call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `400` with field errors: the body broke the resource's rules
    /// (`{"name": ["genre with this name already exists."]}`). Problems
    /// that belong to no field are under `non_field_errors`.
    #[error("invalid: {0}")]
    Invalid(FieldErrors),
    /// `400` with a `detail` (e.g. a body that is not JSON).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// `401`: no token, or a token that is not valid (any more).
    #[error("not signed in: {0}")]
    Unauthenticated(String),
    /// `403`: signed in, but not allowed (or a bad or expired stream URL).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// `404`: no such entity (or page).
    #[error("not found: {0}")]
    NotFound(String),
    /// `429`: the caller's budget is spent; try again after `retry_after`.
    #[error("throttled: {detail}")]
    Throttled {
        /// How long to wait, from `Retry-After`.
        retry_after: Option<Duration>,
        /// The server's message.
        detail: String,
    },
    /// `5xx`: the server failed; `503` comes with `Retry-After`.
    #[error("server error {status}: {detail}")]
    Server {
        /// The status code.
        status: u16,
        /// The server's message.
        detail: String,
        /// How long to wait, from `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// Another status (`405`, `413`, `415`, a redirect, …).
    #[error("unexpected status {status}: {detail}")]
    Status {
        /// The status code.
        status: u16,
        /// The server's message, or the body.
        detail: String,
    },
    /// The request could not be sent or the response not read.
    #[error("transport: {0}")]
    Transport(#[from] reqwest::Error),
    /// A success whose body is not the shape promised.
    #[error("unexpected response body: {0}")]
    Decode(String),
    /// The client was given something it cannot use (e.g. a bad base URL).
    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// The field errors of an [`Error::Invalid`].
    pub fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            Error::Invalid(errors) => Some(errors),
            _ => None,
        }
    }

    /// The HTTP status this error came with, if it came with one.
    pub fn status(&self) -> Option<u16> {
        Some(match self {
            Error::Invalid(_) | Error::BadRequest(_) => 400,
            Error::Unauthenticated(_) => 401,
            Error::Forbidden(_) => 403,
            Error::NotFound(_) => 404,
            Error::Throttled { .. } => 429,
            Error::Server { status, .. } | Error::Status { status, .. } => *status,
            Error::Transport(e) => return e.status().map(|s| s.as_u16()),
            Error::Decode(_) | Error::Usage(_) => return None,
        })
    }

    /// Builds the error for a non-success response from its status,
    /// `Retry-After` header and body.
    pub(crate) fn from_response(status: u16, retry_after: Option<Duration>, body: &[u8]) -> Self {
        #[derive(serde::Deserialize)]
        struct Detail {
            detail: String,
        }
        let detail = || match serde_json::from_slice::<Detail>(body) {
            Ok(d) => d.detail,
            Err(_) => String::from_utf8_lossy(body).into_owned(),
        };
        match status {
            400 => match serde_json::from_slice::<Detail>(body) {
                Ok(d) => Error::BadRequest(d.detail),
                Err(_) => match serde_json::from_slice::<FieldErrors>(body) {
                    Ok(errors) => Error::Invalid(errors),
                    Err(_) => Error::BadRequest(String::from_utf8_lossy(body).into_owned()),
                },
            },
            401 => Error::Unauthenticated(detail()),
            403 => Error::Forbidden(detail()),
            404 => Error::NotFound(detail()),
            429 => Error::Throttled {
                retry_after,
                detail: detail(),
            },
            500..=599 => Error::Server {
                status,
                detail: detail(),
                retry_after,
            },
            _ => Error::Status {
                status,
                detail: detail(),
            },
        }
    }
}

/// `Retry-After` in seconds (the form the server sends); an HTTP date is
/// not sent by mstream and reads as `None`.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_map_to_variants() {
        let e = Error::from_response(400, None, br#"{"name": ["This field is required."]}"#);
        assert_eq!(
            e.field_errors().map(|f| f.messages("name").to_vec()),
            Some(vec!["This field is required.".to_owned()])
        );
        let e = Error::from_response(400, None, br#"{"detail": "JSON parse error - x"}"#);
        assert!(matches!(e, Error::BadRequest(d) if d.starts_with("JSON")));
        let e = Error::from_response(429, Some(Duration::from_secs(7)), br#"{"detail": "t"}"#);
        assert!(matches!(e, Error::Throttled { retry_after: Some(d), .. } if d.as_secs() == 7));
        assert_eq!(Error::from_response(503, None, b"{}").status(), Some(503));
    }
}

//! The one place errors become HTTP responses, in DRF's shapes.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use mstream_kernel::FieldErrors;
use mstream_service::ServiceError;
use serde_json::json;

/// DRF's texts.
pub mod text {
    /// 401 without credentials.
    pub const NOT_AUTHENTICATED: &str = "Authentication credentials were not provided.";
    /// 401 with a bad token.
    pub const INVALID_TOKEN: &str = "Invalid token.";
    /// 403.
    pub const FORBIDDEN: &str = "You do not have permission to perform this action.";
    /// 404.
    pub const NOT_FOUND: &str = "Not found.";
    /// 404 for a page past the end.
    pub const INVALID_PAGE: &str = "Invalid page.";
    /// 500.
    pub const INTERNAL: &str = "Internal server error.";
}

/// An error on its way to the client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// From a use case.
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// A request the HTTP layer itself refused, with its status and detail.
    #[error("{1}")]
    Detail(StatusCode, String),
}

impl ApiError {
    /// `{"detail": …}` with `status`.
    pub fn detail(status: StatusCode, detail: impl Into<String>) -> Self {
        ApiError::Detail(status, detail.into())
    }

    /// 404 `Not found.`
    pub fn not_found() -> Self {
        Self::detail(StatusCode::NOT_FOUND, text::NOT_FOUND)
    }

    /// 400 with field messages.
    pub fn fields(errors: FieldErrors) -> Self {
        ApiError::Service(ServiceError::Validation(errors))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Detail(status, _) => *status,
            ApiError::Service(error) => match error {
                ServiceError::Validation(_) | ServiceError::ReferenceGone(_) => {
                    StatusCode::BAD_REQUEST
                }
                ServiceError::Unauthenticated | ServiceError::InvalidToken => {
                    StatusCode::UNAUTHORIZED
                }
                ServiceError::Forbidden => StatusCode::FORBIDDEN,
                ServiceError::NotFound | ServiceError::InvalidPage => StatusCode::NOT_FOUND,
                ServiceError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
                ServiceError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
                ServiceError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
                ServiceError::Conflict(_) => StatusCode::CONFLICT,
                ServiceError::Locked => StatusCode::LOCKED,
                ServiceError::Gone => StatusCode::GONE,
                // tus' checksum extension: "460 Checksum Mismatch".
                ServiceError::ChecksumMismatch => {
                    StatusCode::from_u16(460).unwrap_or(StatusCode::BAD_REQUEST)
                }
            },
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let body = match self {
            ApiError::Detail(_, detail) => json!({ "detail": detail }),
            ApiError::Service(error) => match error {
                ServiceError::Validation(errors) => json!(errors),
                ServiceError::ReferenceGone(_) => json!(FieldErrors::non_field(
                    "A referenced object no longer exists."
                )),
                ServiceError::Unauthenticated => json!({ "detail": text::NOT_AUTHENTICATED }),
                ServiceError::InvalidToken => json!({ "detail": text::INVALID_TOKEN }),
                ServiceError::Forbidden => json!({ "detail": text::FORBIDDEN }),
                ServiceError::NotFound => json!({ "detail": text::NOT_FOUND }),
                ServiceError::InvalidPage => json!({ "detail": text::INVALID_PAGE }),
                ServiceError::TooLarge(limit) => json!({
                    "detail": format!("The upload is larger than the limit of {limit} bytes.")
                }),
                // The cause is logged once, in the request's access line
                // (`observe`), and never shown to the client.
                ServiceError::Unavailable(_) => {
                    json!({ "detail": "Service temporarily unavailable, try again later." })
                }
                ServiceError::Internal(_) => json!({ "detail": text::INTERNAL }),
                ServiceError::Conflict(why) => json!({ "detail": why }),
                ServiceError::Locked => json!({
                    "detail": "Another request is writing to this upload; try again."
                }),
                ServiceError::Gone => json!({ "detail": "This upload has expired." }),
                ServiceError::ChecksumMismatch => json!({
                    "detail": "The bytes do not match Upload-Checksum; they were dropped."
                }),
            },
        };
        let mut response = HttpResponse::build(status).json(body);
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Token"));
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            // The database was down, busy past its deadline, or broke a
            // deadlock: worth one more try shortly.
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

/// Results of handlers.
pub type ApiResult<T> = Result<T, ApiError>;

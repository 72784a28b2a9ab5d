//! The caller: `Authorization: Token <key>` turned into an [`Actor`].

use std::future::Future;
use std::pin::Pin;

use actix_web::http::{header, StatusCode};
use actix_web::{dev::Payload, web, FromRequest, HttpMessage, HttpRequest};
use mstream_kernel::Actor;

use crate::error::ApiError;
use crate::throttle::Authenticated;
use crate::AppState;

/// The authenticated caller of a handler, and the token presented.
pub struct Caller {
    /// Who is calling.
    pub actor: Actor,
    /// The raw token, when one was presented and valid.
    pub token: Option<String>,
}

/// The token in the `Authorization` header, if the scheme is `Token`
/// (case-insensitive, as DRF); other schemes are not ours and mean none.
pub fn presented_token(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| {
        bad_header("Invalid token header. Token string should not contain invalid characters.")
    })?;
    let mut parts = value.split_whitespace();
    match parts.next() {
        Some(scheme) if scheme.eq_ignore_ascii_case("token") => {}
        _ => return Ok(None),
    }
    let token = parts
        .next()
        .ok_or_else(|| bad_header("Invalid token header. No credentials provided."))?;
    if parts.next().is_some() {
        return Err(bad_header(
            "Invalid token header. Token string should not contain spaces.",
        ));
    }
    Ok(Some(token.to_owned()))
}

fn bad_header(detail: &str) -> ApiError {
    ApiError::detail(StatusCode::UNAUTHORIZED, detail)
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = presented_token(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        // The throttle's `identify` step may already have asked.
        let known = req.extensions_mut().remove::<Authenticated>();
        Box::pin(async move {
            let token = token?;
            let actor = match known {
                Some(Authenticated(result)) => result?,
                None => {
                    let state = state.ok_or_else(|| {
                        ApiError::detail(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "Internal server error.",
                        )
                    })?;
                    state.services.accounts.authenticate(token.clone()).await?
                }
            };
            if let Some(user) = actor.user() {
                tracing::Span::current().record("user_id", tracing::field::display(user.id));
            }
            Ok(Caller { actor, token })
        })
    }
}

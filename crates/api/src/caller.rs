//! The caller: `Authorization: Token <key>` turned into an [`Actor`].

use std::future::Future;
use std::pin::Pin;

use actix_web::http::StatusCode;
use actix_web::{dev::Payload, web, FromRequest, HttpMessage, HttpRequest};
use mstream_kernel::Actor;

use crate::credentials::{presented_token, Authenticated};
use crate::error::ApiError;
use crate::AppState;

/// The authenticated caller of a handler, and the token presented.
pub struct Caller {
    /// Who is calling.
    pub actor: Actor,
    /// The raw token, when one was presented and valid.
    pub token: Option<String>,
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

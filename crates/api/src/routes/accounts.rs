//! `/user/…`: sign-up, sign-in, sign-out, the caller's account.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::{method_not_allowed, read_body};
use crate::body::{self, Accepts};
use crate::caller::Caller;
use crate::credentials::{from_panel, PANEL_COOKIE};
use crate::error::ApiResult;
use crate::list::query_pairs;
use crate::AppState;

/// Registers the account routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let post_only = || method_not_allowed("POST, OPTIONS");
    cfg.service(
        super::resource("/user/signup/")
            .route(web::post().to(signup))
            .default_service(web::to(post_only())),
    )
    .service(
        super::resource("/user/login/")
            .route(web::post().to(login))
            .default_service(web::to(post_only())),
    )
    .service(
        super::resource("/user/logout/")
            .route(web::post().to(logout))
            .default_service(web::to(post_only())),
    )
    .service(
        super::resource("/user/me/")
            .route(web::get().to(me))
            .route(web::head().to(me))
            .default_service(web::to(method_not_allowed("GET, HEAD, OPTIONS"))),
    )
    .service(
        super::resource("/user/delete/")
            .route(web::delete().to(delete_account))
            .default_service(web::to(method_not_allowed("DELETE, OPTIONS"))),
    );
}

async fn signup(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let bytes = read_body(&req, payload, &state).await?;
    let body = body::parse(&req, &bytes, Accepts::JsonOrForm)?;
    let created = state.services.accounts.signup(&body).await?;
    Ok(HttpResponse::Created().json(created))
}

async fn login(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let bytes = read_body(&req, payload, &state).await?;
    let body = body::parse(&req, &bytes, Accepts::JsonOrForm)?;
    let token = state.services.accounts.login(&body).await?;
    let mut response = HttpResponse::Ok();
    if from_panel(&req) {
        response.cookie(panel_cookie(&req, token.clone()));
    }
    Ok(response.json(json!({ "token": token })))
}

async fn logout(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let all = query_pairs(&req).iter().any(|(k, v)| {
        k == "all" && matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes")
    });
    let token = caller.token.clone().unwrap_or_default();
    state
        .services
        .accounts
        .logout(&caller.actor, token, all)
        .await?;
    let mut response = HttpResponse::NoContent();
    if req.cookie(PANEL_COOKIE).is_some() {
        let mut gone = panel_cookie(&req, String::new());
        gone.make_removal();
        response.cookie(gone);
    }
    Ok(response.finish())
}

async fn me(caller: Caller, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.services.accounts.me(&caller.actor).await?))
}

async fn delete_account(caller: Caller, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    state
        .services
        .accounts
        .delete_account(&caller.actor)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The panel's sign-in cookie (docs/decisions.md, "Signed in across tabs"):
/// out of scripts' reach, sent only on this site's own navigations and
/// requests, for every path (the panel calls `/api/` and `/user/`), and
/// over HTTPS only when the site is served over HTTPS. A session cookie:
/// the token's own lifetime and revocation still rule.
fn panel_cookie(req: &HttpRequest, token: String) -> Cookie<'static> {
    let secure = req.connection_info().scheme() == "https";
    Cookie::build(PANEL_COOKIE, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .finish()
}

//! `OPTIONS` on every API path: DRF's `SimpleMetadata` (`name`,
//! `description`, `renders`, `parses`, and for a caller allowed to write,
//! `actions` with each field's metadata), derived from the resource
//! declarations. Registered ahead of the other routes as OPTIONS-only
//! resources (a resource whose guard fails is skipped by the router), so
//! each path's own resource keeps every other method.

use actix_web::http::header;
use actix_web::{guard, web, HttpRequest, HttpResponse};
use mstream_kernel::resource::Derived;
use mstream_kernel::{Actor, Field, Kind, Resource, Write};
use serde_json::{json, Map, Value as Json};

use super::path_id;
use crate::caller::Caller;
use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// The methods a resource path serves, as DRF's `Allow` lists them.
pub fn allowed(resource: &str, detail: bool) -> &'static str {
    match (resource, detail) {
        ("users", false) => "GET, HEAD, OPTIONS",
        ("users", true) => "GET, PUT, PATCH, HEAD, OPTIONS",
        (_, false) => "GET, POST, HEAD, OPTIONS",
        (_, true) => "GET, PUT, PATCH, DELETE, HEAD, OPTIONS",
    }
}

/// Registers the OPTIONS handlers; must come before the routes they shadow.
/// Not listed by `routes::served()`: they answer OPTIONS for paths that
/// are registered (and listed, and documented) by the routes themselves.
#[allow(clippy::disallowed_methods)]
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/").guard(guard::Options()).to(api_root))
        .service(
            web::resource(["/api/catalog/", "/api/catalog/{id}/"])
                .guard(guard::Options())
                .to(catalog),
        )
        // The hand-written endpoints, before `/api/{resource}/` would take
        // their names for resources.
        .service(
            web::resource("/api/progress/")
                .guard(guard::Options())
                .to(|| fixed("Progress List", "progress", "GET, HEAD, OPTIONS", &[])),
        )
        .service(
            web::resource("/api/progress/{media}/")
                .guard(guard::Options())
                .to(|| {
                    fixed(
                        "Progress Instance",
                        "progress",
                        "GET, PUT, DELETE, HEAD, OPTIONS",
                        &[JSON, "application/x-www-form-urlencoded"],
                    )
                }),
        )
        .service(
            web::resource("/api/history/")
                .guard(guard::Options())
                .to(|| fixed("History List", "admin", "GET, HEAD, OPTIONS", &[])),
        )
        .service(
            web::resource("/api/{resource}/{id}/delete-preview/")
                .guard(guard::Options())
                .to(|| fixed("Delete Preview", "admin", "GET, HEAD, OPTIONS", &[])),
        )
        .service(
            web::resource("/api/{resource}/")
                .guard(guard::Options())
                .to(collection),
        )
        .service(
            web::resource("/api/{resource}/{id}/")
                .guard(guard::Options())
                .to(member),
        )
        .service(
            web::resource("/user/{action}/")
                .guard(guard::Options())
                .to(account),
        );
}

const JSON: &str = "application/json";

fn respond(allow: &str, body: Json) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ALLOW, allow.to_owned()))
        .json(body)
}

fn metadata(name: &str, description: &str, parses: &[&str]) -> Map<String, Json> {
    let mut out = Map::new();
    out.insert("name".into(), json!(name));
    out.insert("description".into(), json!(description));
    out.insert("renders".into(), json!([JSON]));
    out.insert("parses".into(), json!(parses));
    out
}

/// `genre` → `Genre`, `content media file` → `Content Media File`.
pub(crate) fn title(noun: &str) -> String {
    noun.split_whitespace()
        .map(capitalize)
        .collect::<Vec<_>>()
        .join(" ")
}

/// DRF's label: the name with spaces, capitalised (`id` → `ID`).
fn label(name: &str) -> String {
    if name == "id" {
        return "ID".into();
    }
    capitalize(&name.replace('_', " "))
}

/// One field as DRF's `SimpleMetadata.get_field_info` describes it, for a
/// create (`POST`) or a replace (`PUT`).
fn field_info(field: &Field, create: bool) -> Json {
    let kind = match field.kind {
        Kind::Id | Kind::Text { .. } => "string",
        Kind::Int { .. } => "integer",
        Kind::Float => "float",
        Kind::Bool => "boolean",
        Kind::Timestamp => "datetime",
        Kind::File => "file upload",
        Kind::Derived(Derived::Url) => "url",
        Kind::Ref { .. } | Kind::RefMany { .. } | Kind::Derived(_) => "field",
    };
    let required = match field.write {
        Write::Required => true,
        Write::RequiredOnCreate => create,
        Write::ReadOnly => false,
    };
    let mut info = json!({
        "type": kind,
        "required": required,
        "read_only": !field.is_writable(),
        "label": label(field.name),
    });
    match field.kind {
        Kind::Text { max } => info["max_length"] = json!(max),
        Kind::Int { min, max } => {
            info["min_value"] = json!(min);
            info["max_value"] = json!(max);
        }
        _ => {}
    }
    info
}

fn fields_info(resource: &Resource, create: bool) -> Json {
    Json::Object(
        resource
            .fields
            .iter()
            .map(|f| (f.name.to_owned(), field_info(f, create)))
            .collect(),
    )
}

use crate::registry::{capitalize, declaration, description};

fn parses(resource: &Resource) -> &'static [&'static str] {
    if resource.fields.iter().any(|f| f.kind == Kind::File) {
        &["multipart/form-data", JSON]
    } else {
        &[JSON]
    }
}

async fn api_root() -> HttpResponse {
    respond(
        "GET, HEAD, OPTIONS",
        Json::Object(metadata("Api Root", "The resources of the API.", &[JSON])),
    )
}

/// DRF's metadata for an endpoint that is not a resource: its name, what
/// it parses, and the methods it serves; the description is the OpenAPI
/// tag's.
async fn fixed(
    name: &'static str,
    tag: &'static str,
    allow: &'static str,
    parses: &[&str],
) -> HttpResponse {
    respond(
        allow,
        Json::Object(metadata(name, crate::openapi::tag_description(tag), parses)),
    )
}

async fn catalog(req: HttpRequest, _caller: Caller) -> HttpResponse {
    let detail = req.match_info().get("id").is_some();
    let name = if detail {
        "Catalog Instance"
    } else {
        "Catalog List"
    };
    respond(
        "GET, HEAD, OPTIONS",
        Json::Object(metadata(name, description("catalog"), &[JSON])),
    )
}

async fn collection(path: web::Path<String>, caller: Caller) -> ApiResult<HttpResponse> {
    let name = path.into_inner();
    let resource = declaration(&name).ok_or_else(ApiError::not_found)?;
    let mut body = metadata(
        &format!("{} List", title(resource.noun)),
        description(&name),
        parses(resource),
    );
    let may_create = match name.as_str() {
        "users" => false,
        "reviews" => caller.actor.user().is_some(),
        _ => caller.actor.is_admin(),
    };
    if may_create {
        body.insert(
            "actions".into(),
            json!({ "POST": fields_info(resource, true) }),
        );
    }
    Ok(respond(allowed(&name, false), Json::Object(body)))
}

async fn member(
    path: web::Path<(String, String)>,
    caller: Caller,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (name, raw_id) = path.into_inner();
    let resource = declaration(&name).ok_or_else(ApiError::not_found)?;
    let id = path_id(&raw_id)?;
    let mut body = metadata(
        &format!("{} Instance", title(resource.noun)),
        description(&name),
        parses(resource),
    );
    // As DRF: PUT is described when the caller may replace this very
    // object (an unknown one, or another author's review, gets no actions).
    if may_replace(&state, &caller.actor, &name, id).await {
        body.insert(
            "actions".into(),
            json!({ "PUT": fields_info(resource, false) }),
        );
    }
    Ok(respond(allowed(&name, true), Json::Object(body)))
}

async fn may_replace(state: &AppState, actor: &Actor, name: &str, id: uuid::Uuid) -> bool {
    let services = &state.services;
    match name {
        "reviews" => {
            let Some(user) = actor.user() else {
                return false;
            };
            services.reviews.get(actor, id).await.is_ok_and(|fetched| {
                matches!(
                    fetched.record().get("user"),
                    Some(mstream_kernel::FieldValue::Id(author)) if *author == user.id.uuid()
                )
            })
        }
        "users" => actor.is_admin() && services.accounts.get_user(actor, id).await.is_ok(),
        other => match mstream_service::catalog::CatalogResource::named(other) {
            Some(resource) if actor.is_admin() => {
                services.catalog.get(actor, resource, id).await.is_ok()
            }
            _ => false,
        },
    }
}

async fn account(path: web::Path<String>, _caller: Caller) -> ApiResult<HttpResponse> {
    let action = path.into_inner();
    let (name, allow, parses): (&str, &str, &[&str]) = match action.as_str() {
        "signup" => (
            "Signup",
            "POST, OPTIONS",
            &[JSON, "application/x-www-form-urlencoded"],
        ),
        "login" => (
            "Login",
            "POST, OPTIONS",
            &[JSON, "application/x-www-form-urlencoded"],
        ),
        "logout" => ("Logout", "POST, OPTIONS", &[JSON]),
        "me" => ("Me", "GET, HEAD, OPTIONS", &[JSON]),
        "delete" => ("Delete", "DELETE, OPTIONS", &[JSON]),
        _ => return Err(ApiError::not_found()),
    };
    Ok(respond(
        allow,
        Json::Object(metadata(name, description("user"), parses)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_described_as_drf_does() {
        let info = fields_info(&mstream_genres::GENRE, true);
        assert_eq!(
            info["name"],
            json!({"type": "string", "required": true, "read_only": false, "label": "Name", "max_length": 70})
        );
        assert_eq!(info["id"]["read_only"], true);
        assert_eq!(info["id"]["label"], "ID");
        let review = fields_info(&mstream_reviews::REVIEW, true);
        assert_eq!(review["rating"]["min_value"], 0);
        assert_eq!(review["rating"]["max_value"], 5);
    }

    #[test]
    fn every_resource_is_described() {
        for name in crate::registry::RESOURCES.iter().chain(&["users"]) {
            assert!(declaration(name).is_some(), "{name}");
            assert!(!description(name).is_empty(), "{name}");
        }
    }
}

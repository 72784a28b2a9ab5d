//! `/admin/`: the admin panel, a static browser client of `/api/` and
//! `/user/` compiled into the binary, plus `/admin/resources.json`, the
//! resource declarations the panel builds its lists and forms from (the
//! same ones the API validates with, so the two cannot drift).
//!
//! `/admin` without the slash is redirected by the trailing-slash
//! middleware; asset names contain a dot and are exempt from it.

use std::hash::{Hash, Hasher};

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use mstream_kernel::resource::{Derived, Kind, Write};
use mstream_kernel::{Field, Resource};
use serde_json::{json, Value as Json};

use crate::registry::RESOURCES;

/// One embedded file: its name under `/admin/`, media type and bytes.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "index.html",
        content_type: "text/html; charset=utf-8",
        bytes: include_bytes!("../../admin/index.html"),
    },
    Asset {
        name: "admin.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../admin/admin.css"),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../admin/app.js"),
    },
    Asset {
        name: "api.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../admin/api.js"),
    },
    Asset {
        name: "widgets.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../admin/widgets.js"),
    },
    // hls.js 1.6.15 (Apache-2.0, `vendor/hls.js.LICENSE`), vendored from
    // npm's `dist/hls.min.js`: the panel plays HLS where the browser has no
    // native support, without a CDN.
    Asset {
        name: "vendor/hls.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../admin/vendor/hls.min.js"),
    },
    Asset {
        name: "vendor/hls.js.LICENSE",
        content_type: "text/plain; charset=utf-8",
        bytes: include_bytes!("../../admin/vendor/hls.js.LICENSE"),
    },
];

/// The panel runs only its own code and talks only to its own origin;
/// media may come from wherever the API's signed `file` URLs point.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   media-src * blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// Registers the panel's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    super::route(cfg, "/admin/", web::get().to(index));
    super::route(cfg, "/admin/resources.json", web::get().to(resources));
    super::route(cfg, "/admin/{asset}", web::get().to(asset));
    super::route(cfg, "/admin/vendor/{asset}", web::get().to(vendor_asset));
}

/// A strong validator for embedded bytes (they only change with the binary).
fn etag(bytes: &[u8]) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    format!("\"{:016x}\"", hasher.finish())
}

/// Serves `bytes`, revalidated on every use (`no-cache` + `ETag` → `304`),
/// so a new binary's panel is picked up at once and an unchanged one costs
/// no transfer.
fn respond(req: &HttpRequest, content_type: &str, bytes: &'static [u8]) -> HttpResponse {
    let tag = etag(bytes);
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    let mut response = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::ETAG, tag))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header(("Referrer-Policy", "no-referrer"));
    if content_type.starts_with("text/html") {
        response.insert_header((header::CONTENT_SECURITY_POLICY, CSP));
    }
    if matches {
        return response.finish();
    }
    response.content_type(content_type.to_owned()).body(bytes)
}

async fn index(req: HttpRequest) -> HttpResponse {
    asset_named(&req, "index.html")
}

async fn asset(req: HttpRequest, name: web::Path<String>) -> HttpResponse {
    asset_named(&req, &name)
}

async fn vendor_asset(req: HttpRequest, name: web::Path<String>) -> HttpResponse {
    asset_named(&req, &format!("vendor/{name}"))
}

fn asset_named(req: &HttpRequest, name: &str) -> HttpResponse {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(a) => respond(req, a.content_type, a.bytes),
        None => HttpResponse::NotFound().json(json!({ "detail": crate::error::text::NOT_FOUND })),
    }
}

use crate::registry::declaration;

/// `GET /admin/resources.json`: every resource of `/api/` (and users) with
/// its fields as declared. Public, like `/api/schema/`: it holds no data.
async fn resources() -> HttpResponse {
    let names = RESOURCES.iter().copied().chain(std::iter::once("users"));
    let list: Vec<Json> = names
        .filter_map(|name| declaration(name).map(|r| describe(name, r)))
        .collect();
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(json!({ "resources": list }))
}

fn describe(name: &str, resource: &Resource) -> Json {
    // Users are made by signing up and are not deleted through `/api/`.
    let managed = name != "users";
    let fields: Vec<Json> = resource
        .fields
        .iter()
        .enumerate()
        .map(|(i, field)| describe_field(field, resource.fields.get(i + 1)))
        .collect();
    // What names an entity in pickers and titles: its first text field.
    let label = resource
        .fields
        .iter()
        .find(|f| matches!(f.kind, Kind::Text { .. }))
        .map(|f| f.name);
    json!({
        "name": name,
        "noun": resource.noun,
        "label": label,
        "create": managed,
        "delete": managed,
        "fields": fields,
    })
}

/// `TextList` → `text_list` (derived shapes by their declared names).
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

fn describe_field(field: &Field, next: Option<&Field>) -> Json {
    let mut out = json!({
        "name": field.name,
        "write": match field.write {
            Write::ReadOnly => "read_only",
            Write::Required => "required",
            Write::RequiredOnCreate => "required_on_create",
        },
        "filter": field.filter,
        "range": field.filter && field.has_range_lookups(),
        "search": field.search,
        "order": field.order,
        "unique": field.unique,
    });
    let kind = match field.kind {
        Kind::Id => json!({ "kind": "id" }),
        Kind::Text { max } => json!({ "kind": "text", "max": max }),
        Kind::Int { min, max } => json!({ "kind": "int", "min": min, "max": max }),
        Kind::Float => json!({ "kind": "float" }),
        Kind::Bool => json!({ "kind": "bool" }),
        Kind::Timestamp => json!({ "kind": "timestamp" }),
        Kind::Ref { to } => json!({ "kind": "ref", "to": to }),
        Kind::RefMany { to } => json!({ "kind": "refs", "to": to }),
        Kind::File => json!({ "kind": "file" }),
        Kind::Derived(shape) => {
            json!({ "kind": "derived", "shape": snake_case(&format!("{shape:?}")) })
        }
    };
    if let (Json::Object(out), Json::Object(kind)) = (&mut out, kind) {
        out.extend(kind);
        // A reference is followed by the derived names of what it refers
        // to (`type` → `type_name`): the panel shows those instead of ids.
        if matches!(field.kind, Kind::Ref { .. } | Kind::RefMany { .. }) {
            if let Some(names) =
                next.filter(|n| matches!(n.kind, Kind::Derived(Derived::Text | Derived::TextList)))
            {
                out.insert("names".into(), Json::String(names.name.to_owned()));
            }
        }
    }
    out
}

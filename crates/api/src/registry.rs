//! What the API serves, by name: the resources under `/api/`, their
//! declarations and what each is, for the routes, the OpenAPI document,
//! OPTIONS and the access log alike.

use mstream_kernel::Resource;
use mstream_service::catalog::CatalogResource;

/// The ten resources, in the seed's order.
pub const RESOURCES: [&str; 10] = [
    "genre",
    "parcontag",
    "contype",
    "conmediafile",
    "artists",
    "contents",
    "artconrelation",
    "reviews",
    "submodels",
    "submap",
];

/// The declaration behind `/api/<name>/` (the ten resources and users).
pub fn declaration(name: &str) -> Option<&'static Resource> {
    match name {
        "reviews" => Some(&mstream_reviews::REVIEW),
        "users" => Some(&mstream_kernel::user::USER),
        other => CatalogResource::named(other).map(CatalogResource::declaration),
    }
}

/// Whether `/api/<name>/` is a resource the API serves.
pub fn is_resource(name: &str) -> bool {
    declaration(name).is_some()
}

/// What each API resource is, in a sentence (OPTIONS `description`, and
/// the OpenAPI tags).
pub fn description(resource: &str) -> &'static str {
    match resource {
        "genre" => "Genres of the catalog; a content belongs to one or more.",
        "parcontag" => "Parental-control tags (age ratings, content warnings) put on contents.",
        "contype" => "Content types (film, series, documentary, …); every content has one.",
        "conmediafile" => {
            "Media files of contents: uploaded bytes, served by signed URLs under /content/."
        }
        "artists" => "Artists, with their credits on contents.",
        "contents" => {
            "The catalog's contents, with their genres, cast, tags, type and mean rating."
        }
        "artconrelation" => "Credits: which artist worked on which content, and as what.",
        "reviews" => "Users' reviews and ratings of contents; one per user per content.",
        "submodels" => "Subscription plans.",
        "submap" => "Which user subscribes to which plan (one subscription per user).",
        "users" => "Accounts, for admins: list, inspect, grant or revoke admin.",
        "catalog" => {
            "The catalog for subscribers' apps: contents with credits and streamable media."
        }
        "user" => "Sign-up, sign-in, sign-out and the caller's own account.",
        _ => "",
    }
}

/// `genre` → `Genre` (the first letter upper-cased).
pub fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

//! Realistic example values for the document, derived from the
//! declarations: every field gets a value of its kind, named from a small
//! table of catalog-like data (a film, its genre, its cast), so each
//! operation shows a request and a response a client could have sent and
//! received.

use mstream_kernel::resource::{Derived, Field, Kind, Resource};
use serde_json::{json, Map, Value as Json};

/// A stable id per resource, so references in one example point at the
/// entities of the others.
pub fn id(resource: &str) -> &'static str {
    match resource {
        "genre" => "6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a51",
        "parcontag" => "7a2d3b8f-4c5e-4f60-9b0c-1d2e3f4a5b62",
        "contype" => "8b3e4c90-5d6f-4071-8c1d-2e3f4a5b6c73",
        "artists" => "9c4f5da1-6e70-4182-9d2e-3f4a5b6c7d84",
        "contents" => "ad506eb2-7f81-4293-8e3f-4a5b6c7d8e95",
        "conmediafile" => "be617fc3-8092-43a4-9f40-5b6c7d8e9fa6",
        "artconrelation" => "cf7280d4-91a3-44b5-8051-6c7d8e9fa0b7",
        "reviews" => "d08391e5-a2b4-45c6-9162-7d8e9fa0b1c8",
        "submodels" => "e194a2f6-b3c5-46d7-a273-8e9fa0b1c2d9",
        "submap" => "f2a5b307-c4d6-47e8-b384-9fa0b1c2d3ea",
        _ => "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    }
}

/// What names an entity of `resource` in the examples.
fn name_of(resource: &str) -> &'static str {
    match resource {
        "genre" => "Science fiction",
        "parcontag" => "PG-13",
        "contype" => "Film",
        "artists" => "Keanu Reeves",
        "contents" => "The Matrix",
        "conmediafile" => "The Matrix (1080p)",
        "submodels" => "Premium",
        "users" | "user" => "alice",
        _ => "Example",
    }
}

fn text(resource: &Resource, field: &Field, max: usize) -> String {
    let value = match (resource.name, field.name) {
        (_, "name") | ("contype", "type") => name_of(resource.name),
        ("contents", "about") => "A hacker learns that his world is a simulation.",
        ("artists", "about") => "Canadian actor, born in Beirut in 1964.",
        (_, "relation") => "Actor",
        (_, "title") => "Still sharp",
        (_, "review") => "The effects have aged; the ideas have not.",
        (_, "username") => "alice",
        (_, "email") => "alice@example.com",
        _ => "Example",
    };
    value.chars().take(max).collect()
}

/// The resource a derived name field names: the reference just before it
/// (`type` → `type_name`), or for a genre's or tag's `content`, contents.
fn named_resource(resource: &Resource, index: usize) -> &'static str {
    match index
        .checked_sub(1)
        .and_then(|i| resource.fields.get(i))
        .map(|f| f.kind)
    {
        Some(Kind::Ref { to } | Kind::RefMany { to }) => to,
        _ => "contents",
    }
}

/// A field's value as the API returns it.
pub fn read_value(resource: &Resource, index: usize) -> Json {
    let Some(field) = resource.fields.get(index) else {
        return Json::Null;
    };
    match field.kind {
        Kind::Id => json!(id(resource.name)),
        Kind::Text { max } => json!(text(resource, field, max)),
        Kind::Int { min, max } => json!(4.clamp(min, max)),
        Kind::Float => json!(4.5),
        Kind::Bool => json!(false),
        Kind::Timestamp => json!("2026-11-24T11:37:50.513076Z"),
        Kind::Ref { to } => json!(id(to)),
        Kind::RefMany { to } => json!([id(to)]),
        Kind::File => json!(format!(
            "https://mstream.example/content/content/{}.mp4?expires=1764000000&signature=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            id("conmediafile")
        )),
        Kind::Derived(shape) => match shape {
            Derived::Text => json!(name_of(named_resource(resource, index))),
            Derived::TextList => json!([name_of(named_resource(resource, index))]),
            Derived::ObjectList => json!([{
                "id": id("artconrelation"),
                "content": id("contents"),
                "content_name": name_of("contents"),
                "relation": "Actor",
            }]),
            Derived::Object => json!({ "plan": id("submodels"), "plan_name": name_of("submodels") }),
            Derived::Url => json!("https://mstream.example/api/"),
        },
    }
}

/// An entity as the API returns it.
pub fn record(resource: &Resource) -> Json {
    let mut record: Map<String, Json> = resource
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name.to_owned(), read_value(resource, i)))
        .collect();
    if resource.name == mstream_content::MEDIA_FILE.name {
        // Its HLS packaging (docs/hls.md), as it stands right after an upload.
        record.insert("hls_url".into(), Json::Null);
        record.insert("poster_url".into(), Json::Null);
        record.insert("duration".into(), Json::Null);
        record.insert(
            "packaging".into(),
            json!({"state": "queued", "progress": 0, "reason": null}),
        );
    }
    Json::Object(record)
}

/// A page of one entity.
pub fn page(resource: &Resource) -> Json {
    json!({ "count": 1, "next": null, "previous": null, "results": [record(resource)] })
}

/// A create or replace body: every writable field (a file as a placeholder
/// for its bytes).
pub fn request(resource: &Resource) -> Json {
    let mut body = Map::new();
    for (i, field) in resource.fields.iter().enumerate() {
        if !field.is_writable() {
            continue;
        }
        let value = match field.kind {
            Kind::File => json!("<the file's bytes>"),
            _ => read_value(resource, i),
        };
        body.insert(field.name.to_owned(), value);
    }
    Json::Object(body)
}

/// A 400 a client would meet: a unique field's clash, or a missing field.
pub fn field_errors(resource: &Resource) -> Json {
    if let Some(field) = resource.writable().find(|f| f.unique) {
        return json!({ field.name: [resource.unique_message(field.name)] });
    }
    match resource.writable().next() {
        Some(field) => json!({ field.name: ["This field is required."] }),
        None => json!({ "non_field_errors": ["Invalid data."] }),
    }
}

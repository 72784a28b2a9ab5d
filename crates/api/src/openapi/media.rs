//! The paths that are not resources but serve them: the subscribers'
//! catalog (`/api/catalog/`, SPEC §6), which reuses the content
//! declaration's list parameters and read shape, and `/content/{path}`,
//! the signed byte-range stream (SPEC §5).

use mstream_content::CONTENT;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterIn};
use utoipa::openapi::schema::{AllOfBuilder, ArrayBuilder, KnownFormat, ObjectBuilder, Type};
use utoipa::openapi::{
    ContentBuilder, HeaderBuilder, PathItem, RefOr, ResponseBuilder, ResponsesBuilder, Schema,
};

use super::{
    bad_filter, error, example_response, examples, format, list_parameters, nullable, parameter,
    query, responses, responses_with, schema_ref, secured, ty, uri, uuid,
};

fn catalog_operation(id: &str, summary: &str) -> OperationBuilder {
    secured(
        OperationBuilder::new()
            .operation_id(Some(id))
            .tag("catalog")
            .summary(Some(summary)),
    )
}

fn path_parameter(
    name: &str,
    schema: impl Into<RefOr<Schema>>,
    description: &str,
) -> utoipa::openapi::path::Parameter {
    parameter(
        ParameterIn::Path,
        name,
        schema,
        Some(description.to_owned()),
    )
}

/// `CatalogEntry`: a content plus its credits and playable media.
pub(super) fn schemas() -> Vec<(&'static str, RefOr<Schema>)> {
    let credit = ObjectBuilder::new()
        .property("artist", uuid())
        .required("artist")
        .property("artist_name", ty(Type::String))
        .required("artist_name")
        .property("relation", ty(Type::String))
        .required("relation");
    let media = ObjectBuilder::new()
        .property("id", uuid())
        .required("id")
        .property("name", ty(Type::String))
        .required("name")
        .property("mime_type", ty(Type::String))
        .required("mime_type")
        .property("size", format(ty(Type::Integer), KnownFormat::Int64))
        .required("size")
        .property(
            "stream_url",
            uri(nullable(Type::String)).description(Some(
                "Signed `/content/` URL for admins and subscribers; null for everyone else.",
            )),
        )
        .required("stream_url");
    let media = packaged(media);
    let extra = ObjectBuilder::new()
        .property("credits", ArrayBuilder::new().items(credit))
        .required("credits")
        .property("media", ArrayBuilder::new().items(media))
        .required("media");
    let entry = AllOfBuilder::new()
        .item(schema_ref("Content"))
        .item(extra)
        .description(Some("A content as the subscribers' catalog shows it."));
    vec![("CatalogEntry", entry.into())]
}

pub(super) fn paths() -> Vec<(&'static str, PathItem)> {
    let list = catalog_operation("catalog_list", "Browse contents (any signed-in user)")
        .parameters(Some(list_parameters(&CONTENT)))
        .responses(responses_with(
            (
                200,
                example_response(
                    "A page.",
                    schema_ref("PaginatedContentList"),
                    examples::page(&CONTENT),
                ),
            ),
            &[400, 401, 404, 429],
            bad_filter(&CONTENT),
        ));
    let detail = catalog_operation(
        "catalog_retrieve",
        "One content with its credits and media (stream URLs for subscribers)",
    )
    .parameter(path_parameter("id", uuid(), "The content's id."))
    .responses(responses(
        (
            200,
            example_response("The content.", schema_ref("CatalogEntry"), {
                let mut entry = examples::record(&CONTENT);
                entry["credits"] = serde_json::json!([{
                    "artist": examples::id("artists"),
                    "artist_name": "Keanu Reeves",
                    "relation": "Actor",
                }]);
                entry["media"] = serde_json::json!([{
                    "id": examples::id("conmediafile"),
                    "name": "The Matrix (1080p)",
                    "mime_type": "video/mp4",
                    "size": 1_073_741_824_u64,
                    "stream_url": examples::read_value(&mstream_content::MEDIA_FILE, 2),
                    "hls_url": "https://mstream.example/hls/1767225600/3f1c…e9/9b2e4c1a-5d6f-4e8a-9b0c-1d2e3f4a5b6c/0f8e2d4c6a8b4d2f9e1c3a5b7d9f1e3a/master.m3u8",
                    "poster_url": "https://mstream.example/hls/1767225600/3f1c…e9/9b2e4c1a-5d6f-4e8a-9b0c-1d2e3f4a5b6c/0f8e2d4c6a8b4d2f9e1c3a5b7d9f1e3a/poster.jpg",
                    "duration": 8160.5,
                    "packaging": {"state": "ready", "progress": 100, "reason": null},
                }]);
                entry
            }),
        ),
        &[401, 404, 429],
    ));
    vec![
        (
            "/api/catalog/",
            PathItem::new(HttpMethod::Get, list.build()),
        ),
        (
            "/api/catalog/{id}/",
            PathItem::new(HttpMethod::Get, detail.build()),
        ),
        ("/content/{path}", stream()),
        ("/hls/{expires}/{signature}/{id}/{run}/{file}", hls_stream()),
    ]
}

/// A media file's packaging fields (docs/hls.md) added to `media`.
pub(super) fn packaged(media: ObjectBuilder) -> ObjectBuilder {
    let state = ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["queued", "running", "ready", "failed"]));
    let packaging = ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            Type::Object,
            Type::Null,
        ]))
        .property("state", state)
        .required("state")
        .property(
            "progress",
            ty(Type::Integer).minimum(Some(0)).maximum(Some(100)),
        )
        .required("progress")
        .property(
            "reason",
            nullable(Type::String).description(Some("Why the last attempt failed.")),
        )
        .required("reason")
        .description(Some(
            "The HLS packaging job of a video; null for audio and images.",
        ));
    media
        .property(
            "hls_url",
            uri(nullable(Type::String)).description(Some(
                "Signed URL of the HLS master playlist once packaged, for admins and subscribers; null otherwise.",
            )),
        )
        .required("hls_url")
        .property(
            "poster_url",
            uri(nullable(Type::String)).description(Some(
                "Signed URL of a JPEG frame at a tenth of the video, once packaged; null otherwise.",
            )),
        )
        .required("poster_url")
        .property(
            "duration",
            format(nullable(Type::Number), KnownFormat::Double)
                .description(Some("Seconds, once packaged; null before.")),
        )
        .required("duration")
        .property("packaging", packaging)
        .required("packaging")
}

/// `GET|HEAD /hls/{expires}/{signature}/{id}/{run}/{file}`: a packaged
/// video's playlists, segments and poster; the signature in the path
/// grants the whole run's folder, so players follow relative URLs.
fn hls_stream() -> PathItem {
    let parameters = vec![
        path_parameter(
            "expires",
            format(ty(Type::Integer), KnownFormat::Int64),
            "Unix seconds after which the URL no longer works (`0` when media are public).",
        ),
        path_parameter(
            "signature",
            ty(Type::String),
            "Hex HMAC-SHA256 over `hls/<id>/<run>` and `expires` (`public` when media are public).",
        ),
        path_parameter("id", uuid(), "The media file's id."),
        path_parameter("run", ty(Type::String), "The packaging run (32 hex digits)."),
        path_parameter(
            "file",
            ty(Type::String),
            "A file of the run: `master.m3u8`, a rendition's playlist, `init.mp4`, a `.m4s` segment or `poster.jpg`.",
        ),
        parameter(
            ParameterIn::Header,
            "Range",
            ty(Type::String),
            Some("One byte range, e.g. `bytes=0-65535`.".to_owned()),
        ),
    ];
    let bytes = || {
        ContentBuilder::new()
            .schema(Some(format(ty(Type::String), KnownFormat::Binary)))
            .build()
    };
    let whole = ResponseBuilder::new()
        .description("The file.")
        .content("application/vnd.apple.mpegurl", bytes())
        .content("video/mp4", bytes())
        .content("image/jpeg", bytes())
        .build();
    let part = ResponseBuilder::new()
        .description("The requested range.")
        .content("video/mp4", bytes())
        .build();
    let unsatisfiable = ResponseBuilder::new()
        .description("The range is not satisfiable.")
        .build();
    let operation = |id: &str, summary: &str| {
        signed_bytes(id, summary, &parameters, &whole, &part, &unsatisfiable)
    };
    let mut item = PathItem::new(
        HttpMethod::Get,
        operation(
            "hls_stream",
            "A packaged video's playlist, segment or poster (signed prefix)",
        ),
    );
    item.merge_operations(PathItem::new(
        HttpMethod::Head,
        operation("hls_stream_head", "The headers of a packaged video's file"),
    ));
    item
}

/// `GET|HEAD /content/{path}`: no token; the signature in the query is the
/// grant (unless media are public).
fn stream() -> PathItem {
    let header = |name: &str, description: &str| {
        parameter(
            ParameterIn::Header,
            name,
            ty(Type::String),
            Some(description.to_owned()),
        )
    };
    let parameters = vec![
        path_parameter(
            "path",
            ty(Type::String),
            "The stored path, as in a media file's `file` URL (e.g. `content/<uuid>.mp4`).",
        ),
        query(
            "expires",
            format(ty(Type::Integer), KnownFormat::Int64),
            Some("Unix seconds after which the URL no longer works.".into()),
        ),
        query(
            "signature",
            ty(Type::String),
            Some("Hex HMAC-SHA256 over the path and `expires`.".into()),
        ),
        header("Range", "One byte range, e.g. `bytes=0-65535`."),
        header(
            "If-Range",
            "An ETag or date: the range applies only if it still matches.",
        ),
        header("If-None-Match", "An ETag: `304` when it still matches."),
        header(
            "If-Modified-Since",
            "A date: `304` when not modified since.",
        ),
    ];
    let bytes = || {
        ContentBuilder::new()
            .schema(Some(format(ty(Type::String), KnownFormat::Binary)))
            .build()
    };
    let described = |text: &str| {
        HeaderBuilder::new()
            .schema(Some(ty(Type::String)))
            .description(Some(text))
            .build()
    };
    let whole = ResponseBuilder::new()
        .description("The whole file.")
        .content("application/octet-stream", bytes())
        .header("Accept-Ranges", described("`bytes`"))
        .header(
            "ETag",
            described("Validator for `If-None-Match`/`If-Range`."),
        )
        .header(
            "Last-Modified",
            described("Validator for `If-Modified-Since`."),
        )
        .build();
    let part = ResponseBuilder::new()
        .description("The requested range.")
        .content("application/octet-stream", bytes())
        .header("Content-Range", described("`bytes first-last/size`"))
        .build();
    let unsatisfiable = ResponseBuilder::new()
        .description("The range is not satisfiable.")
        .header("Content-Range", described("`bytes */size`"))
        .build();
    let operation = |id: &str, summary: &str| {
        signed_bytes(id, summary, &parameters, &whole, &part, &unsatisfiable)
    };
    let mut item = PathItem::new(
        HttpMethod::Get,
        operation(
            "content_stream",
            "Stream a media file (signed URL; byte ranges)",
        ),
    );
    item.merge_operations(PathItem::new(
        HttpMethod::Head,
        operation(
            "content_stream_head",
            "The headers of a media file's stream",
        ),
    ));
    item
}

/// A GET or HEAD of bytes behind a signed URL (`/content/`, `/hls/`): no
/// token, the whole file or one range, 304 on a matching validator, 403
/// for a missing, bad or expired signature.
fn signed_bytes(
    id: &str,
    summary: &str,
    parameters: &[utoipa::openapi::path::Parameter],
    whole: &utoipa::openapi::Response,
    part: &utoipa::openapi::Response,
    unsatisfiable: &utoipa::openapi::Response,
) -> utoipa::openapi::path::Operation {
    OperationBuilder::new()
        .operation_id(Some(id))
        .tag("media")
        .summary(Some(summary))
        .securities(Some(
            Vec::<utoipa::openapi::security::SecurityRequirement>::new(),
        ))
        .parameters(Some(parameters.to_vec()))
        .responses(
            ResponsesBuilder::new()
                .response("200", whole.clone())
                .response("206", part.clone())
                .response("304", ResponseBuilder::new().description("Not modified."))
                .response(
                    "403",
                    error(403).description("Missing, bad or expired signature."),
                )
                .response("404", error(404))
                .response("416", unsatisfiable.clone())
                .build(),
        )
        .build()
}

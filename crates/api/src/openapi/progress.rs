//! `/api/progress/` and `/api/progress/{media}/`: watch progress
//! (issue #20), per signed-in user.

use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Type};
use utoipa::openapi::{PathItem, RefOr, ResponseBuilder, Schema};

use super::{
    example_response, format, json_body, page_parameters, page_schema, parameter, query,
    responses_with, schema_ref, secured, ty, uuid,
};

fn seconds(description: &str) -> ObjectBuilder {
    format(ty(Type::Number), KnownFormat::Double).description(Some(description))
}

/// `WatchPosition` (the body of a PUT), `WatchProgress`, and its page.
pub(super) fn schemas() -> Vec<(&'static str, RefOr<Schema>)> {
    let position = ObjectBuilder::new()
        .property(
            "position",
            seconds("Seconds from the start.").minimum(Some(0.0)),
        )
        .required("position")
        .property(
            "duration",
            seconds("The media's length in seconds, if the player knows it; past 95 % of it the entry counts as watched.")
                .exclusive_minimum(Some(0.0)),
        )
        .description(Some("Where the caller stopped."));
    let progress = ObjectBuilder::new()
        .property("user", uuid())
        .required("user")
        .property("media", uuid())
        .required("media")
        .property("media_name", ty(Type::String))
        .required("media_name")
        .property("content", uuid())
        .required("content")
        .property("content_name", ty(Type::String))
        .required("content_name")
        .property("position", seconds("Seconds from the start."))
        .required("position")
        .property(
            "duration",
            super::nullable(Type::Number).description(Some("The media's length, if known.")),
        )
        .required("duration")
        .property(
            "finished",
            ty(Type::Boolean).description(Some("Past 95 % of a known duration.")),
        )
        .required("finished")
        .property("updated", format(ty(Type::String), KnownFormat::DateTime))
        .required("updated")
        .description(Some("A user's position in one media file."));
    vec![
        ("WatchPosition", position.into()),
        ("WatchProgress", progress.into()),
        (
            "PaginatedWatchProgressList",
            page_schema("WatchProgress").into(),
        ),
    ]
}

fn operation(id: &str, summary: &str) -> OperationBuilder {
    secured(
        OperationBuilder::new()
            .operation_id(Some(id))
            .tag("progress")
            .summary(Some(summary)),
    )
}

fn example() -> serde_json::Value {
    serde_json::json!({
        "user": super::examples::id("users"),
        "media": super::examples::id("conmediafile"),
        "media_name": "The Matrix (1080p)",
        "content": super::examples::id("contents"),
        "content_name": "The Matrix",
        "position": 1834.5,
        "duration": 8160.0,
        "finished": false,
        "updated": "2026-12-03T09:30:00Z",
    })
}

pub(super) fn paths() -> Vec<(&'static str, PathItem)> {
    let bad = serde_json::json!({ "position": ["This field is required."] });
    let mut list_parameters = vec![query(
        "user",
        uuid(),
        Some("Admins only: another user's list (403 for anyone else).".into()),
    )];
    list_parameters.extend(page_parameters());
    let list = operation(
        "progress_list",
        "Continue watching: the caller's unfinished media, most recent first",
    )
    .parameters(Some(list_parameters))
    .responses(responses_with(
        (
            200,
            example_response(
                "A page.",
                schema_ref("PaginatedWatchProgressList"),
                serde_json::json!({"count": 1, "next": null, "previous": null, "results": [example()]}),
            ),
        ),
        &[400, 401, 403, 404, 429],
        serde_json::json!({ "user": ["Must be a valid UUID."] }),
    ));
    let media = || {
        parameter(
            ParameterIn::Path,
            "media",
            uuid(),
            Some("The media file's id.".into()),
        )
    };
    let get = operation(
        "progress_retrieve",
        "Where the caller stopped in a media file",
    )
    .parameter(media())
    .responses(responses_with(
        (
            200,
            example_response(
                "The stored position.",
                schema_ref("WatchProgress"),
                example(),
            ),
        ),
        &[401, 404, 429],
        bad.clone(),
    ));
    let put = operation(
        "progress_update",
        "Record where the caller stopped in a media file",
    )
    .parameter(media())
    .request_body(Some(json_body(
        "WatchPosition",
        serde_json::json!({"position": 1834.5, "duration": 8160.0}),
    )))
    .responses(responses_with(
        (
            200,
            example_response(
                "The stored position.",
                schema_ref("WatchProgress"),
                example(),
            ),
        ),
        &[400, 401, 404, 413, 415, 429],
        bad.clone(),
    ));
    let delete = operation(
        "progress_destroy",
        "Forget the caller's position in a media file",
    )
    .parameter(media())
    .responses(responses_with(
        (204, ResponseBuilder::new().description("Forgotten.")),
        &[401, 404, 429],
        bad,
    ));
    let mut member = PathItem::new(HttpMethod::Get, get.build());
    member.merge_operations(PathItem::new(HttpMethod::Put, put.build()));
    member.merge_operations(PathItem::new(HttpMethod::Delete, delete.build()));
    vec![
        (
            "/api/progress/",
            PathItem::new(HttpMethod::Get, list.build()),
        ),
        ("/api/progress/{media}/", member),
    ]
}

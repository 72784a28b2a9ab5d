//! The admin's own endpoints (issue #19): the history of catalog writes
//! (`/api/history/`) and what deleting an entity would remove
//! (`/api/<resource>/{id}/delete-preview/`).

use serde_json::json;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterIn};
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, KnownFormat, ObjectBuilder, SchemaType, Type,
};
use utoipa::openapi::{PathItem, RefOr, Schema};

use super::{
    example_response, examples, format, parameter, query, responses_with, schema_ref, secured, ty,
    uuid,
};
use crate::registry::RESOURCES;

fn admin_operation(id: String, summary: &str) -> OperationBuilder {
    secured(
        OperationBuilder::new()
            .operation_id(Some(id))
            .tag("admin")
            .summary(Some(summary.to_owned())),
    )
}

/// `HistoryEntry`, its page, and `DeletePreview`.
pub(super) fn schemas() -> Vec<(&'static str, RefOr<Schema>)> {
    let change = ObjectBuilder::new()
        .property(
            "old",
            ObjectBuilder::new()
                .schema_type(SchemaType::AnyValue)
                .description(Some("The value before (null for a create).")),
        )
        .required("old")
        .property(
            "new",
            ObjectBuilder::new()
                .schema_type(SchemaType::AnyValue)
                .description(Some("The value after (null for a delete).")),
        )
        .required("new");
    let action = ty(Type::String).enum_values(Some(["create", "update", "delete"]));
    let entry = ObjectBuilder::new()
        .property("id", format(ty(Type::Integer), KnownFormat::Int64))
        .required("id")
        .property("time", format(ty(Type::String), KnownFormat::DateTime))
        .required("time")
        .property("actor", uuid())
        .required("actor")
        .property("actor_name", ty(Type::String))
        .required("actor_name")
        .property(
            "resource",
            ty(Type::String).description(Some("The resource's name as in its path.")),
        )
        .required("resource")
        .property("object", uuid())
        .required("object")
        .property(
            "object_repr",
            ty(Type::String).description(Some("The object's name at the time.")),
        )
        .required("object_repr")
        .property("action", action)
        .required("action")
        .property(
            "changes",
            ObjectBuilder::new()
                .description(Some(
                    "Each changed field (timestamps left out) with its old and new value.",
                ))
                .additional_properties(Some(AdditionalProperties::RefOr(change.into()))),
        )
        .required("changes");
    let page = super::page_schema("HistoryEntry");
    let removed = ObjectBuilder::new()
        .property("resource", ty(Type::String))
        .required("resource")
        .property(
            "count",
            format(ty(Type::Integer), KnownFormat::Int64).minimum(Some(0)),
        )
        .required("count")
        .property(
            "names",
            ArrayBuilder::new()
                .items(ty(Type::String))
                .description(Some("The first few names, in creation order.")),
        )
        .required("names");
    let preview = ObjectBuilder::new()
        .property("resource", ty(Type::String))
        .required("resource")
        .property("id", uuid())
        .required("id")
        .property("name", ty(Type::String))
        .required("name")
        .property(
            "deletes",
            ArrayBuilder::new().items(removed).description(Some(
                "What the delete removes: the entity itself first, then what cascades from it.",
            )),
        )
        .required("deletes");
    vec![
        ("HistoryEntry", entry.into()),
        ("PaginatedHistoryEntryList", page.into()),
        ("DeletePreview", preview.into()),
    ]
}

fn history_example() -> serde_json::Value {
    json!({
        "count": 1, "next": null, "previous": null,
        "results": [{
            "id": 42, "time": "2026-12-03T08:00:00.000000Z",
            "actor": examples::id("users"), "actor_name": "admin",
            "resource": "genre", "object": examples::id("genre"), "object_repr": "Comedy",
            "action": "update", "changes": {"name": {"old": "Drama", "new": "Comedy"}},
        }],
    })
}

pub(super) fn paths() -> Vec<(String, PathItem)> {
    let history = admin_operation(
        "history_list".into(),
        "Recent catalog writes, newest first (admins)",
    )
    .parameter(query(
        "resource",
        ty(Type::String),
        Some("Only this resource (its path name).".into()),
    ))
    .parameter(query("object", uuid(), Some("Only this object.".into())))
    .parameter(query(
        "actor",
        uuid(),
        Some("Only writes by this user.".into()),
    ))
    .parameter(query(
        "page",
        ty(Type::String),
        Some("A page number, or `last`.".into()),
    ))
    .parameter(query(
        "page_size",
        format(ty(Type::Integer), KnownFormat::Int64),
        Some("Entries per page.".into()),
    ))
    .responses(responses_with(
        (
            200,
            example_response(
                "A page.",
                schema_ref("PaginatedHistoryEntryList"),
                history_example(),
            ),
        ),
        &[400, 401, 403, 404, 429],
        json!({"object": ["Enter a valid UUID."]}),
    ));
    let mut paths = vec![(
        "/api/history/".to_owned(),
        PathItem::new(HttpMethod::Get, history.build()),
    )];
    for name in RESOURCES.iter().filter(|n| **n != "reviews") {
        let preview = admin_operation(
            format!("{name}_delete_preview"),
            "What deleting this entity would remove (admins)",
        )
        .parameter(parameter(
            ParameterIn::Path,
            "id",
            uuid(),
            Some("The entity's id.".into()),
        ))
        .responses(responses_with(
            (
                200,
                example_response(
                    "What the delete removes.",
                    schema_ref("DeletePreview"),
                    json!({
                        "resource": name, "id": examples::id(name), "name": "Example",
                        "deletes": [{"resource": name, "count": 1, "names": ["Example"]}],
                    }),
                ),
            ),
            &[401, 403, 404, 429],
            json!({}),
        ));
        paths.push((
            format!("/api/{name}/{{id}}/delete-preview/"),
            PathItem::new(HttpMethod::Get, preview.build()),
        ));
    }
    paths
}

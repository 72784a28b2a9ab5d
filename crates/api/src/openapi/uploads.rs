//! `/api/uploads/`: resumable uploads over the tus 1.0 protocol (SPEC §10).
//! The protocol speaks in headers; they are listed here so a reader of the
//! document knows what a tus client (tuspy, tus-js-client, Uppy) sends.

use serde_json::json;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{KnownFormat, Type};
use utoipa::openapi::{
    ContentBuilder, HeaderBuilder, PathItem, Required, ResponseBuilder, Responses,
};

use super::{
    detail_example, error_with, example_response, format, parameter, schema_ref, secured, ty, uuid,
};

fn header(name: &str, description: &str) -> utoipa::openapi::path::Parameter {
    parameter(
        ParameterIn::Header,
        name,
        ty(Type::String),
        Some(description.to_owned()),
    )
}

fn resumable() -> utoipa::openapi::path::Parameter {
    let mut p = header("Tus-Resumable", "`1.0.0` (anything else: `412`).");
    p.required = Required::True;
    p
}

fn described(text: &str) -> utoipa::openapi::Header {
    HeaderBuilder::new()
        .schema(Some(ty(Type::String)))
        .description(Some(text))
        .build()
}

fn with_tus(builder: ResponseBuilder) -> ResponseBuilder {
    builder.header("Tus-Resumable", described("`1.0.0`, on every response."))
}

fn tus_error(description: &str, example: &str) -> ResponseBuilder {
    with_tus(example_response(
        description,
        schema_ref("Error"),
        detail_example(example),
    ))
}

/// The answers every tus request may get besides its own.
fn answers(ok: (u16, ResponseBuilder), errors: &[u16]) -> Responses {
    let bad = json!({ "content": ["This field is required."] });
    let mut responses =
        utoipa::openapi::ResponsesBuilder::new().response(ok.0.to_string(), with_tus(ok.1));
    for status in errors {
        let answer = match status {
            409 => tus_error(
                "`Upload-Offset` is not the upload's offset.",
                "Upload-Offset 0 does not match the upload's offset 8388608.",
            ),
            408 => tus_error(
                "The body stopped arriving; the bytes received are kept.",
                "The request body stopped arriving before it was complete.",
            ),
            410 => tus_error("The upload expired.", "This upload has expired."),
            412 => tus_error(
                "Not tus 1.0.0 (`Tus-Version` lists the versions spoken).",
                "Tus-Resumable 1.0.0 is required.",
            )
            .header("Tus-Version", described("`1.0.0`")),
            423 => tus_error(
                "Another request is appending to this upload.",
                "Another request is writing to this upload; try again.",
            ),
            460 => tus_error(
                "The bytes do not match `Upload-Checksum`; they were dropped.",
                "The bytes do not match Upload-Checksum; they were dropped.",
            ),
            other => with_tus(error_with(*other, bad.clone())),
        };
        responses = responses.response(status.to_string(), answer);
    }
    responses.build()
}

fn operation(id: &str, summary: &str) -> OperationBuilder {
    secured(
        OperationBuilder::new()
            .operation_id(Some(id))
            .tag("uploads")
            .summary(Some(summary)),
    )
}

fn id_parameter() -> utoipa::openapi::path::Parameter {
    parameter(
        ParameterIn::Path,
        "id",
        uuid(),
        Some("The upload's id, from the `Location` of its creation.".into()),
    )
}

fn state_response(description: &str) -> ResponseBuilder {
    ResponseBuilder::new()
        .description(description)
        .header("Upload-Offset", described("Bytes received so far."))
        .header(
            "Upload-Expires",
            described("When the upload expires if nothing is appended (RFC 7231 date)."),
        )
}

fn octets() -> utoipa::openapi::request_body::RequestBody {
    RequestBodyBuilder::new()
        .content(
            "application/offset+octet-stream",
            ContentBuilder::new()
                .schema(Some(format(ty(Type::String), KnownFormat::Binary)))
                .example(Some(json!("<the next bytes of the file>")))
                .build(),
        )
        .build()
}

pub(super) fn paths() -> Vec<(&'static str, PathItem)> {
    let options = |id: &str| {
        OperationBuilder::new()
            .operation_id(Some(id))
            .tag("uploads")
            .summary(Some("What the tus server supports (no token)"))
            .securities(Some(
                Vec::<utoipa::openapi::security::SecurityRequirement>::new(),
            ))
            .responses(
                utoipa::openapi::ResponsesBuilder::new()
                    .response(
                        "204",
                        with_tus(
                            ResponseBuilder::new()
                                .description("The protocol's capabilities.")
                                .header("Tus-Version", described("`1.0.0`"))
                                .header("Tus-Extension", described(crate::tus::TUS_EXTENSIONS))
                                .header(
                                    "Tus-Max-Size",
                                    described("The media upload limit in bytes."),
                                )
                                .header("Tus-Checksum-Algorithm", described("`sha1`")),
                        ),
                    )
                    .build(),
            )
    };
    let create = operation("uploads_create", "Start a resumable upload (admins)")
        .parameters(Some(vec![
            resumable(),
            header("Upload-Length", "The file's size in bytes (required; deferring is not supported)."),
            header(
                "Upload-Metadata",
                "Comma-separated `key base64(value)` pairs: `content` (required: the content's id), \
                 `name` or `filename` (the media file's name), `media` (a media file whose bytes \
                 this replaces).",
            ),
            header("Content-Type", "`application/offset+octet-stream` to send the first bytes too."),
        ]))
        .request_body(Some(octets()))
        .responses(answers(
            (
                201,
                state_response("Created; `Upload-Offset` only when bytes came with it.")
                    .header("Location", described("The upload's URL."))
                    .header(
                    crate::tus::MEDIA_FILE_HEADER,
                    described("With the last byte: the id of the media file the upload became."),
                ),
            ),
            &[400, 401, 403, 409, 412, 413, 415, 429],
        ))
        .build();
    let head = |id: &str, summary: &str| {
        operation(id, summary)
            .parameters(Some(vec![id_parameter(), resumable()]))
            .responses(answers(
                (
                    200,
                    state_response("The upload's state (no body).")
                        .header("Upload-Length", described("The file's size."))
                        .header("Upload-Metadata", described("As sent at creation."))
                        .header("Cache-Control", described("`no-store`")),
                ),
                &[400, 401, 403, 404, 410, 412, 429],
            ))
            .build()
    };
    let append = operation(
        "uploads_append",
        "Append bytes at Upload-Offset; the last byte makes the media file",
    )
    .parameters(Some(vec![
        id_parameter(),
        resumable(),
        header(
            "Upload-Offset",
            "Where these bytes go: the upload's offset.",
        ),
        header(
            "Upload-Checksum",
            "Optional `sha1 <base64 digest>` of these bytes.",
        ),
    ]))
    .request_body(Some(octets()))
    .responses(answers(
        (
            204,
            state_response(
                "Appended. With the last byte the upload is now the content's media file.",
            )
            .header(
                crate::tus::MEDIA_FILE_HEADER,
                described("With the last byte: the id of the media file the upload became."),
            ),
        ),
        &[
            400, 401, 403, 404, 408, 409, 410, 412, 413, 415, 423, 429, 460,
        ],
    ))
    .build();
    let terminate = operation(
        "uploads_terminate",
        "Abandon an upload: its bytes are removed",
    )
    .parameters(Some(vec![id_parameter(), resumable()]))
    .responses(answers(
        (204, ResponseBuilder::new().description("Removed.")),
        &[400, 401, 403, 404, 412, 423, 429],
    ))
    .build();
    let mut collection = PathItem::new(HttpMethod::Options, options("uploads_options").build());
    collection.merge_operations(PathItem::new(HttpMethod::Post, create));
    let mut member = PathItem::new(
        HttpMethod::Options,
        options("uploads_options_member")
            .parameter(id_parameter())
            .build(),
    );
    member.merge_operations(PathItem::new(
        HttpMethod::Head,
        head("uploads_offset", "How far an upload got"),
    ));
    member.merge_operations(PathItem::new(
        HttpMethod::Get,
        head("uploads_offset_get", "The same answer as HEAD"),
    ));
    member.merge_operations(PathItem::new(HttpMethod::Patch, append));
    member.merge_operations(PathItem::new(HttpMethod::Delete, terminate));
    vec![
        ("/api/uploads/", collection),
        ("/api/uploads/{id}/", member),
    ]
}

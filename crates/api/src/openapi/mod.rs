//! The OpenAPI 3.1 document served at `/api/schema/`, generated from the
//! resource declarations ([`mstream_kernel::Resource`]): each resource's
//! read shape, create/replace/patch bodies, list filters (with `__gt`,
//! `__gte`, `__lt`, `__lte` for numbers and instants), search, ordering and
//! pagination come from its fields, so the document cannot drift from what
//! the handlers accept. Only the handful of endpoints that are not
//! resources (`/user/…`, the probes, the API root) are written by hand, and
//! the catalog and `/content/` streaming paths ([`media`]) reuse the content
//! declaration.

use mstream_kernel::resource::{Derived, Field, Kind, Resource, Write};
use mstream_kernel::user::USER;
use serde_json::json;
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::path::{
    HttpMethod, Operation, OperationBuilder, ParameterBuilder, ParameterIn, ParameterStyle,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{
    AdditionalProperties, AnyOfBuilder, ArrayBuilder, KnownFormat, ObjectBuilder, Schema,
    SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, HeaderBuilder, InfoBuilder, OpenApi, OpenApiBuilder,
    PathItem, PathsBuilder, Ref, RefOr, Required, ResponseBuilder, ResponsesBuilder, Tag,
};

use crate::registry::RESOURCES;

mod admin;
mod examples;
mod media;
mod progress;
mod uploads;

const SECURITY: &str = "tokenAuth";
const JSON: &str = "application/json";
const TOKEN_EXAMPLE: &str = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b";

/// Every resource served under `/api/<name>/`, users last.
pub fn declarations() -> Vec<&'static Resource> {
    let mut all: Vec<&'static Resource> = RESOURCES
        .iter()
        .filter_map(|name| crate::registry::declaration(name))
        .collect();
    all.push(&USER);
    all
}

/// The document.
pub fn document() -> OpenApi {
    let mut paths = PathsBuilder::new();
    let mut components = ComponentsBuilder::new()
        .schema("Error", error_schema())
        .schema("FieldErrors", field_errors_schema())
        .security_scheme(
            SECURITY,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`Token <key>`: the key returned by `/user/signup/` or `/user/login/`.",
            ))),
        );
    let mut tags = Vec::new();
    for resource in declarations() {
        let name = type_name(resource);
        components = components
            .schema(name.clone(), read_schema(resource))
            .schema(format!("Paginated{name}List"), page_schema(&name));
        if resource.writable().next().is_some() {
            components = components
                .schema(
                    format!("{name}Request"),
                    write_schema(resource, Body::Create),
                )
                .schema(
                    format!("Patched{name}Request"),
                    write_schema(resource, Body::Patch),
                );
        }
        paths = paths
            .path(format!("/api/{}/", resource.name), collection(resource))
            .path(format!("/api/{}/{{id}}/", resource.name), member(resource));
        tags.push(tag(resource.name));
    }
    for name in [
        "catalog",
        "progress",
        "user",
        "media",
        "uploads",
        "admin",
        "api",
        "operations",
    ] {
        tags.push(tag(name));
    }
    for (path, item) in hand_written()
        .into_iter()
        .chain(media::paths())
        .chain(progress::paths())
        .chain(uploads::paths())
    {
        paths = paths.path(path, item);
    }
    for (path, item) in admin::paths() {
        paths = paths.path(path, item);
    }
    for (name, schema) in hand_written_schemas()
        .into_iter()
        .chain(media::schemas())
        .chain(progress::schemas())
        .chain(admin::schemas())
    {
        components = components.schema(name, schema);
    }
    let mut paths = paths.build();
    front_door_responses(&mut paths);
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("mstream")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Media-streaming catalog API (DRF-compatible). Authenticate with `Authorization: Token <key>`.",
                ))
                .build(),
        )
        .paths(paths)
        .components(Some(components.build()))
        .tags(Some(tags))
        .build()
}

/// What the front door ([`crate::front`]) may answer on any operation,
/// before routing: `414` for a URI too long, and — except on the probes,
/// which answer any `Host` — `400` for a `Host` this site does not serve.
/// Added to every operation that does not already document the status, so
/// a client generated from the document knows them all.
fn front_door_responses(paths: &mut utoipa::openapi::Paths) {
    for (path, item) in paths.paths.iter_mut() {
        let host_checked = !crate::front::host_exempt(path.trim_end_matches('/'));
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            let responses = &mut operation.responses.responses;
            if host_checked && !responses.contains_key("400") {
                let refused = error_with(
                    400,
                    detail_example(
                        "Invalid HTTP_HOST header: 'example.net'. It is not in server.allowed_hosts.",
                    ),
                );
                responses.insert("400".into(), RefOr::T(refused.build()));
            }
            responses
                .entry("414".into())
                .or_insert_with(|| RefOr::T(error(414).build()));
        }
    }
}

/// A tag with its description (the resources' from their OPTIONS text).
fn tag(name: &str) -> Tag {
    TagBuilder::new()
        .name(name)
        .description(Some(tag_description(name)))
        .build()
}

/// What the operations under tag `name` are for (also DRF's `description`
/// in the `OPTIONS` of endpoints that are not resources).
pub(crate) fn tag_description(name: &str) -> &'static str {
    match name {
        "media" => "Streaming of media bytes under `/content/` by signed URL, with ranges and conditionals.",
        "uploads" => "Resumable uploads (tus 1.0: creation, creation-with-upload, termination, expiration, checksum) that become media files.",
        "api" => "The API root and this document.",
        "progress" => "Where each signed-in user stopped watching, and their \"continue watching\" list.",
        "admin" => "For admins: the history of catalog writes, and what a delete would remove.",
        "operations" => "Probes and metrics for operators (no token, never throttled, no trailing slash).",
        other => crate::registry::description(other),
    }
}

/// `genre` → `Genre`, `content media file` → `ContentMediaFile`.
fn type_name(resource: &Resource) -> String {
    resource
        .noun
        .split_whitespace()
        .map(crate::registry::capitalize)
        .collect()
}

fn ty(t: Type) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(t)
}

fn nullable(t: Type) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(SchemaType::from_iter([t, Type::Null]))
}

fn format(builder: ObjectBuilder, format: KnownFormat) -> ObjectBuilder {
    builder.format(Some(SchemaFormat::KnownFormat(format)))
}

fn uri(builder: ObjectBuilder) -> ObjectBuilder {
    builder.format(Some(SchemaFormat::Custom("uri".into())))
}

fn uuid() -> ObjectBuilder {
    format(ty(Type::String), KnownFormat::Uuid)
}

fn schema_ref(name: &str) -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(name))
}

fn string_list() -> ArrayBuilder {
    ArrayBuilder::new().items(ty(Type::String))
}

fn error_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .description(Some("DRF's error body."))
        .property("detail", ty(Type::String))
        .required("detail")
}

fn field_errors_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .description(Some(
            "Validation errors: field name (or `non_field_errors`) → messages.",
        ))
        .additional_properties(Some(AdditionalProperties::RefOr(RefOr::T(Schema::Array(
            string_list().build(),
        )))))
}

/// How a field reads back.
fn read_field(field: &Field) -> RefOr<Schema> {
    let schema: RefOr<Schema> = match field.kind {
        Kind::Id | Kind::Ref { .. } => uuid().into(),
        Kind::Text { max } => ty(Type::String).max_length(Some(max)).into(),
        Kind::Int { min, max } => int(min, max).into(),
        Kind::Float => format(ty(Type::Number), KnownFormat::Double).into(),
        Kind::Bool => ty(Type::Boolean).into(),
        Kind::Timestamp => format(ty(Type::String), KnownFormat::DateTime).into(),
        Kind::RefMany { .. } => ArrayBuilder::new().items(uuid()).into(),
        Kind::File => uri(nullable(Type::String))
            .description(Some("Absolute, signed URL of the bytes under `/content/`."))
            .into(),
        Kind::Derived(shape) => match shape {
            Derived::Text => nullable(Type::String).into(),
            Derived::TextList => string_list().into(),
            Derived::ObjectList => ArrayBuilder::new().items(ty(Type::Object)).into(),
            Derived::Object => nullable(Type::Object).into(),
            Derived::Url => uri(ty(Type::String)).into(),
        },
    };
    schema
}

fn int(min: i64, max: i64) -> ObjectBuilder {
    let builder = format(ty(Type::Integer), KnownFormat::Int64).minimum(Some(min));
    if max == i64::MAX {
        builder
    } else {
        builder.maximum(Some(max))
    }
}

fn read_schema(resource: &Resource) -> ObjectBuilder {
    let mut object = ObjectBuilder::new();
    for field in resource.fields {
        let schema = with_read_only(read_field(field), !field.is_writable());
        object = object.property(field.name, schema).required(field.name);
    }
    if resource.name == mstream_content::MEDIA_FILE.name {
        object = media::packaged(object);
    }
    object
}

fn with_read_only(schema: RefOr<Schema>, read_only: bool) -> RefOr<Schema> {
    match schema {
        RefOr::T(Schema::Object(mut object)) if read_only => {
            object.read_only = Some(true);
            RefOr::T(Schema::Object(object))
        }
        other => other,
    }
}

/// Which body a schema is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Body {
    /// `POST` (and `PUT`, whose required set is the same for non-file
    /// fields).
    Create,
    /// `PATCH`: any subset.
    Patch,
}

/// How a writable field is sent.
fn write_field(field: &Field) -> RefOr<Schema> {
    match field.kind {
        Kind::Text { max } => ty(Type::String)
            .min_length(Some(1))
            .max_length(Some(max))
            .into(),
        Kind::RefMany { .. } => ArrayBuilder::new().items(uuid()).min_items(Some(1)).into(),
        Kind::File => format(ty(Type::String), KnownFormat::Binary)
            .description(Some(
                "Audio, video or a raster image, recognised from its bytes (the file name and \
                 its Content-Type are ignored); anything else is refused with 400.",
            ))
            .into(),
        _ => read_field(field),
    }
}

fn write_schema(resource: &Resource, body: Body) -> ObjectBuilder {
    let mut object = ObjectBuilder::new();
    if has_file(resource) {
        // Multipart bodies may hold only the resource's own fields (SPEC §1:
        // bounded bodies); JSON bodies, as DRF's, ignore unknown keys.
        object = object.additional_properties(Some(AdditionalProperties::FreeForm(false)));
    }
    for field in resource.writable() {
        object = object.property(field.name, write_field(field));
        let required = match field.write {
            Write::Required | Write::RequiredOnCreate => body == Body::Create,
            Write::ReadOnly => false,
        };
        if required {
            object = object.required(field.name);
        }
    }
    object
}

fn page_schema(item: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .property(
            "count",
            format(ty(Type::Integer), KnownFormat::Int64).minimum(Some(0)),
        )
        .required("count")
        .property("next", uri(nullable(Type::String)))
        .required("next")
        .property("previous", uri(nullable(Type::String)))
        .required("previous")
        .property("results", ArrayBuilder::new().items(schema_ref(item)))
        .required("results")
}

fn has_file(resource: &Resource) -> bool {
    resource.fields.iter().any(|f| f.kind == Kind::File)
}

fn json_content(schema: impl Into<RefOr<Schema>>) -> utoipa::openapi::Content {
    ContentBuilder::new().schema(Some(schema)).build()
}

fn response(description: &str, schema: Option<RefOr<Schema>>) -> ResponseBuilder {
    let builder = ResponseBuilder::new().description(description);
    match schema {
        Some(schema) => builder.content(JSON, json_content(schema)),
        None => builder,
    }
}

/// A JSON response with an example body.
fn example_response(
    description: &str,
    schema: RefOr<Schema>,
    example: serde_json::Value,
) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        JSON,
        ContentBuilder::new()
            .schema(Some(schema))
            .example(Some(example))
            .build(),
    )
}

fn detail_example(text: &str) -> serde_json::Value {
    json!({ "detail": text })
}

/// Error responses, by status, each with DRF's body as its example.
fn error(status: u16) -> ResponseBuilder {
    error_with(
        status,
        json!({ "non_field_errors": ["Unable to log in with provided credentials."] }),
    )
}

/// As [`error`], with `bad` as the 400's example.
fn error_with(status: u16, bad: serde_json::Value) -> ResponseBuilder {
    use crate::error::text;
    let detail = |description: &str, example: &str| {
        example_response(description, schema_ref("Error"), detail_example(example))
    };
    match status {
        400 => example_response(
            "Invalid input: field errors, or a `detail` for unparsable bodies.",
            AnyOfBuilder::new()
                .item(schema_ref("FieldErrors"))
                .item(schema_ref("Error"))
                .into(),
            bad,
        ),
        401 => detail(
            "No credentials, or an invalid token.",
            text::NOT_AUTHENTICATED,
        )
        .header(
            "WWW-Authenticate",
            HeaderBuilder::new().schema(Some(ty(Type::String))).build(),
        ),
        403 => detail("Not allowed for this caller.", text::FORBIDDEN),
        404 => detail(
            "Not found (or, for lists, an invalid page).",
            text::NOT_FOUND,
        ),
        413 => detail("Request body too large.", "Request body is too large."),
        414 => detail(
            "Request URI too long.",
            &format!(
                "Request URI is too long: at most {} bytes are accepted.",
                crate::front::MAX_URI_BYTES
            ),
        ),
        415 => detail(
            "Unsupported media type.",
            "Unsupported media type \"text/plain\" in request.",
        ),
        429 => detail(
            "Throttled.",
            "Request was throttled. Expected available in 12 seconds.",
        )
        .header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(Some(ty(Type::Integer)))
                .description(Some("Seconds until a request will be accepted."))
                .build(),
        ),
        503 => response("The database is unreachable.", None),
        _ => response("Error.", Some(schema_ref("Error"))),
    }
}

fn responses(ok: (u16, ResponseBuilder), errors: &[u16]) -> utoipa::openapi::Responses {
    responses_with(
        ok,
        errors,
        json!({ "non_field_errors": ["Unable to log in with provided credentials."] }),
    )
}

/// As [`responses`], with `bad` as the 400's example.
fn responses_with(
    ok: (u16, ResponseBuilder),
    errors: &[u16],
    bad: serde_json::Value,
) -> utoipa::openapi::Responses {
    let mut builder = ResponsesBuilder::new().response(ok.0.to_string(), ok.1);
    for status in errors {
        builder = builder.response(status.to_string(), error_with(*status, bad.clone()));
    }
    builder.build()
}

fn secured(operation: OperationBuilder) -> OperationBuilder {
    operation.security(SecurityRequirement::new(SECURITY, Vec::<String>::new()))
}

/// A parameter in `place`; path parameters are required, others optional.
fn parameter(
    place: ParameterIn,
    name: impl Into<String>,
    schema: impl Into<RefOr<Schema>>,
    description: Option<String>,
) -> utoipa::openapi::path::Parameter {
    let required = if matches!(place, ParameterIn::Path) {
        Required::True
    } else {
        Required::False
    };
    ParameterBuilder::new()
        .name(name)
        .parameter_in(place)
        .required(required)
        .schema(Some(schema))
        .description(description)
        .build()
}

fn query(
    name: impl Into<String>,
    schema: impl Into<RefOr<Schema>>,
    description: Option<String>,
) -> utoipa::openapi::path::Parameter {
    parameter(ParameterIn::Query, name, schema, description)
}

/// Marks a parameter `allowEmptyValue: true` (django-filter's habit: an
/// empty filter value means no filter). utoipa has no field for the
/// keyword, so it travels as an extension that [`document_json`] renames.
fn allows_empty() -> Extensions {
    Extensions::builder().add(ALLOW_EMPTY, true).build()
}

const ALLOW_EMPTY: &str = "x-allow-empty-value";

/// `?field=`, lookups, `search`, `ordering`, `page`, `page_size`.
fn list_parameters(resource: &Resource) -> Vec<utoipa::openapi::path::Parameter> {
    let mut parameters = Vec::new();
    for field in resource.fields.iter().filter(|f| f.filter) {
        let schema = match field.kind {
            Kind::RefMany { .. } | Kind::Ref { .. } | Kind::Id => uuid(),
            Kind::Text { .. } => ty(Type::String),
            Kind::Int { .. } => format(ty(Type::Integer), KnownFormat::Int64),
            Kind::Float => ty(Type::Number),
            Kind::Bool => ty(Type::Boolean),
            Kind::Timestamp => format(ty(Type::String), KnownFormat::DateTime),
            Kind::File | Kind::Derived(_) => continue,
        };
        let schema: RefOr<Schema> = schema.into();
        let exact = match field.kind {
            Kind::RefMany { .. } => format!(
                "Entities whose `{}` contains one of these ids (repeat the parameter for several).",
                field.name
            ),
            _ => format!(
                "Exact match on `{}`; repeat the parameter for any of several values.",
                field.name
            ),
        };
        parameters.push(
            ParameterBuilder::from(query(
                field.name,
                ArrayBuilder::new().items(schema.clone()),
                Some(exact),
            ))
            .style(Some(ParameterStyle::Form))
            .explode(Some(true))
            .extensions(Some(allows_empty()))
            .build(),
        );
        if field.has_range_lookups() {
            for (suffix, meaning) in [("gt", ">"), ("gte", "≥"), ("lt", "<"), ("lte", "≤")] {
                parameters.push(
                    ParameterBuilder::from(query(
                        format!("{}__{suffix}", field.name),
                        schema.clone(),
                        Some(format!("`{}` {meaning} this value.", field.name)),
                    ))
                    .extensions(Some(allows_empty()))
                    .build(),
                );
            }
        }
    }
    let searched: Vec<&str> = resource.searchable().map(|f| f.name).collect();
    if !searched.is_empty() {
        parameters.push(
            ParameterBuilder::from(query(
                "search",
                ty(Type::String),
                Some(format!(
                    "Whitespace-separated terms; each must appear (case-insensitively) in one of: {}.",
                    searched.join(", ")
                )),
            ))
            .extensions(Some(allows_empty()))
            .build(),
        );
    }
    let orderable: Vec<&str> = resource
        .fields
        .iter()
        .filter(|f| f.order)
        .map(|f| f.name)
        .collect();
    parameters.push(
        ParameterBuilder::from(query(
            "ordering",
            ty(Type::String),
            Some(format!(
                "Comma-separated fields, `-` for descending; any of: {}. Default `created`.",
                orderable.join(", ")
            )),
        ))
        .extensions(Some(allows_empty()))
        .build(),
    );
    parameters.extend(page_parameters());
    parameters
}

/// `page` and `page_size`, DRF's page-number pagination.
fn page_parameters() -> [utoipa::openapi::path::Parameter; 2] {
    [
        query(
            "page",
            ty(Type::Integer).minimum(Some(1)),
            Some("1-based page number.".into()),
        ),
        query(
            "page_size",
            ty(Type::Integer).minimum(Some(1)).maximum(Some(100)),
            Some("Entities per page (default 20, at most 100).".into()),
        ),
    ]
}

fn request_body(resource: &Resource, body: Body) -> utoipa::openapi::request_body::RequestBody {
    let name = type_name(resource);
    let schema = match body {
        Body::Create => schema_ref(&format!("{name}Request")),
        Body::Patch => schema_ref(&format!("Patched{name}Request")),
    };
    let media_type = if has_file(resource) {
        "multipart/form-data"
    } else {
        JSON
    };
    let example = match body {
        Body::Create => examples::request(resource),
        Body::Patch => {
            let mut all = examples::request(resource);
            if let Some(map) = all.as_object_mut() {
                let first = map.keys().next().cloned();
                map.retain(|k, _| Some(k) == first.as_ref());
            }
            all
        }
    };
    RequestBodyBuilder::new()
        .content(
            media_type,
            ContentBuilder::new()
                .schema(Some(schema))
                .example(Some(example))
                .build(),
        )
        .required(Some(if body == Body::Patch {
            Required::False
        } else {
            Required::True
        }))
        .build()
}

fn operation(resource: &Resource, action: &str, summary: String) -> OperationBuilder {
    secured(
        OperationBuilder::new()
            .operation_id(Some(format!("{}_{action}", resource.name)))
            .tag(resource.name)
            .summary(Some(summary)),
    )
}

/// A 400 from a list: a malformed filter value.
fn bad_filter(resource: &Resource) -> serde_json::Value {
    match resource
        .fields
        .iter()
        .find(|f| f.filter && f.kind == Kind::Timestamp)
    {
        Some(field) => json!({
            format!("{}__gte", field.name): ["Enter a valid date/time."]
        }),
        None => json!({ "search": ["Ensure this field has no more than 10 terms."] }),
    }
}

/// Users are made by signing up and never deleted through `/api/users/`.
fn is_users(resource: &Resource) -> bool {
    std::ptr::eq(resource, &USER)
}

fn collection(resource: &Resource) -> PathItem {
    let name = type_name(resource);
    let list = operation(resource, "list", format!("List {} entities", resource.noun))
        .parameters(Some(list_parameters(resource)))
        .responses(responses_with(
            (
                200,
                example_response(
                    "A page.",
                    schema_ref(&format!("Paginated{name}List")),
                    examples::page(resource),
                ),
            ),
            &[400, 401, 403, 404, 429],
            bad_filter(resource),
        ));
    let mut item = PathItem::new(HttpMethod::Get, list.build());
    if !is_users(resource) {
        let create = operation(resource, "create", format!("Create a {}", resource.noun))
            .request_body(Some(request_body(resource, Body::Create)))
            .responses(responses_with(
                (
                    201,
                    example_response("Created.", schema_ref(&name), examples::record(resource))
                        .header(
                            "Location",
                            HeaderBuilder::new()
                                .schema(Some(uri(ty(Type::String))))
                                .build(),
                        ),
                ),
                &[400, 401, 403, 413, 415, 429],
                examples::field_errors(resource),
            ));
        item = with(item, HttpMethod::Post, create.build());
    }
    item
}

fn with(mut item: PathItem, method: HttpMethod, operation: Operation) -> PathItem {
    item.merge_operations(PathItem::new(method, operation));
    item
}

fn member(resource: &Resource) -> PathItem {
    let name = type_name(resource);
    let id = ParameterBuilder::new()
        .name("id")
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .schema(Some(uuid()))
        .build();
    let ok = || {
        (
            200,
            example_response("The entity.", schema_ref(&name), examples::record(resource)),
        )
    };
    let retrieve = operation(resource, "retrieve", format!("Read a {}", resource.noun))
        .parameter(id.clone())
        .responses(responses(ok(), &[401, 403, 404, 429]));
    let update = operation(
        resource,
        "update",
        format!("Replace a {} (every writable field)", resource.noun),
    )
    .parameter(id.clone())
    .request_body(Some(request_body(resource, Body::Create)))
    .responses(responses_with(
        ok(),
        &[400, 401, 403, 404, 413, 415, 429],
        examples::field_errors(resource),
    ));
    let partial = operation(
        resource,
        "partial_update",
        format!("Change some fields of a {}", resource.noun),
    )
    .parameter(id.clone())
    .request_body(Some(request_body(resource, Body::Patch)))
    .responses(responses_with(
        ok(),
        &[400, 401, 403, 404, 413, 415, 429],
        examples::field_errors(resource),
    ));
    let mut item = PathItem::new(HttpMethod::Get, retrieve.build());
    item = with(item, HttpMethod::Put, update.build());
    item = with(item, HttpMethod::Patch, partial.build());
    if !is_users(resource) {
        let destroy = operation(resource, "destroy", format!("Delete a {}", resource.noun))
            .parameter(id)
            .responses(responses(
                (204, response("Deleted.", None)),
                &[401, 403, 404, 429],
            ));
        item = with(item, HttpMethod::Delete, destroy.build());
    }
    item
}

fn hand_written_schemas() -> Vec<(&'static str, RefOr<Schema>)> {
    let mut me = ObjectBuilder::new();
    for field in USER.fields.iter().filter(|f| f.name != "updated") {
        me = me
            .property(field.name, read_field(field))
            .required(field.name);
    }
    let credentials = |fields: &[(&str, usize)]| {
        let mut object = ObjectBuilder::new();
        for (name, max) in fields {
            object = object
                .property(
                    *name,
                    ty(Type::String).min_length(Some(1)).max_length(Some(*max)),
                )
                .required(*name);
        }
        RefOr::T(Schema::Object(object.build()))
    };
    vec![
        ("Me", me.into()),
        (
            "SignupRequest",
            credentials(&[
                ("username", 150),
                ("email", 254),
                ("password", 128),
                ("confirm_password", 128),
            ]),
        ),
        (
            "SignedUp",
            ObjectBuilder::new()
                .property("id", uuid())
                .required("id")
                .property("username", ty(Type::String))
                .required("username")
                .property("email", ty(Type::String))
                .required("email")
                .property("token", ty(Type::String))
                .required("token")
                .into(),
        ),
        (
            "LoginRequest",
            credentials(&[("username", 150), ("password", 128)]),
        ),
        (
            "Token",
            ObjectBuilder::new()
                .property("token", ty(Type::String))
                .required("token")
                .into(),
        ),
        (
            "ApiRoot",
            ObjectBuilder::new()
                .description(Some("Resource name → absolute URL of its list."))
                .additional_properties(Some(uri(ty(Type::String))))
                .into(),
        ),
        (
            "Status",
            ObjectBuilder::new()
                .property("status", ty(Type::String))
                .required("status")
                .property("database", ty(Type::String))
                .into(),
        ),
    ]
}

/// A JSON body with its example. Sign-up and sign-in also take the same
/// fields as `application/x-www-form-urlencoded` (SPEC §1); the document
/// offers JSON only, because generated clients (openapi-python-client)
/// emit code that does not import for a body offered in two media types,
/// and a client has no reason to prefer the form.
fn json_body(
    schema: &str,
    example: serde_json::Value,
) -> utoipa::openapi::request_body::RequestBody {
    RequestBodyBuilder::new()
        .description(Some(
            "JSON; the same fields are also accepted as `application/x-www-form-urlencoded`.",
        ))
        .content(
            JSON,
            ContentBuilder::new()
                .schema(Some(schema_ref(schema)))
                .example(Some(example))
                .build(),
        )
        .required(Some(Required::True))
        .build()
}

fn plain(id: &str, tag: &str, summary: &str) -> OperationBuilder {
    OperationBuilder::new()
        .operation_id(Some(id))
        .tag(tag)
        .summary(Some(summary))
        .securities(Some(Vec::<SecurityRequirement>::new()))
}

fn hand_written() -> Vec<(&'static str, PathItem)> {
    let signup = plain(
        "user_signup",
        "user",
        "Create an account and its first token",
    )
    .request_body(Some(json_body(
        "SignupRequest",
        json!({
            "username": "alice", "email": "alice@example.com",
            "password": "Correct-horse-9", "confirm_password": "Correct-horse-9",
        }),
    )))
    .responses(responses_with(
        (
            201,
            example_response(
                "Signed up.",
                schema_ref("SignedUp"),
                json!({
                    "id": examples::id("users"), "username": "alice",
                    "email": "alice@example.com", "token": TOKEN_EXAMPLE,
                }),
            ),
        ),
        &[400, 413, 415, 429],
        json!({ "username": ["A user with that username already exists."] }),
    ));
    let login = plain("user_login", "user", "Sign in: issues a new token")
        .request_body(Some(json_body(
            "LoginRequest",
            json!({ "username": "alice", "password": "Correct-horse-9" }),
        )))
        .responses(responses(
            (
                200,
                example_response(
                    "Signed in.",
                    schema_ref("Token"),
                    json!({ "token": TOKEN_EXAMPLE }),
                ),
            ),
            &[400, 413, 415, 429],
        ));
    let logout = secured(
        OperationBuilder::new()
            .operation_id(Some("user_logout"))
            .tag("user")
            .summary(Some(
                "Revoke the presented token (`?all=true`: every token of the caller)",
            )),
    )
    .parameter(query(
        "all",
        ty(Type::Boolean),
        Some("Revoke every token of the caller.".into()),
    ))
    .responses(responses((204, response("Signed out.", None)), &[401, 429]));
    let me = secured(
        OperationBuilder::new()
            .operation_id(Some("user_me"))
            .tag("user")
            .summary(Some("The caller's account")),
    )
    .responses(responses(
        (
            200,
            example_response("The caller.", schema_ref("Me"), {
                let mut me = examples::record(&USER);
                if let Some(map) = me.as_object_mut() {
                    map.remove("updated");
                }
                me
            }),
        ),
        &[401, 429],
    ));
    let delete = secured(
        OperationBuilder::new()
            .operation_id(Some("user_delete"))
            .tag("user")
            .summary(Some(
                "Delete the caller's account, tokens, reviews and subscription",
            )),
    )
    .responses(responses((204, response("Deleted.", None)), &[401, 429]));
    let root = plain("api_root", "api", "Links to every resource list").responses(responses(
        (
            200,
            example_response(
                "The links.",
                schema_ref("ApiRoot"),
                serde_json::Value::Object(
                    RESOURCES
                        .iter()
                        .map(|r| {
                            (
                                r.to_string(),
                                json!(format!("https://mstream.example/api/{r}/")),
                            )
                        })
                        .collect(),
                ),
            ),
        ),
        &[429],
    ));
    let schema = plain("api_schema", "api", "This OpenAPI document").responses(responses(
        (
            200,
            response("OpenAPI 3.1 JSON.", Some(ty(Type::Object).into())),
        ),
        &[429],
    ));
    let healthz = plain(
        "healthz",
        "operations",
        "The process answers (never throttled, no trailing slash)",
    )
    .responses(
        ResponsesBuilder::new()
            .response("200", response("Up.", Some(schema_ref("Status"))))
            .build(),
    );
    let readyz = plain(
        "readyz",
        "operations",
        "The database answers (never throttled, no trailing slash)",
    )
    .responses(
        ResponsesBuilder::new()
            .response("200", response("Ready.", Some(schema_ref("Status"))))
            .response(
                "503",
                response("The database is unreachable.", Some(schema_ref("Status"))),
            )
            .build(),
    );
    let metrics = plain(
        "metrics",
        "operations",
        "Prometheus metrics (never throttled, no trailing slash)",
    )
    .responses(
        ResponsesBuilder::new()
            .response(
                "200",
                ResponseBuilder::new()
                    .description("Prometheus text exposition format.")
                    .content("text/plain", json_content(ty(Type::String))),
            )
            .build(),
    );
    vec![
        (
            "/user/signup/",
            PathItem::new(HttpMethod::Post, signup.build()),
        ),
        (
            "/user/login/",
            PathItem::new(HttpMethod::Post, login.build()),
        ),
        (
            "/user/logout/",
            PathItem::new(HttpMethod::Post, logout.build()),
        ),
        ("/user/me/", PathItem::new(HttpMethod::Get, me.build())),
        (
            "/user/delete/",
            PathItem::new(HttpMethod::Delete, delete.build()),
        ),
        ("/api/", PathItem::new(HttpMethod::Get, root.build())),
        (
            "/api/schema/",
            PathItem::new(HttpMethod::Get, schema.build()),
        ),
        ("/healthz", PathItem::new(HttpMethod::Get, healthz.build())),
        ("/readyz", PathItem::new(HttpMethod::Get, readyz.build())),
        ("/metrics", PathItem::new(HttpMethod::Get, metrics.build())),
    ]
}

/// The document as served: [`document`] with the keywords utoipa cannot
/// express put in (`allowEmptyValue`).
pub fn document_json() -> serde_json::Value {
    fn rename(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(flag) = map.remove(ALLOW_EMPTY) {
                    map.insert("allowEmptyValue".into(), flag);
                }
                map.values_mut().for_each(rename);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(rename),
            _ => {}
        }
    }
    let mut value =
        serde_json::to_value(document()).unwrap_or_else(|e| json!({ "error": e.to_string() }));
    rename(&mut value);
    value
}

/// The document as pretty JSON (what the snapshot test compares).
pub fn to_pretty_json() -> String {
    serde_json::to_string_pretty(&document_json())
        .unwrap_or_else(|e| json!({ "error": e.to_string() }).to_string())
}

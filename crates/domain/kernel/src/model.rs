//! What ties a typed model to its declaration: [`Model`] for read shapes,
//! [`WriteShape`] for request bodies, and the checks that the two agree
//! ([`check_read_shape`], [`check_write_shape`]).

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value as Json};

use crate::list::QueryField;
use crate::resource::{Derived, Kind, Resource};
use crate::write::{Mode, WriteSet};
use crate::{FieldErrors, Id, Timestamp};

/// A resource's read shape, as `GET /api/<resource>/<id>/` returns it.
pub trait Model: Serialize + DeserializeOwned + Clone + std::fmt::Debug {
    /// The marker of its ids (`Id<Self::Kind>`).
    type Kind;
    /// The body of a create (and of a `PUT`).
    type New: WriteShape;
    /// The body of a `PATCH`.
    type Patch: WriteShape;
    /// The fields a list may filter and order by.
    type Field: QueryField;
    /// The declaration the server validates and lists with.
    const RESOURCE: &'static Resource;

    /// The entity's id.
    fn id(&self) -> Id<Self::Kind>;
}

/// A request body of a resource. [`WriteShape::validate`] runs the
/// resource's declaration over the body exactly as the server does, so a
/// client learns the server's field errors without a round trip.
pub trait WriteShape: Serialize {
    /// The declaration the body is checked against.
    const RESOURCE: &'static Resource;
    /// The write it is meant for ([`Mode::Create`] for new entities,
    /// [`Mode::Patch`] for patches).
    const MODE: Mode;

    /// The server's field errors for this body, if any.
    fn validate(&self) -> Result<WriteSet, FieldErrors> {
        self.validate_as(Self::MODE)
    }

    /// As [`WriteShape::validate`], for another write (a create body sent
    /// as a `PUT` is checked with [`Mode::Replace`]).
    fn validate_as(&self, mode: Mode) -> Result<WriteSet, FieldErrors> {
        let body = serde_json::to_value(self)
            .map_err(|e| FieldErrors::non_field(format!("unserialisable body: {e}")))?;
        WriteSet::parse(Self::RESOURCE, &body, mode)
    }
}

/// A representation of every declared field of `resource`, each with a
/// value its kind allows (what the server could return).
pub fn sample_read(resource: &Resource) -> Json {
    let map: Map<String, Json> = resource
        .fields
        .iter()
        .map(|f| (f.name.to_owned(), sample_value(f.kind)))
        .collect();
    Json::Object(map)
}

/// A create body carrying every writable field of `resource` but files.
pub fn sample_write(resource: &Resource) -> Json {
    let map: Map<String, Json> = resource
        .writable()
        .filter(|f| f.kind != Kind::File)
        .map(|f| (f.name.to_owned(), sample_value(f.kind)))
        .collect();
    Json::Object(map)
}

fn sample_value(kind: Kind) -> Json {
    let id = json!("0b7f2c4e-8a51-4d3b-9a0e-6c1d2f3a4b5c");
    match kind {
        Kind::Id | Kind::Ref { .. } => id,
        Kind::RefMany { .. } => json!([id]),
        Kind::Text { .. } => json!("x"),
        Kind::Int { min, .. } => json!(min.max(0)),
        Kind::Float => json!(0.0),
        Kind::Bool => json!(false),
        Kind::Timestamp => json!(Timestamp::now()),
        Kind::File | Kind::Derived(Derived::Url) => json!("http://localhost/x"),
        Kind::Derived(Derived::Text) => json!("x"),
        Kind::Derived(Derived::TextList | Derived::ObjectList) => json!([]),
        Kind::Derived(Derived::Object) => Json::Null,
    }
}

fn keys(value: &Json) -> Vec<String> {
    value
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// Checks that `T` reads a representation of `resource` and writes back
/// exactly the declared fields, in the declared order. Fails when a field
/// was added to the struct or to the declaration only.
pub fn check_read_shape<T: Serialize + DeserializeOwned>(
    resource: &Resource,
) -> Result<(), String> {
    let sample = sample_read(resource);
    let typed: T = serde_json::from_value(sample.clone()).map_err(|e| {
        format!(
            "{}: the declaration's shape does not read: {e}",
            resource.name
        )
    })?;
    let back = serde_json::to_value(&typed).map_err(|e| e.to_string())?;
    let (declared, written) = (keys(&sample), keys(&back));
    if declared == written {
        Ok(())
    } else {
        Err(format!(
            "{}: declared fields {declared:?}, the struct writes {written:?}",
            resource.name
        ))
    }
}

/// Checks that `W` carries exactly the writable fields of its declaration
/// (files travel beside the body) and that a full sample validates.
pub fn check_write_shape<W: WriteShape + DeserializeOwned>() -> Result<(), String> {
    let sample = sample_write(W::RESOURCE);
    let typed: W = serde_json::from_value(sample.clone())
        .map_err(|e| format!("{}: the writable fields do not read: {e}", W::RESOURCE.name))?;
    let back = serde_json::to_value(&typed).map_err(|e| e.to_string())?;
    let (declared, written) = (keys(&sample), keys(&back));
    if declared != written {
        return Err(format!(
            "{}: writable fields {declared:?}, the struct writes {written:?}",
            W::RESOURCE.name
        ));
    }
    typed
        .validate()
        .map(drop)
        .map_err(|e| format!("{}: the sample is refused: {e}", W::RESOURCE.name))
}

/// Implements [`Model`] for a read shape and [`WriteShape`] for its create
/// and patch bodies: `impl_model!(Genre, GENRE, GenreKind, NewGenre,
/// GenrePatch, GenreField)`. The read shape needs an `id` field.
#[macro_export]
macro_rules! impl_model {
    ($read:ty, $res:path, $kind:ty, $new:ty, $patch:ty, $field:ty) => {
        impl $crate::WriteShape for $new {
            const RESOURCE: &'static $crate::Resource = &$res;
            const MODE: $crate::Mode = $crate::Mode::Create;
        }
        impl $crate::WriteShape for $patch {
            const RESOURCE: &'static $crate::Resource = &$res;
            const MODE: $crate::Mode = $crate::Mode::Patch;
        }
        impl $crate::Model for $read {
            type Kind = $kind;
            type New = $new;
            type Patch = $patch;
            type Field = $field;
            const RESOURCE: &'static $crate::Resource = &$res;

            fn id(&self) -> $crate::Id<$kind> {
                self.id
            }
        }
    };
}

/// Runs every agreement check of a [`Model`]: its read shape, its create
/// and patch bodies, and its list fields against the declaration.
pub fn check_model<M: Model>() -> Result<(), String>
where
    M::New: DeserializeOwned,
    M::Patch: DeserializeOwned,
{
    check_read_shape::<M>(M::RESOURCE)?;
    check_write_shape::<M::New>()?;
    check_write_shape::<M::Patch>()?;
    crate::list::check_query_fields::<M::Field>()
}

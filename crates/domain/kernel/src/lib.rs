//! mstream's shared domain vocabulary.
//!
//! Everything here is plain Rust with no I/O: typed ids, timestamps, the
//! field-error map every layer reports validation problems in, users and the
//! caller ([`Actor`]), and the resource declaration ([`resource::Resource`])
//! from which the layers above derive validation, list queries and schemas.
//! Other Rust services import this crate, so every public item is documented.

pub mod error;
pub mod id;
pub mod list;
pub mod model;
pub mod query;
pub mod record;
pub mod resource;
pub mod time;
pub mod user;
pub mod value;
pub mod write;

pub use error::FieldErrors;
pub use id::{
    ArtistId, ContentId, ContentTypeId, CreditId, GenreId, Id, MediaFileId, ParentalControlTagId,
    PlanId, ReviewId, SubscriptionId,
};
pub use list::{Query, QueryField};
pub use model::{Model, WriteShape};
pub use value::{About, Name, Text};
pub use query::{Filter, FilterValue, ListQuery, Lookup, OrderKey, Page, QueryError};
pub use record::{FieldValue, Record};
pub use resource::{Field, Kind, Resource, Write};
pub use time::Timestamp;
pub use user::{Account, Actor, User, UserId};
pub use write::{Mode, Value, WriteSet};

//! mstream's shared domain vocabulary.
//!
//! Everything here is plain Rust with no I/O: typed ids, timestamps, the
//! field-error map every layer reports validation problems in, users and the
//! caller ([`Actor`]), and the resource declaration ([`resource::Resource`])
//! from which the layers above derive validation, list queries and schemas.
//! Other Rust services import this crate, so every public item is documented.
//!
//! Beside the declarations, the typed vocabulary the resource crates build
//! their models with: [`Id`] and its aliases ([`ContentId`], [`GenreId`],
//! …), parsed values ([`Name`], [`About`]), the [`Model`] and
//! [`WriteShape`] traits, and typed list queries ([`Query`]).
//!
//! # Use it from your service
//!
//! ```
//! use mstream_kernel::{FieldErrors, GenreId, Name, Timestamp};
//!
//! // Ids of different entities are different types.
//! let genre: GenreId = "0b7f2c4e-8a51-4d3b-9a0e-6c1d2f3a4b5c".parse()?;
//! assert_eq!(genre.to_string(), "0b7f2c4e-8a51-4d3b-9a0e-6c1d2f3a4b5c");
//!
//! // Values are parsed once, with the server's messages.
//! assert!(Name::parse("").is_err());
//!
//! // Timestamps and validation errors read back from API responses.
//! let at: Timestamp = serde_json::from_str("\"2026-11-24T11:37:50.513076Z\"")?;
//! assert_eq!(at.to_rfc3339(), "2026-11-24T11:37:50.513076Z");
//! let errors: FieldErrors = serde_json::from_str(r#"{"name": ["This field is required."]}"#)?;
//! assert_eq!(errors.messages("name"), ["This field is required."]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

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
pub use query::{Filter, FilterValue, ListQuery, Lookup, OrderKey, Page, QueryError};
pub use record::{FieldValue, Record};
pub use resource::{Field, Kind, Resource, Write};
pub use time::Timestamp;
pub use user::{Account, Actor, User, UserId};
pub use value::{About, Name, Text};
pub use write::{Mode, Value, WriteSet};

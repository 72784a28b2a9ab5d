//! mstream's shared domain vocabulary.
//!
//! Everything here is plain Rust with no I/O: typed ids, timestamps, the
//! field-error map every layer reports validation problems in, users and the
//! caller ([`Actor`]), and the resource declaration ([`resource::Resource`])
//! from which the layers above derive validation, list queries and schemas.
//! Other Rust services import this crate, so every public item is documented.

pub mod error;
pub mod id;
pub mod query;
pub mod record;
pub mod resource;
pub mod time;
pub mod user;
pub mod write;

pub use error::FieldErrors;
pub use id::Id;
pub use query::{Filter, FilterValue, ListQuery, Lookup, OrderKey, Page, QueryError};
pub use record::{FieldValue, Record};
pub use resource::{Field, Kind, Resource, Write};
pub use time::Timestamp;
pub use user::{Actor, User};
pub use write::{Mode, Value, WriteSet};

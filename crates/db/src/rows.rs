//! Row shapes and readers shared by the statements of this crate.

use diesel::sql_types::{BigInt, Text};
use diesel::QueryableByName;
use uuid::Uuid;

use crate::error::{DbError, DbResult};

/// Reads a stored id.
pub fn parse_id(text: &str) -> DbResult<Uuid> {
    Uuid::parse_str(text).map_err(|_| DbError::Corrupt(format!("bad id {text:?}")))
}

#[derive(QueryableByName)]
pub(crate) struct CountRow {
    #[diesel(sql_type = BigInt)]
    pub(crate) n: i64,
}

/// A count and the catalog generation it was read at.
#[derive(QueryableByName)]
pub(crate) struct CountedRow {
    #[diesel(sql_type = BigInt)]
    pub(crate) n: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) generation: i64,
}

#[derive(QueryableByName)]
pub(crate) struct IdRow {
    #[diesel(sql_type = Text)]
    pub(crate) id: String,
}

//! Typed database errors.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// What went wrong in the database layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The row does not exist.
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write; `columns` names the columns
    /// when the backend says which.
    #[error("unique violation on {table}({})", columns.join(", "))]
    Unique {
        /// The table, when known.
        table: String,
        /// The columns of the violated constraint.
        columns: Vec<String>,
    },
    /// A foreign key refused the write (a referred row vanished meanwhile).
    #[error("foreign key violation: {0}")]
    ForeignKey(String),
    /// No connection could be had (database down, pool exhausted).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The database gave up on the work and it may succeed if tried again:
    /// a statement past `statement_timeout`, a deadlock broken by
    /// PostgreSQL, a serialization failure.
    #[error("database busy: {0}")]
    Busy(String),
    /// A stored value could not be read back (e.g. an id that is no UUID).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// Any other failure of a query.
    #[error("query failed: {0}")]
    Query(DieselError),
}

/// Results of the database layer.
pub type DbResult<T> = Result<T, DbError>;

impl From<DieselError> for DbError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => DbError::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                unique_violation(info.message(), info.table_name(), info.details())
            }
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
                DbError::ForeignKey(info.message().to_owned())
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                DbError::Unavailable(info.message().to_owned())
            }
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, info) => {
                DbError::Busy(info.message().to_owned())
            }
            DieselError::DatabaseError(_, info) if is_retryable(info.message()) => {
                DbError::Busy(info.message().to_owned())
            }
            other => DbError::Query(other),
        }
    }
}

impl From<r2d2::Error> for DbError {
    fn from(error: r2d2::Error) -> Self {
        DbError::Unavailable(error.to_string())
    }
}

/// PostgreSQL's deadlock (40P01) and query-cancel (57014, which
/// `statement_timeout` raises) reach diesel as unknown errors; their
/// messages are fixed by the server.
fn is_retryable(message: &str) -> bool {
    message.starts_with("deadlock detected")
        || message.starts_with("canceling statement due to statement timeout")
}

/// Names the columns of a unique violation. SQLite says
/// `UNIQUE constraint failed: reviews.user_id, reviews.content_id`;
/// PostgreSQL gives the table and `Key (user_id, content_id)=(…) already exists.`
fn unique_violation(message: &str, table: Option<&str>, details: Option<&str>) -> DbError {
    if let Some(list) = message.strip_prefix("UNIQUE constraint failed: ") {
        let mut table_name = String::new();
        let columns = list
            .split(',')
            .map(|qualified| {
                let (t, c) = qualified
                    .trim()
                    .split_once('.')
                    .unwrap_or(("", qualified.trim()));
                table_name = t.to_owned();
                c.to_owned()
            })
            .collect();
        return DbError::Unique {
            table: table_name,
            columns,
        };
    }
    let columns = details
        .and_then(|d| d.strip_prefix("Key ("))
        .and_then(|d| d.split_once(")="))
        .map(|(cols, _)| {
            cols.split(',')
                .map(|c| c.trim().trim_matches('"').to_owned())
                .collect()
        })
        .unwrap_or_default();
    DbError::Unique {
        table: table.unwrap_or_default().to_owned(),
        columns,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_columns_are_named_on_both_backends() {
        let DbError::Unique { table, columns } = unique_violation(
            "UNIQUE constraint failed: reviews.user_id, reviews.content_id",
            None,
            None,
        ) else {
            panic!()
        };
        assert_eq!(
            (table.as_str(), columns),
            (
                "reviews",
                vec!["user_id".to_owned(), "content_id".to_owned()]
            )
        );
        let DbError::Unique { table, columns } = unique_violation(
            "duplicate key value violates unique constraint \"genres_name_key\"",
            Some("genres"),
            Some("Key (name)=(Drama) already exists."),
        ) else {
            panic!()
        };
        assert_eq!(
            (table.as_str(), columns),
            ("genres", vec!["name".to_owned()])
        );
    }
}

//! Parameterised SQL built at run time, executed through diesel.
//!
//! Identifiers come only from the static table mappings; every value a
//! client sent is a bound parameter. Placeholders follow the backend (`?` or
//! `$n`), which is why a statement is built for one connection.

use chrono::NaiveDateTime;
use diesel::backend::Backend as DieselBackend;
use diesel::deserialize::QueryableByName;
use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Bool, Double, HasSqlType, Nullable, Text, Timestamp};
use diesel::sqlite::Sqlite;
use diesel::RunQueryDsl;
use uuid::Uuid;

use crate::conn::AnyConn;
use crate::error::DbResult;

/// A bound value.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    /// Text (also ids).
    Text(String),
    /// A whole number.
    Int(i64),
    /// A real number.
    Float(f64),
    /// A flag.
    Bool(bool),
    /// A UTC instant.
    Time(NaiveDateTime),
    /// SQL NULL.
    Null,
}

impl From<Uuid> for Bind {
    fn from(id: Uuid) -> Self {
        Bind::Text(id.hyphenated().to_string())
    }
}

/// A statement being built.
#[derive(Debug, Clone)]
pub struct Sql {
    text: String,
    binds: Vec<Bind>,
    numbered: bool,
}

impl Sql {
    /// An empty statement for `conn`'s backend.
    pub fn new(conn: &AnyConn) -> Self {
        Self {
            text: String::with_capacity(256),
            binds: Vec::new(),
            numbered: matches!(conn, AnyConn::Postgresql(_)),
        }
    }

    /// Appends SQL text (never client data).
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind(&mut self, value: impl Into<Bind>) -> &mut Self {
        self.binds.push(value.into());
        if self.numbered {
            self.text.push('$');
            self.text.push_str(&self.binds.len().to_string());
        } else {
            self.text.push('?');
        }
        self
    }

    /// Appends `(?, ?, …)` bound to `values`; `(NULL)` when empty, which
    /// matches nothing.
    pub fn bind_list<V: Into<Bind>>(&mut self, values: impl IntoIterator<Item = V>) -> &mut Self {
        self.push("(");
        let mut any = false;
        for value in values {
            if any {
                self.push(", ");
            }
            any = true;
            self.bind(value);
        }
        if !any {
            self.push("NULL");
        }
        self.push(")")
    }

    /// Whether the statement is for PostgreSQL (else SQLite).
    pub fn is_postgres(&self) -> bool {
        self.numbered
    }

    /// The SQL text so far.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Runs the statement and reads every row as `R`.
    pub fn load<R>(self, conn: &mut AnyConn) -> DbResult<Vec<R>>
    where
        R: QueryableByName<Pg> + QueryableByName<Sqlite> + 'static,
    {
        Ok(match conn {
            AnyConn::Postgresql(c) => boxed::<Pg>(self.text, self.binds).load(c)?,
            AnyConn::Sqlite(c) => boxed::<Sqlite>(self.text, self.binds).load(c)?,
        })
    }

    /// Runs the statement; returns the number of rows it changed.
    pub fn execute(self, conn: &mut AnyConn) -> DbResult<usize> {
        Ok(match conn {
            AnyConn::Postgresql(c) => boxed::<Pg>(self.text, self.binds).execute(c)?,
            AnyConn::Sqlite(c) => boxed::<Sqlite>(self.text, self.binds).execute(c)?,
        })
    }
}

fn boxed<DB>(text: String, binds: Vec<Bind>) -> BoxedSqlQuery<'static, DB, SqlQuery>
where
    DB: DieselBackend
        + HasSqlType<Text>
        + HasSqlType<BigInt>
        + HasSqlType<Double>
        + HasSqlType<Bool>
        + HasSqlType<Timestamp>
        + HasSqlType<Nullable<Text>>,
    String: ToSql<Text, DB>,
    i64: ToSql<BigInt, DB>,
    f64: ToSql<Double, DB>,
    bool: ToSql<Bool, DB>,
    NaiveDateTime: ToSql<Timestamp, DB>,
    Option<String>: ToSql<Nullable<Text>, DB>,
{
    let mut query = diesel::sql_query(text).into_boxed::<DB>();
    for bind in binds {
        query = match bind {
            Bind::Text(v) => query.bind::<Text, _>(v),
            Bind::Int(v) => query.bind::<BigInt, _>(v),
            Bind::Float(v) => query.bind::<Double, _>(v),
            Bind::Bool(v) => query.bind::<Bool, _>(v),
            Bind::Time(v) => query.bind::<Timestamp, _>(v),
            Bind::Null => query.bind::<Nullable<Text>, _>(None::<String>),
        };
    }
    query
}

/// Escapes `term` for `LIKE … ESCAPE '\'` and wraps it in `%…%`,
/// lower-cased: search terms are data, never patterns.
pub fn contains_pattern(term: &str) -> String {
    let mut pattern = String::with_capacity(term.len() + 2);
    pattern.push('%');
    for c in term.to_lowercase().chars() {
        if matches!(c, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    #[test]
    fn patterns_escape_wildcards() {
        assert_eq!(super::contains_pattern("100%_A\\"), "%100\\%\\_a\\\\%");
    }
}

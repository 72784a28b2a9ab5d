//! Parameterised SQL built at run time, executed through diesel.
//!
//! Identifiers come only from the static table mappings; every value a
//! client sent is a bound parameter. Placeholders are the backend's (`?` or
//! `$n`), written by diesel as it walks the statement.
//!
//! Statements are kept prepared per connection, keyed by their SQL text
//! (diesel's statement cache): a list request runs the same handful of
//! statements every time, and re-parsing and re-planning them was a large
//! share of a request's CPU. `IN (…)` lists are padded to a few lengths
//! ([`Sql::bind_in`]) so that the number of distinct texts — and with it
//! the cache — stays small.

use std::marker::PhantomData;

use chrono::NaiveDateTime;
use diesel::backend::Backend as DieselBackend;
use diesel::deserialize::QueryableByName;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Bool, Double, HasSqlType, Nullable, Text, Timestamp, Untyped};
use diesel::sqlite::Sqlite;
use diesel::{QueryResult, RunQueryDsl};
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

/// A statement being built: SQL text with a bound value between each pair
/// of consecutive text parts.
#[derive(Debug, Clone)]
pub struct Sql {
    parts: Vec<String>,
    binds: Vec<Bind>,
    numbered: bool,
}

impl Sql {
    /// An empty statement for `conn`'s backend.
    pub fn new(conn: &AnyConn) -> Self {
        Self {
            parts: vec![String::with_capacity(256)],
            binds: Vec::new(),
            numbered: matches!(conn, AnyConn::Postgresql(_)),
        }
    }

    /// Appends SQL text. Only text written into the program can be pushed
    /// (`&'static str`): values are bound with [`Sql::bind`], and run-time
    /// text that must be SQL (a number, a generated alias) goes through
    /// [`Sql::push_owned`] inside this crate only.
    pub fn push(&mut self, text: &'static str) -> &mut Self {
        self.push_owned(text)
    }

    /// [`Sql::push`] for text this crate made at run time from trusted
    /// parts (a table mapping's names, a number).
    pub(crate) fn push_owned(&mut self, text: &str) -> &mut Self {
        if let Some(last) = self.parts.last_mut() {
            last.push_str(text);
        }
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind(&mut self, value: impl Into<Bind>) -> &mut Self {
        self.binds.push(value.into());
        self.parts.push(String::new());
        self
    }

    /// Appends `(?, ?, …)` bound to `values` (e.g. a row of `VALUES`);
    /// `(NULL)` when empty.
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

    /// The right-hand side of `x IN …`: like [`Sql::bind_list`], but the
    /// list is padded (with its last value, which changes nothing) to the
    /// next of a few lengths, so that lists of 1 to 1,000 values make at
    /// most a dozen distinct statements. `(NULL)`, which matches nothing,
    /// when empty.
    pub fn bind_in<V: Into<Bind>>(&mut self, values: impl IntoIterator<Item = V>) -> &mut Self {
        let mut values: Vec<Bind> = values.into_iter().map(Into::into).collect();
        if let Some(last) = values.last().cloned() {
            let padded = values.len().next_power_of_two();
            values.resize(padded, last);
        }
        self.bind_list(values)
    }

    /// Whether the statement is for PostgreSQL (else SQLite).
    pub fn is_postgres(&self) -> bool {
        self.numbered
    }

    /// The SQL text with the backend's placeholders.
    #[cfg(test)]
    pub fn text(&self) -> String {
        let mut text = String::new();
        for (n, part) in self.parts.iter().enumerate() {
            if n > 0 {
                if self.numbered {
                    text.push('$');
                    text.push_str(&n.to_string());
                } else {
                    text.push('?');
                }
            }
            text.push_str(part);
        }
        text
    }

    /// Runs the statement and reads every row as `R`.
    pub fn load<R>(self, conn: &mut AnyConn) -> DbResult<Vec<R>>
    where
        R: QueryableByName<Pg> + QueryableByName<Sqlite> + 'static,
    {
        Ok(match conn {
            AnyConn::Postgresql(c) => Prepared::<Pg>::new(self).load(c)?,
            AnyConn::Sqlite(c) => Prepared::<Sqlite>::new(self).load(c)?,
        })
    }

    /// Runs the statement; returns the number of rows it changed.
    pub fn execute(self, conn: &mut AnyConn) -> DbResult<usize> {
        Ok(match conn {
            AnyConn::Postgresql(c) => Prepared::<Pg>::new(self).execute(c)?,
            AnyConn::Sqlite(c) => Prepared::<Sqlite>::new(self).execute(c)?,
        })
    }
}

/// A built statement as a diesel query for backend `DB`. Unlike
/// `sql_query`, it does not mark itself unsafe to cache, so diesel keeps it
/// prepared under its SQL text.
struct Prepared<DB> {
    sql: Sql,
    backend: PhantomData<DB>,
}

impl<DB> Prepared<DB> {
    fn new(sql: Sql) -> Self {
        Self {
            sql,
            backend: PhantomData,
        }
    }
}

impl<DB> QueryId for Prepared<DB> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<DB> Query for Prepared<DB> {
    type SqlType = Untyped;
}

impl<DB, Conn> RunQueryDsl<Conn> for Prepared<DB> {}

impl<DB> QueryFragment<DB> for Prepared<DB>
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
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        const NULL: Option<String> = None;
        for (n, part) in self.sql.parts.iter().enumerate() {
            if n > 0 {
                match &self.sql.binds[n - 1] {
                    Bind::Text(v) => out.push_bind_param::<Text, _>(v)?,
                    Bind::Int(v) => out.push_bind_param::<BigInt, _>(v)?,
                    Bind::Float(v) => out.push_bind_param::<Double, _>(v)?,
                    Bind::Bool(v) => out.push_bind_param::<Bool, _>(v)?,
                    Bind::Time(v) => out.push_bind_param::<Timestamp, _>(v)?,
                    Bind::Null => out.push_bind_param::<Nullable<Text>, _>(&NULL)?,
                }
            }
            out.push_sql(part);
        }
        Ok(())
    }
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
    use super::Bind;

    #[test]
    fn in_lists_are_padded_to_a_few_lengths() {
        let lengths: std::collections::BTreeSet<usize> = (1..=100_usize)
            .map(|n| {
                let mut sql = super::Sql {
                    parts: vec![String::new()],
                    binds: Vec::new(),
                    numbered: false,
                };
                sql.bind_in((0..n as i64).map(Bind::Int));
                let binds = sql.binds.len();
                assert!(binds >= n && binds < 2 * n, "{n} values → {binds}");
                assert_eq!(
                    sql.binds[n - 1],
                    sql.binds[binds - 1],
                    "padded with the last"
                );
                binds
            })
            .collect();
        assert_eq!(lengths.len(), 8, "{lengths:?}");
    }

    #[test]
    fn placeholders_follow_the_backend() {
        let mut sql = super::Sql {
            parts: vec![String::new()],
            binds: Vec::new(),
            numbered: true,
        };
        sql.push("a = ").bind(Bind::Int(1)).push(" AND b IN ");
        sql.bind_list([Bind::Int(2), Bind::Int(3)]);
        assert_eq!(sql.text(), "a = $1 AND b IN ($2, $3)");
        sql.numbered = false;
        assert_eq!(sql.text(), "a = ? AND b IN (?, ?)");
    }

    #[test]
    fn patterns_escape_wildcards() {
        assert_eq!(super::contains_pattern("100%_A\\"), "%100\\%\\_a\\\\%");
    }
}

//! What the rating mean needs from the database, and the locks that keep
//! it exact under concurrent writers.
//!
//! On SQLite the `IMMEDIATE` transaction already serialises writers. On
//! PostgreSQL (READ COMMITTED) a transaction must lock what it is about to
//! read and then write, *before* reading it, always in one order so that
//! two writers never wait on each other crosswise:
//!
//! 1. the author's user row — shared by the author's own review writes,
//!    exclusive for the account's deletion ([`lock_author`],
//!    [`lock_account`]), so an account is never deleted while its owner
//!    writes a review, and no review appears while it is deleted;
//! 2. the content rows, in id order ([`lock_contents`]): every write that
//!    adds, moves or removes a review of a content holds that content's
//!    lock, so a review read *after* its content's lock is taken cannot
//!    change under the reader, and a recomputation then sees every
//!    committed review;
//! 3. the generation row, last ([`crate::generation`]).

use diesel::sql_types::{BigInt, Text};
use uuid::Uuid;

use crate::conn::AnyConn;
use crate::error::DbResult;
use crate::rows::parse_id;
use crate::sql::{Bind, Sql};

#[derive(diesel::QueryableByName)]
struct SumRow {
    #[diesel(sql_type = BigInt)]
    total: i64,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(diesel::QueryableByName)]
struct IdRow {
    #[diesel(sql_type = Text)]
    id: String,
}

/// Locks the content rows for the rest of the transaction, in id order so
/// that two writers never wait on each other crosswise. Returns those that
/// exist (a content deleted meanwhile is missing once its deleter commits).
pub fn lock_contents(conn: &mut AnyConn, contents: &[Uuid]) -> DbResult<Vec<Uuid>> {
    let mut sorted = contents.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut found = Vec::with_capacity(sorted.len());
    for id in sorted {
        let mut sql = Sql::new(conn);
        sql.push("UPDATE contents SET rating_sum = rating_sum WHERE id = ")
            .bind(id);
        if sql.execute(conn)? > 0 {
            found.push(id);
        }
    }
    Ok(found)
}

/// Takes the author's row in share mode for a review write: it waits for
/// (and then sees) a deletion of the account in progress, and holds a
/// deletion off until this write commits. `false` when the account is gone.
pub fn lock_author(conn: &mut AnyConn, user: Uuid) -> DbResult<bool> {
    lock_user(conn, user, "FOR SHARE")
}

/// Takes the user's row exclusively before the account is deleted: no
/// review of theirs is written meanwhile. `false` when it is gone.
pub fn lock_account(conn: &mut AnyConn, user: Uuid) -> DbResult<bool> {
    lock_user(conn, user, "FOR UPDATE")
}

fn lock_user(conn: &mut AnyConn, user: Uuid, mode: &'static str) -> DbResult<bool> {
    let mut sql = Sql::new(conn);
    sql.push("SELECT id FROM users WHERE id = ").bind(user);
    if matches!(conn, AnyConn::Postgresql(_)) {
        sql.push(" ").push(mode);
    }
    Ok(!sql.load::<IdRow>(conn)?.is_empty())
}

/// The sum and number of the ratings of `content`'s reviews, as committed.
pub fn rating_totals(conn: &mut AnyConn, content: Uuid) -> DbResult<(i64, i64)> {
    let mut sql = Sql::new(conn);
    sql.push(
        "SELECT CAST(COALESCE(SUM(rating), 0) AS BIGINT) AS total, CAST(COUNT(*) AS BIGINT) AS n ",
    );
    sql.push("FROM reviews WHERE content_id = ").bind(content);
    Ok(sql
        .load::<SumRow>(conn)?
        .first()
        .map_or((0, 0), |r| (r.total, r.n)))
}

/// Stores a content's rating sum, count and mean.
pub fn store_rating(
    conn: &mut AnyConn,
    content: Uuid,
    sum: i64,
    count: i64,
    mean: f64,
) -> DbResult<()> {
    let mut sql = Sql::new(conn);
    sql.push("UPDATE contents SET rating_sum = ")
        .bind(Bind::Int(sum));
    sql.push(", reviews_count = ").bind(Bind::Int(count));
    sql.push(", rating = ").bind(Bind::Float(mean));
    sql.push(" WHERE id = ").bind(content);
    sql.execute(conn)?;
    Ok(())
}

/// The contents `user` has reviewed.
pub fn contents_reviewed_by(conn: &mut AnyConn, user: Uuid) -> DbResult<Vec<Uuid>> {
    let mut sql = Sql::new(conn);
    sql.push("SELECT content_id AS id FROM reviews WHERE user_id = ")
        .bind(user);
    sql.load::<IdRow>(conn)?
        .iter()
        .map(|r| parse_id(&r.id))
        .collect()
}

/// Deletes every review by `user`.
pub fn delete_reviews_by(conn: &mut AnyConn, user: Uuid) -> DbResult<()> {
    let mut sql = Sql::new(conn);
    sql.push("DELETE FROM reviews WHERE user_id = ").bind(user);
    sql.execute(conn)?;
    Ok(())
}

/// Inserts `author`'s review with the fields of `set`; a second review of
/// the same content by the same author is refused with a unique violation
/// that [`is_second_review`] recognises.
pub fn insert_review(
    conn: &mut AnyConn,
    id: Uuid,
    now: mstream_kernel::Timestamp,
    set: &mstream_kernel::WriteSet,
    author: Uuid,
) -> DbResult<()> {
    crate::write::insert(
        conn,
        crate::tables::REVIEW.table,
        id,
        now,
        set,
        &[("user_id", Bind::from(author))],
    )
}

/// Whether `error` is the refusal of a second review of one content by one
/// author (the `(content_id, user_id)` unique index).
pub fn is_second_review(error: &crate::DbError) -> bool {
    matches!(error, crate::DbError::Unique { columns, .. } if columns.iter().any(|c| c == "user_id"))
}

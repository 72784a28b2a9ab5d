//! What the rating mean needs from the database.
//!
//! Every review write locks the content row first (an `UPDATE` of it), so on
//! PostgreSQL concurrent writers to one content queue there and each
//! recomputation reads every committed review; on SQLite the `IMMEDIATE`
//! transaction already serialises writers.

use diesel::sql_types::{BigInt, Text};
use uuid::Uuid;

use crate::conn::AnyConn;
use crate::engine::parse_id;
use crate::error::DbResult;
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
/// that two writers never wait on each other crosswise. Returns how many
/// of them exist.
pub fn lock_contents(conn: &mut AnyConn, contents: &[Uuid]) -> DbResult<usize> {
    let mut sorted = contents.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut found = 0;
    for id in sorted {
        let mut sql = Sql::new(conn);
        sql.push("UPDATE contents SET rating_sum = rating_sum WHERE id = ")
            .bind(id);
        found += sql.execute(conn)?;
    }
    Ok(found)
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

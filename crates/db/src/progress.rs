//! Watch progress (`watch_progress`): one row per user and media file,
//! replaced on each report.
//!
//! Reports are frequent (a player sends one every few seconds) and belong
//! to one user, so they are single statements outside [`crate::tx::write`]:
//! they do not move the catalog's write generation, which would empty
//! every process's read cache for a change no cached read shows.

use chrono::NaiveDateTime;
use diesel::sql_types::{BigInt, Bool, Double, Nullable, Text, Timestamp as SqlTimestamp};
use mstream_content::WatchProgress;
use mstream_kernel::{MediaFileId, Page, Timestamp, UserId};
use uuid::Uuid;

use crate::conn::AnyConn;
use crate::error::{DbError, DbResult};
use crate::rows::parse_id;
use crate::sql::{Bind, Sql};

#[derive(diesel::QueryableByName)]
struct ProgressRow {
    #[diesel(sql_type = Text)]
    user_id: String,
    #[diesel(sql_type = Text)]
    media_id: String,
    #[diesel(sql_type = Text)]
    media_name: String,
    #[diesel(sql_type = Text)]
    content_id: String,
    #[diesel(sql_type = Text)]
    content_name: String,
    #[diesel(sql_type = Double)]
    position: f64,
    #[diesel(sql_type = Nullable<Double>)]
    duration: Option<f64>,
    #[diesel(sql_type = Bool)]
    finished: bool,
    #[diesel(sql_type = SqlTimestamp)]
    updated: NaiveDateTime,
}

impl ProgressRow {
    fn into_progress(self) -> DbResult<WatchProgress> {
        Ok(WatchProgress {
            user: UserId::from_uuid(parse_id(&self.user_id)?),
            media: MediaFileId::from_uuid(parse_id(&self.media_id)?),
            media_name: self.media_name,
            content: mstream_kernel::ContentId::from_uuid(parse_id(&self.content_id)?),
            content_name: self.content_name,
            position: self.position,
            duration: self.duration,
            finished: self.finished,
            updated: Timestamp::from_naive_utc(self.updated),
        })
    }
}

#[derive(diesel::QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

const SELECT: &str = "SELECT p.user_id, p.media_id, m.name AS media_name, m.content_id, \
     c.name AS content_name, p.position, p.duration, p.finished, p.updated \
     FROM watch_progress p JOIN media_files m ON m.id = p.media_id \
     JOIN contents c ON c.id = m.content_id WHERE p.user_id = ";

/// A position to store: seconds in, the length if known, and whether that
/// counts as watched.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    /// Seconds from the start.
    pub position: f64,
    /// The media's length in seconds, when known.
    pub duration: Option<f64>,
    /// Whether it counts as watched.
    pub finished: bool,
}

/// Stores `user`'s position in `media`, replacing the previous one.
/// `Ok(false)` when there is no such media file.
pub fn record(
    conn: &mut AnyConn,
    user: UserId,
    media: Uuid,
    at: Position,
    now: Timestamp,
) -> DbResult<bool> {
    let duration = at.duration.map_or(Bind::Null, Bind::Float);
    let mut sql = Sql::new(conn);
    // `WHERE EXISTS` answers "no such media file" without a second
    // statement; SQLite needs a WHERE before an upsert's ON CONFLICT anyway.
    sql.push(
        "INSERT INTO watch_progress (user_id, media_id, position, duration, finished, updated) \
         SELECT ",
    )
    .bind(user.uuid());
    sql.push(", ").bind(media);
    sql.push(", ").bind(Bind::Float(at.position));
    // A NULL is bound as text: PostgreSQL wants it cast to the column's type.
    sql.push(", CAST(").bind(duration);
    sql.push(" AS DOUBLE PRECISION), ")
        .bind(Bind::Bool(at.finished));
    sql.push(", ").bind(Bind::Time(now.naive_utc()));
    sql.push(" WHERE EXISTS (SELECT 1 FROM media_files WHERE id = ")
        .bind(media);
    sql.push(
        ") ON CONFLICT (user_id, media_id) DO UPDATE SET position = excluded.position, \
         duration = excluded.duration, finished = excluded.finished, updated = excluded.updated",
    );
    match sql.execute(conn) {
        Ok(n) => Ok(n > 0),
        // The media file (or the user) was deleted between the check and
        // the insert.
        Err(DbError::ForeignKey(_)) => Ok(false),
        Err(other) => Err(other),
    }
}

/// `user`'s stored position in `media`, if any.
pub fn of(conn: &mut AnyConn, user: UserId, media: Uuid) -> DbResult<Option<WatchProgress>> {
    let mut sql = Sql::new(conn);
    sql.push(SELECT).bind(user.uuid());
    sql.push(" AND p.media_id = ").bind(media);
    sql.load::<ProgressRow>(conn)?
        .into_iter()
        .next()
        .map(ProgressRow::into_progress)
        .transpose()
}

/// A page of `user`'s unfinished entries, most recently watched first, and
/// how many there are in all.
pub fn continue_watching(
    conn: &mut AnyConn,
    user: UserId,
    page: Page,
) -> DbResult<(u64, Vec<WatchProgress>)> {
    let mut count = Sql::new(conn);
    count
        .push("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM watch_progress WHERE user_id = ")
        .bind(user.uuid());
    count.push(" AND finished = ").bind(Bind::Bool(false));
    let total = count.load::<CountRow>(conn)?.first().map_or(0, |r| r.n);
    let total = u64::try_from(total).unwrap_or(0);
    let page = page.resolve(total);
    if !page.exists_for(total) {
        // Past the end (a page number up to u64::MAX): nothing to read, and
        // an offset past i64 would not even bind.
        return Ok((total, Vec::new()));
    }
    let mut sql = Sql::new(conn);
    sql.push(SELECT).bind(user.uuid());
    sql.push(" AND p.finished = ").bind(Bind::Bool(false));
    // Numbers in the text, as the engine's pages: a bound LIMIT makes
    // SQLite re-prepare the cached statement on every execution.
    sql.push(" ORDER BY p.updated DESC, p.media_id")
        .push_owned(&format!(" LIMIT {} OFFSET {}", page.size, page.offset()));
    let rows = sql
        .load::<ProgressRow>(conn)?
        .into_iter()
        .map(ProgressRow::into_progress)
        .collect::<DbResult<Vec<_>>>()?;
    Ok((total, rows))
}

/// Forgets `user`'s position in `media`; `Ok(false)` when none was stored.
pub fn forget(conn: &mut AnyConn, user: UserId, media: Uuid) -> DbResult<bool> {
    let mut sql = Sql::new(conn);
    sql.push("DELETE FROM watch_progress WHERE user_id = ")
        .bind(user.uuid());
    sql.push(" AND media_id = ").bind(media);
    Ok(sql.execute(conn)? > 0)
}

//! Resumable (tus) uploads in progress: one row per upload, shared by every
//! process on the database, so that any of them can answer its `HEAD` or
//! take its next `PATCH`. Times are Unix seconds.

use diesel::sql_types::{BigInt, Nullable, Text};
use uuid::Uuid;

use crate::conn::AnyConn;
use crate::error::{DbError, DbResult};
use crate::rows::parse_id;
use crate::sql::{Bind, Sql};

/// An upload in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// Its id (also the staging file's name).
    pub id: Uuid,
    /// The admin who created it; only they see it.
    pub owner: Uuid,
    /// The content the finished file belongs to.
    pub content: Uuid,
    /// The media file whose bytes the finished file replaces, if any.
    pub media: Option<Uuid>,
    /// The media file's name.
    pub name: String,
    /// `Upload-Metadata` as the client sent it (echoed on `HEAD`).
    pub metadata: String,
    /// Bytes in all.
    pub length: i64,
    /// Bytes durably received.
    pub offset: i64,
    /// When it expires.
    pub expires_at: i64,
}

#[derive(diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    owner_id: String,
    #[diesel(sql_type = Text)]
    content_id: String,
    #[diesel(sql_type = Nullable<Text>)]
    media_id: Option<String>,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    metadata: String,
    #[diesel(sql_type = BigInt)]
    upload_length: i64,
    #[diesel(sql_type = BigInt)]
    upload_offset: i64,
    #[diesel(sql_type = BigInt)]
    expires_at: i64,
}

impl Row {
    fn into_upload(self) -> DbResult<Upload> {
        Ok(Upload {
            id: parse_id(&self.id)?,
            owner: parse_id(&self.owner_id)?,
            content: parse_id(&self.content_id)?,
            media: self.media_id.as_deref().map(parse_id).transpose()?,
            name: self.name,
            metadata: self.metadata,
            length: self.upload_length,
            offset: self.upload_offset,
            expires_at: self.expires_at,
        })
    }
}

const COLUMNS: &str = "SELECT id, owner_id, content_id, media_id, name, metadata, \
     upload_length, upload_offset, expires_at FROM resumable_uploads ";

/// Records a new upload at offset 0 (inside the caller's write transaction).
pub fn insert(conn: &mut AnyConn, upload: &Upload, now: i64) -> DbResult<()> {
    let mut sql = Sql::new(conn);
    sql.push(
        "INSERT INTO resumable_uploads (id, owner_id, content_id, media_id, name, metadata, \
         upload_length, upload_offset, expires_at, created_at) VALUES (",
    )
    .bind(upload.id)
    .push(", ")
    .bind(upload.owner)
    .push(", ")
    .bind(upload.content)
    .push(", ")
    .bind(upload.media.map_or(Bind::Null, Bind::from))
    .push(", ")
    .bind(Bind::Text(upload.name.clone()))
    .push(", ")
    .bind(Bind::Text(upload.metadata.clone()))
    .push(", ")
    .bind(Bind::Int(upload.length))
    .push(", ")
    .bind(Bind::Int(upload.offset))
    .push(", ")
    .bind(Bind::Int(upload.expires_at))
    .push(", ")
    .bind(Bind::Int(now))
    .push(")");
    sql.execute(conn)?;
    Ok(())
}

/// The upload `id`, expired or not.
pub fn get(conn: &mut AnyConn, id: Uuid) -> DbResult<Upload> {
    let mut sql = Sql::new(conn);
    sql.push(COLUMNS).push("WHERE id = ").bind(id);
    sql.load::<Row>(conn)?
        .into_iter()
        .next()
        .ok_or(DbError::NotFound)?
        .into_upload()
}

/// Moves the offset (and the expiry) of upload `id`; `false` when it is gone.
pub fn set_offset(conn: &mut AnyConn, id: Uuid, offset: i64, expires_at: i64) -> DbResult<bool> {
    let mut sql = Sql::new(conn);
    sql.push("UPDATE resumable_uploads SET upload_offset = ")
        .bind(Bind::Int(offset))
        .push(", expires_at = ")
        .bind(Bind::Int(expires_at))
        .push(" WHERE id = ")
        .bind(id);
    Ok(sql.execute(conn)? > 0)
}

/// Removes upload `id`'s row; `false` when it was already gone.
pub fn delete(conn: &mut AnyConn, id: Uuid) -> DbResult<bool> {
    let mut sql = Sql::new(conn);
    sql.push("DELETE FROM resumable_uploads WHERE id = ")
        .bind(id);
    Ok(sql.execute(conn)? > 0)
}

#[derive(diesel::QueryableByName)]
struct IdRow {
    #[diesel(sql_type = Text)]
    id: String,
}

/// The ids of the uploads that expired by `now`.
pub fn expired(conn: &mut AnyConn, now: i64) -> DbResult<Vec<Uuid>> {
    let mut sql = Sql::new(conn);
    sql.push("SELECT id FROM resumable_uploads WHERE expires_at <= ")
        .bind(Bind::Int(now));
    sql.load::<IdRow>(conn)?
        .into_iter()
        .map(|r| parse_id(&r.id))
        .collect()
}

/// Whether upload `id` has a row (expired or not).
pub fn exists(conn: &mut AnyConn, id: Uuid) -> DbResult<bool> {
    let mut sql = Sql::new(conn);
    sql.push("SELECT id FROM resumable_uploads WHERE id = ")
        .bind(id);
    Ok(!sql.load::<IdRow>(conn)?.is_empty())
}

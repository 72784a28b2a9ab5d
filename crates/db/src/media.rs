//! What the media use cases need from the database, named for what they
//! mean: the service passes a stored file's facts, never a column.

use std::collections::HashSet;

use diesel::sql_types::Text;
use uuid::Uuid;

use mstream_kernel::{Record, Timestamp, WriteSet};

use crate::conn::AnyConn;
use crate::error::DbResult;
use crate::sql::{Bind, Sql};
use crate::tables;
use crate::write;

/// The facts of bytes the server stored for a media file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// The name the server chose, relative to the media root.
    pub name: String,
    /// Length in bytes.
    pub size: u64,
    /// The sniffed media type.
    pub mime_type: String,
    /// Lower-case hex SHA-256 of the bytes.
    pub sha256: String,
}

impl StoredFile {
    fn columns(&self) -> [(&'static str, Bind); 4] {
        [
            ("file", Bind::Text(self.name.clone())),
            (
                "size",
                Bind::Int(i64::try_from(self.size).unwrap_or(i64::MAX)),
            ),
            ("mime_type", Bind::Text(self.mime_type.clone())),
            ("sha256", Bind::Text(self.sha256.clone())),
        ]
    }
}

/// Inserts a media file with the fields of `set` and the stored bytes'
/// facts.
pub fn insert_media_file(
    conn: &mut AnyConn,
    id: Uuid,
    now: Timestamp,
    set: &WriteSet,
    file: &StoredFile,
) -> DbResult<()> {
    write::insert(
        conn,
        tables::MEDIA_FILE.table,
        id,
        now,
        set,
        &file.columns(),
    )
}

/// Updates a media file's fields, and its bytes' facts when new bytes
/// were stored.
pub fn update_media_file(
    conn: &mut AnyConn,
    id: Uuid,
    now: Timestamp,
    set: &WriteSet,
    file: Option<&StoredFile>,
) -> DbResult<()> {
    let columns = file.map(StoredFile::columns);
    let extra = columns.as_ref().map_or(&[][..], |c| &c[..]);
    write::update(conn, tables::MEDIA_FILE.table, id, now, set, extra)
}

#[derive(diesel::QueryableByName)]
struct FileRow {
    #[diesel(sql_type = Text)]
    file: String,
}

/// The stored names of every media file's bytes, read in one query (the
/// orphan sweep compares a listing of the stored-media folder with them).
pub fn stored_names(conn: &mut AnyConn) -> DbResult<HashSet<String>> {
    let mut sql = Sql::new(conn);
    sql.push("SELECT file FROM media_files");
    Ok(sql
        .load::<FileRow>(conn)?
        .into_iter()
        .map(|row| row.file)
        .collect())
}

/// The media files of a content.
pub fn media_files_of(conn: &mut AnyConn, content: Uuid) -> DbResult<Vec<Record>> {
    tables::MEDIA_FILE.by(conn, "content_id", &[content])
}

/// The artist credits (artist, name, role) of a content.
pub fn credits_of(conn: &mut AnyConn, content: Uuid) -> DbResult<Vec<Record>> {
    tables::RELATION.by(conn, "content_id", &[content])
}

/// Whether `user` holds any subscription.
pub fn is_subscribed(conn: &mut AnyConn, user: Uuid) -> DbResult<bool> {
    Ok(!tables::SUBSCRIPTION
        .by(conn, "user_id", &[user])?
        .is_empty())
}

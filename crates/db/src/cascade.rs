//! What a delete takes with it beyond the rows the schema cascades.

use uuid::Uuid;

use crate::conn::AnyConn;
use crate::engine::column_values;
use crate::error::DbResult;
use crate::sql::Sql;

#[derive(diesel::QueryableByName)]
struct FileRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    file: String,
}

/// Stored paths (relative to the media root) of the media files whose rows
/// deleting entity `id` of resource `resource` removes, so their bytes can
/// be removed after the commit.
pub fn media_files_doomed_by(
    conn: &mut AnyConn,
    resource: &str,
    id: Uuid,
) -> DbResult<Vec<String>> {
    match resource {
        "conmediafile" => column_values(conn, "media_files", "file", "id", &[id]),
        "contents" => column_values(conn, "media_files", "file", "content_id", &[id]),
        "contype" => {
            let mut sql = Sql::new(conn);
            sql.push(
                "SELECT m.file AS file FROM media_files m JOIN contents c ON c.id = m.content_id ",
            );
            sql.push("WHERE c.type_id = ").bind(id);
            Ok(sql
                .load::<FileRow>(conn)?
                .into_iter()
                .map(|r| r.file)
                .collect())
        }
        _ => Ok(Vec::new()),
    }
}

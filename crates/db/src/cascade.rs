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

/// What deleting one entity removes of one resource: how many, and the
/// first few names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed {
    /// The resource's name as in its path.
    pub resource: &'static str,
    /// How many of its entities go.
    pub count: u64,
    /// The first [`PREVIEW_NAMES`] names, in creation order.
    pub names: Vec<String>,
}

/// How many names a [`Removed`] carries.
pub const PREVIEW_NAMES: usize = 5;

/// One resource a delete cascades to: its path name, table, a name for
/// each row (an SQL expression over `t`), and the condition that picks the
/// rows cascading from the deleted entity, ending where its id is bound.
struct Cascade {
    resource: &'static str,
    table: &'static str,
    label: &'static str,
    picks: &'static str,
}

const CREDIT: &str =
    "(SELECT a.name FROM artists a WHERE a.id = t.artist_id) || ' (' || t.relation || ')'";
const REVIEWER: &str = "(SELECT u.username FROM users u WHERE u.id = t.user_id) || ': ' || t.title";
const SUBSCRIBER: &str = "(SELECT u.username FROM users u WHERE u.id = t.user_id)";

/// The entities (not link rows) the schema's `ON DELETE CASCADE` removes
/// with an entity of `resource`, resource by resource.
fn cascades(resource: &str) -> &'static [Cascade] {
    const OF_TYPE: &str = "t.content_id IN (SELECT c.id FROM contents c WHERE c.type_id = ";
    match resource {
        "contype" => &[
            Cascade {
                resource: "contents",
                table: "contents",
                label: "t.name",
                picks: "t.type_id = ",
            },
            Cascade {
                resource: "conmediafile",
                table: "media_files",
                label: "t.name",
                picks: OF_TYPE,
            },
            Cascade {
                resource: "artconrelation",
                table: "artist_content_relations",
                label: CREDIT,
                picks: OF_TYPE,
            },
            Cascade {
                resource: "reviews",
                table: "reviews",
                label: REVIEWER,
                picks: OF_TYPE,
            },
        ],
        "contents" => &[
            Cascade {
                resource: "conmediafile",
                table: "media_files",
                label: "t.name",
                picks: "t.content_id = ",
            },
            Cascade {
                resource: "artconrelation",
                table: "artist_content_relations",
                label: CREDIT,
                picks: "t.content_id = ",
            },
            Cascade {
                resource: "reviews",
                table: "reviews",
                label: REVIEWER,
                picks: "t.content_id = ",
            },
        ],
        "artists" => &[Cascade {
            resource: "artconrelation",
            table: "artist_content_relations",
            label: CREDIT,
            picks: "t.artist_id = ",
        }],
        "submodels" => &[Cascade {
            resource: "submap",
            table: "subscriptions",
            label: SUBSCRIBER,
            picks: "t.plan_id = ",
        }],
        _ => &[],
    }
}

#[derive(diesel::QueryableByName)]
struct CountRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[derive(diesel::QueryableByName)]
struct LabelRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    label: String,
}

/// What deleting entity `id` of `resource` would remove beyond the entity
/// itself (the same cascades [`crate::write::delete`] sets off), resource
/// by resource; resources it would not touch are left out.
pub fn delete_preview(conn: &mut AnyConn, resource: &str, id: Uuid) -> DbResult<Vec<Removed>> {
    let mut removed = Vec::new();
    for cascade in cascades(resource) {
        let nested = cascade.picks.contains(" IN (");
        let mut count = Sql::new(conn);
        count
            .push("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM ")
            .push(cascade.table)
            .push(" t WHERE ")
            .push(cascade.picks)
            .bind(id);
        if nested {
            count.push(")");
        }
        let n = count
            .load::<CountRow>(conn)?
            .first()
            .map_or(0, |r| r.n.max(0) as u64);
        if n == 0 {
            continue;
        }
        let mut names = Sql::new(conn);
        names
            .push("SELECT COALESCE(")
            .push(cascade.label)
            .push(", t.id) AS label FROM ")
            .push(cascade.table)
            .push(" t WHERE ")
            .push(cascade.picks)
            .bind(id);
        if nested {
            names.push(")");
        }
        names.push_owned(&format!(
            " ORDER BY t.created ASC, t.id ASC LIMIT {PREVIEW_NAMES}"
        ));
        removed.push(Removed {
            resource: cascade.resource,
            count: n,
            names: names
                .load::<LabelRow>(conn)?
                .into_iter()
                .map(|r| r.label)
                .collect(),
        });
    }
    Ok(removed)
}

//! Keeping derived columns true on every write: after a write of one
//! table, the rows elsewhere whose search text and read model name what
//! was written are rewritten in the same transaction ([`after_write`]),
//! and after a bulk load every such row is ([`refresh_all`]).
//!
//! Which writes feed which rows is derived from the declarations: a table
//! feeds a searched table when one of the latter's searchable fields links
//! to it or refers to it.

use uuid::Uuid;

use crate::conn::AnyConn;
use crate::error::DbResult;
use crate::rows::{parse_id, IdRow};
use crate::search::refresh;
use crate::sql::Sql;
use crate::table::Table;
use crate::tables;

/// The tables that keep a [`SearchText`].
fn searched_tables() -> [&'static Table; 1] {
    [tables::CONTENT.table]
}

/// Rewrites the search text of every row of every table that keeps one
/// (after a bulk load that bypassed the engine's writes).
pub fn refresh_all(conn: &mut AnyConn) -> DbResult<()> {
    for table in searched_tables() {
        if let Some(search) = &table.search_text {
            refresh(conn, table, search, None)?;
        }
    }
    Ok(())
}

/// The rows whose search text names entity `id` of `written`: for each
/// table keeping a search text, the ids of its rows that link to or refer
/// to that entity through a searchable field.
pub(crate) fn rows_naming(
    conn: &mut AnyConn,
    written: &Table,
    id: Uuid,
) -> DbResult<Vec<(&'static Table, Vec<Uuid>)>> {
    let mut found = Vec::new();
    if !feeds_search(written) {
        return Ok(found);
    }
    for table in searched_tables() {
        if table.search_text.is_none() {
            continue;
        }
        let mut owners: Vec<Uuid> = Vec::new();
        for field in table.resource.searchable() {
            let (from, owner, target) = if let Some(link) = table.link(field.name) {
                if link.label.table != written.name {
                    continue;
                }
                (link.table, link.owner, link.target)
            } else if let Some(column) = table.column(field.name) {
                match column.refers {
                    Some(label) if label.table == written.name => (table.name, "id", column.column),
                    _ => continue,
                }
            } else {
                continue;
            };
            let mut sql = Sql::new(conn);
            sql.push("SELECT ")
                .push(owner)
                .push(" AS id FROM ")
                .push(from)
                .push(" WHERE ")
                .push(target)
                .push(" = ")
                .bind(id);
            for row in sql.load::<IdRow>(conn)? {
                owners.push(parse_id(&row.id)?);
            }
        }
        if !owners.is_empty() {
            owners.sort_unstable();
            owners.dedup();
            found.push((table, owners));
        }
    }
    Ok(found)
}

/// Rewrites the search texts that a write of `written` may have changed:
/// that of the row `own` (inserted or updated; `None` after a delete), and
/// those of the rows in `naming` (from [`rows_naming`], read before a
/// delete removed the links).
pub(crate) fn after_write(
    conn: &mut AnyConn,
    written: &Table,
    own: Option<Uuid>,
    naming: Vec<(&'static Table, Vec<Uuid>)>,
) -> DbResult<()> {
    if let (Some(search), Some(id)) = (&written.search_text, own) {
        refresh(conn, written, search, Some(&[id]))?;
    }
    for (table, ids) in naming {
        if let Some(search) = &table.search_text {
            refresh(conn, table, search, Some(&ids))?;
        }
    }
    Ok(())
}

/// Whether any table's search text names entities of `table`.
fn feeds_search(table: &Table) -> bool {
    searched_tables().iter().any(|searched| {
        searched.search_text.is_some()
            && searched.resource.searchable().any(|field| {
                searched
                    .link(field.name)
                    .map(|link| link.label.table)
                    .or_else(|| {
                        searched
                            .column(field.name)
                            .and_then(|c| c.refers)
                            .map(|label| label.table)
                    })
                    == Some(table.name)
            })
    })
}

//! A table's denormalised search text ([`SearchText`]): what a `?search=`
//! term is matched against, and the statement that rewrites it. Which rows
//! a write makes stale is [`crate::upkeep`]'s.
//!
//! A content is found by the names of its genres, cast, tags and type as
//! well as by its own text. Matching each term against every relation at
//! query time (a `UNION` of joins per term) cost 50–160 ms a term at 100,000
//! contents, so the row instead carries all of that text in one column with
//! one trigram index, and a term is one index probe. The engine rewrites the
//! column in the same transaction as any write that changes what it holds:
//! the row's own writes, and renames and deletes of the entities it names.

use uuid::Uuid;

use crate::conn::AnyConn;
use crate::error::DbResult;
use crate::read_model;
use crate::sql::{contains_pattern, Bind, Sql};
use crate::table::{SearchText, Table};

/// Appends the condition "every one of `terms` appears in the row's search
/// text" for the row aliased `t`; `and` writes the `WHERE`/`AND` before
/// each condition.
pub(crate) fn push_terms(
    sql: &mut Sql,
    search: &SearchText,
    terms: &[String],
    and: &mut dyn FnMut(&mut Sql),
) {
    // On SQLite, FTS5's trigram index answers a quoted phrase of three or
    // more characters as a case-insensitive substring, from the index alone
    // (LIKE through the index also read every candidate row to check it:
    // 27 ms instead of 1 ms for a term in 13,000 of 100,000 contents). All
    // such terms go into one MATCH, ANDed; shorter ones scan.
    let (indexed, scanned): (Vec<&String>, Vec<&String>) = terms
        .iter()
        .partition(|term| !sql.is_postgres() && term.chars().count() >= 3);
    if !indexed.is_empty() {
        let query: Vec<String> = indexed
            .iter()
            .map(|term| format!("\"{}\"", term.replace('"', "\"\"")))
            .collect();
        and(sql);
        sql.push("t.rowid IN (SELECT rowid FROM ")
            .push(search.fts)
            .push(" WHERE ")
            .push(search.fts)
            .push(" MATCH ")
            .bind(Bind::Text(query.join(" ")))
            .push(")");
    }
    // PostgreSQL's trigram GIN index on lower(column) serves LIKE itself.
    for term in scanned {
        and(sql);
        sql.push("lower(t.")
            .push(search.column)
            .push(") LIKE ")
            .bind(Bind::Text(contains_pattern(term)))
            .push(" ESCAPE '\\'");
    }
}

/// The SQL expression computing the search text of a row of `table` (named
/// by its table name, as in an `UPDATE`): its searchable text columns and
/// the labels of the searchable entities it refers to, space-separated (a
/// term never holds a space, so it cannot match across two of them).
fn text_expression(table: &Table, postgres: bool) -> String {
    let aggregate = |column: &str| {
        if postgres {
            format!("string_agg(x.{column}, ' ')")
        } else {
            format!("group_concat(x.{column}, ' ')")
        }
    };
    let mut parts: Vec<String> = Vec::new();
    for field in table.resource.searchable() {
        if let Some(link) = table.link(field.name) {
            parts.push(format!(
                "COALESCE((SELECT {} FROM {} l JOIN {} x ON x.id = l.{} WHERE l.{} = {}.id), '')",
                aggregate(link.label.column),
                link.table,
                link.label.table,
                link.target,
                link.owner,
                table.name,
            ));
        } else if let Some(column) = table.column(field.name) {
            match column.refers {
                Some(label) => parts.push(format!(
                    "COALESCE((SELECT x.{} FROM {} x WHERE x.id = {}.{}), '')",
                    label.column, label.table, table.name, column.column,
                )),
                None => parts.push(format!("{}.{}", table.name, column.column)),
            }
        }
    }
    if parts.is_empty() {
        return "''".to_owned();
    }
    parts.join(" || ' ' || ")
}

/// Rewrites the search text of the rows of `table` with these ids, or of
/// every row when `ids` is `None`.
pub(crate) fn refresh(
    conn: &mut AnyConn,
    table: &Table,
    search: &SearchText,
    ids: Option<&[Uuid]>,
) -> DbResult<()> {
    if ids.is_some_and(<[Uuid]>::is_empty) {
        return Ok(());
    }
    let mut sql = Sql::new(conn);
    let expression = text_expression(table, sql.is_postgres());
    let model = read_model::expression(table, sql.is_postgres());
    sql.push("UPDATE ")
        .push(table.name)
        .push(" SET ")
        .push(search.column)
        .push(" = ")
        .push_owned(&expression);
    // The read model names the same relations: the same writes change it.
    if let (Some(column), Some(model)) = (table.read_model, model) {
        sql.push(", ").push(column).push(" = ").push_owned(&model);
    }
    if let Some(ids) = ids {
        sql.push(" WHERE id IN ").bind_in(ids.iter().copied());
    }
    sql.execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::text_expression;
    use crate::tables;

    #[test]
    fn contents_search_text_holds_own_text_and_every_named_relation() {
        let sqlite = text_expression(tables::CONTENT.table, false);
        for piece in [
            "contents.name",
            "contents.about",
            "group_concat(x.name, ' ') FROM content_genres",
            "group_concat(x.name, ' ') FROM content_cast",
            "group_concat(x.name, ' ') FROM content_tags",
            "SELECT x.type FROM content_types x WHERE x.id = contents.type_id",
        ] {
            assert!(sqlite.contains(piece), "{piece} missing from {sqlite}");
        }
        let postgres = text_expression(tables::CONTENT.table, true);
        assert!(postgres.contains("string_agg(x.name, ' ') FROM content_cast"));
        assert!(!postgres.contains("group_concat"));
    }
}

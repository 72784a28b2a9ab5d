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

/// How a page statement reaches the rows whose search text matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// Read every match by rowid, then sort them all: the cheaper way for
    /// few matches (and the only one a count needs).
    ByMatch,
    /// Walk the index of the ordering and keep the rows that are in the
    /// set of matches, stopping after the page: the cheaper way for many
    /// matches. At 100,000 contents, a page of a term in 13,000 of them
    /// took 26 ms by match (13,000 rows read and sorted) and 5 ms by order.
    ByOrder,
}

/// The FTS5 query for the terms that the trigram index serves (three or
/// more characters), ANDed, each a quoted phrase; `None` on PostgreSQL.
fn indexed_terms<'t>(sql: &Sql, terms: &'t [String]) -> (Option<String>, Vec<&'t String>) {
    // On SQLite, FTS5's trigram index answers a quoted phrase of three or
    // more characters as a case-insensitive substring, from the index alone
    // (LIKE through the index also read every candidate row to check it:
    // 27 ms instead of 1 ms for a term in 13,000 of 100,000 contents). All
    // such terms go into one MATCH, ANDed; shorter ones scan.
    let (indexed, scanned): (Vec<&String>, Vec<&String>) = terms
        .iter()
        .partition(|term| !sql.is_postgres() && term.chars().count() >= 3);
    let query = (!indexed.is_empty()).then(|| {
        indexed
            .iter()
            .map(|term| format!("\"{}\"", term.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" ")
    });
    (query, scanned)
}

/// `SELECT COUNT(*) … FROM <fts> WHERE <fts> MATCH …`, with `extra` (more
/// columns) after the count, when the index alone can count the rows that
/// match every one of `terms`: on SQLite with every term indexed. Counting
/// from the index skips reading each matching row of the table (25 ms
/// instead of 3–8 ms for 13,000 of 100,000 contents); the index holds
/// exactly the table's rows (its triggers keep it), so the count is the
/// same. False, with `sql` untouched, when it cannot.
pub(crate) fn push_index_count(
    sql: &mut Sql,
    search: &SearchText,
    terms: &[String],
    extra: &'static str,
) -> bool {
    let (Some(query), scanned) = indexed_terms(sql, terms) else {
        return false;
    };
    if !scanned.is_empty() {
        return false;
    }
    sql.push("SELECT CAST(COUNT(*) AS BIGINT) AS n").push(extra);
    push_match(sql, search, query);
    true
}

/// ` FROM <fts> WHERE <fts> MATCH ?`: the index's rows that hold `query`.
fn push_match(sql: &mut Sql, search: &SearchText, query: String) {
    sql.push(" FROM ")
        .push(search.fts)
        .push(" WHERE ")
        .push(search.fts)
        .push(" MATCH ")
        .bind(Bind::Text(query));
}

/// Appends the condition "every one of `terms` appears in the row's search
/// text" for the row aliased `t`, reaching the rows as `reach` says; `and`
/// writes the `WHERE`/`AND` before each condition.
pub(crate) fn push_terms(
    sql: &mut Sql,
    search: &SearchText,
    terms: &[String],
    reach: Reach,
    and: &mut dyn FnMut(&mut Sql),
) {
    let (indexed, scanned) = indexed_terms(sql, terms);
    if let Some(query) = indexed {
        and(sql);
        // The unary `+` keeps SQLite from looking the matches up by rowid,
        // so it walks the ordering's index instead.
        sql.push(match reach {
            Reach::ByMatch => "t.rowid IN (SELECT rowid",
            Reach::ByOrder => "+t.rowid IN (SELECT rowid",
        });
        push_match(sql, search, query);
        sql.push(")");
    }
    // PostgreSQL's trigram GIN index on the (folded) column serves LIKE
    // itself; SQLite scans for terms shorter than a trigram.
    for term in scanned {
        and(sql);
        if sql.is_postgres() {
            sql.push("t.").push(search.column);
        } else {
            sql.push("lower(t.").push(search.column).push(")");
        }
        sql.push(" LIKE ")
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
    let text = parts.join(" || ' ' || ");
    // PostgreSQL stores it folded, and matches the column itself: computing
    // lower() per row in the query made the planner scan every row rather
    // than use the trigram index (migration 000011). SQLite's FTS5 trigram
    // index folds case itself.
    if postgres {
        format!("lower({text})")
    } else {
        text
    }
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
        assert!(postgres.starts_with("lower("), "stored folded: {postgres}");
        assert!(!sqlite.starts_with("lower("));
    }
}

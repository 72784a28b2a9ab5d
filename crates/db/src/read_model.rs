//! A table's read model ([`Table::read_model`]): every derived field of a
//! row — the ids and labels of its many-to-many relations, the labels of
//! the entities it refers to — kept as JSON in a column of the row itself,
//! so that a list page is one indexed statement and a detail one
//! primary-key read, with no relation statement beside them.
//!
//! It is written in the same UPDATE, in the same write transaction, as the
//! search text ([`crate::search`]), so the machinery that decides which
//! writes refresh the search text (the row's own writes; renames and
//! deletes of the entities it names) keeps it true too. Only relations the
//! search text also covers may be held: the read model is offered only
//! when every derived field is a link or label of a searchable field, and
//! only for tables without reverse relations (nothing would refresh them).
//!
//! Encoding: a JSON array with one element per [`Table::links`] entry (an
//! array of `[target id, label]` pairs, ordered by label then id, as the
//! relation statement orders them), then one per `LabelOf` derive (the
//! label or `null`).

use mstream_kernel::{FieldValue, Record};

use crate::error::{DbError, DbResult};
use crate::rows::parse_id;
use crate::table::{Derive, Table};

/// Whether `table`'s derived fields can all be kept in its read model.
pub(crate) fn supported(table: &Table) -> bool {
    let searchable = |field: &str| table.resource.searchable().any(|f| f.name == field);
    table.read_model.is_some()
        && table.search_text.is_some()
        && table.links.iter().all(|link| searchable(link.field))
        && table.derived.iter().all(|derive| match *derive {
            Derive::LabelOf { of, .. } => {
                searchable(of) && table.column(of).is_some_and(|c| c.refers.is_some())
            }
            Derive::Reverse { .. } => false,
        })
}

/// Whether the read model of `table`'s rows can be computed as they are
/// read, without a stored column: tables whose derived fields are only
/// labels of references (a review's `content_name`), one correlated
/// primary-key lookup per row instead of a statement per page.
fn computable(table: &Table) -> bool {
    table.read_model.is_none()
        && table.links.is_empty()
        && !table.derived.is_empty()
        && table.derived.iter().all(|derive| match *derive {
            Derive::LabelOf { of, .. } => table.column(of).is_some_and(|c| c.refers.is_some()),
            Derive::Reverse { .. } => false,
        })
}

/// Whether reads of `table` take derived fields from a read model (stored
/// or computed), when the row type reads one.
pub(crate) fn usable(table: &Table) -> bool {
    supported(table) || computable(table)
}

/// What a page's `SELECT` adds (after its columns, aliased `read_model`)
/// for the row alias `t`: the stored column, or the model computed.
pub(crate) fn select(table: &Table, postgres: bool) -> Option<String> {
    match table.read_model {
        Some(column) if supported(table) => Some(format!("t.{column}")),
        _ if computable(table) => Some(build(table, "t", postgres)),
        _ => None,
    }
}

/// The SQL expression computing the read model of a row of `table` (named
/// by its table name, as in an `UPDATE`), or `None` when it keeps none.
pub(crate) fn expression(table: &Table, postgres: bool) -> Option<String> {
    supported(table).then(|| build(table, table.name, postgres))
}

/// The read model of the row named `owner` (its table name or alias).
fn build(table: &Table, owner: &str, postgres: bool) -> String {
    let mut parts: Vec<String> = Vec::new();
    for link in table.links {
        let (target, label) = (
            format!("l.{}", link.target),
            format!("x.{}", link.label.column),
        );
        let aggregate = if postgres {
            format!(
                "json_agg(json_build_array({target}, {label}) ORDER BY {label}, {target})::text"
            )
        } else {
            format!("json_group_array(json_array({target}, {label}) ORDER BY {label}, {target})")
        };
        parts.push(format!(
            "COALESCE((SELECT {aggregate} FROM {} l JOIN {} x ON x.id = l.{} WHERE l.{} = {owner}.id), '[]')",
            link.table, link.label.table, link.target, link.owner,
        ));
    }
    for derive in table.derived {
        if let Derive::LabelOf { of, .. } = *derive {
            let Some((column, label)) = table.column(of).and_then(|c| c.refers.map(|l| (c, l)))
            else {
                continue;
            };
            let quoted = if postgres {
                format!("to_json(x.{})::text", label.column)
            } else {
                format!("json_quote(x.{})", label.column)
            };
            parts.push(format!(
                "COALESCE((SELECT {quoted} FROM {} x WHERE x.id = {owner}.{}), 'null')",
                label.table, column.column,
            ));
        }
    }
    format!("'[' || {} || ']'", parts.join(" || ',' || "))
}

fn corrupt(what: &str) -> DbError {
    DbError::Corrupt(format!("bad read model: {what}"))
}

/// Sets every derived field of `record` from its read model `json`.
pub(crate) fn apply(table: &Table, record: &mut Record, json: &str) -> DbResult<()> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| corrupt(&e.to_string()))?;
    let mut parts = value
        .as_array()
        .ok_or_else(|| corrupt("not an array"))?
        .iter();
    for link in table.links {
        let pairs = parts
            .next()
            .and_then(serde_json::Value::as_array)
            .ok_or_else(|| corrupt(link.field))?;
        let mut ids = Vec::with_capacity(pairs.len());
        let mut labels = Vec::with_capacity(pairs.len());
        for pair in pairs {
            match pair.as_array().map(Vec::as_slice) {
                Some([serde_json::Value::String(id), serde_json::Value::String(label)]) => {
                    ids.push(parse_id(id)?);
                    labels.push(label.clone());
                }
                _ => return Err(corrupt(link.field)),
            }
        }
        record.set(link.field, FieldValue::Ids(ids));
        record.set(link.names, FieldValue::Texts(labels));
    }
    for derive in table.derived {
        if let Derive::LabelOf { field, .. } = *derive {
            let value = match parts.next() {
                Some(serde_json::Value::String(label)) => FieldValue::Text(label.clone()),
                Some(serde_json::Value::Null) => FieldValue::Null,
                _ => return Err(corrupt(field)),
            };
            record.set(field, value);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{expression, select, supported};
    use crate::tables;

    #[test]
    fn contents_read_model_holds_every_relation_in_the_statement_order() {
        let table = tables::CONTENT.table;
        assert!(supported(table));
        let sqlite = expression(table, false).unwrap_or_default();
        for piece in [
            "json_array(l.genre_id, x.name) ORDER BY x.name, l.genre_id",
            "FROM content_cast l JOIN artists x",
            "FROM content_tags l JOIN parental_control_tags x",
            "json_quote(x.type) FROM content_types x WHERE x.id = contents.type_id",
        ] {
            assert!(sqlite.contains(piece), "{piece} missing from {sqlite}");
        }
        let postgres = expression(table, true).unwrap_or_default();
        assert!(postgres.contains("json_agg(json_build_array(l.artist_id, x.name)"));
        assert!(expression(tables::REVIEW.table, false).is_none());
        assert_eq!(
            select(tables::REVIEW.table, false).unwrap_or_default(),
            "'[' || COALESCE((SELECT json_quote(x.name) FROM contents x WHERE x.id = t.content_id), 'null') || ']'"
        );
        assert_eq!(select(table, true).unwrap_or_default(), "t.read_model");
    }
}

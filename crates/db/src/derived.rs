//! Derived fields loaded in batches: many-to-many ids and names, labels
//! of references, reverse relations — for a page of records at once.

use std::collections::HashMap;

use diesel::sql_types::{Integer, Text};
use diesel::QueryableByName;
use mstream_kernel::{FieldValue, Record};
use uuid::Uuid;

use crate::conn::AnyConn;
use crate::error::DbResult;
use crate::rows::parse_id;
use crate::sql::Sql;
use crate::table::{Derive, Label, Link, Table};

/// One relation that [`attach_derived`] reads.
enum Relation {
    Link(&'static Link),
    LabelOf {
        field: &'static str,
        of: &'static str,
        label: Label,
    },
    Reverse {
        field: &'static str,
        from: &'static str,
        owner: &'static str,
        label: &'static str,
    },
}

#[derive(QueryableByName)]
struct DerivedRow {
    #[diesel(sql_type = Integer)]
    k: i32,
    #[diesel(sql_type = Text)]
    owner: String,
    #[diesel(sql_type = Text)]
    target: String,
    #[diesel(sql_type = Text)]
    label: String,
}

/// Loads every derived field of `records` — many-to-many ids and names,
/// labels of references, reverse relations — in ONE statement: a `UNION
/// ALL` with a branch per relation, tagged `k`. (A statement per relation
/// cost a round trip each: on PostgreSQL the round trip, not the query, is
/// most of a detail's time.)
pub fn attach_derived(conn: &mut AnyConn, table: &Table, records: &mut [Record]) -> DbResult<()> {
    if records.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = records.iter().filter_map(Record::id).collect();
    let relations: Vec<Relation> = table
        .links
        .iter()
        .map(Relation::Link)
        .chain(table.derived.iter().filter_map(|derive| {
            match *derive {
                Derive::LabelOf { field, of } => table
                    .column(of)
                    .and_then(|c| c.refers)
                    .map(|label| Relation::LabelOf { field, of, label }),
                Derive::Reverse {
                    field,
                    from,
                    owner,
                    label,
                } => Some(Relation::Reverse {
                    field,
                    from,
                    owner,
                    label,
                }),
            }
        }))
        .collect();
    if !relations.is_empty() {
        let mut sql = Sql::new(conn);
        for (k, relation) in relations.iter().enumerate() {
            if k > 0 {
                sql.push(" UNION ALL ");
            }
            sql.push_owned(&format!("SELECT {k} AS k, "));
            push_relation(&mut sql, relation, records, &ids);
        }
        sql.push(" ORDER BY k, label, target");
        let mut rows: Vec<Vec<DerivedRow>> = relations.iter().map(|_| Vec::new()).collect();
        for row in sql.load::<DerivedRow>(conn)? {
            if let Some(branch) = usize::try_from(row.k).ok().and_then(|k| rows.get_mut(k)) {
                branch.push(row);
            }
        }
        for (relation, rows) in relations.iter().zip(rows) {
            apply_relation(relation, rows, records)?;
        }
    }
    let order = table.field_order();
    for record in records.iter_mut() {
        record.reorder(&order);
    }
    Ok(())
}

/// One branch's `owner, target, label FROM …` (after `SELECT k,`).
fn push_relation(sql: &mut Sql, relation: &Relation, records: &[Record], ids: &[Uuid]) {
    match *relation {
        Relation::Link(link) => {
            sql.push("l.")
                .push(link.owner)
                .push(" AS owner, l.")
                .push(link.target);
            sql.push(" AS target, x.")
                .push(link.label.column)
                .push(" AS label FROM ")
                .push(link.table);
            sql.push(" l JOIN ")
                .push(link.label.table)
                .push(" x ON x.id = l.")
                .push(link.target);
            sql.push(" WHERE l.")
                .push(link.owner)
                .push(" IN ")
                .bind_in(ids.iter().copied());
        }
        Relation::LabelOf { of, label, .. } => {
            let targets: Vec<Uuid> = records
                .iter()
                .filter_map(|r| match r.get(of) {
                    Some(FieldValue::Id(id)) => Some(*id),
                    _ => None,
                })
                .collect();
            sql.push("id AS owner, '' AS target, ")
                .push(label.column)
                .push(" AS label FROM ");
            sql.push(label.table)
                .push(" WHERE id IN ")
                .bind_in(dedup(targets));
        }
        Relation::Reverse {
            from, owner, label, ..
        } => {
            sql.push(owner)
                .push(" AS owner, '' AS target, ")
                .push(label)
                .push(" AS label FROM ");
            sql.push(from)
                .push(" WHERE ")
                .push(owner)
                .push(" IN ")
                .bind_in(ids.iter().copied());
        }
    }
}

/// Sets one relation's field(s) on every record from its (ordered) rows.
fn apply_relation(
    relation: &Relation,
    rows: Vec<DerivedRow>,
    records: &mut [Record],
) -> DbResult<()> {
    let key = |record: &Record| {
        record
            .id()
            .map(|id| id.hyphenated().to_string())
            .unwrap_or_default()
    };
    match *relation {
        Relation::Link(link) => {
            let mut by_owner: HashMap<String, (Vec<Uuid>, Vec<String>)> = HashMap::new();
            for row in rows {
                let entry = by_owner.entry(row.owner).or_default();
                entry.0.push(parse_id(&row.target)?);
                entry.1.push(row.label);
            }
            for record in records.iter_mut() {
                let (targets, labels) = by_owner.remove(&key(record)).unwrap_or_default();
                record.set(link.field, FieldValue::Ids(targets));
                record.set(link.names, FieldValue::Texts(labels));
            }
        }
        Relation::LabelOf { field, of, .. } => {
            let labels: HashMap<String, String> =
                rows.into_iter().map(|r| (r.owner, r.label)).collect();
            for record in records.iter_mut() {
                let value = match record.get(of) {
                    Some(FieldValue::Id(id)) => labels
                        .get(&id.hyphenated().to_string())
                        .map_or(FieldValue::Null, |l| FieldValue::Text(l.clone())),
                    _ => FieldValue::Null,
                };
                record.set(field, value);
            }
        }
        Relation::Reverse { field, .. } => {
            let mut by_owner: HashMap<String, Vec<String>> = HashMap::new();
            for row in rows {
                by_owner.entry(row.owner).or_default().push(row.label);
            }
            for record in records.iter_mut() {
                let labels = by_owner.remove(&key(record)).unwrap_or_default();
                record.set(field, FieldValue::Texts(labels));
            }
        }
    }
    Ok(())
}

fn dedup(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

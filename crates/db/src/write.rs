//! Writes of a resource's entities: its columns, its link tables, and the
//! derived columns that name it elsewhere ([`crate::upkeep`]), all in the
//! caller's transaction; and the existence check of what a write refers to.

use mstream_kernel::{FieldErrors, Timestamp, Value, WriteSet};
use uuid::Uuid;

use crate::conn::AnyConn;
use crate::error::{DbError, DbResult};
use crate::rows::IdRow;
use crate::sql::{Bind, Sql};
use crate::table::Table;
use crate::tables::Repo;
use crate::upkeep;

impl Repo {
    /// Field errors for every id `set` refers to that does not exist.
    pub fn missing_references(&self, conn: &mut AnyConn, set: &WriteSet) -> DbResult<FieldErrors> {
        missing_references(conn, self.table, set)
    }

    /// Stores a new entity with the values of `set`, created and updated
    /// at `now`.
    pub fn insert(
        &self,
        conn: &mut AnyConn,
        id: Uuid,
        now: Timestamp,
        set: &WriteSet,
    ) -> DbResult<()> {
        insert(conn, self.table, id, now, set, &[])
    }

    /// Writes the values `set` carries, and `updated` at `now`.
    pub fn update(
        &self,
        conn: &mut AnyConn,
        id: Uuid,
        now: Timestamp,
        set: &WriteSet,
    ) -> DbResult<()> {
        update(conn, self.table, id, now, set, &[])
    }

    /// Deletes one entity; the schema's cascades remove what depends on it.
    pub fn delete(&self, conn: &mut AnyConn, id: Uuid) -> DbResult<()> {
        delete(conn, self.table, id)
    }
}

fn value_bind(value: &Value) -> Option<Bind> {
    match value {
        Value::Text(t) => Some(Bind::Text(t.clone())),
        Value::Int(n) => Some(Bind::Int(*n)),
        Value::Bool(b) => Some(Bind::Bool(*b)),
        Value::Ref(id) => Some(Bind::from(*id)),
        Value::Refs(_) => None,
    }
}

/// Field errors for every referred id in `set` that does not exist
/// (DRF: `Invalid pk "…" - object does not exist.`). One query per
/// referring field.
pub(crate) fn missing_references(
    conn: &mut AnyConn,
    table: &Table,
    set: &WriteSet,
) -> DbResult<FieldErrors> {
    let mut errors = FieldErrors::new();
    for (field, value) in set.iter() {
        let (target_table, wanted): (&str, Vec<Uuid>) = match value {
            Value::Ref(id) => match table.column(field).and_then(|c| c.refers) {
                Some(label) => (label.table, vec![*id]),
                None => continue,
            },
            Value::Refs(ids) => match table.link(field) {
                Some(link) => (link.label.table, ids.clone()),
                None => continue,
            },
            _ => continue,
        };
        let mut sql = Sql::new(conn);
        sql.push("SELECT id FROM ")
            .push(target_table)
            .push(" WHERE id IN ")
            .bind_in(wanted.iter().copied());
        let found: Vec<String> = sql.load::<IdRow>(conn)?.into_iter().map(|r| r.id).collect();
        if let Some(missing) = wanted
            .iter()
            .find(|id| !found.contains(&id.hyphenated().to_string()))
        {
            errors.add(
                field,
                format!("Invalid pk \"{missing}\" - object does not exist."),
            );
        }
    }
    Ok(errors)
}

/// Inserts a new entity with the values of `set` plus `extra` columns.
pub(crate) fn insert(
    conn: &mut AnyConn,
    table: &Table,
    id: Uuid,
    now: Timestamp,
    set: &WriteSet,
    extra: &[(&str, Bind)],
) -> DbResult<()> {
    let mut columns: Vec<&str> = vec!["id", "created", "updated"];
    let mut binds = vec![
        Bind::from(id),
        Bind::Time(now.naive_utc()),
        Bind::Time(now.naive_utc()),
    ];
    for (field, value) in set.iter() {
        if let (Some(column), Some(bind)) = (table.column(field), value_bind(value)) {
            columns.push(column.column);
            binds.push(bind);
        }
    }
    for (column, bind) in extra {
        columns.push(column);
        binds.push(bind.clone());
    }
    let mut sql = Sql::new(conn);
    sql.push("INSERT INTO ")
        .push(table.name)
        .push(" (")
        .push_owned(&columns.join(", "))
        .push(") VALUES ");
    sql.bind_list(binds);
    sql.execute(conn)?;
    write_links(conn, table, id, set, false)?;
    upkeep::after_write(conn, table, Some(id), Vec::new())
}

/// Updates the fields `set` carries plus `extra` columns, and `updated`.
pub(crate) fn update(
    conn: &mut AnyConn,
    table: &Table,
    id: Uuid,
    now: Timestamp,
    set: &WriteSet,
    extra: &[(&str, Bind)],
) -> DbResult<()> {
    let mut sql = Sql::new(conn);
    sql.push("UPDATE ")
        .push(table.name)
        .push(" SET updated = ")
        .bind(Bind::Time(now.naive_utc()));
    for (field, value) in set.iter() {
        if let (Some(column), Some(bind)) = (table.column(field), value_bind(value)) {
            sql.push(", ").push(column.column).push(" = ").bind(bind);
        }
    }
    for (column, bind) in extra {
        sql.push(", ")
            .push_owned(column)
            .push(" = ")
            .bind(bind.clone());
    }
    sql.push(" WHERE id = ").bind(id);
    if sql.execute(conn)? == 0 {
        return Err(DbError::NotFound);
    }
    write_links(conn, table, id, set, true)?;
    let naming = upkeep::rows_naming(conn, table, id)?;
    upkeep::after_write(conn, table, Some(id), naming)
}

fn write_links(
    conn: &mut AnyConn,
    table: &Table,
    id: Uuid,
    set: &WriteSet,
    replace: bool,
) -> DbResult<()> {
    for link in table.links {
        let Some(targets) = set.references(link.field) else {
            continue;
        };
        if replace {
            let mut sql = Sql::new(conn);
            sql.push("DELETE FROM ")
                .push(link.table)
                .push(" WHERE ")
                .push(link.owner)
                .push(" = ")
                .bind(id);
            sql.execute(conn)?;
        }
        if targets.is_empty() {
            continue;
        }
        let mut sql = Sql::new(conn);
        sql.push("INSERT INTO ")
            .push(link.table)
            .push(" (")
            .push(link.owner)
            .push(", ");
        sql.push(link.target).push(") VALUES ");
        for (i, target) in targets.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind_list([Bind::from(id), Bind::from(*target)]);
        }
        sql.execute(conn)?;
    }
    Ok(())
}

/// Deletes one entity (the schema's cascades remove what depends on it).
/// Search texts naming the entity are rewritten without it.
pub(crate) fn delete(conn: &mut AnyConn, table: &Table, id: Uuid) -> DbResult<()> {
    // Read before the delete: its cascades remove the links that say which.
    let naming = upkeep::rows_naming(conn, table, id)?;
    let mut sql = Sql::new(conn);
    sql.push("DELETE FROM ")
        .push(table.name)
        .push(" WHERE id = ")
        .bind(id);
    match sql.execute(conn)? {
        0 => Err(DbError::NotFound),
        _ => upkeep::after_write(conn, table, None, naming),
    }
}

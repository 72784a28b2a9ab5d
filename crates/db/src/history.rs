//! The admin history: one row per write made through the API on a catalog
//! resource or media file, inserted by the service inside the write's own
//! transaction (so a write that rolls back leaves no entry).

use chrono::NaiveDateTime;
use diesel::sql_types::{BigInt, Text, Timestamp as SqlTimestamp};
use mstream_kernel::query::Page;
use mstream_kernel::Timestamp;
use uuid::Uuid;

use crate::conn::AnyConn;
use crate::error::{DbError, DbResult};
use crate::sql::{Bind, Sql};

/// One entry to record.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    /// Who wrote.
    pub actor_id: Uuid,
    /// Their username at the time.
    pub actor_name: &'a str,
    /// The resource's name as in its path (`contype`).
    pub resource: &'a str,
    /// The object written.
    pub object_id: Uuid,
    /// How the object reads to a person (its name).
    pub object_repr: &'a str,
    /// `create`, `update` or `delete`.
    pub action: &'static str,
    /// `{field: {"old": …, "new": …}}` as JSON text.
    pub changes: &'a str,
}

/// A stored entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Increases with every entry.
    pub seq: i64,
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor_id: Uuid,
    /// Their username at the time.
    pub actor_name: String,
    /// Which resource.
    pub resource: String,
    /// Which object.
    pub object_id: Uuid,
    /// Its name at the time.
    pub object_repr: String,
    /// `create`, `update` or `delete`.
    pub action: String,
    /// JSON text.
    pub changes: String,
}

/// What a history list keeps.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this resource.
    pub resource: Option<String>,
    /// Only this object.
    pub object: Option<Uuid>,
    /// Only this actor.
    pub actor: Option<Uuid>,
}

#[derive(diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    seq: i64,
    #[diesel(sql_type = SqlTimestamp)]
    at: NaiveDateTime,
    #[diesel(sql_type = Text)]
    actor_id: String,
    #[diesel(sql_type = Text)]
    actor_name: String,
    #[diesel(sql_type = Text)]
    resource: String,
    #[diesel(sql_type = Text)]
    object_id: String,
    #[diesel(sql_type = Text)]
    object_repr: String,
    #[diesel(sql_type = Text)]
    action: String,
    #[diesel(sql_type = Text)]
    changes: String,
}

#[derive(diesel::QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Records `entry` at `now`; call inside the write's transaction.
pub fn record(conn: &mut AnyConn, now: Timestamp, entry: &NewEntry<'_>) -> DbResult<()> {
    let mut sql = Sql::new(conn);
    sql.push(
        "INSERT INTO history (at, actor_id, actor_name, resource, object_id, object_repr, action, changes) VALUES ",
    );
    sql.bind_list([
        Bind::Time(now.naive_utc()),
        Bind::from(entry.actor_id),
        Bind::Text(entry.actor_name.to_owned()),
        Bind::Text(entry.resource.to_owned()),
        Bind::from(entry.object_id),
        Bind::Text(entry.object_repr.to_owned()),
        Bind::Text(entry.action.to_owned()),
        Bind::Text(entry.changes.to_owned()),
    ]);
    sql.execute(conn)?;
    Ok(())
}

fn push_where(sql: &mut Sql, filter: &Filter) {
    let mut first = true;
    let mut and = |sql: &mut Sql| {
        sql.push(if first { " WHERE " } else { " AND " });
        first = false;
    };
    if let Some(resource) = &filter.resource {
        and(sql);
        sql.push("resource = ").bind(Bind::Text(resource.clone()));
    }
    if let Some(object) = filter.object {
        and(sql);
        sql.push("object_id = ").bind(Bind::from(object));
    }
    if let Some(actor) = filter.actor {
        and(sql);
        sql.push("actor_id = ").bind(Bind::from(actor));
    }
}

/// How many entries `filter` keeps, the page served (`last` resolved) and
/// its entries, newest first (none when the page lies past the end).
pub fn list(conn: &mut AnyConn, filter: &Filter, page: Page) -> DbResult<(u64, Page, Vec<Entry>)> {
    let mut count = Sql::new(conn);
    count.push("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM history");
    push_where(&mut count, filter);
    let total = count
        .load::<CountRow>(conn)?
        .first()
        .map_or(0, |r| r.n.max(0) as u64);
    let page = page.resolve(total);
    if total == 0 || !page.exists_for(total) {
        return Ok((total, page, Vec::new()));
    }
    let mut sql = Sql::new(conn);
    sql.push(
        "SELECT seq, at, actor_id, actor_name, resource, object_id, object_repr, action, changes FROM history",
    );
    push_where(&mut sql, filter);
    sql.push_owned(&format!(
        " ORDER BY seq DESC LIMIT {}",
        page.size.clamp(1, 1000)
    ))
    .push(" OFFSET ")
    .bind(Bind::Int(page.offset().min(i64::MAX as u64) as i64));
    let entries = sql
        .load::<Row>(conn)?
        .into_iter()
        .map(|row| {
            let parse = |text: &str| {
                Uuid::parse_str(text).map_err(|_| DbError::Corrupt(format!("bad id {text:?}")))
            };
            Ok(Entry {
                seq: row.seq,
                at: Timestamp::from_naive_utc(row.at),
                actor_id: parse(&row.actor_id)?,
                actor_name: row.actor_name,
                resource: row.resource,
                object_id: parse(&row.object_id)?,
                object_repr: row.object_repr,
                action: row.action,
                changes: row.changes,
            })
        })
        .collect::<DbResult<Vec<_>>>()?;
    Ok((total, page, entries))
}

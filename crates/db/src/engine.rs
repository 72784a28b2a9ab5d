//! The read side of the storage engine every catalog resource shares,
//! driven by its [`Table`] mapping and the kernel's [`ListQuery`]: lists
//! (filters, search, ordering, the page) and entities by ids.
//!
//! A list runs a constant number of statements whatever the page size: a
//! count (or, when the caller kept the count, a read of the generation it
//! was counted at), the page, and — unless the table's read model already carries
//! them — one batched statement for every derived field of the page's rows
//! ([`crate::derived`]). Writes are [`crate::write`]'s; keeping the derived
//! columns true after a write is [`crate::upkeep`]'s.

use diesel::deserialize::QueryableByName;
use diesel::pg::Pg;
use diesel::sqlite::Sqlite;
use mstream_kernel::query::MAX_PAGE_SIZE;
use mstream_kernel::query::{FilterValue, Lookup, Page};
use mstream_kernel::{Kind, ListQuery, Record};
use uuid::Uuid;

use crate::conn::AnyConn;
use crate::derived::attach_derived;
use crate::error::{DbError, DbResult};
use crate::read_model;
use crate::rows::{CountRow, CountedRow, IdRow};
use crate::search::{self, Reach};
use crate::sql::{contains_pattern, Bind, Sql};
use crate::table::Table;

/// A table's row type, read by column name and turned into a [`Record`]
/// holding the stored fields (derived fields are attached afterwards).
pub trait DbRow: QueryableByName<Pg> + QueryableByName<Sqlite> + 'static {
    /// The wire names of the fields a row holds, in the record's order.
    const FIELDS: &'static [&'static str];
    /// The stored fields as a record.
    fn into_record(self) -> DbResult<Record>;
    /// The row's read model ([`Table::read_model`]), when its type reads one
    /// and the row carries it.
    fn take_read_model(&mut self) -> Option<String> {
        None
    }
    /// Whether the type reads a `read_model` column.
    const READS_MODEL: bool = false;
}

/// A page of records and the total that matched.
#[derive(Debug, Clone)]
pub struct Listed {
    /// How many entities matched the filters and search.
    pub count: u64,
    /// The page's entities; empty when the page lies past the end.
    pub records: Vec<Record>,
    /// Whether the requested page exists for `count`.
    pub page_exists: bool,
    /// The page served (`last` resolved to its number).
    pub page: Page,
    /// The count, with the generation it was read at, when this call ran
    /// the count statement (not when a [`KnownCount`] stood in for it).
    pub counted: Option<KnownCount>,
}

/// A list's count as of a catalog write generation
/// ([`crate::generation`]), read in one statement with that generation,
/// so a caller may keep it and hand it back while nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownCount {
    /// The catalog generation the count was read at.
    pub generation: i64,
    /// How many entities matched.
    pub count: u64,
}

/// Lists `table` as `query` asks: the count, then the page.
///
/// `known` is a count the caller kept from an earlier list of the same
/// filters and search. It stands in for the count statement when the
/// catalog generation, read first, is still the one it was counted at; a
/// count scans every match (at 100,000 contents, most of the list's time),
/// a generation is one primary-key read.
pub fn list<R: DbRow>(
    conn: &mut AnyConn,
    table: &Table,
    query: &ListQuery,
    known: Option<KnownCount>,
) -> DbResult<Listed> {
    let (count, counted) = match known {
        Some(known) if crate::generation::read(conn)?.catalog == known.generation => {
            (known.count, None)
        }
        _ => {
            let counted = count(conn, table, query)?;
            (counted.count, Some(counted))
        }
    };
    let page = query.page.resolve(count);
    if !page.exists_for(count) || count == 0 {
        return Ok(Listed::empty(count, page, counted));
    }
    let reach = if count >= WALK_FROM {
        Reach::ByOrder
    } else {
        Reach::ByMatch
    };
    let mut sql = Sql::new(conn);
    push_select(&mut sql, table, R::READS_MODEL);
    push_where(&mut sql, table, query, reach);
    push_order(&mut sql, table, query);
    // The page size (at most `MAX_PAGE_SIZE`, 100) is written into the
    // text: a bound LIMIT makes SQLite re-prepare the cached statement on
    // every execution. Clamped here too, so no caller can ask for more.
    sql.push_owned(&format!(" LIMIT {}", page.size.clamp(1, MAX_PAGE_SIZE)))
        .push(" OFFSET ")
        .bind(Bind::Int(page.offset().min(i64::MAX as u64) as i64));
    let rows = sql.load::<R>(conn)?;
    let records = read_derived::<R>(conn, table, rows)?;
    Ok(Listed {
        count,
        records,
        page_exists: true,
        page,
        counted,
    })
}

/// From how many matches a searched page walks the ordering's index
/// rather than reading every match ([`Reach`]). Reading a match costs
/// about 2.5 µs, walking past an index entry about 0.1 µs: at 100,000
/// contents the two met near 300 matches for a first page, and the walk
/// costs at most one pass over the index (about 10 ms).
const WALK_FROM: u64 = 1_000;

/// The count of `query`'s matches and the catalog generation, in one
/// statement: one snapshot, so the count is exactly the generation's.
fn count(conn: &mut AnyConn, table: &Table, query: &ListQuery) -> DbResult<KnownCount> {
    const GENERATION: &str = ", (SELECT catalog FROM write_generations WHERE id = 1) AS generation";
    let mut sql = Sql::new(conn);
    let by_index = query.filters.is_empty()
        && table.search_text.as_ref().is_some_and(|search| {
            search::push_index_count(&mut sql, search, &query.search, GENERATION)
        });
    if !by_index {
        sql.push("SELECT CAST(COUNT(*) AS BIGINT) AS n")
            .push(GENERATION)
            .push(" FROM ")
            .push(table.name)
            .push(" t");
        push_where(&mut sql, table, query, Reach::ByMatch);
    }
    let row = sql
        .load::<CountedRow>(conn)?
        .pop()
        .ok_or_else(|| DbError::Corrupt("a count returned no row".into()))?;
    Ok(KnownCount {
        generation: row.generation,
        count: row.n.max(0) as u64,
    })
}

/// `SELECT t.<stored columns> FROM <table> t`: the row type's columns only
/// (not `t.*`, which would also read the denormalised search text).
fn push_select(sql: &mut Sql, table: &Table, model: bool) {
    sql.push("SELECT ");
    for (i, column) in table.columns.iter().enumerate() {
        sql.push(if i == 0 { "t." } else { ", t." })
            .push(column.column);
    }
    if let Some(model) = read_model::select(table, sql.is_postgres()).filter(|_| model) {
        sql.push(", ").push_owned(&model).push(" AS read_model");
    }
    sql.push(" FROM ").push(table.name).push(" t");
}

/// ` ORDER BY` the query's keys, then `id`.
fn push_order(sql: &mut Sql, table: &Table, query: &ListQuery) {
    sql.push(" ORDER BY ");
    for key in &query.ordering {
        if let Some(column) = table.column(key.field.name) {
            sql.push("t.").push(column.column).push(if key.descending {
                " DESC, "
            } else {
                " ASC, "
            });
        }
    }
    sql.push("t.id ASC");
}

impl Listed {
    fn empty(count: u64, page: Page, counted: Option<KnownCount>) -> Self {
        Self {
            count,
            records: Vec::new(),
            page_exists: page.exists_for(count),
            page,
            counted,
        }
    }
}

/// Every row of `table` whose `column` is one of `ids`, with its derived
/// fields, in creation order (for nested lists such as an artist's credits).
pub fn records_where<R: DbRow>(
    conn: &mut AnyConn,
    table: &Table,
    column: &'static str,
    ids: &[Uuid],
) -> DbResult<Vec<Record>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(conn);
    push_select(&mut sql, table, R::READS_MODEL);
    sql.push(" WHERE t.").push(column).push(" IN ");
    sql.bind_in(ids.iter().copied());
    sql.push(" ORDER BY t.created ASC, t.id ASC");
    let rows = sql.load::<R>(conn)?;
    read_derived::<R>(conn, table, rows)
}

/// One entity by id, with its derived fields.
pub fn get<R: DbRow>(conn: &mut AnyConn, table: &Table, id: Uuid) -> DbResult<Record> {
    records_where::<R>(conn, table, "id", &[id])?
        .pop()
        .ok_or(DbError::NotFound)
}

/// The records of `rows` with their derived fields: from the rows' read
/// model when the table keeps one and every row carries it, else read by
/// [`attach_derived`]'s relation statement.
fn read_derived<R: DbRow>(
    conn: &mut AnyConn,
    table: &Table,
    rows: Vec<R>,
) -> DbResult<Vec<Record>> {
    let mut models = Vec::with_capacity(rows.len());
    let mut records = Vec::with_capacity(rows.len());
    for mut row in rows {
        models.push(row.take_read_model());
        records.push(row.into_record()?);
    }
    if read_model::usable(table) && !models.is_empty() && models.iter().all(Option::is_some) {
        let order = table.field_order();
        for (record, model) in records.iter_mut().zip(models) {
            read_model::apply(table, record, model.as_deref().unwrap_or("[]"))?;
            record.reorder(&order);
        }
    } else {
        attach_derived(conn, table, &mut records)?;
    }
    Ok(records)
}

fn filter_bind(value: &FilterValue) -> Bind {
    match value {
        FilterValue::Id(id) => Bind::from(*id),
        FilterValue::Text(t) => Bind::Text(t.clone()),
        FilterValue::Int(n) => Bind::Int(*n),
        FilterValue::Float(f) => Bind::Float(*f),
        FilterValue::Bool(b) => Bind::Bool(*b),
        FilterValue::Time(t) => Bind::Time(t.naive_utc()),
    }
}

fn push_where(sql: &mut Sql, table: &Table, query: &ListQuery, reach: Reach) {
    let mut first = true;
    let mut and = |sql: &mut Sql| {
        sql.push(if first { " WHERE " } else { " AND " });
        first = false;
    };
    for filter in &query.filters {
        let binds = filter.values.iter().map(filter_bind);
        if let Some(link) = table.link(filter.field.name) {
            and(sql);
            sql.push("t.id IN (SELECT ")
                .push(link.owner)
                .push(" FROM ")
                .push(link.table);
            sql.push(" WHERE ").push(link.target).push(" IN ");
            sql.bind_in(binds).push(")");
        } else if let Some(column) = table.column(filter.field.name) {
            and(sql);
            sql.push("t.").push(column.column);
            match filter.lookup {
                Lookup::Exact => {
                    sql.push(" IN ").bind_in(binds);
                }
                range => {
                    sql.push(match range {
                        Lookup::Gt => " > ",
                        Lookup::Gte => " >= ",
                        Lookup::Lt => " < ",
                        _ => " <= ",
                    });
                    if let Some(value) = filter.values.first() {
                        sql.bind(filter_bind(value));
                    }
                }
            }
        }
    }
    if let Some(search_text) = &table.search_text {
        search::push_terms(sql, search_text, &query.search, reach, &mut and);
        return;
    }
    for term in &query.search {
        and(sql);
        sql.push("t.id IN (");
        push_search_term(sql, table, term);
        sql.push(")");
    }
}

/// The ids of `table` that `term` appears in, as a UNION of uncorrelated,
/// index-friendly queries: the table's own text (FTS5 trigram index on
/// SQLite, trigram GIN index on `lower(col)` on PostgreSQL), then the
/// labels of referred entities, looked up in their (small) tables.
fn push_search_term(sql: &mut Sql, table: &Table, term: &str) {
    let pattern = contains_pattern(term);
    let mut branches = 0;
    let mut branch = |sql: &mut Sql| {
        if branches > 0 {
            sql.push(" UNION ");
        }
        branches += 1;
    };
    let own: Vec<&str> = table
        .resource
        .searchable()
        .filter(|f| matches!(f.kind, Kind::Text { .. }))
        .filter_map(|f| table.column(f.name))
        .filter(|c| c.refers.is_none())
        .map(|c| c.column)
        .collect();
    // The trigram index serves terms of three or more characters; LIKE's
    // own wildcards in a term need ESCAPE, which FTS5 does not take.
    let fts = table
        .fts
        .filter(|_| !sql.is_postgres())
        .filter(|_| term.chars().count() >= 3 && !term.contains(['%', '_', '\\']));
    if let (Some(fts), false) = (fts, own.is_empty()) {
        branch(sql);
        sql.push("SELECT c.id FROM ")
            .push(table.name)
            .push(" c WHERE c.rowid IN (");
        for (i, column) in own.iter().enumerate() {
            if i > 0 {
                sql.push(" UNION ");
            }
            sql.push("SELECT rowid FROM ")
                .push(fts)
                .push(" WHERE ")
                .push(column)
                .push(" LIKE ");
            sql.bind(Bind::Text(format!("%{term}%")));
        }
        sql.push(")");
    } else {
        for column in own {
            branch(sql);
            sql.push("SELECT id FROM ")
                .push(table.name)
                .push(" WHERE lower(")
                .push(column);
            sql.push(") LIKE ")
                .bind(Bind::Text(pattern.clone()))
                .push(" ESCAPE '\\'");
        }
    }
    // Related labels live in small tables: match them there first, then
    // reach the owners through the link or reference column's index.
    for field in table.resource.searchable() {
        if let Some(link) = table.link(field.name) {
            branch(sql);
            sql.push("SELECT ")
                .push(link.owner)
                .push(" FROM ")
                .push(link.table)
                .push(" WHERE ");
            sql.push(link.target)
                .push(" IN (SELECT id FROM ")
                .push(link.label.table);
            sql.push(" WHERE lower(")
                .push(link.label.column)
                .push(") LIKE ");
            sql.bind(Bind::Text(pattern.clone())).push(" ESCAPE '\\')");
        } else if let Some(column) = table.column(field.name) {
            let Some(label) = column.refers else { continue };
            branch(sql);
            sql.push("SELECT id FROM ")
                .push(table.name)
                .push(" WHERE ")
                .push(column.column);
            sql.push(" IN (SELECT id FROM ")
                .push(label.table)
                .push(" WHERE lower(")
                .push(label.column);
            sql.push(") LIKE ")
                .bind(Bind::Text(pattern.clone()))
                .push(" ESCAPE '\\')");
        }
    }
    if branches == 0 {
        sql.push("SELECT id FROM ")
            .push(table.name)
            .push(" WHERE 1 = 0");
    }
}

/// Values of one text column of the rows of `table` whose `column` is one of `ids`.
pub fn column_values(
    conn: &mut AnyConn,
    table: &'static str,
    value: &'static str,
    column: &'static str,
    ids: &[Uuid],
) -> DbResult<Vec<String>> {
    let mut sql = Sql::new(conn);
    sql.push("SELECT ")
        .push(value)
        .push(" AS id FROM ")
        .push(table)
        .push(" WHERE ")
        .push(column);
    sql.push(" IN ").bind_in(ids.iter().copied());
    Ok(sql.load::<IdRow>(conn)?.into_iter().map(|r| r.id).collect())
}

/// Refreshes the planner's statistics after a bulk load. PostgreSQL plans
/// from them (without, a fresh catalog's joins were planned as scans and
/// planning alone cost milliseconds) and autovacuum would only catch up
/// later; on SQLite it records index selectivity for the planner too.
pub fn refresh_statistics(conn: &mut AnyConn) -> DbResult<()> {
    use diesel::connection::SimpleConnection;
    match conn {
        // stat4 samples make SQLite re-prepare a cached statement whenever
        // a parameter compared with an indexed column is rebound, i.e.
        // always; stat1's row counts are all the planner needs here.
        // (Builds without STAT4 have no such table: nothing to delete.)
        AnyConn::Sqlite(_) => {
            conn.batch_execute("ANALYZE")?;
            if conn
                .batch_execute("DELETE FROM sqlite_stat4; ANALYZE sqlite_schema;")
                .is_err()
            {
                tracing::debug!("no sqlite_stat4 table to clear");
            }
        }
        AnyConn::Postgresql(_) => conn.batch_execute("ANALYZE")?,
    }
    Ok(())
}

/// How many rows `table` holds.
pub fn count_rows(conn: &mut AnyConn, table: &'static str) -> DbResult<i64> {
    let mut sql = Sql::new(conn);
    sql.push("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM ")
        .push(table);
    Ok(sql.load::<CountRow>(conn)?.first().map_or(0, |r| r.n))
}

//! Write generations: two counters in the database that every write moves
//! in its own transaction, so that any process can tell in one cheap read
//! whether what it cached is still current.
//!
//! `catalog` moves with every write transaction ([`crate::tx::write`])
//! except the bookkeeping of jobs and uploads, which no cached answer is
//! made from ([`crate::tx::write_bookkeeping`]);
//! `accounts` also moves with the writes that revoke a token or change
//! what a token's user may do ([`crate::tx::write_accounts`]). The counters
//! are rows, not sequences, so a reader sees a new value exactly when the
//! write that moved it is visible too: a reader that notes the generation
//! and then reads data never files stale data under a newer generation.

use diesel::sql_types::BigInt;

use crate::conn::AnyConn;
use crate::error::{DbError, DbResult};
use crate::sql::Sql;

/// The two counters, as last committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Generations {
    /// Moves with every write.
    pub catalog: i64,
    /// Moves with token revocations and changes to users.
    pub accounts: i64,
}

#[derive(diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    catalog: i64,
    #[diesel(sql_type = BigInt)]
    accounts: i64,
}

/// Reads both counters.
pub fn read(conn: &mut AnyConn) -> DbResult<Generations> {
    let mut sql = Sql::new(conn);
    sql.push("SELECT catalog, accounts FROM write_generations WHERE id = 1");
    let rows = sql.load::<Row>(conn)?;
    let row = rows
        .first()
        .ok_or_else(|| DbError::Corrupt("write_generations has no row".into()))?;
    Ok(Generations {
        catalog: row.catalog,
        accounts: row.accounts,
    })
}

/// Moves `catalog` (and `accounts` too when `accounts` is set) inside the
/// caller's write transaction. It is the transaction's last statement: on
/// PostgreSQL the row stays locked until the commit, so it must be taken
/// after every other lock (writers queue only for the commit itself).
pub(crate) fn bump(conn: &mut AnyConn, accounts: bool) -> DbResult<()> {
    let mut sql = Sql::new(conn);
    sql.push(if accounts {
        "UPDATE write_generations SET catalog = catalog + 1, accounts = accounts + 1 WHERE id = 1"
    } else {
        "UPDATE write_generations SET catalog = catalog + 1 WHERE id = 1"
    });
    sql.execute(conn)?;
    Ok(())
}

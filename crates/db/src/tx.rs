//! The one way writes run: a transaction that takes the write lock first
//! and, unless it only keeps jobs' and uploads' books, moves the write
//! generation ([`crate::generation`]) before it commits.

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::Connection;

use crate::conn::AnyConn;
use crate::error::DbError;
use crate::generation;

/// Runs `work` in a write transaction and commits when it returns `Ok`.
///
/// On SQLite the transaction begins `IMMEDIATE`: the write lock is taken up
/// front, so two writers queue on the busy timeout instead of one failing
/// with "database is locked" when its read lock cannot be upgraded. On
/// PostgreSQL it is an ordinary READ COMMITTED transaction; code that reads
/// then writes a shared row locks it first (see [`crate::reviews`]).
/// The catalog generation moves in the same transaction, so every cache of
/// every process sees the write as soon as it is visible. Does not nest.
pub fn write<T, E>(
    conn: &mut AnyConn,
    work: impl FnOnce(&mut AnyConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<DbError>,
{
    transaction(conn, Moves::Catalog, work)
}

/// [`write`] for rows that no cached answer is made from: packaging jobs
/// (their leases, progress and outcome are read live beside a cached
/// page) and tus uploads (offsets). It moves no generation, so a job's
/// heartbeat or an upload's chunk does not empty every process's read
/// cache: with the generation moved, each heartbeat turned the next list
/// request into a miss, and a 9 s stream-copy job more than doubled the
/// list's p99 under load (docs/hls.md). Whatever such a write also does to
/// the catalog (a finished upload's media file) goes through [`write`].
pub fn write_bookkeeping<T, E>(
    conn: &mut AnyConn,
    work: impl FnOnce(&mut AnyConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<DbError>,
{
    transaction(conn, Moves::Nothing, work)
}

/// [`write`] for a write that revokes tokens or changes what a token's user
/// may do (logout, password change, account deletion, the admin flag):
/// it also moves the accounts generation, which every process's token
/// cache checks.
pub fn write_accounts<T, E>(
    conn: &mut AnyConn,
    work: impl FnOnce(&mut AnyConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<DbError>,
{
    transaction(conn, Moves::CatalogAndAccounts, work)
}

/// Which write generations a transaction moves.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Moves {
    Nothing,
    Catalog,
    CatalogAndAccounts,
}

fn transaction<T, E>(
    conn: &mut AnyConn,
    moves: Moves,
    work: impl FnOnce(&mut AnyConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<DbError>,
{
    let begun = match conn {
        AnyConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE"),
        AnyConn::Postgresql(c) => AnsiTransactionManager::begin_transaction(c),
    };
    begun.map_err(|e| E::from(DbError::from(e)))?;
    let result = work(conn).and_then(|value| {
        if moves != Moves::Nothing {
            generation::bump(conn, moves == Moves::CatalogAndAccounts).map_err(E::from)?;
        }
        Ok(value)
    });
    match result {
        Ok(value) => {
            <AnyConn as Connection>::TransactionManager::commit_transaction(conn)
                .map_err(|e| E::from(DbError::from(e)))?;
            Ok(value)
        }
        Err(error) => {
            if let Err(rollback) =
                <AnyConn as Connection>::TransactionManager::rollback_transaction(conn)
            {
                tracing::error!(%rollback, "rollback failed");
            }
            Err(error)
        }
    }
}

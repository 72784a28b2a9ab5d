//! Embedded migrations, one folder per backend.

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::conn::{AnyConn, DbPool};
use crate::error::{DbError, DbResult};

const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// The PostgreSQL advisory lock that migrations run under (any constant
/// unlikely to be used by another application on the same database:
/// the first eight bytes of "mstream!" as a big-endian integer).
const MIGRATION_LOCK: i64 = 0x6d73_7472_6561_6d21;

/// Applies every pending migration of the pool's backend; returns the
/// versions applied, oldest first.
///
/// Runs on a connection of its own with no statement timeout. On
/// PostgreSQL it holds an advisory lock meanwhile, so that processes
/// started together migrate one after the other: the first applies what is
/// pending, the others find nothing left to do. On SQLite the same is done
/// by one `BEGIN IMMEDIATE` transaction around them all.
pub fn run_pending(pool: &DbPool) -> DbResult<Vec<String>> {
    let mut conn = pool.dedicated()?;
    let applied = match &mut conn {
        AnyConn::Sqlite(c) => {
            // Under the write lock from the start, so that a second process
            // finds the migrations pending only once the first is done
            // (each migration then runs in a savepoint of this transaction).
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
                .map_err(|e| DbError::Unavailable(format!("migration lock: {e}")))?;
            let applied = c.run_pending_migrations(SQLITE).map(versions);
            let ended = if applied.is_ok() {
                AnsiTransactionManager::commit_transaction(c)
            } else {
                AnsiTransactionManager::rollback_transaction(c)
            };
            ended.map_err(|e| DbError::Unavailable(format!("migration commit: {e}")))?;
            applied
        }
        AnyConn::Postgresql(c) => {
            c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
                .map_err(|e| DbError::Unavailable(format!("migration lock: {e}")))?;
            let applied = c.run_pending_migrations(POSTGRES).map(versions);
            // Closing the connection would release it too; say so at once.
            let _ = c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"));
            applied
        }
    };
    applied.map_err(|e| DbError::Unavailable(format!("migration failed: {e}")))
}

fn versions(list: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
    list.into_iter().map(|v| v.to_string()).collect()
}

//! Embedded migrations, one folder per backend.

use diesel::connection::SimpleConnection;
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
/// pending, the others find nothing left to do. (SQLite's migrations run
/// in write transactions, which the file lock already serialises.)
pub fn run_pending(pool: &DbPool) -> DbResult<Vec<String>> {
    let mut conn = pool.dedicated()?;
    let applied = match &mut conn {
        AnyConn::Sqlite(c) => c.run_pending_migrations(SQLITE).map(versions),
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

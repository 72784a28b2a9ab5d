//! Embedded migrations, one folder per backend.

use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::conn::{AnyConn, DbPool};
use crate::error::{DbError, DbResult};

const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// Applies every pending migration of the pool's backend; returns the
/// versions applied, oldest first.
pub fn run_pending(pool: &DbPool) -> DbResult<Vec<String>> {
    let mut conn = pool.get()?;
    let applied = match &mut *conn {
        AnyConn::Sqlite(c) => c.run_pending_migrations(SQLITE).map(versions),
        AnyConn::Postgresql(c) => c.run_pending_migrations(POSTGRES).map(versions),
    };
    applied.map_err(|e| DbError::Unavailable(format!("migration failed: {e}")))
}

fn versions(list: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
    list.into_iter().map(|v| v.to_string()).collect()
}

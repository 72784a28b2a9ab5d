//! The migrations and the table mappings agree (issue #17): every column,
//! link table and search column the engine names exists in a freshly
//! migrated database, on the suite's backend. A column added to a mapping
//! without its migration (or dropped by one) fails here, not in production.

use diesel::connection::SimpleConnection;
use mstream_db::tables::{self, Repo};

const REPOS: [&Repo; 11] = [
    &tables::GENRE,
    &tables::PARENTAL_CONTROL_TAG,
    &tables::CONTENT_TYPE,
    &tables::ARTIST,
    &tables::CONTENT,
    &tables::MEDIA_FILE,
    &tables::RELATION,
    &tables::REVIEW,
    &tables::PLAN,
    &tables::SUBSCRIPTION,
    &tables::USER,
];

#[test]
fn every_mapped_column_exists_in_the_migrated_schema() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = crate::helpers::fresh_database(&dir);
    let pool = mstream_db::DbPool::connect(&fresh.url, 1).unwrap();
    mstream_db::migrate::run_pending(&pool).unwrap();
    let mut conn = pool.get().unwrap();
    let mut missing = Vec::new();
    let mut probe = |sql: String| {
        if let Err(error) = conn.batch_execute(&sql) {
            missing.push(format!("{sql}: {error}"));
        }
    };
    for repo in REPOS {
        let table = repo.table;
        let mut columns: Vec<&str> = table.columns.iter().map(|c| c.column).collect();
        if let Some(search) = table.search_text {
            columns.push(search.column);
        }
        probe(format!(
            "SELECT {} FROM {} WHERE 1 = 0",
            columns.join(", "),
            table.name
        ));
        for link in table.links {
            probe(format!(
                "SELECT {}, {} FROM {} WHERE 1 = 0",
                link.owner, link.target, link.table
            ));
        }
    }
    assert!(missing.is_empty(), "mapped but not migrated: {missing:#?}");
}

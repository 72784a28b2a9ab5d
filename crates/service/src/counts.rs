//! Counts of large lists, kept between requests while nothing is written.
//!
//! A page of a list is an indexed range of 20 rows, but its count scans
//! every match: at 100,000 contents the count was most of the time of
//! `?page=1` and of a search for a common word, and every page of the same
//! list counted the same rows again. A count is read together with the
//! catalog write generation in one statement
//! ([`mstream_db::engine::KnownCount`]); it is kept here, and the next list
//! of the same filters and search hands it back to the engine, which reads
//! the generation (one primary-key read) and uses the count only if no
//! write was made since, by any process. So a kept count is exact, and the
//! count of an answer is never older than the generation read for it.
//!
//! Only counts of at least `database.keep_counts_from` matches are kept,
//! and the counts of every search: a smaller count of filters costs about
//! what reading the generation does, and its lists (a content's reviews, a
//! genre's contents) are the long tail that would fill the map; but a
//! search's count evaluates its terms against the whole text index however
//! few rows match (2–4 ms for a two-word term in 133 of 100,000 contents).

use std::collections::HashMap;
use std::sync::Mutex;

use mstream_db::engine::{KnownCount, Listed};
use mstream_db::tables::Repo;
use mstream_db::{AnyConn, DbResult};
use mstream_kernel::ListQuery;

/// Most counts kept at once. A key is a table and a query string's
/// filters and search, about a hundred bytes.
const MOST_KEPT: usize = 4_096;

/// The kept counts of one process.
pub struct Counts {
    /// Counts of at least this many matches are kept; 0 keeps none.
    from: u64,
    kept: Mutex<HashMap<String, KnownCount>>,
}

impl Counts {
    /// Keeps counts of at least `from` matches (none when 0).
    pub fn new(from: u64) -> Self {
        Self {
            from,
            kept: Mutex::new(HashMap::new()),
        }
    }

    /// A page of `repo` as `query` asks, counted by the engine or with the
    /// count kept from an earlier list of the same filters and search.
    pub fn list(&self, conn: &mut AnyConn, repo: &Repo, query: &ListQuery) -> DbResult<Listed> {
        if self.from == 0 {
            return repo.list(conn, query, None);
        }
        let key = key(repo, query);
        let known = self.lock().get(&key).copied();
        let listed = repo.list(conn, query, known)?;
        if let Some(counted) = listed.counted {
            self.keep(key, counted, !query.search.is_empty());
        }
        Ok(listed)
    }

    fn keep(&self, key: String, counted: KnownCount, searched: bool) {
        let mut kept = self.lock();
        if counted.count < self.from && !searched {
            // Fewer now than when it was kept: stop reading the generation
            // for it.
            kept.remove(&key);
            return;
        }
        if kept.len() >= MOST_KEPT && !kept.contains_key(&key) {
            // Counts of older generations are useless once a newer one is
            // seen; if every count is current, start over rather than
            // track recency on every hit.
            kept.retain(|_, c| c.generation >= counted.generation);
            if kept.len() >= MOST_KEPT {
                kept.clear();
            }
        }
        kept.insert(key, counted);
    }

    /// How many counts are kept (for tests and metrics).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, KnownCount>> {
        // A panic while holding the lock cannot leave the map half-written
        // (every change is one call), so a poisoned lock is still usable.
        self.kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// What a count depends on: the table, the filters and the search terms
/// (not the ordering or the page).
fn key(repo: &Repo, query: &ListQuery) -> String {
    format!("{} {:?} {:?}", repo.table.name, query.filters, query.search)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(generation: i64, count: u64) -> KnownCount {
        KnownCount { generation, count }
    }

    #[test]
    fn a_count_below_the_threshold_is_not_kept_unless_searched() {
        let counts = Counts::new(1_000);
        counts.keep("a".into(), counted(1, 999), false);
        assert!(counts.is_empty());
        counts.keep("a".into(), counted(1, 1_000), false);
        assert_eq!(counts.len(), 1);
        counts.keep("a".into(), counted(2, 10), false);
        assert!(counts.is_empty(), "a count that fell below stays kept");
        counts.keep("a search".into(), counted(2, 3), true);
        assert_eq!(counts.len(), 1, "a search's count is kept however small");
    }

    #[test]
    fn a_full_map_drops_older_generations_first() {
        let counts = Counts::new(1);
        for i in 0..MOST_KEPT {
            counts.keep(format!("old {i}"), counted(1, 5), false);
        }
        counts.keep("current".into(), counted(2, 5), false);
        assert_eq!(counts.len(), 1);
        for i in 0..MOST_KEPT {
            counts.keep(format!("new {i}"), counted(2, 5), false);
        }
        assert!(counts.len() <= MOST_KEPT);
    }
}

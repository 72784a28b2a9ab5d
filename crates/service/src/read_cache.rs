//! Recent answers to catalog reads (lists and single entities), reused until
//! anything is written, by any process.
//!
//! The catalog is read far more than it is written, and a page of contents
//! costs hundreds of index lookups for its relations. Every answer is kept
//! under the database's catalog *write generation*
//! ([`mstream_db::generation`]) that the request read before it read the
//! answer, and served only to requests that find the same generation
//! ([`crate::freshness`]). Every write transaction moves the generation in
//! the database, whichever process (or the CLI) made it, so a write is
//! visible to the very next read on every process. Entries also expire
//! after `database.read_cache_ms` (0 turns caching off), which bounds what
//! a crawl can make the cache hold.
//!
//! Ordering: the generation moves in the writer's transaction, and a
//! reader reads the generation *before* the answer. An answer is therefore
//! never older than the generation it is kept under.
//!
//! Misses are single-flight: requests that miss the same key at the same
//! generation wait for one read instead of each running it (when a popular
//! page expires, 64 concurrent requests for it made 64 identical reads).
//! A waiter whose leader was cancelled reads itself.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A cached answer: anything cheap to share.
pub type Answer = Arc<dyn std::any::Any + Send + Sync>;

/// A read in progress that others missing the same key may wait for.
pub type Flight = Arc<tokio::sync::OnceCell<Answer>>;

/// The cache; one per [`Ctx`](crate::Ctx).
pub struct ReadCache {
    ttl: Duration,
    /// Most held at once, in the callers' measure of cost (approximate
    /// bytes of records).
    budget: usize,
    state: Mutex<State>,
    flights: Mutex<HashMap<(String, i64), Flight>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// Takes a flight off the board when its last participant is done (or
/// was cancelled).
pub struct Boarding<'a> {
    cache: &'a ReadCache,
    key: (String, i64),
    flight: Flight,
}

impl Boarding<'_> {
    /// The shared read.
    pub fn flight(&self) -> &Flight {
        &self.flight
    }
}

impl Drop for Boarding<'_> {
    fn drop(&mut self) {
        if let Ok(mut flights) = self.cache.flights.lock() {
            // The board's own reference and ours: nobody else is waiting.
            if Arc::strong_count(&self.flight) <= 2 {
                if let Some(current) = flights.get(&self.key) {
                    if Arc::ptr_eq(current, &self.flight) {
                        flights.remove(&self.key);
                    }
                }
            }
        }
    }
}

struct State {
    used: usize,
    entries: HashMap<String, Entry>,
    /// When stale entries were last dropped.
    swept: Instant,
}

struct Entry {
    generation: i64,
    at: Instant,
    cost: usize,
    answer: Answer,
}

impl ReadCache {
    /// Keeps answers for `ttl`, at most `budget` worth of cost; a zero
    /// `ttl` keeps nothing.
    pub fn new(ttl: Duration, budget: usize) -> Self {
        Self {
            ttl,
            budget,
            state: Mutex::new(State {
                used: 0,
                entries: HashMap::new(),
                swept: Instant::now(),
            }),
            flights: Mutex::new(HashMap::new()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// (reads answered from the cache, reads that went to the database)
    /// since start-up, for `/metrics`.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    /// Counts a read that went to the database.
    pub fn missed(&self) {
        self.misses.fetch_add(1, Ordering::Relaxed);
    }

    /// Joins (or opens) the read of `key` at `generation`.
    pub fn board(&self, key: &str, generation: i64) -> Boarding<'_> {
        let key = (key.to_owned(), generation);
        let flight = match self.flights.lock() {
            Ok(mut flights) => Arc::clone(flights.entry(key.clone()).or_default()),
            Err(_) => Flight::default(),
        };
        Boarding {
            cache: self,
            key,
            flight,
        }
    }

    /// Whether anything is ever kept.
    pub fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }

    /// The answer kept under `key`, if it was read at `generation` (the
    /// current one) less than `ttl` ago.
    pub fn get(&self, key: &str, generation: i64) -> Option<Answer> {
        if !self.enabled() {
            return None;
        }
        let state = self.state.lock().ok()?;
        let entry = state.entries.get(key)?;
        let fresh = entry.generation == generation && entry.at.elapsed() < self.ttl;
        if fresh {
            self.hits.fetch_add(1, Ordering::Relaxed);
        }
        fresh.then(|| Arc::clone(&entry.answer))
    }

    /// Keeps `answer`, read at `generation`. Entries of other generations
    /// and stale entries are dropped once per lifetime (so what is kept
    /// follows the last moments' reads, not the largest burst since
    /// start-up: paging through 100,000 contents once held 60 MiB here
    /// long after it was useless) and when the budget is reached, then
    /// everything if that is not enough.
    pub fn put(&self, key: String, generation: i64, cost: usize, answer: Answer) {
        let cost = cost.max(1);
        if !self.enabled() || cost > self.budget {
            return;
        }
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let full = state.used + cost > self.budget;
        if full || state.swept.elapsed() >= self.ttl {
            let ttl = self.ttl;
            // Older generations are never asked for again; newer ones (a
            // slower reader landing after a faster one) may be.
            state
                .entries
                .retain(|_, e| e.generation >= generation && e.at.elapsed() < ttl);
            state.used = state.entries.values().map(|e| e.cost).sum();
            state.swept = Instant::now();
            if state.used + cost > self.budget {
                state.entries.clear();
                state.used = 0;
            }
        }
        let entry = Entry {
            generation,
            at: Instant::now(),
            cost,
            answer,
        };
        if let Some(old) = state.entries.insert(key, entry) {
            state.used -= old.cost;
        }
        state.used += cost;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(n: u32) -> Answer {
        Arc::new(n)
    }

    fn read(cache: &ReadCache, key: &str) -> Option<u32> {
        read_at(cache, key, 0)
    }

    fn read_at(cache: &ReadCache, key: &str, generation: i64) -> Option<u32> {
        cache
            .get(key, generation)
            .and_then(|a| a.downcast_ref::<u32>().copied())
    }

    #[test]
    fn an_answer_is_served_only_at_its_generation() {
        let cache = ReadCache::new(Duration::from_secs(60), 100);
        cache.put("k".into(), 3, 1, answer(7));
        assert_eq!(read_at(&cache, "k", 3), Some(7));
        assert_eq!(read_at(&cache, "k", 4), None, "a write since");
        assert_eq!(read_at(&cache, "k", 2), None);
    }

    #[test]
    fn nothing_is_kept_with_a_zero_lifetime() {
        let cache = ReadCache::new(Duration::ZERO, 100);
        cache.put("k".into(), 0, 1, answer(7));
        assert_eq!(read(&cache, "k"), None);
    }

    #[tokio::test]
    async fn concurrent_misses_of_one_key_read_once() {
        let cache = ReadCache::new(Duration::from_secs(60), 100);
        let reads = std::sync::atomic::AtomicUsize::new(0);
        let miss = || async {
            let boarding = cache.board("k", 0);
            let answer = boarding
                .flight()
                .get_or_init(|| async {
                    reads.fetch_add(1, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    answer(7)
                })
                .await
                .clone();
            answer.downcast_ref::<u32>().copied()
        };
        let results = futures_util::future::join_all((0..8).map(|_| miss())).await;
        assert!(results.iter().all(|r| *r == Some(7)), "{results:?}");
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        assert!(cache.flights.lock().unwrap().is_empty(), "landed");
    }

    #[test]
    fn stale_entries_are_dropped_within_a_lifetime_or_two() {
        let cache = ReadCache::new(Duration::from_millis(5), 1000);
        for n in 0..50 {
            cache.put(format!("k{n}"), 0, 10, answer(n));
        }
        std::thread::sleep(Duration::from_millis(11));
        cache.put("new".into(), 0, 1, answer(1));
        let state = cache.state.lock().unwrap();
        assert_eq!((state.entries.len(), state.used), (1, 1));
    }

    #[test]
    fn the_budget_bounds_what_is_kept() {
        let cache = ReadCache::new(Duration::from_secs(60), 10);
        let generation = 0;
        cache.put("big".into(), generation, 11, answer(1));
        assert_eq!(read(&cache, "big"), None, "larger than the budget");
        for n in 0..6 {
            cache.put(format!("k{n}"), generation, 3, answer(n));
        }
        assert_eq!(read(&cache, "k5"), Some(5));
        let used = cache.state.lock().unwrap().used;
        assert!(used <= 10, "{used}");
    }
}

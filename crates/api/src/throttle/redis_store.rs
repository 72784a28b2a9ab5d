//! Budgets kept in Redis (`throttle.redis_url`), so that every process
//! serving one site spends the same budgets.
//!
//! One round trip per decision: a script runs [`super::gcra::decide`]'s
//! arithmetic atomically on the server, on the server's clock (`TIME`), so
//! the processes' clocks need not agree. Keys expire when their TAT has
//! passed, so Redis holds only the callers of the last minute.
//!
//! When Redis cannot answer (down, slow past [`DEADLINE`]) the decision
//! falls back to this process's own budgets: a request is never refused
//! or failed because the shared store is away, a warning is logged at most
//! every ten seconds, and `mstream_throttle_redis_errors_total` counts
//! each fallback.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::gcra::Rate;

/// How long a decision may wait for Redis before this process decides
/// alone.
pub const DEADLINE: Duration = Duration::from_millis(250);

/// `KEYS[1]`: the budget's key; `ARGV`: interval and limit in µs, and
/// `1` to peek. Returns 0 when admitted, else the wait in µs.
const SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local next = tat + interval
if next - now > limit then return next - now - limit end
if ARGV[3] ~= '1' then
  redis.call('SET', KEYS[1], string.format('%d', next), 'PX', math.ceil((next - now) / 1000) + 1)
end
return 0
";

/// A connection (one per HTTP worker) and the key prefix.
pub struct RedisStore {
    connection: ConnectionManager,
    script: redis::Script,
    prefix: String,
}

/// When the last fallback warning was logged (seconds since `EPOCH`).
static WARNED_AT: AtomicU64 = AtomicU64::new(0);

impl RedisStore {
    /// Connects lazily to `url`: a Redis that is down at start-up is
    /// reported at the first request, and budgets are local meanwhile.
    pub fn new(url: &str, prefix: &str) -> redis::RedisResult<Self> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(DEADLINE))
            .set_response_timeout(Some(DEADLINE))
            .set_number_of_retries(1);
        Ok(Self {
            connection: ConnectionManager::new_lazy_with_config(client, config)?,
            script: redis::Script::new(SCRIPT),
            prefix: prefix.to_owned(),
        })
    }

    /// Spends (or, with `peek`, looks at) one request of `key`'s budget.
    /// `Err` when Redis did not answer in time.
    pub async fn take(
        &self,
        key: &str,
        rate: Rate,
        peek: bool,
    ) -> Result<Result<(), Duration>, String> {
        let mut connection = self.connection.clone();
        let mut invocation = self.script.key(format!("{}{key}", self.prefix));
        invocation
            .arg(rate.interval_us)
            .arg(rate.limit_us)
            .arg(if peek { "1" } else { "0" });
        let answer =
            tokio::time::timeout(DEADLINE, invocation.invoke_async::<u64>(&mut connection))
                .await
                .map_err(|_| format!("no answer within {} ms", DEADLINE.as_millis()))?
                .map_err(|e| e.to_string())?;
        Ok(match answer {
            0 => Ok(()),
            wait => Err(Duration::from_micros(wait)),
        })
    }
}

/// Notes that Redis failed and the process decided alone.
pub fn fell_back(why: &str) {
    metrics::counter!("mstream_throttle_redis_errors_total").increment(1);
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let now = EPOCH.get_or_init(Instant::now).elapsed().as_secs() + 1;
    let last = WARNED_AT.load(Ordering::Relaxed);
    if (last == 0 || now >= last + 10)
        && WARNED_AT
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        tracing::warn!(
            cause = why,
            "throttle: Redis unavailable, counting budgets in this process until it answers"
        );
    }
}

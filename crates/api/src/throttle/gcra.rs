//! The generic cell rate algorithm behind every budget, and the store that
//! keeps its state in this process.
//!
//! A budget of N a minute admits a burst of N and then one request every
//! 60/N seconds: the (N+1)-th request of a burst is refused and told to
//! come back in 60/N seconds. Each key holds one instant, its *theoretical
//! arrival time* (TAT). The Redis store runs the same arithmetic in a
//! script ([`super::redis_store`]), so a budget means the same thing with
//! one process or many.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A budget: `per_minute` requests a minute, all of them in a burst.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Time between two requests at the steady rate, in microseconds.
    pub interval_us: u64,
    /// How far the TAT may run ahead of now, in microseconds.
    pub limit_us: u64,
}

impl Rate {
    /// `per_minute` a minute; `None` for 0 (unlimited).
    pub fn per_minute(per_minute: u32) -> Option<Self> {
        if per_minute == 0 {
            return None;
        }
        let interval_us = 60_000_000 / u64::from(per_minute);
        Some(Self {
            interval_us,
            limit_us: interval_us * u64::from(per_minute),
        })
    }
}

/// One decision: admit (and the new TAT), or refuse with the wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Admitted; the key's TAT becomes this (µs).
    Admit(u64),
    /// Refused; try again after this long.
    Refuse(Duration),
}

/// The arithmetic: `tat` and `now` in microseconds on one clock.
pub fn decide(rate: Rate, tat: Option<u64>, now: u64) -> Decision {
    let next = tat.unwrap_or(now).max(now) + rate.interval_us;
    let ahead = next - now;
    if ahead > rate.limit_us {
        Decision::Refuse(Duration::from_micros(ahead - rate.limit_us))
    } else {
        Decision::Admit(next)
    }
}

/// Budgets kept in this process (the default, and the fallback when the
/// shared store cannot be reached).
pub struct LocalStore {
    epoch: Instant,
    state: Mutex<State>,
}

struct State {
    tats: HashMap<String, u64>,
    /// When keys whose TAT has passed were last forgotten.
    swept: u64,
}

/// Keys whose TAT has passed carry no information: forgetting them once a
/// minute keeps the map to the callers of the last minute.
const SWEEP_US: u64 = 60_000_000;

impl Default for LocalStore {
    fn default() -> Self {
        Self {
            epoch: Instant::now(),
            state: Mutex::new(State {
                tats: HashMap::new(),
                swept: 0,
            }),
        }
    }
}

impl LocalStore {
    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    /// Spends one request of `key`'s budget, or says how long to wait.
    /// With `peek`, only says whether one would be admitted.
    pub fn take(&self, key: &str, rate: Rate, peek: bool) -> Result<(), Duration> {
        let now = self.now();
        let Ok(mut state) = self.state.lock() else {
            // A panic elsewhere while counting: admit rather than refuse all.
            return Ok(());
        };
        if now.saturating_sub(state.swept) >= SWEEP_US {
            state.tats.retain(|_, tat| *tat > now);
            state.tats.shrink_to_fit();
            state.swept = now;
        }
        match decide(rate, state.tats.get(key).copied(), now) {
            Decision::Admit(tat) => {
                if !peek {
                    state.tats.insert(key.to_owned(), tat);
                }
                Ok(())
            }
            Decision::Refuse(wait) => Err(wait),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_n_then_one_every_interval() {
        let rate = Rate::per_minute(60).unwrap();
        let mut tat = None;
        for n in 0..60 {
            match decide(rate, tat, 0) {
                Decision::Admit(next) => tat = Some(next),
                Decision::Refuse(_) => panic!("request {} refused", n + 1),
            }
        }
        assert_eq!(
            decide(rate, tat, 0),
            Decision::Refuse(Duration::from_secs(1)),
            "the 61st waits a second"
        );
        assert!(matches!(decide(rate, tat, 1_000_000), Decision::Admit(_)));
        assert!(matches!(decide(rate, tat, 999_999), Decision::Refuse(_)));
    }

    #[test]
    fn zero_is_unlimited() {
        assert_eq!(Rate::per_minute(0), None);
    }

    #[test]
    fn a_peek_spends_nothing() {
        let store = LocalStore::default();
        let rate = Rate::per_minute(2).unwrap();
        for _ in 0..5 {
            assert!(store.take("k", rate, true).is_ok());
        }
        assert!(store.take("k", rate, false).is_ok());
        assert!(store.take("k", rate, false).is_ok());
        assert!(store.take("k", rate, true).is_err());
        assert!(store.take("k", rate, false).is_err());
        assert!(
            store.take("other", rate, false).is_ok(),
            "keys are separate"
        );
    }
}

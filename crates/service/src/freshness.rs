//! How a process knows its caches are current: the write generations
//! ([`mstream_db::generation`]) read from the database by a check that
//! began after the request arrived.
//!
//! A write acknowledged by any process moved the generation before its
//! response was sent, so a check that *starts* after a request arrived
//! sees every write acknowledged before that request. One check serves
//! every request that arrived before it began: at most one is in flight
//! per process, the next one starts as soon as it lands if anybody is
//! waiting, so under load a cache hit costs a share of one cheap
//! statement, and an idle process costs nothing.
//!
//! The request's arrival is a task-local set by the HTTP layer
//! ([`arrived`]); work outside a request (the CLI, tests calling services
//! directly) counts as arriving when it asks.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use mstream_db::Generations;
use tokio::sync::watch;

use crate::error::{ServiceError, ServiceResult};

tokio::task_local! {
    static ARRIVED: Instant;
}

/// Runs `request` as one request that arrived now: every freshness check
/// it needs may be answered by any check that began after this moment.
pub async fn arrived<F: std::future::Future>(request: F) -> F::Output {
    ARRIVED.scope(Instant::now(), request).await
}

fn arrival() -> Instant {
    ARRIVED
        .try_with(|at| *at)
        .unwrap_or_else(|_| Instant::now())
}

type Outcome = Option<Result<Generations, String>>;

/// The checks of one process.
#[derive(Default)]
pub struct Freshness {
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    /// The last check that landed: when it began and what it read.
    last: Option<(Instant, Generations)>,
    /// The check that waiters joined and that has not begun yet.
    next: Option<watch::Sender<Outcome>>,
    /// Whether a check is in flight.
    running: bool,
}

impl Freshness {
    /// The generations as of some moment after the current request
    /// arrived; `read` reads them from the database when a new check has
    /// to run (on a task of its own, so it owns what it needs).
    pub async fn current<R, F>(&self, read: R) -> ServiceResult<Generations>
    where
        R: Fn() -> F + Send + 'static,
        F: Future<Output = ServiceResult<Generations>> + Send + 'static,
    {
        let mut read = Some(read);
        let since = arrival();
        // A check whose task died (its runtime shut down: an HTTP worker
        // restarted) drops its sender; its waiters then join the next one.
        for _ in 0..3 {
            let mut receiver = {
                let mut state = self
                    .state
                    .lock()
                    .map_err(|_| ServiceError::Internal("freshness state poisoned".into()))?;
                if let Some((began, generations)) = state.last {
                    if began >= since {
                        return Ok(generations);
                    }
                }
                let receiver = match &state.next {
                    Some(sender) => sender.subscribe(),
                    None => {
                        let (sender, receiver) = watch::channel(None);
                        state.next = Some(sender);
                        receiver
                    }
                };
                if !state.running {
                    if let Some(read) = read.take() {
                        state.running = true;
                        // A task of its own: a waiter that goes away (its
                        // client hung up) must not take the others' check
                        // with it.
                        tokio::spawn(checks(Arc::clone(&self.state), read));
                    }
                }
                receiver
            };
            let Ok(outcome) = receiver.wait_for(Option::is_some).await.map(|o| o.clone()) else {
                continue;
            };
            return match outcome {
                Some(Ok(generations)) => Ok(generations),
                Some(Err(why)) => Err(ServiceError::Unavailable(why)),
                None => Err(ServiceError::Internal("freshness check empty".into())),
            };
        }
        Err(ServiceError::Internal(
            "freshness checks keep being dropped".into(),
        ))
    }
}

/// While alive, a check task is running; dropped (the task ended, or its
/// runtime went away mid-check), it says so, and takes any waiting
/// check's sender with it so its waiters start another instead of
/// waiting forever.
struct Running(Arc<Mutex<State>>);

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(mut state) = self.0.lock() {
            state.running = false;
            state.next = None;
        }
    }
}

/// Runs checks back to back while anybody waits for one.
async fn checks<R, F>(shared: Arc<Mutex<State>>, read: R)
where
    R: Fn() -> F,
    F: Future<Output = ServiceResult<Generations>>,
{
    let _running = Running(Arc::clone(&shared));
    loop {
        let (sender, began) = {
            let Ok(mut state) = shared.lock() else {
                return;
            };
            match state.next.take() {
                Some(sender) => (sender, Instant::now()),
                None => return,
            }
        };
        let read = read().await;
        if let Ok(generations) = &read {
            if let Ok(mut state) = shared.lock() {
                if state.last.is_none_or(|(at, _)| at < began) {
                    state.last = Some((began, *generations));
                }
            }
        }
        sender.send_replace(Some(read.map_err(|e| e.to_string())));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn arrival_is_the_scope_start() {
        let before = Instant::now();
        let seen = arrived(async { arrival() }).await;
        assert!(seen >= before);
        let later = Instant::now();
        assert!(arrival() >= later, "outside a request: now");
    }
}

//! Time for the engines: the system clock in production, a manual clock in tests.
//!
//! Engines never read the OS time directly. They ask a [`Clock`] for "now" (epoch
//! milliseconds) and sleep on it, so that tests can move time forward by hand and see
//! visibility timeouts, delays and retention expire deterministically.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::watch;

/// Epoch milliseconds.
pub type Millis = u64;

/// A boxed future returned by [`Clock::sleep_until`].
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// A source of time.
pub trait Clock: Send + Sync + 'static {
    /// The current time in epoch milliseconds.
    fn now_millis(&self) -> Millis;
    /// A future that completes once `now_millis() >= deadline`.
    fn sleep_until(&self, deadline: Millis) -> Sleep;
}

/// The operating system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> Millis {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0)
    }

    fn sleep_until(&self, deadline: Millis) -> Sleep {
        let now = self.now_millis();
        let wait = Duration::from_millis(deadline.saturating_sub(now));
        Box::pin(tokio::time::sleep(wait))
    }
}

/// A clock that only moves when told to. Sleepers wake when [`ManualClock::advance`]
/// (or [`ManualClock::set`]) passes their deadline.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<watch::Sender<Millis>>,
}

impl ManualClock {
    /// A manual clock starting at `start` epoch milliseconds.
    pub fn new(start: Millis) -> Self {
        let (tx, _rx) = watch::channel(start);
        ManualClock { now: Arc::new(tx) }
    }

    /// A manual clock starting at 2026-01-01T00:00:00Z.
    pub fn starting_2026() -> Self {
        Self::new(1_767_225_600_000)
    }

    /// Move time forward.
    pub fn advance(&self, by: Duration) {
        self.now.send_modify(|t| *t += by.as_millis() as u64);
    }

    /// Set the time (never moves backwards).
    pub fn set(&self, to: Millis) {
        self.now.send_modify(|t| *t = (*t).max(to));
    }

    /// How many sleeps on this clock are pending (a parked long poll is one): tests await this
    /// to know a request is waiting, instead of pausing for a while.
    pub fn sleepers(&self) -> usize {
        self.now.receiver_count()
    }
}

impl Clock for ManualClock {
    fn now_millis(&self) -> Millis {
        *self.now.borrow()
    }

    fn sleep_until(&self, deadline: Millis) -> Sleep {
        let mut rx = self.now.subscribe();
        Box::pin(async move {
            // wait_for returns an error only when the sender is dropped; then never wake.
            if rx.wait_for(|t| *t >= deadline).await.is_err() {
                std::future::pending::<()>().await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_clock_wakes_sleepers_when_advanced_past_deadline() {
        let clock = ManualClock::new(1_000);
        let sleep = clock.sleep_until(1_500);
        assert_eq!(clock.sleepers(), 1);
        let handle = tokio::spawn(sleep);
        clock.advance(Duration::from_millis(400));
        tokio::task::yield_now().await;
        assert!(!handle.is_finished());
        clock.advance(Duration::from_millis(100));
        tokio::time::timeout(Duration::from_secs(5), handle)
            .await
            .expect("sleeper woke")
            .expect("task ok");
        assert_eq!(clock.now_millis(), 1_500);
        assert_eq!(clock.sleepers(), 0);
    }
}

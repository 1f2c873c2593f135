//! Looks at one asynchronous task that are in flight at once share one call. The resources of a
//! merged write wait for the same task on the same schedule, so without this each of them
//! would poll it at the same moment, spending the service's rate limit on identical answers.
//!
//! Only for answers that a caller may take from a call started a moment before it asked (a
//! task's status: a stale "running" just means looking again). Never for reads that must see a
//! change the caller has just made.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OnceCell;

/// The calls in flight, by what they ask.
#[derive(Debug)]
pub struct InFlight<K, V> {
    calls: Mutex<HashMap<K, Arc<OnceCell<V>>>>,
}

impl<K, V> Default for InFlight<K, V> {
    fn default() -> Self {
        InFlight {
            calls: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash + Clone, V: Clone> InFlight<K, V> {
    /// The answer of the call of `key` in flight, or of `call` made now when there is none.
    /// A caller abandoned while its call is in flight leaves the call to one of those waiting
    /// for it, which makes it again; a call that has answered is forgotten, so the next look
    /// asks anew.
    pub async fn join<F, Fut>(&self, key: K, call: F) -> V
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = V>,
    {
        let cell = self.lock().entry(key.clone()).or_default().clone();
        let answer = cell.get_or_init(call).await.clone();
        let mut calls = self.lock();
        if calls.get(&key).is_some_and(|open| Arc::ptr_eq(open, &cell)) {
            calls.remove(&key);
        }
        answer
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Arc<OnceCell<V>>>> {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn looks_at_once_share_one_call_and_the_next_look_asks_anew() {
        let looks: InFlight<&str, u32> = InFlight::default();
        let calls = AtomicUsize::new(0);
        let call = || async {
            let n = calls.fetch_add(1, Ordering::SeqCst) as u32;
            tokio::time::sleep(Duration::from_millis(30)).await;
            n
        };
        let (a, b, c, other) = tokio::join!(
            looks.join("task-1", call),
            looks.join("task-1", call),
            looks.join("task-1", call),
            looks.join("task-2", call),
        );
        assert_eq!((a, b, c), (a, a, a));
        assert_ne!(other, a);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        looks.join("task-1", call).await;
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_look_whose_caller_is_abandoned_is_made_by_one_that_waits() {
        let looks: InFlight<&str, &str> = InFlight::default();
        let abandoned = async {
            tokio::select! {
                _ = looks.join("task-1", || async {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    "never"
                }) => unreachable!("abandoned first"),
                _ = tokio::time::sleep(Duration::from_millis(10)) => {}
            }
        };
        let waiting = async {
            tokio::task::yield_now().await;
            looks.join("task-1", || async { "made again" }).await
        };
        let (_, answer) = tokio::join!(abandoned, waiting);
        assert_eq!(answer, "made again");
    }
}

//! Writes merged while they wait: when several callers send the same change (same key), the
//! first holds the batch open for the time its caller gives (until the action's next slot of
//! the rate limit, and at least a short gathering window), the others add their items to it,
//! and one call goes out for all of them; each caller gets its outcome.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::watch;

struct Batch<T, O> {
    items: Mutex<Vec<T>>,
    outcome: watch::Sender<Option<O>>,
}

pub struct Batches<K, T, O> {
    open: Mutex<HashMap<K, Arc<Batch<T, O>>>>,
}

impl<K, T, O> Default for Batches<K, T, O> {
    fn default() -> Self {
        Batches {
            open: Mutex::new(HashMap::new()),
        }
    }
}

/// Closes the batch of `key` when dropped: when its time is up, or when the caller leading it
/// is abandoned, whose followers then get `None` rather than waiting for ever.
struct Leading<'a, K: Eq + Hash, T, O> {
    batches: &'a Batches<K, T, O>,
    key: K,
}

impl<K: Eq + Hash, T, O> Drop for Leading<'_, K, T, O> {
    fn drop(&mut self) {
        self.batches
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.key);
    }
}

impl<K: Eq + Hash + Clone, T, O: Clone> Batches<K, T, O> {
    /// Sends `item` with the others of `key` that arrive within `hold` (the wait for the
    /// action's next slot): the first caller runs `send` on them all when the time is up.
    /// `None` when the caller whose batch this joined was abandoned before it sent.
    pub async fn submit<F, Fut>(&self, key: K, item: T, hold: Duration, send: F) -> Option<O>
    where
        F: FnOnce(Vec<T>) -> Fut,
        Fut: Future<Output = O>,
    {
        let waiting = {
            let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
            match open.get(&key) {
                Some(batch) => {
                    batch
                        .items
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(item);
                    Ok(batch.outcome.subscribe())
                }
                None => Err(item),
            }
        };
        let item = match waiting {
            Ok(mut outcome) => return outcome.wait_for(Option::is_some).await.ok()?.clone(),
            Err(item) => item,
        };
        let batch = Arc::new(Batch {
            items: Mutex::new(vec![item]),
            outcome: watch::channel(None).0,
        });
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key.clone(), batch.clone());
        let leading = Leading { batches: self, key };
        tokio::time::sleep(hold).await;
        // Closed under the map's lock: a write arriving now starts the next batch.
        drop(leading);
        let items =
            std::mem::take(&mut *batch.items.lock().unwrap_or_else(PoisonError::into_inner));
        let outcome = send(items).await;
        batch.outcome.send_replace(Some(outcome.clone()));
        Some(outcome)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn writes_of_one_key_waiting_together_go_out_as_one() {
        let batches: Batches<&str, u32, Vec<u32>> = Batches::default();
        let calls = AtomicUsize::new(0);
        let send = |items: Vec<u32>| async {
            calls.fetch_add(1, Ordering::SeqCst);
            items
        };
        let hold = Duration::from_millis(100);
        let (a, b, c, other) = tokio::join!(
            batches.submit("grant", 1, hold, send),
            batches.submit("grant", 2, hold, send),
            batches.submit("grant", 3, hold, send),
            batches.submit("revoke", 4, hold, send),
        );
        assert_eq!(a, Some(vec![1, 2, 3]));
        assert_eq!((b, c), (a.clone(), a));
        assert_eq!(other, Some(vec![4]));
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        // A write arriving after the batch went out starts the next one.
        assert_eq!(batches.submit("grant", 5, hold, send).await, Some(vec![5]));
    }

    #[tokio::test(start_paused = true)]
    async fn followers_of_an_abandoned_leader_are_told() {
        let batches: Batches<&str, u32, Vec<u32>> = Batches::default();
        let hold = Duration::from_millis(100);
        let leader = batches.submit("grant", 1, hold, |items| async { items });
        let follower = async {
            tokio::task::yield_now().await;
            batches
                .submit("grant", 2, hold, |items| async { items })
                .await
        };
        let abandoned = async {
            tokio::select! {
                _ = leader => unreachable!("the leader is abandoned first"),
                _ = tokio::time::sleep(Duration::from_millis(10)) => {}
            }
        };
        let (_, followed) = tokio::join!(abandoned, follower);
        assert_eq!(followed, None);
    }
}

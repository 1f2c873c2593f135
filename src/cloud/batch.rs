//! Writes merged while they wait: when several callers send the same change (same key), the
//! first holds the batch open for as long as its caller's [`Hold`] says (until the action's next
//! slot of the rate limit, and while others keep joining), the others add their items to it,
//! and one call goes out for all of them; each caller gets its outcome.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

/// How long the first caller of a batch keeps it open.
#[derive(Clone, Copy, Debug)]
pub struct Hold {
    /// Never shorter (the wait for the action's rate limit).
    pub at_least: Duration,
    /// Until this long has passed without another caller joining: callers that arrive close
    /// together all get in, and one that arrives alone waits only this long.
    pub quiet: Duration,
    /// Never longer for the sake of joiners (`at_least` may still be longer).
    pub at_most: Duration,
}

impl Hold {
    fn until(&self, opened: Instant, last_joined: Instant) -> Instant {
        let gathering = (last_joined + self.quiet).min(opened + self.at_most);
        gathering.max(opened + self.at_least)
    }
}

struct Batch<T, O> {
    /// The items so far, and when the latest joined.
    items: Mutex<(Vec<T>, Instant)>,
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
    /// Sends `item` with the others of `key` that arrive while the first caller's `hold` keeps
    /// the batch open: the first caller runs `send` on them all when the time is up. `None`
    /// when the caller whose batch this joined was abandoned before it sent.
    pub async fn submit<F, Fut>(&self, key: K, item: T, hold: Hold, send: F) -> Option<O>
    where
        F: FnOnce(Vec<T>) -> Fut,
        Fut: Future<Output = O>,
    {
        let waiting = {
            let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
            match open.get(&key) {
                Some(batch) => {
                    let mut items = batch.items.lock().unwrap_or_else(PoisonError::into_inner);
                    items.0.push(item);
                    items.1 = Instant::now();
                    Ok(batch.outcome.subscribe())
                }
                None => Err(item),
            }
        };
        let item = match waiting {
            Ok(mut outcome) => return outcome.wait_for(Option::is_some).await.ok()?.clone(),
            Err(item) => item,
        };
        let opened = Instant::now();
        let batch = Arc::new(Batch {
            items: Mutex::new((vec![item], opened)),
            outcome: watch::channel(None).0,
        });
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key.clone(), batch.clone());
        let leading = Leading { batches: self, key };
        loop {
            let last_joined = batch.items.lock().unwrap_or_else(PoisonError::into_inner).1;
            let until = hold.until(opened, last_joined);
            if Instant::now() >= until {
                break;
            }
            tokio::time::sleep_until(until).await;
        }
        // Closed under the map's lock: a write arriving now starts the next batch.
        drop(leading);
        let items =
            std::mem::take(&mut batch.items.lock().unwrap_or_else(PoisonError::into_inner).0);
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
        let hold = Hold {
            at_least: Duration::from_millis(100),
            quiet: Duration::from_millis(10),
            at_most: Duration::from_millis(50),
        };
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
    async fn a_batch_stays_open_while_callers_keep_joining() {
        let batches: Batches<&str, u32, Vec<u32>> = Batches::default();
        let batches = &batches;
        let hold = Hold {
            at_least: Duration::ZERO,
            quiet: Duration::from_millis(10),
            at_most: Duration::from_millis(50),
        };
        let send = |items: Vec<u32>| async { items };
        let joining = |n: u32| async move {
            tokio::time::sleep(Duration::from_millis(8 * u64::from(n))).await;
            batches.submit("grant", n, hold, send).await
        };
        // Callers 8 ms apart each join before 10 ms pass without one.
        let started = Instant::now();
        let (first, _, _, last) = tokio::join!(joining(0), joining(1), joining(2), joining(3));
        assert_eq!(first, Some(vec![0, 1, 2, 3]));
        assert_eq!(last, first);
        assert_eq!(Instant::now() - started, Duration::from_millis(34));
        // A caller alone waits only the quiet time.
        let alone = Instant::now();
        assert_eq!(batches.submit("grant", 9, hold, send).await, Some(vec![9]));
        assert_eq!(Instant::now() - alone, Duration::from_millis(10));
        // Callers who never stop coming are cut off after `at_most`: 0, 8, …, 48 ms get in.
        let (first, .., last) = tokio::join!(
            joining(0),
            joining(1),
            joining(2),
            joining(3),
            joining(4),
            joining(5),
            joining(6),
            joining(7),
            joining(8),
            joining(9)
        );
        assert_eq!(first, Some((0..=6).collect::<Vec<u32>>()));
        assert_eq!(last, Some(vec![7, 8, 9]));
    }

    #[tokio::test(start_paused = true)]
    async fn followers_of_an_abandoned_leader_are_told() {
        let batches: Batches<&str, u32, Vec<u32>> = Batches::default();
        let hold = Hold {
            at_least: Duration::from_millis(100),
            quiet: Duration::from_millis(10),
            at_most: Duration::from_millis(50),
        };
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

//! Listings shared by the reads of one walk: when many resources refresh from one listing
//! (every account of a cluster, in pages), the first read fetches it and the others wait for
//! that fetch and take their part, so a refresh costs one listing rather than one call per
//! resource. A new walk starts with none; reads after a change never use them.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OnceCell;

/// The outcome of one key's fetch, shared by its readers once it is done.
type Fetch<V> = Arc<OnceCell<Option<Arc<V>>>>;

/// One fetch per key per walk; a fetch that fails is kept as `None` (each reader then reads
/// on its own, and reports its own error).
pub struct WalkListings<K, V> {
    fetched: Mutex<HashMap<K, Fetch<V>>>,
}

impl<K: Eq + Hash + Clone, V> Default for WalkListings<K, V> {
    fn default() -> Self {
        WalkListings {
            fetched: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash + Clone, V> WalkListings<K, V> {
    /// Forgets every listing: a new walk begins.
    pub fn clear(&self) {
        self.fetched
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// The listing of `key`, fetched by the first caller of the walk; `None` if that fetch
    /// failed.
    pub async fn get<E, F>(&self, key: &K, fetch: impl FnOnce() -> F) -> Option<Arc<V>>
    where
        F: Future<Output = Result<V, E>>,
    {
        let cell = self
            .fetched
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(key.clone())
            .or_default()
            .clone();
        cell.get_or_init(|| async { fetch().await.ok().map(Arc::new) })
            .await
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn one_fetch_per_key_per_walk_even_when_asked_at_once() {
        let listings: WalkListings<&str, Vec<u32>> = WalkListings::default();
        let fetches = AtomicUsize::new(0);
        let fetch = || async {
            fetches.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            Ok::<_, ()>(vec![1, 2])
        };
        let (a, b) = tokio::join!(listings.get(&"pc-1", fetch), listings.get(&"pc-1", fetch));
        assert_eq!(
            (a.as_deref(), b.as_deref()),
            (Some(&vec![1, 2]), Some(&vec![1, 2]))
        );
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        listings.get(&"pc-2", fetch).await;
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
        listings.clear();
        listings.get(&"pc-1", fetch).await;
        assert_eq!(fetches.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_failed_fetch_is_kept_as_none() {
        let listings: WalkListings<&str, Vec<u32>> = WalkListings::default();
        let failed = listings
            .get(&"pc-1", || async { Err::<Vec<u32>, _>("down") })
            .await;
        assert!(failed.is_none());
        let again = listings
            .get(&"pc-1", || async { Ok::<_, ()>(vec![1]) })
            .await;
        assert!(again.is_none(), "the walk keeps what its first fetch found");
    }
}

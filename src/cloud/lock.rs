//! Per-account async locks, so two operations on the same account never interleave.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

/// A lock per account key (e.g. `polardb/pc-xxx/app`). The table holds weak references:
/// a key's lock lives only while a guard or a waiter holds it, and dead entries are swept
/// whenever a new key is added, so the table does not grow with every account ever touched.
#[derive(Debug, Default)]
pub struct AccountLocks {
    locks: Mutex<HashMap<String, Weak<AsyncMutex<()>>>>,
}

impl AccountLocks {
    pub fn new() -> Self {
        Self::default()
    }

    /// Waits until no one else holds `key`, then holds it until the guard is dropped.
    /// Waiters are served in the order they asked (tokio's mutex is fair).
    pub async fn lock(&self, key: String) -> OwnedMutexGuard<()> {
        self.lock_for(key).lock_owned().await
    }

    fn lock_for(&self, key: String) -> Arc<AsyncMutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(lock) = locks.get(&key).and_then(Weak::upgrade) {
            return lock;
        }
        locks.retain(|_, lock| lock.strong_count() > 0);
        let lock = Arc::new(AsyncMutex::new(()));
        locks.insert(key, Arc::downgrade(&lock));
        lock
    }

    /// How many keys the table holds right now (live or not yet swept).
    pub fn tracked_keys(&self) -> usize {
        self.locks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn two_operations_on_one_account_do_not_interleave() {
        let locks = Arc::new(AccountLocks::new());
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for name in ["first", "second"] {
            let locks = Arc::clone(&locks);
            let log = Arc::clone(&log);
            tasks.push(tokio::spawn(async move {
                let _guard = locks.lock("polardb/pc-1/app".into()).await;
                log.lock().expect("log").push(format!("{name} start"));
                tokio::time::sleep(Duration::from_millis(100)).await;
                log.lock().expect("log").push(format!("{name} end"));
            }));
            tokio::task::yield_now().await;
        }
        for task in tasks {
            task.await.expect("task");
        }
        assert_eq!(
            *log.lock().expect("log"),
            vec!["first start", "first end", "second start", "second end"]
        );
    }

    #[tokio::test]
    async fn different_accounts_do_not_block_each_other() {
        let locks = AccountLocks::new();
        let _app = locks.lock("polardb/pc-1/app".into()).await;
        let other = tokio::time::timeout(
            Duration::from_secs(1),
            locks.lock("polardb/pc-1/report".into()),
        )
        .await;
        assert!(other.is_ok());
    }

    #[tokio::test]
    async fn unused_entries_are_swept() {
        let locks = AccountLocks::new();
        for n in 0..100 {
            drop(locks.lock(format!("cdb/cdb-1/user{n}")).await);
        }
        assert!(
            locks.tracked_keys() <= 1,
            "{} keys kept",
            locks.tracked_keys()
        );
        let held = locks.lock("cdb/cdb-1/kept".into()).await;
        drop(locks.lock("cdb/cdb-1/other".into()).await);
        assert!(locks.tracked_keys() <= 2);
        drop(held);
    }
}

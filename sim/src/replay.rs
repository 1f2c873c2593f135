//! Replay protection: remembers signature nonces for as long as a timestamp stays acceptable.

use std::collections::{HashSet, VecDeque};
use std::time::{Duration, Instant};

/// Nonces seen recently, oldest first, so expiry is cheap.
#[derive(Debug, Default)]
pub(crate) struct NonceCache {
    seen: HashSet<String>,
    order: VecDeque<(Instant, String)>,
}

impl NonceCache {
    /// Records `nonce` and tells whether it is new within `window`.
    pub(crate) fn remember(&mut self, nonce: &str, now: Instant, window: Duration) -> bool {
        while let Some((at, _)) = self.order.front() {
            if now.saturating_duration_since(*at) < window {
                break;
            }
            if let Some((_, old)) = self.order.pop_front() {
                self.seen.remove(&old);
            }
        }
        if !self.seen.insert(nonce.to_owned()) {
            return false;
        }
        self.order.push_back((now, nonce.to_owned()));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_is_accepted_once_within_the_window() {
        let mut cache = NonceCache::default();
        let start = Instant::now();
        let window = Duration::from_secs(900);
        assert!(cache.remember("k:n1", start, window));
        assert!(!cache.remember("k:n1", start + Duration::from_secs(899), window));
        assert!(cache.remember("k:n2", start, window));
        assert!(cache.remember("k:n1", start + Duration::from_secs(900), window));
    }
}

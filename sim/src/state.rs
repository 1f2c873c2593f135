//! The sim's shared state: options, inventory, backend, faults, request log; cheap to clone.

use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::backend::{BackendError, MemoryBackend, PolarDbBackend};
use crate::faults::{Fault, FaultError, FaultQueue, FaultSpec, PendingFault};
use crate::fixture::{AliCloud, Fixture, FixtureError, PolarDbAccount, PolarDbCluster};
use crate::ratelimit::RateLimiter;
use crate::replay::NonceCache;
use crate::requests::{RequestLog, RequestRecord};
use crate::store::World;

/// Whether the vendors' documented request rates are enforced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RateLimits {
    /// postgres ModifyAccountPrivileges 20/s, cdb ModifyAccountPrivileges 10/s (PolarDB documents none).
    Documented,
    /// No limit: every call is admitted.
    #[default]
    Off,
}

impl FromStr for RateLimits {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "documented" => Ok(RateLimits::Documented),
            "off" => Ok(RateLimits::Off),
            other => Err(format!(
                "unknown rate-limit mode `{other}`; expected `documented` or `off`"
            )),
        }
    }
}

/// How the sim behaves beyond what the fixture says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimOptions {
    /// Added before every vendor API answer.
    pub latency: Duration,
    pub rate_limits: RateLimits,
    /// How far a request's timestamp may be from the sim's clock. `None` keeps each vendor's
    /// own limit: 15 minutes for Alibaba, 5 minutes for Tencent API 3.0.
    pub clock_skew_limit: Option<Duration>,
}

impl SimOptions {
    pub(crate) fn alibaba_skew_limit(&self) -> Duration {
        self.clock_skew_limit
            .unwrap_or(Duration::from_secs(15 * 60))
    }

    pub(crate) fn tencent_skew_limit(&self) -> Duration {
        self.clock_skew_limit.unwrap_or(Duration::from_secs(5 * 60))
    }
}

/// Why the state could not be loaded or read.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error(transparent)]
    Fixture(#[from] FixtureError),
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// Everything a running sim shares between requests. Clones share the same state.
#[derive(Clone)]
pub struct SimState {
    inner: Arc<Inner>,
}

struct Inner {
    options: SimOptions,
    /// The fixture that `reset` returns to.
    fixture: Mutex<Fixture>,
    world: Mutex<World>,
    polardb: Box<dyn PolarDbBackend>,
    faults: Mutex<FaultQueue>,
    requests: Mutex<RequestLog>,
    nonces: Mutex<NonceCache>,
    limiter: RateLimiter,
}

impl std::fmt::Debug for SimState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimState")
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

impl SimState {
    /// A sim on the fixture, with privileges kept in memory.
    pub fn new(fixture: Fixture, options: SimOptions) -> Result<SimState, FixtureError> {
        fixture.validate()?;
        let backend = MemoryBackend::new(&fixture.alicloud.polardb);
        Ok(SimState::assemble(fixture, options, Box::new(backend)))
    }

    /// A sim on the fixture whose PolarDB privileges live in `backend`.
    pub async fn with_polardb_backend(
        fixture: Fixture,
        options: SimOptions,
        backend: Box<dyn PolarDbBackend>,
    ) -> Result<SimState, StateError> {
        fixture.validate()?;
        backend.load(&fixture.alicloud.polardb).await?;
        Ok(SimState::assemble(fixture, options, backend))
    }

    fn assemble(fixture: Fixture, options: SimOptions, polardb: Box<dyn PolarDbBackend>) -> Self {
        let world = World::load(&fixture, Instant::now());
        SimState {
            inner: Arc::new(Inner {
                limiter: RateLimiter::new(options.rate_limits),
                options,
                fixture: Mutex::new(fixture),
                world: Mutex::new(world),
                polardb,
                faults: Mutex::new(FaultQueue::default()),
                requests: Mutex::new(RequestLog::default()),
                nonces: Mutex::new(NonceCache::default()),
            }),
        }
    }

    pub fn options(&self) -> &SimOptions {
        &self.inner.options
    }

    /// The current state in the fixture's shape, without credentials: statuses as they are
    /// now and privileges as the backend holds them.
    pub async fn snapshot(&self) -> Result<Fixture, BackendError> {
        let now = Instant::now();
        let (tencentcloud, clusters) = {
            let world = self.world();
            let clusters: Vec<PolarDbCluster> = world
                .polardb_clusters()
                .iter()
                .map(|cluster| PolarDbCluster {
                    db_cluster_id: cluster.id.clone(),
                    region: cluster.region.clone(),
                    databases: cluster.databases.clone(),
                    accounts: cluster
                        .accounts
                        .iter()
                        .map(|account| PolarDbAccount {
                            name: account.name.clone(),
                            account_type: account.account_type,
                            status: account.status(now),
                            available_after_ms: None,
                            description: account.description.clone(),
                            privileges: Default::default(),
                        })
                        .collect(),
                })
                .collect();
            (world.tencent().clone(), clusters)
        };
        let mut polardb = clusters;
        for cluster in &mut polardb {
            for account in &mut cluster.accounts {
                account.privileges = self
                    .polardb()
                    .privileges(&cluster.db_cluster_id, &account.name)
                    .await?;
            }
        }
        Ok(Fixture {
            tencentcloud,
            alicloud: AliCloud {
                credentials: Vec::new(),
                polardb,
            },
        })
    }

    /// Replaces the whole state with the fixture's; `reset` returns to it from now on.
    pub async fn load_fixture(&self, fixture: Fixture) -> Result<(), StateError> {
        fixture.validate()?;
        self.polardb().load(&fixture.alicloud.polardb).await?;
        *self.world() = World::load(&fixture, Instant::now());
        *locked(&self.inner.fixture) = fixture;
        self.inner.limiter.clear();
        Ok(())
    }

    /// Back to the loaded fixture; clears the request log, the faults and the rate buckets.
    pub async fn reset(&self) -> Result<(), StateError> {
        let fixture = locked(&self.inner.fixture).clone();
        self.load_fixture(fixture).await?;
        self.clear_requests();
        self.clear_faults();
        Ok(())
    }

    /// Every vendor API call answered so far, in order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        locked(&self.inner.requests).all()
    }

    pub fn clear_requests(&self) {
        locked(&self.inner.requests).clear();
    }

    /// Queues a fault for the next matching calls.
    pub fn add_fault(&self, spec: FaultSpec) -> Result<PendingFault, FaultError> {
        locked(&self.inner.faults).add(spec)
    }

    /// The faults that still have calls to shape.
    pub fn faults(&self) -> Vec<PendingFault> {
        locked(&self.inner.faults).pending()
    }

    pub fn clear_faults(&self) {
        locked(&self.inner.faults).clear();
    }

    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        locked(&self.inner.world)
    }

    pub(crate) fn polardb(&self) -> &dyn PolarDbBackend {
        self.inner.polardb.as_ref()
    }

    pub(crate) fn take_fault(&self, service: &str, action: &str) -> Option<Fault> {
        locked(&self.inner.faults).take(service, action)
    }

    pub(crate) fn record(&self, record: RequestRecord) {
        locked(&self.inner.requests).push(record);
    }

    pub(crate) fn limiter(&self) -> &RateLimiter {
        &self.inner.limiter
    }

    /// Records a signature nonce; `false` when it was already used within `window`.
    pub(crate) fn remember_nonce(&self, nonce: &str, window: Duration) -> bool {
        locked(&self.inner.nonces).remember(nonce, Instant::now(), window)
    }
}

/// Locks a mutex; a panic elsewhere while it was held leaves data that is still usable here.
pub(crate) fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

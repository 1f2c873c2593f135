//! The sim's shared state: options, inventory, backend, faults, request log; cheap to clone.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::backend::{BackendError, CdbBackend, MemoryBackend, PolarDbBackend, PostgresBackend};
use crate::faults::{Fault, FaultError, FaultQueue, FaultSpec, PendingFault, TaskFault};
use crate::fixture::{
    AliCloud, Fixture, FixtureError, PolarDbAccount, PolarDbCluster, PostgresGrant,
};
use crate::listed_order::in_listed_order;
use crate::ratelimit::{RateLimiter, RateLimits};
use crate::replay::NonceCache;
use crate::requests::{RequestLog, RequestRecord};
use crate::store::World;
use crate::sync::locked;
use crate::tasks::{TaskBook, TaskChange, TaskFailure, TaskStatus};
use crate::tencent::postgres::privileges::{PostgresObject, PostgresObjectType};

/// How long an async task (cdb `AsyncRequestId`) runs unless told otherwise.
pub const DEFAULT_TASK_DURATION: Duration = Duration::from_millis(300);

/// How the sim behaves beyond what the fixture says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimOptions {
    /// Added before every vendor API answer.
    pub latency: Duration,
    pub rate_limits: RateLimits,
    /// How far a request's timestamp may be from the sim's clock. `None` keeps each vendor's
    /// own limit: 15 minutes for Alibaba, 5 minutes for Tencent API 3.0.
    pub clock_skew_limit: Option<Duration>,
    /// How long an async task runs: `INITIAL` for its first third, `RUNNING` for the rest,
    /// then it ends (and its change is made). [`DEFAULT_TASK_DURATION`] by default.
    pub task_duration: Duration,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            latency: Duration::ZERO,
            rate_limits: RateLimits::Off,
            clock_skew_limit: None,
            task_duration: DEFAULT_TASK_DURATION,
        }
    }
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

/// Why an object could not be dropped out of band.
#[derive(Debug, thiserror::Error)]
pub enum DropObjectError {
    #[error("there is no postgres instance `{0}`")]
    NoInstance(String),
    #[error("postgres instance `{instance}` has no {object}")]
    NoObject { instance: String, object: String },
    #[error("an account is not an object to drop")]
    Account,
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
    cdb: Box<dyn CdbBackend>,
    postgres: Box<dyn PostgresBackend>,
    tasks: Mutex<TaskBook>,
    /// Taken while finished tasks' changes are made, so that they are made in order.
    settling: tokio::sync::Mutex<()>,
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
        let cdb = MemoryBackend::for_cdb(&fixture.tencentcloud.cdb);
        let postgres = MemoryBackend::for_postgres(&fixture.tencentcloud.postgres);
        SimState {
            inner: Arc::new(Inner {
                limiter: RateLimiter::new(options.rate_limits),
                options,
                fixture: Mutex::new(fixture),
                world: Mutex::new(world),
                polardb,
                cdb: Box::new(cdb),
                postgres: Box::new(postgres),
                tasks: Mutex::new(TaskBook::default()),
                settling: tokio::sync::Mutex::new(()),
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
    /// now and privileges as the backend holds them (finished tasks' changes made).
    pub async fn snapshot(&self) -> Result<Fixture, BackendError> {
        self.settle_tasks().await?;
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
        let mut tencentcloud = tencentcloud;
        for instance in &mut tencentcloud.cdb {
            for account in &mut instance.accounts {
                let held = self
                    .cdb()
                    .privileges(&instance.instance_id, &account.user, &account.host)
                    .await?;
                account.set_privileges(&held);
            }
        }
        for instance in &mut tencentcloud.postgres {
            for account in &mut instance.accounts {
                let held = self
                    .postgres()
                    .privileges(&instance.instance_id, &account.name)
                    .await?;
                account.privileges = held
                    .iter()
                    .map(|(object, privileges)| PostgresGrant {
                        object_type: object.object_type,
                        database_name: object.database_name.clone(),
                        schema_name: object.schema_name.clone(),
                        table_name: object.table_name.clone(),
                        object_name: object.object_name.clone(),
                        privileges: in_listed_order(privileges, object.object_type.privileges()),
                    })
                    .collect();
            }
        }
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
        self.cdb().load(&fixture.tencentcloud.cdb).await?;
        self.postgres().load(&fixture.tencentcloud.postgres).await?;
        locked(&self.inner.tasks).clear();
        *self.world() = World::load(&fixture, Instant::now());
        *locked(&self.inner.fixture) = fixture;
        self.inner.limiter.clear();
        Ok(())
    }

    /// Drops a PostgreSQL object out of band, as a `DROP` run outside Terraform would: the
    /// object and what is in it leave the instance, and every account's privileges on them go.
    pub async fn drop_postgres_object(
        &self,
        instance_id: &str,
        object: &PostgresObject,
    ) -> Result<(), DropObjectError> {
        if object.object_type == PostgresObjectType::Account {
            return Err(DropObjectError::Account);
        }
        {
            let mut world = self.world();
            let instance = world
                .postgres_instance_mut(instance_id)
                .ok_or_else(|| DropObjectError::NoInstance(instance_id.to_owned()))?;
            if !instance.remove_object(object) {
                return Err(DropObjectError::NoObject {
                    instance: instance_id.to_owned(),
                    object: object.to_string(),
                });
            }
        }
        self.postgres().forget_object(instance_id, object).await?;
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
        locked(&self.inner.faults).add(spec, None)
    }

    /// Queues a fault for the next matching calls that start an async task: they are answered
    /// as usual (plus whatever `spec` adds, e.g. latency), but their tasks end as `task` says
    /// and change nothing.
    pub fn add_task_fault(
        &self,
        spec: FaultSpec,
        task: TaskFault,
    ) -> Result<PendingFault, FaultError> {
        locked(&self.inner.faults).add(spec, Some(task))
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

    pub(crate) fn cdb(&self) -> &dyn CdbBackend {
        self.inner.cdb.as_ref()
    }

    pub(crate) fn postgres(&self) -> &dyn PostgresBackend {
        self.inner.postgres.as_ref()
    }

    /// Starts an async task that makes `change` when it succeeds; answers its id.
    pub(crate) fn start_task(&self, change: TaskChange, failure: Option<TaskFailure>) -> String {
        locked(&self.inner.tasks).start(
            Instant::now(),
            self.inner.options.task_duration,
            change,
            failure,
        )
    }

    /// A task's status and `Info` now; `None` for an id never answered.
    pub(crate) fn task_status(&self, id: &str) -> Option<(TaskStatus, String)> {
        locked(&self.inner.tasks).status(id, Instant::now())
    }

    /// Makes the changes of the tasks that have succeeded, in the order they ended. Every
    /// read of privileges that a task may change calls this first, so a task is seen to
    /// change things exactly when it reports `SUCCESS`.
    pub(crate) async fn settle_tasks(&self) -> Result<(), BackendError> {
        // An async lock: two callers must not interleave the changes they make.
        let _settling = self.inner.settling.lock().await;
        let due = locked(&self.inner.tasks).take_due(Instant::now());
        for change in due {
            match change {
                TaskChange::Cdb {
                    instance,
                    accounts,
                    change,
                } => self.cdb().modify(&instance, &accounts, &change).await?,
            }
        }
        Ok(())
    }

    pub(crate) fn take_fault(
        &self,
        service: &str,
        action: &str,
        starts_task: bool,
    ) -> Option<Fault> {
        locked(&self.inner.faults).take(service, action, starts_task)
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

//! The sim's shared state: options, credentials, each service's state, async tasks, faults,
//! the request log; cheap to clone.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use crate::alibaba::polardb::backend::PolarDbBackend;
use crate::alibaba::polardb::state::PolarDbState;
use crate::backend::error::BackendError;
use crate::clock;
use crate::credentials::Credentials;
use crate::faults::{Fault, FaultError, FaultQueue, FaultSpec, PendingFault, TaskFault};
use crate::fixture::{Fixture, FixtureError};
use crate::ratelimit::{RateLimiter, RateLimits};
use crate::replay::NonceCache;
use crate::requests::{RequestLog, RequestRecord};
use crate::services::Services;
use crate::sync::locked;
use crate::tasks::{TaskBook, TaskChange, TaskFailure, TaskStatus};
use crate::tencent::cdb::state::CdbState;
use crate::tencent::mariadb::state::MariadbState;
use crate::tencent::postgres::privileges::PostgresObject;
use crate::tencent::postgres::state::{DropObjectError, PostgresState};

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
    /// `mysql://user:password@host:port/`: keep CDB, TDSQL and PolarDB privileges on this
    /// MariaDB server instead of in memory (`docs/sim.md`). Honoured by [`SimState::open`]
    /// and [`crate::start`].
    pub mysql: Option<String>,
    /// `postgres://user:password@host:port/database`: keep PostgreSQL privileges on this
    /// server instead of in memory (`docs/sim.md`). Honoured like `mysql`.
    pub postgres: Option<String>,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            latency: Duration::ZERO,
            rate_limits: RateLimits::Off,
            clock_skew_limit: None,
            task_duration: DEFAULT_TASK_DURATION,
            mysql: None,
            postgres: None,
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

/// Everything a running sim shares between requests. Clones share the same state.
#[derive(Clone)]
pub struct SimState {
    inner: Arc<Inner>,
}

struct Inner {
    options: SimOptions,
    /// The fixture that `reset` returns to.
    fixture: Mutex<Fixture>,
    credentials: Mutex<Credentials>,
    /// When the fixture was loaded: the creation time of every account.
    loaded_at: Mutex<OffsetDateTime>,
    services: Services,
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
    /// A sim on the fixture, with privileges on the servers `options` names (in memory for
    /// what it names none): the fixture's objects and accounts are created there first.
    pub async fn open(fixture: Fixture, options: SimOptions) -> Result<SimState, StateError> {
        fixture.validate()?;
        let services = Services::open(
            &fixture,
            options.mysql.as_deref(),
            options.postgres.as_deref(),
            Instant::now(),
        )
        .await?;
        Ok(SimState::assemble(fixture, options, services))
    }

    /// A sim on the fixture whose PolarDB privileges live in `backend`.
    pub async fn with_polardb_backend(
        fixture: Fixture,
        options: SimOptions,
        backend: Box<dyn PolarDbBackend>,
    ) -> Result<SimState, StateError> {
        fixture.validate()?;
        let services = Services::with_polardb_backend(&fixture, backend, Instant::now()).await?;
        Ok(SimState::assemble(fixture, options, services))
    }

    fn assemble(fixture: Fixture, options: SimOptions, services: Services) -> Self {
        SimState {
            inner: Arc::new(Inner {
                limiter: RateLimiter::new(options.rate_limits),
                options,
                credentials: Mutex::new(Credentials::of(&fixture)),
                loaded_at: Mutex::new(clock::now_utc()),
                fixture: Mutex::new(fixture),
                services,
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
    /// now and privileges as the backends hold them (finished tasks' changes made).
    pub async fn snapshot(&self) -> Result<Fixture, BackendError> {
        self.settle_tasks().await?;
        self.inner.services.snapshot(Instant::now()).await
    }

    /// Replaces the whole state with the fixture's; `reset` returns to it from now on.
    pub async fn load_fixture(&self, fixture: Fixture) -> Result<(), StateError> {
        fixture.validate()?;
        self.inner.services.load(&fixture, Instant::now()).await?;
        locked(&self.inner.tasks).clear();
        *locked(&self.inner.credentials) = Credentials::of(&fixture);
        *locked(&self.inner.loaded_at) = clock::now_utc();
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
        self.postgres().drop_object(instance_id, object).await
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

    /// Queues a fault (a task fault when `task` is given) that shapes one matching call in
    /// `every`.
    pub fn add_fault_every(
        &self,
        spec: FaultSpec,
        task: Option<TaskFault>,
        every: u32,
    ) -> Result<PendingFault, FaultError> {
        locked(&self.inner.faults).add_every(spec, task, every)
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

    pub(crate) fn credentials(&self) -> MutexGuard<'_, Credentials> {
        locked(&self.inner.credentials)
    }

    /// When the fixture was loaded, which the sim reports as every account's creation time.
    pub(crate) fn loaded_at(&self) -> OffsetDateTime {
        *locked(&self.inner.loaded_at)
    }

    pub(crate) fn polardb(&self) -> &PolarDbState {
        &self.inner.services.polardb
    }

    pub(crate) fn cdb(&self) -> &CdbState {
        &self.inner.services.cdb
    }

    pub(crate) fn postgres(&self) -> &PostgresState {
        &self.inner.services.postgres
    }

    pub(crate) fn mariadb(&self) -> &MariadbState {
        &self.inner.services.mariadb
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
                } => {
                    self.cdb()
                        .backend()
                        .modify(&instance, &accounts, &change)
                        .await?
                }
                TaskChange::Mariadb {
                    instance,
                    accounts,
                    change,
                } => {
                    self.mariadb()
                        .backend()
                        .modify(&instance, &accounts, &change)
                        .await?
                }
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

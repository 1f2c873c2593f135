//! A backend of the caller's own behind the PolarDB service, as later real-database backends plug in.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use clouddb_sim::backend::{
    BackendError, BackendFuture, MemoryBackend, PolarDbBackend, PolarDbPrivileges,
};
use clouddb_sim::{Fixture, PolarDbCluster, PolarDbPrivilege, SimOptions, SimState};

use crate::support::{assert_alibaba_error, Sim};

/// Keeps privileges in memory, counts grants, and fails revokes.
struct Flaky {
    memory: MemoryBackend,
    grants: Arc<AtomicUsize>,
}

impl PolarDbBackend for Flaky {
    fn load<'a>(&'a self, clusters: &'a [PolarDbCluster]) -> BackendFuture<'a, ()> {
        self.memory.load(clusters)
    }

    fn grant<'a>(
        &'a self,
        cluster: &'a str,
        account: &'a str,
        grants: &'a [(String, PolarDbPrivilege)],
    ) -> BackendFuture<'a, ()> {
        self.grants.fetch_add(1, Ordering::SeqCst);
        self.memory.grant(cluster, account, grants)
    }

    fn revoke<'a>(
        &'a self,
        _cluster: &'a str,
        _account: &'a str,
        _databases: &'a [String],
    ) -> BackendFuture<'a, ()> {
        Box::pin(async { Err(BackendError("the database server went away".to_owned())) })
    }

    fn privileges<'a>(
        &'a self,
        cluster: &'a str,
        account: &'a str,
    ) -> BackendFuture<'a, PolarDbPrivileges> {
        self.memory.privileges(cluster, account)
    }
}

#[tokio::test]
async fn the_polardb_service_runs_on_any_backend() {
    let grants = Arc::new(AtomicUsize::new(0));
    let backend = Flaky {
        memory: MemoryBackend::default(),
        grants: grants.clone(),
    };
    let state = SimState::with_polardb_backend(
        Fixture::builtin(),
        SimOptions::default(),
        Box::new(backend),
    )
    .await
    .expect("state");
    let sim = Sim {
        running: clouddb_sim::start_with_state(state).await.expect("start"),
    };

    let params = [
        ("DBClusterId", "pc-sim00001"),
        ("AccountName", "app"),
        ("DBName", "shop"),
        ("AccountPrivilege", "ReadOnly"),
    ];
    assert_eq!(
        sim.polardb("GrantAccountPrivilege", &params).await.status,
        200
    );
    assert_eq!(grants.load(Ordering::SeqCst), 1);
    assert_eq!(sim.privileges("app").await, ["shop=ReadOnly"]);

    let reply = sim
        .polardb(
            "RevokeAccountPrivilege",
            &[
                ("DBClusterId", "pc-sim00001"),
                ("AccountName", "app"),
                ("DBName", "shop"),
            ],
        )
        .await;
    let body = assert_alibaba_error(&reply, 500, "InternalError");
    assert!(body["Message"]
        .as_str()
        .unwrap_or_default()
        .contains("went away"));
    let snapshot = sim.running.state().snapshot().await.expect("snapshot");
    assert_eq!(
        snapshot.alicloud.polardb[0].accounts[0]
            .privileges
            .get("shop"),
        Some(&PolarDbPrivilege::ReadOnly)
    );
}

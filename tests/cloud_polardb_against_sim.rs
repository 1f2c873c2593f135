//! The PolarDB client against clouddb-sim: signatures accepted, grants land, faults are survived.

use std::time::Duration;

use clouddb::cloud::alibaba::polardb::{DatabasePrivilege, PolarDbClient};
use clouddb::cloud::credentials::{AlibabaCredentials, Secret};
use clouddb::cloud::retry::Backoff;
use clouddb::cloud::transport::{Transport, TransportConfig};
use clouddb::cloud::CloudError;
use clouddb_sim::{FaultSpec, Fixture, RunningSim, SimOptions};
use tokio::time::Instant;

const CLUSTER: &str = "pc-sim00001";

async fn sim() -> RunningSim {
    clouddb_sim::start(Fixture::builtin(), SimOptions::default())
        .await
        .expect("sim starts")
}

fn polardb(sim: &RunningSim, secret: &str) -> PolarDbClient {
    let transport = Transport::new(TransportConfig {
        backoff: Backoff {
            base: Duration::from_millis(5),
            factor: 2,
            cap: Duration::from_millis(50),
        },
        ..TransportConfig::default()
    });
    PolarDbClient::new(
        transport,
        AlibabaCredentials {
            access_key_id: "LTAIsim".into(),
            access_key_secret: Secret::new(secret),
            security_token: None,
            region: "cn-hangzhou".into(),
            endpoint: Some(sim.url()),
        },
    )
    .expect("client")
}

fn soon() -> Instant {
    Instant::now() + Duration::from_secs(10)
}

fn grants(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(db, privilege)| ((*db).to_owned(), (*privilege).to_owned()))
        .collect()
}

async fn privileges_of(client: &PolarDbClient, account: &str) -> Vec<DatabasePrivilege> {
    let accounts = client
        .describe_accounts(CLUSTER, Some(account), soon())
        .await
        .expect("describe");
    let mut privileges = accounts
        .into_iter()
        .find(|found| found.name == account)
        .map(|found| found.privileges)
        .unwrap_or_default();
    privileges.sort_by(|a, b| a.database.cmp(&b.database));
    privileges
}

fn privilege(database: &str, privilege: &str) -> DatabasePrivilege {
    DatabasePrivilege {
        database: database.into(),
        privilege: privilege.into(),
    }
}

#[tokio::test]
async fn grant_change_and_revoke_are_seen_by_describe() {
    let sim = sim().await;
    let client = polardb(&sim, "sim-secret");

    client
        .grant_account_privilege(
            CLUSTER,
            "app",
            &grants(&[("shop", "ReadWrite"), ("logs", "ReadOnly")]),
            soon(),
        )
        .await
        .expect("grant");
    assert_eq!(
        privileges_of(&client, "app").await,
        vec![
            privilege("logs", "ReadOnly"),
            privilege("shop", "ReadWrite")
        ]
    );

    client
        .grant_account_privilege(CLUSTER, "app", &grants(&[("shop", "ReadOnly")]), soon())
        .await
        .expect("change");
    client
        .revoke_account_privilege(CLUSTER, "app", &["logs".to_owned()], soon())
        .await
        .expect("revoke");
    assert_eq!(
        privileges_of(&client, "app").await,
        vec![privilege("shop", "ReadOnly")]
    );

    let everyone = client
        .describe_accounts(CLUSTER, None, soon())
        .await
        .expect("all accounts");
    assert!(everyone.iter().any(|account| account.name == "reporting"));
}

#[tokio::test]
async fn a_wrong_secret_is_refused_at_once() {
    let sim = sim().await;
    let error = polardb(&sim, "not-the-secret")
        .describe_accounts(CLUSTER, None, soon())
        .await
        .expect_err("bad signature");
    assert!(matches!(error, CloudError::Api { .. }), "{error:?}");
    assert!(error.request_id().is_some(), "{error}");
    assert_eq!(sim.state().requests().len(), 1, "not retried");
}

#[tokio::test]
async fn an_unknown_cluster_is_not_found() {
    let sim = sim().await;
    let error = polardb(&sim, "sim-secret")
        .grant_account_privilege(
            "pc-missing",
            "app",
            &grants(&[("shop", "ReadOnly")]),
            soon(),
        )
        .await
        .expect_err("unknown cluster");
    assert_eq!(
        error.missing(),
        Some(clouddb::cloud::error::Missing::Instance),
        "{error}"
    );
}

#[tokio::test]
async fn transient_faults_and_lost_replies_are_retried_to_the_same_end_state() {
    let sim = sim().await;
    let client = polardb(&sim, "sim-secret");
    sim.state()
        .add_fault(FaultSpec {
            service: Some("polardb".into()),
            action: "GrantAccountPrivilege".into(),
            count: 2,
            error_code: Some("ServiceUnavailable".into()),
            message: None,
            latency_ms: None,
            drop_connection: false,
            after_apply: false,
        })
        .expect("fault");
    sim.state()
        .add_fault(FaultSpec {
            service: Some("polardb".into()),
            action: "RevokeAccountPrivilege".into(),
            count: 1,
            error_code: None,
            message: None,
            latency_ms: None,
            drop_connection: true,
            after_apply: true,
        })
        .expect("fault");

    client
        .grant_account_privilege(
            CLUSTER,
            "app",
            &grants(&[("shop", "DMLOnly"), ("logs", "ReadOnly")]),
            soon(),
        )
        .await
        .expect("grant survives two ServiceUnavailable");
    client
        .revoke_account_privilege(CLUSTER, "app", &["logs".to_owned()], soon())
        .await
        .expect("revoke survives a lost reply");
    assert_eq!(
        privileges_of(&client, "app").await,
        vec![privilege("shop", "DMLOnly")]
    );
    assert!(sim.state().faults().is_empty(), "every fault fired");
}

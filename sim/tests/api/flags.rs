//! The binary's flags do what they say: `--latency-ms` delays every answer, `--rate-limits
//! documented` throttles past the documented rate, `--task-ms` is how long a task runs. Each
//! against the same binary without the flag.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::task::JoinSet;

use crate::support::tencent::{self, Tc3};
use crate::support::{client, tencent_ok, Reply};

/// A `clouddb-sim` process with `flags`, killed when dropped.
struct Binary {
    child: Child,
    addr: SocketAddr,
}

impl Binary {
    fn start(flags: &[&str]) -> Binary {
        let mut child = Command::new(env!("CARGO_BIN_EXE_clouddb-sim"))
            .args(["--listen", "127.0.0.1:0"])
            .args(flags)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn clouddb-sim");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut first)
            .expect("first line");
        let addr = first
            .trim_end()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("first line {first:?}"))
            .parse()
            .expect("address");
        Binary { child, addr }
    }

    async fn cdb(&self, action: &str, body: &Value) -> Reply {
        let call = Tc3::new("cdb", action, tencent::version("cdb"), &body.to_string());
        client::send(self.addr, &call.to_request(&self.addr.to_string()))
            .await
            .expect("HTTP exchange")
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn describe_accounts() -> Value {
    json!({"InstanceId": "cdb-sim00001"})
}

fn modify() -> Value {
    json!({"InstanceId": "cdb-sim00001", "Accounts": [{"User": "app", "Host": "%"}],
           "GlobalPrivileges": ["PROCESS"]})
}

#[tokio::test]
async fn latency_delays_every_answer() {
    let slow = Binary::start(&["--latency-ms", "400"]);
    let fast = Binary::start(&[]);
    for (binary, at_least) in [(&slow, true), (&fast, false)] {
        let started = Instant::now();
        tencent_ok(&binary.cdb("DescribeAccounts", &describe_accounts()).await);
        let took = started.elapsed();
        assert_eq!(
            took >= Duration::from_millis(400),
            at_least,
            "took {took:?}"
        );
    }
}

/// 30 ModifyAccountPrivileges at once: the documented 10 per second throttles some.
#[tokio::test]
async fn documented_rate_limits_throttle_a_burst() {
    async fn throttled_of_a_burst(binary: &Binary) -> usize {
        let addr = binary.addr;
        let mut calls = JoinSet::new();
        for _ in 0..30 {
            calls.spawn(async move {
                let call = Tc3::new(
                    "cdb",
                    "ModifyAccountPrivileges",
                    tencent::version("cdb"),
                    &modify().to_string(),
                );
                client::send(addr, &call.to_request(&addr.to_string()))
                    .await
                    .expect("HTTP exchange")
            });
        }
        let mut throttled = 0;
        while let Some(reply) = calls.join_next().await {
            let body = reply.expect("call").json();
            if body["Response"]["Error"]["Code"] == "RequestLimitExceeded" {
                throttled += 1;
            }
        }
        throttled
    }
    let limited = Binary::start(&["--rate-limits", "documented"]);
    let unlimited = Binary::start(&["--rate-limits", "off"]);
    // 30 within a second against 10 a second: about 20 are throttled; 10 leaves room for a
    // slow machine spreading the burst.
    assert!(throttled_of_a_burst(&limited).await >= 10);
    assert_eq!(throttled_of_a_burst(&unlimited).await, 0);
}

/// A task's status about a second after it started: running with `--task-ms 2500`, done
/// with the default of 300 ms.
#[tokio::test]
async fn task_ms_is_how_long_a_task_runs() {
    async fn status_after_a_second(binary: &Binary) -> String {
        let task = tencent_ok(&binary.cdb("ModifyAccountPrivileges", &modify()).await);
        let id = json!({"AsyncRequestId": task["AsyncRequestId"]});
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let reply = binary.cdb("DescribeAsyncRequestInfo", &id).await;
        tencent_ok(&reply)["Status"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
    let slow = Binary::start(&["--task-ms", "2500"]);
    let usual = Binary::start(&[]);
    assert_ne!(status_after_a_second(&slow).await, "SUCCESS");
    assert_eq!(status_after_a_second(&usual).await, "SUCCESS");
}

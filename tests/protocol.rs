//! The provider binary as Terraform meets it: handshake, strict mutual TLS, the controller,
//! and robustness against malformed values on the wire.

use std::time::Duration;

use clouddb_test_support::plugin_client::{connect, ClientIdentity};
use clouddb_test_support::plugin_process::{provider_binary, PluginProcess};
use clouddb_test_support::proto::health::health_client::HealthClient;
use clouddb_test_support::proto::health::HealthCheckRequest;
use clouddb_test_support::proto::plugin::grpc_controller_client::GrpcControllerClient;
use clouddb_test_support::proto::plugin::Empty;
use clouddb_test_support::proto::tfplugin6 as pb;
use clouddb_test_support::proto::tfplugin6::provider_client::ProviderClient;

const RESOURCE: &str = "clouddb_polardb_account_grant";

#[tokio::test]
async fn terraform_connects_with_its_certificate_and_shuts_the_provider_down() {
    let terraform = ClientIdentity::terraform_like();
    let mut plugin = PluginProcess::launch(&terraform.pem);
    let channel = connect(plugin.address, plugin.certificate.clone(), Some(&terraform))
        .await
        .expect("Terraform's client connects");

    let schema = ProviderClient::new(channel.clone())
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .expect("GetProviderSchema")
        .into_inner();
    assert!(schema.resource_schemas.contains_key(RESOURCE));
    let capabilities = schema.server_capabilities.expect("server capabilities");
    assert!(capabilities.plan_destroy && capabilities.get_provider_schema_optional);

    let health = HealthClient::new(channel.clone())
        .check(HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .expect("health check")
        .into_inner();
    assert_eq!(health.status, 1, "SERVING");

    // Ctrl-C reaches the whole process group; the provider must stay up for Terraform.
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &plugin.child.id().to_string()])
        .status()
        .expect("send SIGINT");
    assert!(interrupted.success());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        plugin.child.try_wait().expect("poll").is_none(),
        "SIGINT stopped the provider"
    );

    GrpcControllerClient::new(channel)
        .shutdown(Empty {})
        .await
        .expect("Shutdown");
    let status = plugin
        .wait_for_exit(Duration::from_secs(2))
        .expect("the provider exits within 2 s of Shutdown");
    assert!(status.success(), "exit status {status}");
}

/// Ctrl-C in the terminal reaches the provider at any moment, also the instant its handshake
/// line is out: it must already be caught then.
#[tokio::test]
async fn sigint_right_after_the_handshake_line_leaves_the_provider_serving() {
    let terraform = ClientIdentity::terraform_like();
    for _ in 0..5 {
        let mut plugin = PluginProcess::launch(&terraform.pem);
        let interrupted = std::process::Command::new("kill")
            .args(["-INT", &plugin.child.id().to_string()])
            .status()
            .expect("send SIGINT");
        assert!(interrupted.success());
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(
            plugin.child.try_wait().expect("poll").is_none(),
            "SIGINT right after the handshake line stopped the provider"
        );
        schema_call_with(Some(&terraform), &plugin)
            .await
            .expect("the provider serves after the SIGINT");
    }
}

async fn schema_call_with(
    identity: Option<&ClientIdentity>,
    plugin: &PluginProcess,
) -> Result<(), String> {
    let channel = connect(plugin.address, plugin.certificate.clone(), identity)
        .await
        .map_err(|e| e.to_string())?;
    ProviderClient::new(channel)
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Waits until the provider has logged `needle`, and returns its log.
async fn logged(plugin: &PluginProcess, needle: &str) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let log = plugin.log();
        if log.contains(needle) || tokio::time::Instant::now() > deadline {
            return log;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_client_with_another_certificate_is_refused() {
    let terraform = ClientIdentity::terraform_like();
    let intruder = ClientIdentity::terraform_like();
    let plugin = PluginProcess::launch(&terraform.pem);
    schema_call_with(Some(&intruder), &plugin)
        .await
        .expect_err("another certificate is refused");
    let log = logged(&plugin, "refused a TLS connection").await;
    assert!(
        log.contains("refused a TLS connection")
            && log.contains(
                "the client certificate is not the one Terraform gave in PLUGIN_CLIENT_CERT"
            ),
        "{log}"
    );
    // The provider is still there for the real client.
    schema_call_with(Some(&terraform), &plugin)
        .await
        .expect("Terraform still connects");
}

#[tokio::test]
async fn a_client_without_a_certificate_is_refused() {
    let terraform = ClientIdentity::terraform_like();
    let plugin = PluginProcess::launch(&terraform.pem);
    schema_call_with(None, &plugin)
        .await
        .expect_err("no certificate is refused");
    let log = logged(&plugin, "refused a TLS connection").await;
    assert!(log.contains("refused a TLS connection"), "{log}");
    assert!(log.contains("no certificate"), "{log}");
    schema_call_with(Some(&terraform), &plugin)
        .await
        .expect("Terraform still connects");
}

#[test]
fn run_by_hand_the_binary_explains_itself_and_exits_1() {
    let output = std::process::Command::new(provider_binary())
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()
        .expect("run the provider");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        output.stdout.is_empty(),
        "nothing on stdout, which belongs to the handshake"
    );
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("This binary is a plugin for Terraform")
    );
}

fn dynamic(bytes: Vec<u8>) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: bytes,
        json: Vec::new(),
    })
}

fn has_error(diagnostics: &[pb::Diagnostic]) -> bool {
    diagnostics
        .iter()
        .any(|d| d.severity == pb::diagnostic::Severity::Error as i32)
}

#[tokio::test]
async fn garbage_values_get_diagnostics_and_the_provider_keeps_serving() {
    let terraform = ClientIdentity::terraform_like();
    let plugin = PluginProcess::launch(&terraform.pem);
    let channel = connect(plugin.address, plugin.certificate.clone(), Some(&terraform))
        .await
        .expect("connect");
    let mut client = ProviderClient::new(channel);

    let mut rng = fastrand::Rng::with_seed(0xC10DDB);
    for round in 0..200 {
        let len = rng.usize(1..64);
        let mut garbage: Vec<u8> = std::iter::repeat_with(|| rng.u8(..)).take(len).collect();
        // Half the rounds start like a one-entry map, which can never be this resource's object;
        // fully random bytes may happen to be valid (an extension byte is an unknown value).
        let must_fail = round % 2 == 0;
        if must_fail {
            garbage.insert(0, 0x81);
        }
        let validate = client
            .validate_resource_config(pb::validate_resource_config::Request {
                type_name: RESOURCE.into(),
                config: dynamic(garbage.clone()),
                client_capabilities: None,
            })
            .await
            .unwrap_or_else(|e| panic!("round {round}: {e}"))
            .into_inner();
        if must_fail {
            assert!(
                has_error(&validate.diagnostics),
                "round {round}: {garbage:02x?} was accepted"
            );
        }

        let plan = client
            .plan_resource_change(pb::plan_resource_change::Request {
                type_name: RESOURCE.into(),
                prior_state: dynamic(garbage.clone()),
                proposed_new_state: dynamic(garbage.clone()),
                config: dynamic(garbage.clone()),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("round {round}: {e}"))
            .into_inner();
        if must_fail {
            assert!(
                has_error(&plan.diagnostics),
                "round {round}: {garbage:02x?} was planned"
            );
        }
    }

    let unknown_type = client
        .read_resource(pb::read_resource::Request {
            type_name: "clouddb_nonexistent".into(),
            ..Default::default()
        })
        .await
        .expect("ReadResource answers")
        .into_inner();
    let detail = &unknown_type
        .diagnostics
        .first()
        .expect("a diagnostic")
        .detail;
    assert!(
        detail.contains("clouddb_nonexistent") && detail.contains(RESOURCE),
        "{detail}"
    );
}

#[tokio::test]
async fn debug_mode_serves_plaintext_and_prints_how_to_reattach() {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(provider_binary())
        .arg("--debug")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start in debug mode");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let reattach = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|line| line.contains("TF_REATTACH_PROVIDERS="))
        .expect("a TF_REATTACH_PROVIDERS line");
    let json = reattach
        .split_once('\'')
        .and_then(|(_, rest)| rest.rsplit_once('\''))
        .map(|(json, _)| json)
        .expect("quoted JSON");
    let parsed: serde_json::Value = serde_json::from_str(json).expect("valid JSON");
    let provider = &parsed["registry.terraform.io/clouddb/clouddb"];
    assert_eq!(provider["ProtocolVersion"], 6);
    assert_eq!(provider["Pid"], child.id());
    let address = provider["Addr"]["String"]
        .as_str()
        .expect("address")
        .to_string();

    let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
        .expect("endpoint")
        .connect()
        .await
        .expect("plaintext connection");
    let schema = ProviderClient::new(channel)
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .expect("GetProviderSchema")
        .into_inner();
    assert!(schema.resource_schemas.contains_key(RESOURCE));
    let _ = child.kill();
    let _ = child.wait();
}

/// Whether process `pid` still runs (a zombie, waiting for its parent to reap it, does not).
fn is_running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z') && !rest.starts_with('X')),
        Err(_) => false,
    }
}

#[test]
fn the_provider_exits_when_terraform_dies_without_shutting_it_down() {
    use std::io::{BufRead, BufReader};
    let terraform = ClientIdentity::terraform_like();
    // A stand-in for Terraform that starts the provider, tells its pid, and then dies abruptly.
    let mut parent = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "\"{}\" & echo $! >&2; sleep 1",
            provider_binary().display()
        ))
        .env(
            "TF_PLUGIN_MAGIC_COOKIE",
            clouddb_test_support::plugin_process::MAGIC_COOKIE,
        )
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .env("PLUGIN_CLIENT_CERT", &terraform.pem)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the stand-in");
    let mut line = String::new();
    BufReader::new(parent.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("handshake line");
    assert!(line.starts_with("1|6|tcp|"), "{line}");
    // The first line of stderr is the pid; the provider keeps the pipe open while it runs.
    let mut told = String::new();
    let mut stderr = BufReader::new(parent.stderr.take().expect("stderr"));
    stderr.read_line(&mut told).expect("the provider's pid");
    let pid: u32 = told
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("no pid in {told:?}"));
    assert!(is_running(pid), "the provider runs while its parent does");
    parent.wait().expect("the stand-in exits");

    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while is_running(pid) {
        assert!(
            std::time::Instant::now() < deadline,
            "the orphaned provider (pid {pid}) is still running"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(stderr);
}

//! Secrets never reach Terraform's output or its logs: STS keys of both clouds, signed wrongly
//! and rightly, with the most verbose logging Terraform has.

use clouddb_sim::{AlicloudCredential, Fixture, SimOptions, TencentCredential};
use clouddb_test_support::sim::{Sim, REQUIRED_PROVIDERS};
use clouddb_test_support::terraform::{unwrapped, TerraformVersion, Workspace};

const ALIBABA_STS_KEY: &str = "STS.NUgYrLnoC37mZZCNnAbez2";
const ALIBABA_STS_SECRET: &str = "Hk2wBTsfXr9pJ4qLmN8vRc1ZyD3eG6uA";
const ALIBABA_STS_TOKEN: &str = "CAIS+gF1q6Ft5B2yfSjIr5D/sts-token/e8Hn9Wq==";
const TENCENT_STS_ID: &str = "AKIDstsz8krbsJ5yKBZQpn74WFkmLPx3";
const TENCENT_STS_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3stsKEY";
const TENCENT_STS_TOKEN: &str = "tc-sts/Ab+Cd=Ef_9f2a5d1c7e3b";
/// What a user typed by mistake: a secret of the right shape that signs wrongly.
const WRONG_SECRET: &str = "WrongSecretValue/x9T2+mK7pQ4rZ8";

fn sim_with_sts_keys() -> Sim {
    let mut fixture = Fixture::builtin();
    fixture.alicloud.credentials.push(AlicloudCredential {
        access_key_id: ALIBABA_STS_KEY.into(),
        access_key_secret: ALIBABA_STS_SECRET.into(),
        security_token: Some(ALIBABA_STS_TOKEN.into()),
    });
    fixture.tencentcloud.credentials.push(TencentCredential {
        secret_id: TENCENT_STS_ID.into(),
        secret_key: TENCENT_STS_KEY.into(),
        token: Some(TENCENT_STS_TOKEN.into()),
    });
    Sim::start_with(fixture, SimOptions::default())
}

fn alicloud_config(sim: &Sim, secret: &str) -> String {
    format!(
        r#"{REQUIRED_PROVIDERS}
provider "clouddb" {{
  alicloud {{
    access_key     = "{ALIBABA_STS_KEY}"
    secret_key     = "{secret}"
    security_token = "{ALIBABA_STS_TOKEN}"
    endpoint       = "{}"
  }}
}}

resource "clouddb_polardb_account_grant" "app" {{
  db_cluster_id       = "pc-sim00001"
  account_name        = "app"
  database_privileges = {{ shop = "ReadOnly" }}
}}
"#,
        sim.url()
    )
}

fn tencent_config(sim: &Sim, secret: &str) -> String {
    format!(
        r#"{REQUIRED_PROVIDERS}
provider "clouddb" {{
  tencentcloud {{
    secret_id      = "{TENCENT_STS_ID}"
    secret_key     = "{secret}"
    security_token = "{TENCENT_STS_TOKEN}"
    region         = "ap-guangzhou"
    endpoint       = "{}"
  }}
}}

resource "clouddb_cdb_account_privileges" "app" {{
  instance_id       = "cdb-sim00001"
  user              = "app"
  global_privileges = ["PROCESS"]
}}

resource "clouddb_postgres_account_privileges" "app" {{
  db_instance_id = "postgres-sim00001"
  user_name      = "app"

  object {{
    object_type = "database"
    object_name = "appdb"
    privileges  = ["CONNECT"]
  }}
}}
"#,
        sim.url()
    )
}

/// A workspace whose Terraform logs everything, its own and the provider's, to `trace.log`.
fn traced_workspace() -> Workspace {
    let mut workspace = Workspace::new(TerraformVersion::Current);
    let log = workspace.path().join("trace.log");
    workspace.set_env("TF_LOG", "TRACE");
    // The README's promise is for the provider's own log level too.
    workspace.set_env("TF_LOG_PROVIDER", "trace");
    workspace.set_env("TF_LOG_PATH", &log.display().to_string());
    workspace
}

/// Runs `terraform apply` and returns everything it printed and logged.
fn apply_and_collect(workspace: &Workspace) -> (bool, String, String) {
    let run = workspace.run(&["apply", "-auto-approve", "-input=false"]);
    let log = std::fs::read_to_string(workspace.path().join("trace.log")).expect("trace.log");
    assert!(
        log.contains("provider.terraform-provider-clouddb"),
        "the log holds the provider's lines"
    );
    (run.success, run.text(), log)
}

#[track_caller]
fn assert_no_secret(secrets: &[&str], output: &str, log: &str) {
    for secret in secrets {
        assert!(
            !output.contains(secret),
            "{secret} in the output:\n{output}"
        );
        let line = log.lines().find(|line| line.contains(secret));
        assert!(line.is_none(), "{secret} in the log: {line:?}");
    }
}

#[test]
fn an_alibaba_sts_key_signed_wrongly_or_rightly_leaks_nothing() {
    let sim = sim_with_sts_keys();
    let workspace = traced_workspace();
    workspace.write_config(&alicloud_config(&sim, WRONG_SECRET));
    let (success, output, log) = apply_and_collect(&workspace);
    assert!(!success, "a wrong secret fails:\n{output}");
    let text = unwrapped(&output);
    assert!(text.contains("SignatureDoesNotMatch"), "{text}");
    assert!(
        text.contains("x-acs-security-token:<redacted>"),
        "the vendor's message is kept, less the token: {text}"
    );
    assert_no_secret(&[WRONG_SECRET, ALIBABA_STS_TOKEN], &output, &log);

    workspace.write_config(&alicloud_config(&sim, ALIBABA_STS_SECRET));
    let (success, output, log) = apply_and_collect(&workspace);
    assert!(success, "the right STS secret and token apply:\n{output}");
    assert_eq!(
        sim.polardb_privileges("pc-sim00001", "app"),
        clouddb_test_support::sim::privileges(&[("shop", "ReadOnly")])
    );
    assert_no_secret(&[ALIBABA_STS_SECRET, ALIBABA_STS_TOKEN], &output, &log);
}

#[test]
fn a_tencent_sts_key_signed_wrongly_or_rightly_leaks_nothing() {
    let sim = sim_with_sts_keys();
    let workspace = traced_workspace();
    workspace.write_config(&tencent_config(&sim, WRONG_SECRET));
    let (success, output, log) = apply_and_collect(&workspace);
    assert!(!success, "a wrong secret fails:\n{output}");
    assert!(
        unwrapped(&output).contains("AuthFailure.SignatureFailure"),
        "{output}"
    );
    assert!(
        unwrapped(&output).contains("check the provider's tencentcloud secret_key"),
        "{output}"
    );
    assert_no_secret(&[WRONG_SECRET, TENCENT_STS_TOKEN], &output, &log);

    // TC3 does not sign the token, so the sim's own message holds none: a vendor message that
    // echoes the request's token, signature and key, as legacy endpoints do, is redacted too.
    sim.add_fault(serde_json::json!({
        "service": "cdb", "action": "ModifyAccountPrivileges",
        "error_code": "AuthFailure.SignatureFailure",
        "message": format!("The provided credentials could not be validated. Token={TENCENT_STS_TOKEN}&Signature=5da7a33f6993f0614b047e5df4582db9e9bf4672ba50567dba16c6ccf174c474; key {TENCENT_STS_KEY}"),
    }));
    workspace.write_config(&tencent_config(&sim, TENCENT_STS_KEY));
    let (success, output, log) = apply_and_collect(&workspace);
    assert!(!success, "the echoing answer fails the apply:\n{output}");
    let text = unwrapped(&output);
    assert!(
        text.contains("Token=<redacted>&Signature=<redacted>; key <redacted>"),
        "{text}"
    );
    assert!(!text.contains("5da7a33f6993f0614b"), "{text}");
    assert_no_secret(&[TENCENT_STS_KEY, TENCENT_STS_TOKEN], &output, &log);

    workspace.write_config(&tencent_config(&sim, TENCENT_STS_KEY));
    let (success, output, log) = apply_and_collect(&workspace);
    assert!(success, "the right STS key and token apply:\n{output}");
    assert!(!sim.cdb_privileges("cdb-sim00001", "app", "%").is_empty());
    assert_no_secret(&[TENCENT_STS_KEY, TENCENT_STS_TOKEN], &output, &log);
}

/// A secret that cannot be sent (a line break read from a file with it) is refused by the plan,
/// naming the argument and never the value, before any call.
#[test]
fn a_secret_with_a_line_break_is_refused_by_the_plan_without_being_shown() {
    let sim = Sim::start();
    let workspace = traced_workspace();
    let secret = format!("{WRONG_SECRET}\\n");
    workspace.write_config(&format!(
        "{}\nresource \"clouddb_polardb_account_grant\" \"app\" {{\n  db_cluster_id       = \"pc-sim00001\"\n  account_name        = \"app\"\n  database_privileges = {{ shop = \"ReadOnly\" }}\n}}\n",
        sim.alicloud_provider_config(&secret)
    ));
    let run = workspace.run(&["plan", "-input=false"]);
    assert!(!run.success, "the plan must fail:\n{}", run.text());
    let text = unwrapped(&run.text());
    assert!(text.contains("Invalid secret_key"), "{text}");
    assert!(text.contains("alicloud.secret_key is not valid"), "{text}");
    assert!(text.contains("trimspace()"), "{text}");
    let log = std::fs::read_to_string(workspace.path().join("trace.log")).expect("trace.log");
    assert_no_secret(&[WRONG_SECRET], &run.text(), &log);
    assert!(sim.requests().is_empty(), "nothing reaches the cloud");
}

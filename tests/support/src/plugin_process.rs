//! Starts the provider binary the way Terraform does and reads its handshake line.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use rustls::pki_types::CertificateDer;

pub const MAGIC_COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// The provider binary cargo built for the running test or benchmark: `CARGO_BIN_EXE_*` when
/// cargo sets it at run time, else beside the test, which cargo runs from
/// `target/<profile>/deps/` with the package's binaries one folder up. (This crate is compiled
/// without the variable, which cargo gives only to the package's own tests.)
pub fn provider_binary() -> PathBuf {
    const NAME: &str = "terraform-provider-clouddb";
    if let Some(path) = std::env::var_os(format!("CARGO_BIN_EXE_{NAME}")) {
        return PathBuf::from(path);
    }
    let running = std::env::current_exe().expect("the path of the running test");
    let binary = running
        .parent()
        .and_then(Path::parent)
        .map(|profile_dir| profile_dir.join(format!("{NAME}{}", std::env::consts::EXE_SUFFIX)))
        .expect("the test runs from target/<profile>/deps");
    assert!(
        binary.is_file(),
        "{} is missing: run the tests with cargo, which builds it first",
        binary.display()
    );
    binary
}

/// A running provider process; killed when dropped.
pub struct PluginProcess {
    pub child: Child,
    pub address: SocketAddr,
    pub certificate: CertificateDer<'static>,
    pub handshake: String,
    /// Where the provider's stderr (its hclog lines) goes.
    log: tempfile::NamedTempFile,
}

impl PluginProcess {
    /// Launches with Terraform's environment and `client_pem` as PLUGIN_CLIENT_CERT.
    pub fn launch(client_pem: &str) -> Self {
        let log = tempfile::NamedTempFile::new().expect("log file");
        let mut child = Command::new(provider_binary())
            .env("TF_PLUGIN_MAGIC_COOKIE", MAGIC_COOKIE)
            .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
            .env("PLUGIN_MIN_PORT", "10000")
            .env("PLUGIN_MAX_PORT", "25000")
            .env("PLUGIN_CLIENT_CERT", client_pem)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log.reopen().expect("log file")))
            .spawn()
            .expect("start the provider");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the handshake line");
        let handshake = line.trim_end().to_string();
        let fields: Vec<&str> = handshake.split('|').collect();
        assert_eq!(fields.len(), 6, "handshake line {handshake:?}");
        assert_eq!(
            &fields[..3],
            &["1", "6", "tcp"],
            "handshake line {handshake:?}"
        );
        assert_eq!(fields[4], "grpc");
        let address: SocketAddr = fields[3].parse().expect("address");
        let der = STANDARD_NO_PAD
            .decode(fields[5])
            .expect("unpadded base64 certificate");
        PluginProcess {
            child,
            address,
            certificate: CertificateDer::from(der),
            handshake,
            log,
        }
    }

    /// What the provider has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).expect("read the provider's log")
    }

    /// Waits for the process to exit by itself, up to `limit`.
    pub fn wait_for_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait().expect("poll the provider") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for PluginProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The provider launched as Terraform launches it, and a client connected to it as Terraform
/// connects (strict mTLS with a P-521 certificate). The client works while the process lives.
pub async fn launched_provider() -> (
    PluginProcess,
    crate::proto::tfplugin6::provider_client::ProviderClient<tonic::transport::Channel>,
) {
    let terraform = crate::plugin_client::ClientIdentity::terraform_like();
    let plugin = PluginProcess::launch(&terraform.pem);
    let channel =
        crate::plugin_client::connect(plugin.address, plugin.certificate.clone(), Some(&terraform))
            .await
            .expect("connect over mTLS");
    (
        plugin,
        crate::proto::tfplugin6::provider_client::ProviderClient::new(channel),
    )
}

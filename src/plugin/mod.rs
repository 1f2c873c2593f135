//! The process side of being a Terraform plugin: handshake, strict mTLS, serving, and logs.

pub mod handshake;
pub mod logging;
pub mod serve;
pub mod tls;

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use tokio::signal::unix::{signal, Signal, SignalKind};

use crate::framework::ProviderServer;

use handshake::{handshake_line, LaunchEnvironment};
use serve::ShutdownSignal;

/// After Shutdown, connections get this long to close before the process exits anyway
/// (Terraform kills the plugin about two seconds after asking).
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error(transparent)]
    Handshake(#[from] handshake::HandshakeError),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("Terraform did not pass PLUGIN_CLIENT_CERT, and this provider never serves without mutual TLS")]
    NoClientCertificate,
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("gRPC server error: {0}")]
    Serve(#[from] tonic::transport::Error),
}

/// Runs as Terraform launched us: handshake on stdout, then serve over mTLS until Shutdown.
/// For a process that already has its runtime and provider; the provider's own binary prints
/// the line before it has either ([`announce_launched`], then [`serve_launched`]).
pub async fn run_launched(
    server: Arc<ProviderServer>,
    launch: LaunchEnvironment,
) -> Result<(), PluginError> {
    let announced = announce_launched(launch)?;
    serve_launched(announced, move || server).await
}

/// A launch that has printed its handshake line: the port Terraform is told to connect to, the
/// TLS configuration that admits only Terraform's certificate, SIGINT already caught, and the
/// process that launched us.
pub struct Announced {
    listener: std::net::TcpListener,
    tls: rustls::ServerConfig,
    interrupts: Signal,
    terraform: u32,
}

/// The first half of a launch, the only part Terraform waits for: SIGINT caught (Ctrl-C reaches
/// the whole process group, and Terraform stops us through the protocol), our certificate, the
/// TLS configuration, the port, and the handshake line. It needs a runtime context for the
/// signal, but nothing of the provider, so that a binary can print the line before it builds
/// the provider; Terraform's connection waits in the listen backlog meanwhile.
pub fn announce_launched(launch: LaunchEnvironment) -> Result<Announced, PluginError> {
    let interrupts = signal(SignalKind::interrupt())?;
    let terraform = std::os::unix::process::parent_id();
    let client_pem = launch
        .client_certificate_pem
        .ok_or(PluginError::NoClientCertificate)?;
    let client_certificate = tls::parse_certificate_pem(&client_pem)?;
    let identity = tls::ServerIdentity::generate()?;
    let tls = tls::server_config(&identity, client_certificate)?;
    let listener = serve::bind_in_range(launch.min_port, launch.max_port)?;
    announce(&handshake_line(
        listener.local_addr()?,
        Some(identity.certificate.as_ref()),
    ))?;
    Ok(Announced {
        listener,
        tls,
        interrupts,
        terraform,
    })
}

/// The second half of a launch: serves over mTLS until Shutdown, with the provider that
/// `make_server` builds.
pub async fn serve_launched(
    announced: Announced,
    make_server: impl FnOnce() -> Arc<ProviderServer>,
) -> Result<(), PluginError> {
    ignore_interrupts(announced.interrupts);
    exit_when_orphaned(announced.terraform);
    announced.listener.set_nonblocking(true)?;
    let listener = tokio::net::TcpListener::from_std(announced.listener)?;
    let shutdown = ShutdownSignal::default();
    let serving = serve::serve_mutual_tls(listener, announced.tls, make_server(), shutdown.clone());
    finish(serving, shutdown).await
}

/// Debug mode: serve plaintext on a free port and tell the user how to point Terraform at us.
pub async fn run_debug(server: Arc<ProviderServer>) -> Result<(), PluginError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let reattach = serde_json::json!({
        "registry.terraform.io/clouddb/clouddb": {
            "Protocol": "grpc",
            "ProtocolVersion": handshake::PROTOCOL_VERSION,
            "Pid": std::process::id(),
            "Test": true,
            "Addr": {"Network": "tcp", "String": address.to_string()}
        }
    });
    announce(&format!(
        "Provider started in debug mode. To attach Terraform, run it in a shell with:\n\n\tTF_REATTACH_PROVIDERS='{reattach}'\n"
    ))?;
    let shutdown = ShutdownSignal::default();
    let on_interrupt = shutdown.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_interrupt.trigger();
        }
    });
    let serving = serve::serve_plaintext(listener, server, shutdown.clone());
    finish(serving, shutdown).await
}

async fn finish(
    serving: impl std::future::Future<Output = Result<(), tonic::transport::Error>>,
    shutdown: ShutdownSignal,
) -> Result<(), PluginError> {
    tokio::select! {
        result = serving => Ok(result?),
        () = async { shutdown.wait().await; tokio::time::sleep(SHUTDOWN_GRACE).await } => Ok(()),
    }
}

fn announce(line: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")?;
    stdout.flush()
}

/// If Terraform (`parent`) dies without asking us to shut down (killed, SIGPIPE), nobody will
/// ever connect again: exit instead of lingering with credentials in memory.
fn exit_when_orphaned(parent: u32) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_secs(1));
        loop {
            ticks.tick().await;
            if std::os::unix::process::parent_id() != parent {
                tracing::warn!("Terraform exited without shutting the provider down; exiting");
                std::process::exit(0);
            }
        }
    });
}

/// Ctrl-C reaches the whole process group; Terraform itself asks us to stop through StopProvider.
/// The signal was caught when `interrupts` was made, before the handshake line.
fn ignore_interrupts(mut interrupts: Signal) {
    tokio::spawn(async move {
        while interrupts.recv().await.is_some() {
            tracing::debug!("ignoring SIGINT; Terraform stops the provider through the protocol");
        }
    });
}

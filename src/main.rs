//! terraform-provider-clouddb: started by Terraform (or with --debug by a developer).

use std::process::ExitCode;
use std::sync::Arc;

use clouddb::cloud::transport::{Transport, TransportConfig};
use clouddb::framework::ProviderServer;
use clouddb::plugin::handshake::LaunchEnvironment;
use clouddb::plugin::{self, logging};
use clouddb::provider::CloudDbProvider;

fn main() -> ExitCode {
    let debug = std::env::args()
        .skip(1)
        .any(|arg| arg == "--debug" || arg == "-debug");
    let launch = if debug {
        None
    } else {
        match LaunchEnvironment::from_lookup(|name| std::env::var(name).ok()) {
            Ok(launch) => Some(launch),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
    };
    logging::init();
    match run(launch) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("terraform-provider-clouddb: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(launch: Option<LaunchEnvironment>) -> anyhow::Result<()> {
    match launch {
        // Terraform waits for the handshake line at every launch, several per command, so the
        // line comes before the provider's schemas, which are built while Terraform connects
        // (issue 13: start-up). The runtime comes first: it catches SIGINT before the line.
        Some(launch) => {
            let runtime = runtime()?;
            let announced = {
                let _context = runtime.enter();
                plugin::announce_launched(launch)?
            };
            runtime.block_on(plugin::serve_launched(announced, provider_server))?;
        }
        None => runtime()?.block_on(async { plugin::run_debug(provider_server()).await })?,
    }
    Ok(())
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

fn provider_server() -> Arc<ProviderServer> {
    let transport = Transport::new(TransportConfig::default());
    Arc::new(ProviderServer::new(Arc::new(CloudDbProvider::new(
        transport,
    ))))
}

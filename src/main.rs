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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let transport = Transport::new(TransportConfig::default());
        let server = Arc::new(ProviderServer::new(Arc::new(CloudDbProvider::new(
            transport,
        ))));
        match launch {
            Some(launch) => plugin::run_launched(server, launch).await?,
            None => plugin::run_debug(server).await?,
        }
        Ok(())
    })
}

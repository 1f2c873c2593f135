//! The `clouddb-sim` binary: parse flags, load the fixture, serve until SIGINT or SIGTERM.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context as _};
use clouddb_sim::{Fixture, RateLimits, SimOptions, SimState, DEFAULT_TASK_DURATION};

const USAGE: &str = "\
clouddb-sim: offline emulator of the Tencent Cloud and Alibaba Cloud database APIs

Usage: clouddb-sim [OPTIONS]

Options:
  --listen ADDR          address to serve on [default: 127.0.0.1:8600]; port 0 picks a free one
  --fixtures FILE        JSON fixture to start from [default: the built-in quickstart fixture]
  --latency-ms N         delay every vendor API answer by N milliseconds [default: 0]
  --rate-limits MODE     `documented` enforces the vendors' documented rates, `off` none [default: off]
  --task-ms N            how long an async task (cdb AsyncRequestId, TDSQL flow) runs [default: 300]
  --postgres URL         keep PostgreSQL privileges on this server
                         (postgres://user:password@host:port/database), every grant a real GRANT
  --mysql URL            keep CDB, TDSQL and PolarDB privileges on this MariaDB server
                         (mysql://user:password@host:port/), every grant a real GRANT
  --print-fixture        print the fixture in use (built-in unless --fixtures) and exit
  -h, --help             print this help and exit
  -V, --version          print the version and exit

The first line on stdout is `listening on http://ADDR`. Logs go to stderr (RUST_LOG sets
the level, default info). See docs/sim.md for the fixture format and the /_sim/ admin API.
";

/// What the command line asked for.
#[derive(Debug)]
struct Flags {
    listen: SocketAddr,
    fixtures: Option<PathBuf>,
    latency: Duration,
    rate_limits: RateLimits,
    task_duration: Duration,
    postgres: Option<String>,
    mysql: Option<String>,
    print_fixture: bool,
}

/// What to do instead of serving.
enum Command {
    Serve(Flags),
    Help,
    Version,
}

fn parse(args: impl IntoIterator<Item = String>) -> anyhow::Result<Command> {
    use lexopt::prelude::*;
    let mut flags = Flags {
        listen: SocketAddr::from(([127, 0, 0, 1], 8600)),
        fixtures: None,
        latency: Duration::ZERO,
        rate_limits: RateLimits::Off,
        task_duration: DEFAULT_TASK_DURATION,
        postgres: None,
        mysql: None,
        print_fixture: false,
    };
    let mut parser = lexopt::Parser::from_args(args);
    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => return Ok(Command::Help),
            Short('V') | Long("version") => return Ok(Command::Version),
            Long("listen") => {
                flags.listen = parsed(&mut parser, "--listen", "an IP address and port")?
            }
            Long("fixtures") => flags.fixtures = Some(PathBuf::from(parser.value()?)),
            Long("latency-ms") => {
                flags.latency =
                    Duration::from_millis(parsed(&mut parser, "--latency-ms", "a whole number")?)
            }
            Long("rate-limits") => {
                flags.rate_limits = parser
                    .value()?
                    .string()?
                    .parse()
                    .map_err(|e: String| anyhow::anyhow!("--rate-limits: {e}"))?
            }
            Long("task-ms") => {
                flags.task_duration =
                    Duration::from_millis(parsed(&mut parser, "--task-ms", "a whole number")?)
            }
            Long("postgres") => flags.postgres = Some(parser.value()?.string()?),
            Long("mysql") => flags.mysql = Some(parser.value()?.string()?),
            Long("print-fixture") => flags.print_fixture = true,
            _ => bail!("{} (see --help)", arg.unexpected()),
        }
    }
    Ok(Command::Serve(flags))
}

/// The value of flag `name`, parsed; `what` says what it must be.
fn parsed<T: std::str::FromStr>(
    parser: &mut lexopt::Parser,
    name: &str,
    what: &str,
) -> anyhow::Result<T> {
    use lexopt::ValueExt as _;
    let text = parser.value()?.string()?;
    text.parse()
        .map_err(|_| anyhow::anyhow!("{name} `{text}` is not {what}"))
}

fn main() -> ExitCode {
    let command = match parse(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(error) => {
            eprintln!("clouddb-sim: {error:#}");
            return ExitCode::from(2);
        }
    };
    let flags = match command {
        Command::Help => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Command::Version => {
            println!("clouddb-sim {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Command::Serve(flags) => flags,
    };
    match run(flags) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("clouddb-sim: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(flags: Flags) -> anyhow::Result<()> {
    let fixture = match &flags.fixtures {
        None => Fixture::builtin(),
        Some(path) => {
            let json = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read fixture {}", path.display()))?;
            Fixture::from_json(&json).with_context(|| format!("fixture {}", path.display()))?
        }
    };
    if flags.print_fixture {
        println!("{}", fixture.to_json());
        return Ok(());
    }
    let options = SimOptions {
        latency: flags.latency,
        rate_limits: flags.rate_limits,
        clock_skew_limit: None,
        task_duration: flags.task_duration,
        mysql: flags.mysql,
        postgres: flags.postgres,
    };

    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let state = SimState::open(fixture, options).await?;
        let listener = tokio::net::TcpListener::bind(flags.listen)
            .await
            .with_context(|| format!("cannot listen on {}", flags.listen))?;
        let addr = listener.local_addr()?;
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "listening on http://{addr}")?;
        stdout.flush()?;
        drop(stdout);
        tracing::info!(%addr, rate_limits = ?flags.rate_limits, latency_ms = flags.latency.as_millis() as u64, "clouddb-sim serving");
        clouddb_sim::serve(listener, state, shutdown_signal()).await?;
        tracing::info!("clouddb-sim stopped");
        Ok(())
    })
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("SIGINT received; shutting down"),
        () = terminate => tracing::info!("SIGTERM received; shutting down"),
    }
}

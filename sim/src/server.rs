//! Serving the sim: the router, the accept loop, and a handle for tests that start it in-process.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::ServiceExt as _;

use crate::fixture::Fixture;
use crate::pipeline::DropConnection;
use crate::state::{SimOptions, SimState};
use crate::{admin, dispatch};

/// How long `serve` lets calls in flight finish after shutdown is asked for.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// Every route of the sim: the admin API under `/_sim/`, vendor APIs everywhere else.
pub fn app(state: SimState) -> Router {
    Router::new()
        .nest("/_sim", admin::routes())
        .fallback(dispatch::vendor_api)
        .with_state(state)
}

/// The error that makes hyper close a connection without answering (an injected fault).
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by an injected fault")]
struct ConnectionDropped;

/// Serves the sim on `listener` until `shutdown` completes, then lets calls in flight finish
/// (for a few seconds at most).
pub async fn serve(
    listener: TcpListener,
    state: SimState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let router = app(state);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(connection) => connection,
                Err(error) => {
                    // Running out of file descriptors and the like pass; keep serving.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let router = router.clone();
            async move {
                let response = router
                    .oneshot(request.map(Body::new))
                    .await
                    .unwrap_or_else(|never| match never {});
                if response.extensions().get::<DropConnection>().is_some() {
                    return Err(ConnectionDropped);
                }
                Ok(response)
            }
        });
        let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%peer, %error, "connection ended");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("calls still in flight after {DRAIN_TIMEOUT:?}; stopping anyway");
    }
    Ok(())
}

/// A sim serving on a loopback port in this process; it stops when dropped.
#[derive(Debug)]
pub struct RunningSim {
    addr: SocketAddr,
    state: SimState,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

/// Starts a sim on `127.0.0.1` at a free port, on a task of the current Tokio runtime.
pub async fn start(fixture: Fixture, options: SimOptions) -> io::Result<RunningSim> {
    let state = SimState::open(fixture, options)
        .await
        .map_err(|error| io::Error::new(io::ErrorKind::InvalidInput, error))?;
    start_with_state(state).await
}

/// Starts a sim on `127.0.0.1` at a free port with a state built by the caller.
pub async fn start_with_state(state: SimState) -> io::Result<RunningSim> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, state.clone(), async move {
        // A dropped sender means the handle is gone: stop as well.
        let _ = stopped.await;
    }));
    Ok(RunningSim {
        addr,
        state,
        stop: Some(stop),
        task: Some(task),
    })
}

impl RunningSim {
    /// The base URL of every API, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The running sim's state, for inspection without HTTP.
    pub fn state(&self) -> &SimState {
        &self.state
    }

    /// Stops accepting, lets calls in flight finish, and waits for the server to end.
    pub async fn stop(mut self) -> io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await.map_err(io::Error::other)?,
            None => Ok(()),
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

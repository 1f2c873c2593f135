//! Serving the provider over gRPC: strict mTLS when Terraform launches us, plaintext in debug mode,
//! with go-plugin's controller and the health service beside the provider service.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio_rustls::TlsAcceptor;
use tokio_stream::wrappers::{ReceiverStream, TcpListenerStream};
use tokio_stream::StreamExt;
use tonic::transport::server::{Connected, Router};
use tonic::transport::Server;

use crate::framework::ProviderServer;
use crate::protocol::{controller_service, health_service, provider_service};

/// Go servers accept messages up to 256 MiB; tonic's 4 MiB default would reject large states.
const MAX_MESSAGE_SIZE: usize = 256 * 1024 * 1024;
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Set once, when Terraform asks the plugin to shut down; every task waiting on it then ends.
#[derive(Clone)]
pub struct ShutdownSignal {
    sender: Arc<watch::Sender<bool>>,
}

impl Default for ShutdownSignal {
    fn default() -> Self {
        ShutdownSignal {
            sender: Arc::new(watch::channel(false).0),
        }
    }
}

impl ShutdownSignal {
    pub fn trigger(&self) {
        self.sender.send_replace(true);
    }

    pub async fn wait(&self) {
        let mut receiver = self.sender.subscribe();
        // An error means the sender is gone, which cannot happen while `self` holds it.
        let _ = receiver.wait_for(|stopped| *stopped).await;
    }
}

/// Binds a loopback port inside Terraform's range, trying ports in a random order.
///
/// Blocking, and a std listener: it is bound before the async runtime exists (see
/// [`super::announce_launched`]).
pub fn bind_in_range(min_port: u16, max_port: u16) -> io::Result<std::net::TcpListener> {
    let (low, high) = (min_port.min(max_port), min_port.max(max_port));
    let span = u32::from(high - low) + 1;
    let start = fastrand::u32(0..span);
    let mut last_error = None;
    for offset in 0..span.min(200) {
        let port = low + ((start + offset) % span) as u16;
        match std::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))) {
            Ok(listener) => return Ok(listener),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| io::Error::new(io::ErrorKind::AddrInUse, "no port in range")))
}

fn router(server: Arc<ProviderServer>, shutdown: ShutdownSignal) -> Router {
    Server::builder()
        .add_service(
            provider_service(server)
                .max_decoding_message_size(MAX_MESSAGE_SIZE)
                .max_encoding_message_size(MAX_MESSAGE_SIZE),
        )
        .add_service(controller_service(move || shutdown.trigger()))
        .add_service(health_service())
}

/// Serves until `shutdown` is triggered, accepting only TLS clients that `tls` admits.
pub async fn serve_mutual_tls(
    listener: TcpListener,
    tls: rustls::ServerConfig,
    server: Arc<ProviderServer>,
    shutdown: ShutdownSignal,
) -> Result<(), tonic::transport::Error> {
    let incoming = tls_connections(listener, TlsAcceptor::from(Arc::new(tls)));
    let stop = shutdown.clone();
    router(server, shutdown)
        .serve_with_incoming_shutdown(incoming, async move { stop.wait().await })
        .await
}

/// Serves without TLS: debug mode, where Terraform reattaches to an already running provider.
pub async fn serve_plaintext(
    listener: TcpListener,
    server: Arc<ProviderServer>,
    shutdown: ShutdownSignal,
) -> Result<(), tonic::transport::Error> {
    let stop = shutdown.clone();
    let incoming = TcpListenerStream::new(listener).map(|accepted| {
        let tcp = accepted?;
        tcp.set_nodelay(true)?;
        Ok::<_, io::Error>(tcp)
    });
    router(server, shutdown)
        .serve_with_incoming_shutdown(incoming, async move { stop.wait().await })
        .await
}

/// Accepted connections that completed the TLS handshake; refused ones are logged and dropped,
/// each handshake on its own task so one slow client cannot hold up Terraform.
fn tls_connections(
    listener: TcpListener,
    acceptor: TlsAcceptor,
) -> ReceiverStream<io::Result<TlsConnection>> {
    let (sender, receiver) = mpsc::channel(16);
    tokio::spawn(async move {
        loop {
            let (tcp, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            // Replies are small frames; Nagle's algorithm would hold them back ~40 ms.
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "could not set TCP_NODELAY");
            }
            let acceptor = acceptor.clone();
            let sender = sender.clone();
            tokio::spawn(async move {
                match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                    Ok(Ok(stream)) => {
                        let _ = sender.send(Ok(TlsConnection(stream))).await;
                    }
                    Ok(Err(e)) => {
                        let reason = super::tls::describe_refusal(&e);
                        tracing::warn!(%peer, reason, "refused a TLS connection")
                    }
                    Err(_) => {
                        tracing::warn!(%peer, "refused a connection that did not finish its TLS handshake")
                    }
                }
            });
        }
    });
    ReceiverStream::new(receiver)
}

struct TlsConnection(tokio_rustls::server::TlsStream<TcpStream>);

impl Connected for TlsConnection {
    type ConnectInfo = Option<SocketAddr>;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.0.get_ref().0.peer_addr().ok()
    }
}

impl AsyncRead for TlsConnection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsConnection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

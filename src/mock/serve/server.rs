//! Serving the mock: an accept loop over plain TCP or TLS, one hyper connection per client, graceful stop.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use super::http;
use super::observe::{ConnectionCloser, observe};
use super::repoll::Repoll;
use super::shared::Shared;
use super::tls::TlsIdentity;
use crate::mock::instance::Instance;

/// How long a TLS handshake or a graceful stop may take.
const PATIENCE: Duration = Duration::from_secs(5);

pub struct MockOptions {
    pub listen: SocketAddr,
    pub tls: Option<TlsIdentity>,
    pub instance: Instance,
}

/// A running mock instance; dropping it stops it.
pub struct MockServer {
    base_url: String,
    local_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl MockServer {
    /// Binds and starts serving; returns once the mock accepts connections.
    pub async fn start(options: MockOptions) -> io::Result<MockServer> {
        let listener = TcpListener::bind(options.listen).await?;
        let local_addr = listener.local_addr()?;
        let scheme = if options.tls.is_some() {
            "https"
        } else {
            "http"
        };
        let host = match local_addr.ip() {
            ip if ip.is_unspecified() => "127.0.0.1".to_owned(),
            ip if ip.is_ipv6() => format!("[{ip}]"),
            ip => ip.to_string(),
        };
        let base_url = format!("{scheme}://{host}:{}", local_addr.port());
        let shared = Arc::new(Shared::new(base_url.clone(), options.instance));
        let routes = Routes {
            shared: shared.clone(),
            router: http::router(shared.clone()),
        };
        let acceptor = options
            .tls
            .map(|identity| TlsAcceptor::from(identity.server_config));
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(serve(listener, acceptor, routes, stopped));
        Ok(MockServer {
            base_url,
            local_addr,
            stop: Some(stop),
            task: Some(task),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting, lets open requests finish (up to a few seconds), then returns.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// What every connection serves: the mock's state and its routes.
#[derive(Clone)]
struct Routes {
    shared: Arc<Shared>,
    router: Router,
}

async fn serve(
    listener: TcpListener,
    acceptor: Option<TlsAcceptor>,
    routes: Routes,
    mut stopped: oneshot::Receiver<()>,
) {
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                // A failed accept (e.g. too many open files) drops that client, not the mock.
                if let Ok((stream, _)) = accepted {
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(connection(stream, acceptor.clone(), routes.clone(), graceful.watcher()));
                }
            }
            _ = &mut stopped => break,
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(PATIENCE, graceful.shutdown()).await;
}

async fn connection(
    stream: TcpStream,
    acceptor: Option<TlsAcceptor>,
    routes: Routes,
    watcher: hyper_util::server::graceful::Watcher,
) {
    match acceptor {
        None => serve_connection(stream, routes, watcher).await,
        Some(acceptor) => {
            if let Ok(Ok(tls)) = tokio::time::timeout(PATIENCE, acceptor.accept(stream)).await {
                serve_connection(tls, routes, watcher).await;
            }
        }
    }
}

async fn serve_connection<S>(
    stream: S,
    routes: Routes,
    watcher: hyper_util::server::graceful::Watcher,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let closer = ConnectionCloser::default();
    let handle = closer.clone();
    let service = tower::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
        let (routes, handle) = (routes.clone(), handle.clone());
        async move {
            let response = observe(routes.shared, routes.router, handle, request).await;
            Ok::<_, Infallible>(response)
        }
    });
    // No header-read timeout: hyper would arm a timer for every request (about 4 % of token throughput at
    // 64 connections), and a mock serves test clients; a connection that never sends stays one idle task
    // until its client or the mock closes it.
    let connection = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
    // Repoll: at 1 connection a token request took 2.1× the server CPU with it and issue 12's three other
    // optimizations removed, which at 1 connection only it can explain (wrk -c1, 5 interleaved rounds,
    // medians, 2026-12-01); +20 % by median CPU in a noisier run removing it alone.
    let connection = Repoll::new(watcher.watch(connection));
    tokio::select! {
        _ = connection => {}
        _ = closer.closed() => {}
    }
}

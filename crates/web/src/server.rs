//! Serving: the accept loop with its limits, graceful shutdown, and the admin listener with the
//! metrics.
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::PrometheusHandle;
use motcua_app::App;
use tokio::net::TcpListener;

use crate::health::healthz;
use crate::router::router;

static METRICS: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process-wide Prometheus recorder (installed once).
pub fn metrics_handle() -> PrometheusHandle {
    METRICS
        .get_or_init(|| {
            let recorder = metrics_exporter_prometheus::PrometheusBuilder::new()
                .set_buckets(&[
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                ])
                .expect("buckets")
                .build_recorder();
            let handle = recorder.handle();
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// The internal router: `/metrics`, `/healthz` (served on the admin listener only).
pub fn admin_router() -> Router {
    let handle = metrics_handle();
    Router::new()
        .route(
            "/metrics",
            axum::routing::get(move || {
                let h = handle.clone();
                async move {
                    let mut r = h.render().into_response();
                    r.headers_mut().insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("text/plain; version=0.0.4"),
                    );
                    r
                }
            }),
        )
        .route("/healthz", axum::routing::get(healthz))
}

/// Serves until `shutdown` completes, then stops accepting and finishes requests in flight.
pub async fn serve(
    listener: TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    metrics_handle();
    let flag = Arc::new(AtomicBool::new(false));
    let limits = Limits::of(&app.config);
    let router = router(app, flag.clone());
    let signal = async move {
        shutdown.await;
        flag.store(true, Ordering::Relaxed);
        tracing::info!(
            event = "sys_shutdown",
            "shutting down: finishing requests in flight"
        );
    };
    serve_connections(listener, router, limits, signal).await
}

/// What one server copy allows its clients (R4.2: a slow or greedy client cannot hold the
/// server's sockets).
#[derive(Debug, Clone, Copy)]
struct Limits {
    max_connections: usize,
    header_timeout: Duration,
}

impl Limits {
    fn of(c: &motcua_app::config::Config) -> Self {
        Limits {
            max_connections: c.server.max_connections.max(1),
            header_timeout: Duration::from_secs(c.server.header_timeout_secs.max(1)),
        }
    }
}

/// The accept loop: HTTP/1.1 with a deadline for every request head (idle keep-alive connections
/// included) and at most `max_connections` open at once; beyond that, new connections wait in
/// the kernel's backlog. On shutdown it stops accepting and waits for the connections in flight.
async fn serve_connections(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    signal: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    tokio::pin!(signal);
    loop {
        let slot = tokio::select! {
            _ = &mut signal => break,
            slot = slots.clone().acquire_owned() => slot.expect("never closed"),
        };
        let (stream, peer) = tokio::select! {
            _ = &mut signal => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors or a reset before accept: wait a moment, keep serving.
                    tracing::warn!(event = "accept_error", error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let service = connection_service(router.clone(), peer);
        let conn = http.serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// The router for one connection, with the peer's address as `ConnectInfo`.
fn connection_service(
    router: Router,
    peer: SocketAddr,
) -> hyper_util::service::TowerToHyperService<
    impl tower::Service<
        hyper::Request<hyper::body::Incoming>,
        Response = Response,
        Error = std::convert::Infallible,
        Future = impl Send,
    > + Clone,
> {
    use tower::ServiceExt;
    let svc = router.map_request(move |mut req: hyper::Request<hyper::body::Incoming>| {
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        req.map(axum::body::Body::new)
    });
    hyper_util::service::TowerToHyperService::new(svc)
}

/// Serves the admin router until `shutdown` completes.
pub async fn serve_admin(
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, admin_router())
        .with_graceful_shutdown(shutdown)
        .await
}

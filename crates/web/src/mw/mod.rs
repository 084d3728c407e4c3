//! Middleware: request id and logging, metrics, security headers, sessions, access and CSRF.
//! The order they run in is set where the router is built.
mod enforce;
mod resolve;

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::caller::ReqInfo;
use crate::state::AppState;

pub use enforce::enforce;
pub use resolve::resolve_caller;

/// The matched route, passed back out for metrics and logs.
#[derive(Debug, Clone)]
struct RouteLabel(String);

/// Outermost: request id, client address, a span for every log line, metrics, one access log line.
pub async fn observe(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = uuid::Uuid::now_v7().simple().to_string();
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let info = ReqInfo {
        request_id: request_id.clone(),
        ip: resolve::client_ip(&state, peer, req.headers()),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(200).collect()),
    };
    // Methods outside the standard set share one label, so that nobody can grow the metrics
    // without bound by inventing methods.
    let method = match req.method().as_str() {
        "GET" | "HEAD" | "POST" | "PUT" | "DELETE" | "PATCH" | "OPTIONS" | "CONNECT" | "TRACE" => {
            req.method().to_string()
        }
        _ => "OTHER".to_string(),
    };
    req.extensions_mut().insert(info);
    let span = tracing::info_span!("request", request_id = %request_id, method = %method);
    let mut res = next.run(req).instrument(span.clone()).await;
    let route = res
        .extensions()
        .get::<RouteLabel>()
        .map(|r| r.0.clone())
        .unwrap_or_else(|| "unmatched".into());
    let status = res.status().as_u16();
    let secs = started.elapsed().as_secs_f64();
    metrics::counter!("motcua_http_requests_total", "method" => method.to_string(), "route" => route.clone(), "status" => status.to_string()).increment(1);
    metrics::histogram!("motcua_http_request_duration_seconds", "method" => method.to_string(), "route" => route.clone()).record(secs);
    span.in_scope(|| tracing::info!(event = "http_request", route = %route, status, duration_ms = (secs * 1000.0) as u64, "request"));
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        res.headers_mut().insert("x-request-id", v);
    }
    if status >= 500 && status != 503 {
        // A burst of them opens an incident (R10.7); 503 is an outage the health check sees.
        let app = state.app.clone();
        tokio::spawn(async move {
            if let Err(e) = app.note_server_error().await {
                tracing::warn!(event = "incident_open_fail", error = %e);
            }
        });
    }
    res
}

/// Security headers on every response, errors included.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let authenticated = req.headers().contains_key(header::AUTHORIZATION)
        || req
            .headers()
            .get(header::COOKIE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.contains(&state.cookies.session));
    let is_static = req.uri().path().starts_with("/static/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    // A handler may set a stricter policy (downloads: `sandbox`); otherwise the site's policy.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"),
    );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(self), geolocation=(), microphone=()"),
    );
    if state.app.config.public_url.starts_with("https://") {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if authenticated {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    } else if !is_static && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    h.remove(header::SERVER);
    h.remove("x-powered-by");
    res
}

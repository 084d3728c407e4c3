//! Middleware: request id and logging, metrics, security headers, sessions, access and CSRF.
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::{AppError, Ctx, Session};
use motcua_domain::account::AccountKind;
use motcua_domain::authz::{Target, authorize};
use tracing::Instrument;

use crate::AppState;
use crate::error::{WebError, problem};
use crate::routes::Access;

/// Where the request came from.
#[derive(Debug, Clone)]
pub struct ReqInfo {
    pub request_id: String,
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl ReqInfo {
    pub fn ctx(&self) -> Ctx {
        Ctx {
            request_id: Some(self.request_id.clone()),
            ip: self.ip,
            user_agent: self.user_agent.clone(),
        }
    }
}

/// The caller, resolved from the session cookie (pages) or the bearer token (API).
#[derive(Debug, Clone, Default)]
pub struct Auth(pub Option<Session>);

/// What CSRF tokens are bound to: the raw session id, or the anonymous pre-session cookie.
#[derive(Debug, Clone)]
pub struct Binding(pub String);

/// The matched route, passed back out for metrics and logs.
#[derive(Debug, Clone)]
struct RouteLabel(String);

pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

fn client_ip(state: &AppState, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
    let peer = peer?.to_canonical();
    let trusted = &state.app.config.trusted_proxies;
    if !trusted.contains(&peer) {
        if headers.contains_key("x-forwarded-for") {
            warn_untrusted_proxy(state, peer);
        }
        return Some(peer);
    }
    Some(forwarded_client(peer, trusted, headers))
}

/// Behind a trusted proxy: the right-most address of the whole `X-Forwarded-For` chain (every
/// header line, in order) that is not itself a trusted proxy. A value that is not an address
/// ends the walk there: what lies left of it was written by the client and cannot be believed.
pub fn forwarded_client(peer: IpAddr, trusted: &[IpAddr], headers: &HeaderMap) -> IpAddr {
    let lines: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|v| v.to_str().unwrap_or("?"))
        .collect();
    let mut client = peer;
    for hop in lines.iter().rev().flat_map(|l| l.rsplit(',')) {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => client = ip,
            Ok(ip) => return ip,
            Err(_) => return client,
        }
    }
    client
}

/// Said once per server copy: a proxy the settings do not trust is forwarding requests, so
/// every client behind it shares one address for throttling (R12.3).
fn warn_untrusted_proxy(state: &AppState, peer: IpAddr) {
    if !state
        .untrusted_proxy_seen
        .swap(true, std::sync::atomic::Ordering::Relaxed)
    {
        tracing::warn!(
            event = "untrusted_proxy",
            peer = %peer,
            "requests carry X-Forwarded-For from an address not in trusted_proxies; add the proxy to trusted_proxies or every client behind it shares one throttle"
        );
    }
}

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
        ip: client_ip(&state, peer, req.headers()),
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
    res
}

/// Security headers on every response, errors included (security.md §1.7, row 31).
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

pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Resolves the caller: the bearer token on the API, the session cookie elsewhere. Anonymous
/// visitors get a pre-session cookie that their form tokens are bound to.
pub async fn resolve_caller(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/static/") || path == "/healthz" || path == "/readyz" {
        return next.run(req).await;
    }
    if is_api(&path) {
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .map(String::from);
        let session = match token {
            Some(t) => match state.app.resolve_api_token(&t).await {
                Ok(s) => s,
                Err(e) => {
                    return WebError {
                        err: e,
                        api: true,
                        status: None,
                    }
                    .into_response();
                }
            },
            None => None,
        };
        req.extensions_mut().insert(Auth(session));
        return next.run(req).await;
    }
    let sid = cookie_value(req.headers(), &state.cookies.session).map(String::from);
    let session = match &sid {
        Some(raw) => match state.app.resolve_session(raw).await {
            Ok(s) => s,
            Err(e) => return WebError::from(e).into_response(),
        },
        None => None,
    };
    let mut new_pre = None;
    let binding = match (&session, &sid) {
        (Some(_), Some(raw)) => raw.clone(),
        _ => match cookie_value(req.headers(), &state.cookies.pre) {
            Some(p) if p.len() >= 32 => p.to_string(),
            _ => {
                let p = motcua_app::crypto::random_token();
                new_pre = Some(p.clone());
                p
            }
        },
    };
    let stale_sid = sid.is_some() && session.is_none();
    req.extensions_mut().insert(Auth(session));
    req.extensions_mut().insert(Binding(binding));
    let mut res = next.run(req).await;
    if let Some(p) = new_pre {
        res.headers_mut().append(
            header::SET_COOKIE,
            state.cookies.set(&state.cookies.pre, &p),
        );
    }
    if stale_sid && !res.headers().contains_key(header::SET_COOKIE) {
        res.headers_mut().append(
            header::SET_COOKIE,
            state.cookies.clear(&state.cookies.session),
        );
    }
    res
}

fn origin_ok(state: &AppState, headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true, // no browser metadata: the synchronizer token decides
        Some(o) => {
            let public = state.app.config.public_url.trim_end_matches('/');
            let host = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            o == public || o == format!("http://{host}") || o == format!("https://{host}")
        }
    }
}

fn form_token(bytes: &[u8]) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v)
}

/// 405 with the methods the path has (a GET path answers HEAD too).
fn method_not_allowed(api: bool, methods: &[Method]) -> Response {
    let mut allow: Vec<&str> = methods.iter().map(Method::as_str).collect();
    if methods.contains(&Method::GET) {
        allow.push("HEAD");
    }
    let mut r = if api {
        problem(
            StatusCode::METHOD_NOT_ALLOWED,
            "Phương thức không được hỗ trợ",
            None,
        )
    } else {
        (
            StatusCode::METHOD_NOT_ALLOWED,
            "Phương thức không được hỗ trợ",
        )
            .into_response()
    };
    if let Ok(v) = HeaderValue::from_str(&allow.join(", ")) {
        r.headers_mut().insert(header::ALLOW, v);
    }
    r
}

/// Enforces the route's declared access, and CSRF protection on every state-changing page
/// request (Fetch Metadata / Origin, plus the synchronizer token).
pub async fn enforce(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    let api = is_api(&path);
    let label = RouteLabel(path.clone());
    let with_label = |mut r: Response| {
        r.extensions_mut().insert(label.clone());
        r
    };
    let Some(access) = state.inventory.access(req.method(), &path) else {
        if let Some(methods) = state.inventory.methods(&path) {
            return with_label(method_not_allowed(api, &methods));
        }
        tracing::error!(event = "undeclared_route", route = %path, "route has no declared access; refused");
        return with_label(
            WebError {
                err: AppError::Forbidden,
                api,
                status: None,
            }
            .into_response(),
        );
    };
    let auth = req.extensions().get::<Auth>().cloned().unwrap_or_default();
    let denied = |err: AppError| {
        with_label(
            WebError {
                err,
                api,
                status: None,
            }
            .into_response(),
        )
    };
    let need_login = |req: &Request| {
        if api {
            with_label(problem(
                StatusCode::UNAUTHORIZED,
                "Cần đăng nhập (Authorization: Bearer …)",
                None,
            ))
        } else {
            let next_path = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let q = serde_urlencoded::to_string([("tiep", next_path)]).unwrap_or_default();
            with_label(Redirect::to(&format!("/dang-nhap?{q}")).into_response())
        }
    };
    match access {
        Access::Public => {}
        Access::DevOnly if state.app.config.is_dev() => {}
        Access::TestOnly if state.app.config.test_routes => {}
        Access::DevOnly | Access::TestOnly => return denied(AppError::NotFound),
        Access::Signed => {
            if auth.0.is_none() {
                return need_login(&req);
            }
        }
        Access::PublicAccount => match &auth.0 {
            None => return need_login(&req),
            Some(s) if s.user.kind == AccountKind::Staff => return denied(AppError::Forbidden),
            Some(_) => {}
        },
        Access::Staff(action) => match &auth.0 {
            None => return need_login(&req),
            Some(s) => {
                if authorize(&s.actor, action, &Target::None).is_err() {
                    tracing::warn!(event = "authz_fail", route = %path, user_id = %s.user.id, "route refused");
                    return denied(AppError::Forbidden);
                }
            }
        },
    }
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !unsafe_method || api {
        return with_label(next.run(req).await);
    }
    // CSRF: browser metadata first, then the token bound to the session.
    if !origin_ok(&state, req.headers()) {
        tracing::warn!(event = "malicious_csrf", route = %path, "cross-site request refused");
        return denied(AppError::Forbidden);
    }
    let binding = req
        .extensions()
        .get::<Binding>()
        .map(|b| b.0.clone())
        .unwrap_or_default();
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    let header_token = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let query_token = req.uri().query().and_then(|q| form_token(q.as_bytes()));
    let (parts, body) = req.into_parts();
    let (req, token) = if is_form {
        let bytes = match axum::body::to_bytes(body, 256 * 1024).await {
            Ok(b) => b,
            Err(_) => return denied(AppError::field("form", "Biểu mẫu quá lớn.")),
        };
        let t = form_token(&bytes);
        (Request::from_parts(parts, Body::from(bytes)), t)
    } else {
        (Request::from_parts(parts, body), None)
    };
    let token = token.or(header_token).or(query_token);
    if binding.is_empty() || !token.is_some_and(|t| state.app.csrf_ok(&binding, &t)) {
        tracing::warn!(event = "malicious_csrf", route = %path, "missing or wrong CSRF token");
        return with_label(
            crate::pages::ErrorPage::csrf().into_response_with(StatusCode::FORBIDDEN),
        );
    }
    with_label(next.run(req).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(lines: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for l in lines {
            h.append("x-forwarded-for", HeaderValue::from_str(l).unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_client_is_the_right_most_untrusted_hop_across_every_header_line() {
        let proxy = ip("10.0.0.1");
        let inner = ip("10.0.0.2");
        let trusted = [proxy, inner];
        // The client wrote "6.6.6.6" itself; the proxies appended what they saw.
        let h = headers(&["6.6.6.6, 203.0.113.7", "10.0.0.2"]);
        assert_eq!(forwarded_client(proxy, &trusted, &h), ip("203.0.113.7"));
        // A second line is not ignored: the first line alone would give the forged address.
        let h = headers(&["6.6.6.6", "203.0.113.9"]);
        assert_eq!(forwarded_client(proxy, &trusted, &h), ip("203.0.113.9"));
    }

    #[test]
    fn garbage_ends_the_walk_at_the_last_trusted_hop() {
        let proxy = ip("10.0.0.1");
        let h = headers(&["6.6.6.6, not-an-address, 10.0.0.2"]);
        assert_eq!(
            forwarded_client(proxy, &[proxy, ip("10.0.0.2")], &h),
            ip("10.0.0.2")
        );
        assert_eq!(forwarded_client(proxy, &[proxy], &HeaderMap::new()), proxy);
    }
}

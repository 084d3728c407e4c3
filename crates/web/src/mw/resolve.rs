//! Who the caller is and where they are: the client's address behind trusted proxies, and the
//! session (cookie) or token (API) the request carries.
use std::net::IpAddr;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::caller::{Auth, Binding, cookie_value, is_api};
use crate::error::{ApiError, PageError};
use crate::state::AppState;

pub(super) fn client_ip(
    state: &AppState,
    peer: Option<IpAddr>,
    headers: &HeaderMap,
) -> Option<IpAddr> {
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
/// every client behind it shares one address for throttling (R4.2).
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

/// Resolves the caller: the bearer token on the API, the session cookie elsewhere. Anonymous
/// visitors get a pre-session cookie that their form tokens are bound to.
pub async fn resolve_caller(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path.starts_with("/static/") || path == "/healthz" || path == "/readyz" {
        return next.run(req).await;
    }
    if is_api(path) {
        bearer_caller(&state, req, next).await
    } else {
        cookie_caller(&state, req, next).await
    }
}

/// The API's caller: the account of the bearer token, if one is sent.
async fn bearer_caller(state: &AppState, mut req: Request, next: Next) -> Response {
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
            Err(e) => return ApiError::from(e).into_response(),
        },
        None => None,
    };
    req.extensions_mut().insert(Auth(session));
    next.run(req).await
}

/// A page's caller: the session of the cookie, and what the form tokens are bound to (the
/// session, or a pre-session cookie given now to an anonymous visitor). A cookie whose session
/// ended is cleared.
async fn cookie_caller(state: &AppState, mut req: Request, next: Next) -> Response {
    let sid = cookie_value(req.headers(), &state.cookies.session).map(String::from);
    let session = match &sid {
        Some(raw) => match state.app.resolve_session(raw).await {
            Ok(s) => s,
            Err(e) => return PageError::from(e).into_response(),
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

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

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

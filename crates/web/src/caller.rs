//! Who is asking: what the middleware learns about a request and hands to the handlers in its
//! extensions (the request's origin, the resolved caller, the binding of form tokens).
use std::net::IpAddr;

use axum::http::{HeaderMap, header};
use motcua_app::{Ctx, Session};

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

/// Whether a path belongs to the JSON API (errors as problem documents, bearer tokens).
pub fn is_api(path: &str) -> bool {
    // The sandbox gateway's merchant API is called server to server, like the API.
    path.starts_with("/api/") || path == motcua_app::payments::gateway::SANDBOX_API
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

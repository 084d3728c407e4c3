//! What every handler shares: the application, the route inventory and the cookie settings.
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use axum::http::HeaderValue;
use motcua_app::App;

use crate::routes::Inventory;

/// Cookie names and attributes.
#[derive(Debug, Clone)]
pub struct Cookies {
    pub session: String,
    pub pre: String,
    /// A log-in waiting for its second factor (five minutes, single use).
    pub pending: String,
    /// A log-in under way at the identity provider.
    pub oidc: String,
    secure: bool,
}

impl Cookies {
    pub fn new(secure: bool) -> Self {
        // `__Host-` requires `Secure`; without it (plain-HTTP development) plain names are used.
        if secure {
            Cookies {
                session: "__Host-sid".into(),
                pre: "__Host-csrf".into(),
                pending: "__Host-mfa".into(),
                oidc: "__Host-oidc".into(),
                secure,
            }
        } else {
            Cookies {
                session: "motcua_sid".into(),
                pre: "motcua_csrf".into(),
                pending: "motcua_mfa".into(),
                oidc: "motcua_oidc".into(),
                secure,
            }
        }
    }
    pub fn set(&self, name: &str, value: &str) -> HeaderValue {
        let secure = if self.secure { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}"
        ))
        .expect("cookie header")
    }
    pub fn clear(&self, name: &str) -> HeaderValue {
        let secure = if self.secure { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"
        ))
        .expect("cookie header")
    }
}

/// Shared by every handler. Cloned by each middleware layer and handler of every request: the
/// app sits behind one `Arc`, so that a clone is one counter, not one per part of the app.
#[derive(Clone)]
pub struct AppState {
    pub app: Arc<App>,
    pub inventory: Arc<Inventory>,
    pub cookies: Arc<Cookies>,
    pub shutting_down: Arc<AtomicBool>,
    /// Whether a forwarded request from an untrusted proxy was already reported.
    pub untrusted_proxy_seen: Arc<AtomicBool>,
}

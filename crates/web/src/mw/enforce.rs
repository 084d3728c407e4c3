//! Enforcement of the route inventory: the access every route declared, and CSRF protection on
//! every state-changing page request (Fetch Metadata / Origin, plus the synchronizer token).
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::AppError;
use motcua_domain::account::AccountKind;
use motcua_domain::authz::{Target, authorize};

use super::RouteLabel;
use crate::caller::{Auth, Binding, is_api};
use crate::error::{error_response, problem};
use crate::kit::ErrorPage;
use crate::routes::Access;
use crate::state::AppState;

/// Enforces the route's declared access, and CSRF protection on every state-changing page
/// request. Every answer carries the matched route for the metrics and the access log.
pub async fn enforce(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    let api = is_api(&path);
    let label = RouteLabel(path.clone());
    let mut res = match admit(&state, req, &path, api).await {
        Ok(req) => next.run(req).await,
        Err(refused) => refused,
    };
    res.extensions_mut().insert(label);
    res
}

/// The request, when the caller may make it; otherwise the answer that refuses it.
async fn admit(state: &AppState, req: Request, path: &str, api: bool) -> Result<Request, Response> {
    let Some(access) = state.inventory.access(req.method(), path) else {
        if let Some(methods) = state.inventory.methods(path) {
            return Err(method_not_allowed(api, &methods));
        }
        tracing::error!(event = "undeclared_route", route = %path, "route has no declared access; refused");
        return Err(error_response(AppError::Forbidden, api));
    };
    if let Some(refusal) = check_access(state, &req, access, path, api) {
        return Err(refusal);
    }
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !unsafe_method || api {
        return Ok(req);
    }
    check_csrf(state, req, path).await
}

/// The answer that refuses the request, unless the caller has the access the route declared.
fn check_access(
    state: &AppState,
    req: &Request,
    access: Access,
    path: &str,
    api: bool,
) -> Option<Response> {
    let auth = req.extensions().get::<Auth>().cloned().unwrap_or_default();
    match access {
        Access::Public => {}
        Access::Portal => {
            let keyed = req
                .headers()
                .get(axum::http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("Bearer ") && v.len() > 7);
            if !keyed {
                return Some(error_response(AppError::Unauthenticated, api));
            }
        }
        Access::DevOnly if state.app.config.is_dev() => {}
        Access::TestOnly if state.app.config.test_routes => {}
        Access::DevOnly | Access::TestOnly => return Some(error_response(AppError::NotFound, api)),
        Access::Signed => {
            if auth.0.is_none() {
                return Some(need_login(req, api));
            }
        }
        Access::PublicAccount => match &auth.0 {
            None => return Some(need_login(req, api)),
            Some(s) if s.user.kind == AccountKind::Staff => {
                return Some(error_response(AppError::Forbidden, api));
            }
            Some(_) => {}
        },
        Access::Staff(action) => match &auth.0 {
            None => return Some(need_login(req, api)),
            Some(s) => {
                if authorize(&s.actor, action, &Target::None).is_err() {
                    tracing::warn!(event = "authz_fail", route = %path, user_id = %s.user.id, "route refused");
                    return Some(error_response(AppError::Forbidden, api));
                }
            }
        },
    }
    None
}

/// An anonymous caller on a route that needs an account: 401 on the API, the log-in page (and
/// back here afterwards) elsewhere.
fn need_login(req: &Request, api: bool) -> Response {
    if api {
        problem(
            StatusCode::UNAUTHORIZED,
            "Cần đăng nhập (Authorization: Bearer …)",
            None,
        )
    } else {
        let next_path = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let q = serde_urlencoded::to_string([("tiep", next_path)]).unwrap_or_default();
        Redirect::to(&format!("/dang-nhap?{q}")).into_response()
    }
}

/// CSRF: browser metadata first, then the token bound to the session (in the form, a header or
/// the query). A form body is read here to find its token and handed on whole.
async fn check_csrf(state: &AppState, req: Request, path: &str) -> Result<Request, Response> {
    if !origin_ok(state, req.headers()) {
        tracing::warn!(event = "malicious_csrf", route = %path, "cross-site request refused");
        return Err(error_response(AppError::Forbidden, false));
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
        let Ok(bytes) = axum::body::to_bytes(body, 256 * 1024).await else {
            return Err(error_response(
                AppError::field("form", "Biểu mẫu quá lớn."),
                false,
            ));
        };
        let t = form_token(&bytes);
        (Request::from_parts(parts, Body::from(bytes)), t)
    } else {
        (Request::from_parts(parts, body), None)
    };
    let token = token.or(header_token).or(query_token);
    if binding.is_empty() || !token.is_some_and(|t| state.app.csrf_ok(&binding, &t)) {
        tracing::warn!(event = "malicious_csrf", route = %path, "missing or wrong CSRF token");
        return Err(ErrorPage::csrf().into_response_with(StatusCode::FORBIDDEN));
    }
    Ok(req)
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

//! The application router: every feature's routes in one inventory, and the middleware every
//! request goes through, in order.
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use motcua_app::App;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;

use crate::caller::is_api;
use crate::error::error_response;
use crate::kit::ErrorPage;
use crate::routes::{Access, Routes};
use crate::state::{AppState, Cookies};
use crate::{api, health, mw, pages};

/// Every public route, with the access it requires: each feature declares its own.
pub fn routes(test_routes: bool) -> Routes<AppState> {
    let r = health::routes().merge(pages::routes()).merge(api::routes());
    if test_routes {
        r.get("/__test/panic", Access::TestOnly, test_panic)
    } else {
        r
    }
}

async fn test_panic() -> &'static str {
    panic!("forced failure for the error-page test")
}

fn panic_page(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!(event = "sys_crash", "handler panicked");
    ErrorPage::for_error(&motcua_app::AppError::Unexpected(String::new()))
        .into_response_with(StatusCode::INTERNAL_SERVER_ERROR)
}

async fn fallback(req: axum::extract::Request) -> Response {
    error_response(motcua_app::AppError::NotFound, is_api(req.uri().path()))
}

/// Builds the application router from a route inventory (tests may add routes to probe it).
pub fn router_from(
    app: App,
    r: Routes<AppState>,
    extra: Option<Router<AppState>>,
    shutting_down: Arc<AtomicBool>,
) -> Router {
    let (mut router, inventory) = r.finish();
    let request_timeout = app.config.server.request_timeout_secs;
    if let Some(x) = extra {
        router = router.merge(x);
    }
    let cookies = Arc::new(Cookies::new(app.config.secure_cookies));
    let state = AppState {
        app: Arc::new(app),
        inventory,
        cookies,
        shutting_down,
        untrusted_proxy_seen: Arc::default(),
    };
    router
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            mw::enforce,
        ))
        .fallback(fallback)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            mw::resolve_caller,
        ))
        .layer(CatchPanicLayer::custom(panic_page))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(request_timeout),
        ))
        .layer(axum::middleware::from_fn(api::contract::problem_documents))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            mw::security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            mw::observe,
        ))
        .with_state(state)
}

/// The application router.
pub fn router(app: App, shutting_down: Arc<AtomicBool>) -> Router {
    let test = app.config.test_routes;
    router_from(app, routes(test), None, shutting_down)
}

//! Probes for the orchestrator: liveness (the process answers) and readiness (it can serve:
//! not shutting down, and its database answers), with the malware scanner's state and the age
//! of its signatures.
use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use motcua_app::AppError;

use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .get("/healthz", Access::Public, healthz)
        .get("/readyz", Access::Public, readyz)
}

pub async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(s): State<AppState>) -> Response {
    if s.shutting_down.load(Ordering::Relaxed) {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response();
    }
    match s.app.ready().await {
        // The scanner does not decide readiness: reads go on while uploads wait for it (R4.4).
        Ok(()) => format!("ready\n{}\n", s.app.scanner_report().await).into_response(),
        Err(e) => {
            let cause = match e {
                AppError::Unavailable { cause, .. } => cause,
                e => e.to_string(),
            };
            tracing::error!(event = "readiness_fail", error = %cause, "database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

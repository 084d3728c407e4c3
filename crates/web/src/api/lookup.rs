//! The public look-up of a dossier by its code (no personal data).
use axum::Json;
use axum::extract::Path;
use axum::http::HeaderMap;

use super::kit::{Caller, tags};
use crate::error::ApiError;
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new().get("/api/v1/lookup/{code}", Public, lookup)
}

/// The public look-up (no personal data). Send `X-Phone-Last-Digits` for the history.
#[utoipa::path(get, path = "/api/v1/lookup/{code}", tag = tags::DOSSIERS, params(("code" = String, Path), ("X-Phone-Last-Digits" = Option<String>, Header)), responses((status = 200, body = Object), (status = 404), (status = 429)))]
pub async fn lookup(
    c: Caller,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Json<motcua_app::dossiers::LookupView>, ApiError> {
    let digits = headers
        .get("x-phone-last-digits")
        .and_then(|v| v.to_str().ok());
    Ok(Json(c.s.app.lookup(&c.ctx(), &code, digits).await?))
}

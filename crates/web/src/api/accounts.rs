//! Tokens and the caller: issuing and revoking a bearer token, and who the token's account is.
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::kit::{Caller, json_body};
use crate::error::ApiError;
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .post("/api/v1/auth/token", Public, issue_token)
        .delete("/api/v1/auth/token", Signed, revoke_token)
        .get("/api/v1/me", Signed, me)
}

/// Credentials for a token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// Số định danh, mã số thuế, thư điện tử, or a staff log-in name.
    pub login: String,
    pub password: String,
    /// Staff with a second factor (and every staff account where it is required): the
    /// current 6-digit code of their authenticator app, or an unused recovery code is not
    /// accepted here.
    #[serde(default)]
    pub code: Option<String>,
}

/// A bearer token; send it as `Authorization: Bearer <token>`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub token: String,
    /// RFC 3339, UTC.
    pub expires_at: String,
}

/// A role granted for an agency (and possibly a unit).
#[derive(Debug, Serialize, ToSchema)]
pub struct GrantOut {
    pub role: String,
    pub agency_code: String,
    pub agency_name: String,
    pub unit_code: Option<String>,
}

/// The caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: String,
    /// `citizen`, `organisation` or `staff`.
    pub kind: String,
    pub login: String,
    pub full_name: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub roles: Vec<GrantOut>,
}

/// Issues a bearer token. Wrong credentials and unknown accounts get the same answer; repeated
/// failures are throttled (429 with Retry-After).
#[utoipa::path(post, path = "/api/v1/auth/token", request_body = TokenRequest,
    responses((status = 200, body = TokenResponse), (status = 401, description = "wrong log-in name or password, an address not yet confirmed, or (staff) a missing, wrong or used second-factor code (`errors` says which: `login` or `code`)"), (status = 429, description = "too many attempts")))]
pub async fn issue_token(
    c: Caller,
    body: Result<Json<TokenRequest>, JsonRejection>,
) -> Result<Json<TokenResponse>, ApiError> {
    let req = json_body(body)?;
    let (token, expires) =
        c.s.app
            .issue_api_token(&c.ctx(), &req.login, &req.password, req.code.as_deref())
            .await
            // Refused credentials are an authentication failure, whatever the reason.
            .map_err(|e| ApiError::from(e).refusal_as(StatusCode::UNAUTHORIZED))?;
    Ok(Json(TokenResponse {
        token,
        expires_at: expires.to_string(),
    }))
}

/// Revokes the token used for this request.
#[utoipa::path(delete, path = "/api/v1/auth/token", security(("bearer" = [])), responses((status = 204), (status = 401)))]
pub async fn revoke_token(
    State(s): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let raw = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    s.app.revoke_api_token(raw.trim()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Describes the caller and their roles.
#[utoipa::path(get, path = "/api/v1/me", security(("bearer" = [])), responses((status = 200, body = Me), (status = 401)))]
pub async fn me(c: Caller) -> Result<Json<Me>, ApiError> {
    let sess = c.session()?;
    let (agencies, units) = c.s.app.agencies_and_units().await?;
    let roles = sess
        .actor
        .grants
        .iter()
        .map(|g| {
            let a = agencies.iter().find(|a| a.id == g.agency_id);
            GrantOut {
                role: g.role.as_str().into(),
                agency_code: a.map(|a| a.code.clone()).unwrap_or_default(),
                agency_name: a.map(|a| a.name.clone()).unwrap_or_default(),
                unit_code: g
                    .unit_id
                    .and_then(|u| units.iter().find(|x| x.id == u))
                    .map(|u| u.code.clone()),
            }
        })
        .collect();
    let u = &sess.user;
    Ok(Json(Me {
        id: u.id.to_string(),
        kind: u.kind.as_str().into(),
        login: u.login.clone(),
        full_name: u.full_name.clone(),
        email: u.email.clone(),
        email_verified: u.email_verified,
        roles,
    }))
}

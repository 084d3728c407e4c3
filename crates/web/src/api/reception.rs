//! The reception desk's acts on a dossier: asking for a supplement, refusing or accepting it,
//! and registering one received at the counter or by post.
use axum::Json;
use axum::extract::Path;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use motcua_app::AppError;
use motcua_domain::dossier::Intake;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::dossiers::Submitted;
use super::kit::{Caller, dossier_id, json_body, tags};
use crate::error::ApiError;
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .post("/api/v1/dossiers/register", Signed, register)
        .post("/api/v1/dossiers/{dossier}/refuse", Signed, refuse)
        .post("/api/v1/dossiers/{dossier}/accept", Signed, accept)
        .post(
            "/api/v1/dossiers/{dossier}/supplement-request",
            Signed,
            supplement_request,
        )
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplementRequest {
    /// Component ids to supplement (at least one).
    #[schema(min_items = 1)]
    pub components: Vec<String>,
    pub note: String,
}

/// Reception asks the person to supplement named components.
#[utoipa::path(post, path = "/api/v1/dossiers/{dossier}/supplement-request", tag = tags::DOSSIERS, params(("dossier" = String, Path)), request_body = SupplementRequest, security(("bearer" = [])), responses((status = 204), (status = 404), (status = 409)))]
pub async fn supplement_request(
    c: Caller,
    Path(key): Path<String>,
    body: Result<Json<SupplementRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let sess = c.session()?;
    let req = json_body(body)?;
    let id = dossier_id(&c.s, sess, &key).await?;
    c.s.app
        .request_supplement(&c.ctx(), sess, id, &req.components, &req.note)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefuseRequest {
    /// Each reason, in plain words (R11.2).
    pub reasons: Vec<String>,
}

/// Reception refuses to accept a dossier, with its reasons.
#[utoipa::path(post, path = "/api/v1/dossiers/{dossier}/refuse", tag = tags::DOSSIERS, params(("dossier" = String, Path)), request_body = RefuseRequest, security(("bearer" = [])), responses((status = 204), (status = 404), (status = 409), (status = 422)))]
pub async fn refuse(
    c: Caller,
    Path(key): Path<String>,
    body: Result<Json<RefuseRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let sess = c.session()?;
    let req = json_body(body)?;
    let id = dossier_id(&c.s, sess, &key).await?;
    c.s.app
        .refuse_at_intake(&c.ctx(), sess, id, &req.reasons)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptRequest {
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    /// RFC 3339 at +07:00, computed on the agency's working calendar (R11.3).
    pub appointment_at: String,
}

/// Reception accepts a dossier waiting at the desk; the answer carries the appointment.
#[utoipa::path(post, path = "/api/v1/dossiers/{dossier}/accept", tag = tags::DOSSIERS, params(("dossier" = String, Path)), request_body = AcceptRequest, security(("bearer" = [])), responses((status = 200, body = Accepted), (status = 404), (status = 409)))]
pub async fn accept(
    c: Caller,
    Path(key): Path<String>,
    body: Option<Json<AcceptRequest>>,
) -> Result<Response, ApiError> {
    let sess = c.session()?;
    let id = dossier_id(&c.s, sess, &key).await?;
    let comment = body.map(|b| b.0.comment).unwrap_or_default();
    let at = c.s.app.accept(&c.ctx(), sess, id, &comment).await?;
    let appointment_at = motcua_domain::calendar::rfc3339_vn(at);
    Ok(Json(Accepted { appointment_at }).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// The service id.
    #[schema(format = Uuid)]
    pub service: String,
    /// How the dossier came in.
    #[schema(pattern = "^(in_person|postal)$")]
    pub intake: String,
    #[schema(value_type = Object)]
    pub form: serde_json::Value,
    pub applicant_name: String,
    /// The applicant's phone: their notices go there by SMS until they claim the dossier into
    /// an account with its code and this phone (R11.2).
    pub phone: String,
    /// The applicant's e-mail, if they give one: their notices go there too.
    pub email: Option<String>,
}

/// Reception registers a dossier received at the counter or by post.
#[utoipa::path(post, path = "/api/v1/dossiers/register", tag = tags::DOSSIERS, request_body = RegisterRequest, security(("bearer" = [])), responses((status = 201, body = Submitted), (status = 403), (status = 422)))]
pub async fn register(
    c: Caller,
    body: Result<Json<RegisterRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let sess = c.session()?;
    let req = json_body(body)?;
    let Ok(service) = Uuid::parse_str(&req.service) else {
        return Err(AppError::field("service", "service phải là mã dịch vụ (UUID).").into());
    };
    let intake = Intake::parse(&req.intake)
        .ok_or_else(|| AppError::field("intake", "intake: in_person hoặc postal."))?;
    let d =
        c.s.app
            .register_received(
                &c.ctx(),
                sess,
                service,
                intake,
                req.form,
                (&req.applicant_name, &req.phone, req.email.as_deref()),
            )
            .await?;
    Ok((
        StatusCode::CREATED,
        Json(Submitted {
            code: d.code.unwrap_or_default(),
        }),
    )
        .into_response())
}

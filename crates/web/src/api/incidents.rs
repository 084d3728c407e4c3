//! Incidents tracked to resolution in the API (R9.2, R10.7): the list with timelines, and
//! entries added to a timeline (resolving it at the end). Reporting and reading one are with
//! the personal-data incidents (`privacy`).
use axum::Json;
use axum::extract::Path;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use motcua_domain::calendar::rfc3339_vn;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::kit::{Caller, json_body};
use super::privacy::IncidentUpdateOut;
use crate::error::ApiError;
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new().get("/api/v1/incidents", Signed, list).post(
        "/api/v1/incidents/{id}/updates",
        Signed,
        update,
    )
}

/// An incident in the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentItem {
    pub id: String,
    /// The agency's name (none: the whole system).
    pub agency: Option<String>,
    pub origin: String,
    pub summary: String,
    pub impact: String,
    pub started_at: String,
    pub resolved_at: Option<String>,
    pub public_notice: bool,
    pub updates: Vec<IncidentUpdateOut>,
}

/// The incidents the caller may see (agency administrators: their agencies'; the province's
/// administrators and inspectors: all), newest first.
#[utoipa::path(get, path = "/api/v1/incidents", security(("bearer" = [])),
    responses((status = 200, body = Vec<IncidentItem>), (status = 401), (status = 403)))]
pub async fn list(c: Caller) -> Result<Json<Vec<IncidentItem>>, ApiError> {
    let sess = c.session()?;
    let all = c.s.app.incidents(sess).await?;
    Ok(Json(
        all.into_iter()
            .map(|t| IncidentItem {
                id: t.incident.id.to_string(),
                agency: t.agency,
                origin: t.incident.origin.as_str().into(),
                summary: t.incident.summary,
                impact: t.incident.impact,
                started_at: rfc3339_vn(t.incident.started_at),
                resolved_at: t.incident.resolved_at.map(rfc3339_vn),
                public_notice: t.incident.public_notice,
                updates: t.updates.into_iter().map(Into::into).collect(),
            })
            .collect(),
    ))
}

/// An entry for an incident's timeline.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRequest {
    /// What happened, what was done.
    #[schema(min_length = 1, max_length = 4000)]
    pub note: String,
    /// This entry resolves the incident.
    #[serde(default)]
    pub resolves: bool,
}

/// Adds to an incident's timeline; with `resolves`, the incident is resolved (and its public
/// notice taken down).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/updates", params(("id" = Uuid, Path, description = "incident id")), security(("bearer" = [])), request_body = UpdateRequest,
    responses((status = 204), (status = 401), (status = 403), (status = 404), (status = 409, description = "already resolved"), (status = 422)))]
pub async fn update(
    c: Caller,
    Path(id): Path<Uuid>,
    body: Result<Json<UpdateRequest>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let sess = c.session()?;
    let r = json_body(body)?;
    c.s.app
        .update_incident(&c.ctx(), sess, id, &r.note, r.resolves)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

//! Feedback, complaints and proposals in the API (R9.4): people send them about a service, an
//! officer or their dossier; agencies answer within fifteen working days; authors rate the
//! answer; agencies propose to the provincial department.
use axum::Json;
use axum::extract::Path;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use motcua_app::oversight::NewFeedback;
use motcua_domain::calendar::rfc3339_vn;
use motcua_domain::feedback::{About, Kind};
use motcua_domain::record::Feedback;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::kit::{Caller, enum_of, json_body};
use crate::error::ApiError;
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .post("/api/v1/feedback", Signed, send)
        .get("/api/v1/feedback", Signed, agency_list)
        .get("/api/v1/me/feedback", Signed, mine)
        .post("/api/v1/feedback/{id}/answer", Signed, answer)
        .post("/api/v1/feedback/{id}/verdict", Signed, verdict)
}

fn kinds() -> utoipa::openapi::Object {
    enum_of(Kind::ALL.iter().map(|k| k.as_str()).collect())
}

fn abouts() -> utoipa::openapi::Object {
    enum_of(About::ALL.iter().map(|k| k.as_str()).collect())
}

/// Feedback sent: routed by `dossier`, else `service`, else `agency`, else (and a proposal
/// always) to the provincial department.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    /// `reflection` (phản ánh) or `recommendation` (kiến nghị) from people; `proposal` from an
    /// agency's leaders or administrators.
    #[schema(schema_with = kinds)]
    pub kind: String,
    /// What it is about; by default `other`.
    #[schema(schema_with = abouts)]
    #[serde(default)]
    pub about: String,
    /// The agency's code.
    #[serde(default)]
    pub agency: Option<String>,
    /// The service's id.
    #[serde(default)]
    pub service: Option<Uuid>,
    /// The sender's dossier, by code.
    #[serde(default)]
    pub dossier: Option<String>,
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub subject: String,
    #[schema(min_length = 1, max_length = 4000, pattern = r"\S")]
    pub body: String,
}

/// Feedback as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedbackOut {
    pub id: String,
    pub kind: String,
    pub about: String,
    /// The agency that answers it.
    pub agency: String,
    pub subject: String,
    pub body: String,
    pub created_at: String,
    /// When the answer is due (fifteen working days).
    pub due_at: String,
    /// `open`, `answered` or `refused`.
    pub state: String,
    pub closed_at: Option<String>,
    pub answer: Option<String>,
    /// The author's verdict on the answer.
    pub satisfied: Option<bool>,
}

impl From<Feedback> for FeedbackOut {
    fn from(f: Feedback) -> Self {
        Self {
            id: f.id.to_string(),
            kind: f.kind.as_str().into(),
            about: f.about.as_str().into(),
            agency: f.agency_id.to_string(),
            subject: f.subject,
            body: f.body,
            created_at: rfc3339_vn(f.created_at),
            due_at: rfc3339_vn(f.due_at),
            state: f.state.as_str().into(),
            closed_at: f.closed_at.map(rfc3339_vn),
            answer: f.answer,
            satisfied: f.satisfied,
        }
    }
}

/// Sends feedback, a complaint or (an agency's) a proposal.
#[utoipa::path(post, path = "/api/v1/feedback", security(("bearer" = [])), request_body = FeedbackRequest,
    responses((status = 201, body = FeedbackOut), (status = 401), (status = 403, description = "a proposal by someone who is not an agency's leader or administrator, or feedback by staff"),
        (status = 404, description = "no such dossier of the caller's, service or agency"), (status = 409, description = "too many unanswered"), (status = 422, description = "an empty subject or body")))]
pub async fn send(
    c: Caller,
    body: Result<Json<FeedbackRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<FeedbackOut>), ApiError> {
    let sess = c.session()?;
    let r = json_body(body)?;
    let n = NewFeedback {
        kind: r.kind,
        about: r.about,
        agency: r.agency,
        service: r.service,
        dossier: r.dossier,
        subject: r.subject,
        body: r.body,
    };
    let f = c.s.app.send_feedback(&c.ctx(), sess, &n).await?;
    Ok((StatusCode::CREATED, Json(f.into())))
}

/// What was routed to the caller's agencies (leaders and administrators; inspectors and the
/// province's administrators: all), newest first.
#[utoipa::path(get, path = "/api/v1/feedback", security(("bearer" = [])),
    responses((status = 200, body = Vec<FeedbackOut>), (status = 401), (status = 403)))]
pub async fn agency_list(c: Caller) -> Result<Json<Vec<FeedbackOut>>, ApiError> {
    let sess = c.session()?;
    let list = c.s.app.agency_feedback(sess).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// What the caller sent, newest first.
#[utoipa::path(get, path = "/api/v1/me/feedback", security(("bearer" = [])),
    responses((status = 200, body = Vec<FeedbackOut>), (status = 401)))]
pub async fn mine(c: Caller) -> Result<Json<Vec<FeedbackOut>>, ApiError> {
    let sess = c.session()?;
    let list = c.s.app.my_feedback(sess).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// The agency's answer, or its refusal with the reason.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerFeedback {
    #[schema(min_length = 10, max_length = 4000)]
    pub answer: String,
    /// Refuse it (not taken up) instead of answering.
    #[serde(default)]
    pub refuse: bool,
}

/// Answers or refuses feedback routed to the caller's agency.
#[utoipa::path(post, path = "/api/v1/feedback/{id}/answer", params(("id" = Uuid, Path, description = "the feedback's id")), security(("bearer" = [])), request_body = AnswerFeedback,
    responses((status = 200, body = FeedbackOut), (status = 401), (status = 404, description = "none routed to the caller's agency"), (status = 409, description = "already answered"), (status = 422)))]
pub async fn answer(
    c: Caller,
    Path(id): Path<Uuid>,
    body: Result<Json<AnswerFeedback>, JsonRejection>,
) -> Result<Json<FeedbackOut>, ApiError> {
    let sess = c.session()?;
    let r = json_body(body)?;
    let f =
        c.s.app
            .close_feedback(&c.ctx(), sess, id, r.refuse, &r.answer)
            .await?;
    Ok(Json(f.into()))
}

/// The author's verdict.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Verdict {
    pub satisfied: bool,
}

/// The author says whether the answer satisfied them, once.
#[utoipa::path(post, path = "/api/v1/feedback/{id}/verdict", params(("id" = Uuid, Path, description = "the feedback's id")), security(("bearer" = [])), request_body = Verdict,
    responses((status = 204), (status = 401), (status = 404, description = "not the caller's"), (status = 409, description = "not answered yet, or already rated"), (status = 422)))]
pub async fn verdict(
    c: Caller,
    Path(id): Path<Uuid>,
    body: Result<Json<Verdict>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let sess = c.session()?;
    let r = json_body(body)?;
    c.s.app
        .rate_feedback_answer(&c.ctx(), sess, id, r.satisfied)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

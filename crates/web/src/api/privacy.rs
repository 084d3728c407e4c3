//! Personal data and the audit log in the API (R4.3, R10.5): the person's export, consents and
//! requests; the province's answers to requests; incidents with their 72-hour clock; the audit
//! log and inclusion proofs for inspectors.
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use motcua_app::AppError;
use motcua_app::audit::{AuditError, AuditQuery, InclusionProof};
use motcua_app::privacy::incidents::NewIncident;
use motcua_domain::calendar::rfc3339_vn;
use motcua_domain::privacy as pd;
use motcua_domain::record::{Consent, PrivacyRequest};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::kit::{Caller, enum_of, json_body};
use crate::error::ApiError;
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get("/api/v1/privacy/notice", Public, privacy_notice)
        .get("/api/v1/me/export", Signed, my_export)
        .get("/api/v1/me/consents", Signed, my_consents)
        .post("/api/v1/me/consents", Signed, give_consent)
        .delete("/api/v1/me/consents/{purpose}", Signed, withdraw_consent)
        .get("/api/v1/me/requests", Signed, my_requests)
        .post("/api/v1/me/requests", Signed, new_request)
        .get("/api/v1/privacy/requests", Signed, open_requests)
        .post("/api/v1/privacy/requests/{id}", Signed, answer_request)
        .post("/api/v1/incidents", Signed, report_incident)
        .get("/api/v1/incidents/{id}", Signed, get_incident)
        .post("/api/v1/incidents/{id}/notified", Signed, incident_notified)
        .get("/api/v1/audit", Signed, audit_log)
        .get("/api/v1/audit/{seq}/proof", Signed, audit_proof)
}

/// A purpose personal data is processed for.
#[derive(Debug, Serialize, ToSchema)]
pub struct PurposeOut {
    /// `xu-ly-ho-so` or `chia-se`.
    pub code: String,
    pub label: String,
    /// The law that allows it without consent; none: it needs the person's consent.
    pub legal_basis: Option<String>,
}

/// The notice in force and the register of purposes.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeOut {
    pub version: i32,
    pub text: String,
    /// SHA-256 of the text (hex), recorded with each consent.
    pub sha256: String,
    pub purposes: Vec<PurposeOut>,
}

/// The notice a person reads before consenting, and what each purpose rests on.
#[utoipa::path(get, path = "/api/v1/privacy/notice", responses((status = 200, body = NoticeOut)))]
pub async fn privacy_notice() -> Json<NoticeOut> {
    let n = pd::current_notice();
    Json(NoticeOut {
        version: n.version,
        text: n.text.into(),
        sha256: pd::notice_sha256(n),
        purposes: pd::Purpose::ALL
            .iter()
            .map(|p| PurposeOut {
                code: p.as_str().into(),
                label: p.label().into(),
                legal_basis: p.legal_basis().map(String::from),
            })
            .collect(),
    })
}

/// Everything held about the caller (JSON): account, dossiers with their declarations, papers,
/// history and disclosures, notices, consents, requests, and the staff reads of their data.
#[utoipa::path(get, path = "/api/v1/me/export", security(("bearer" = [])), responses((status = 200, body = Object), (status = 401)))]
pub async fn my_export(c: Caller) -> Result<Json<serde_json::Value>, ApiError> {
    let sess = c.session()?;
    Ok(Json(c.s.app.export_my_data(&c.ctx(), sess).await?))
}

/// A consent, as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentOut {
    pub purpose: String,
    pub notice_version: i32,
    pub notice_sha256: String,
    pub channel: String,
    pub accepted_at: String,
    pub withdrawn_at: Option<String>,
}

impl From<Consent> for ConsentOut {
    fn from(c: Consent) -> Self {
        Self {
            purpose: c.purpose,
            notice_version: c.notice_version,
            notice_sha256: c.notice_sha256,
            channel: c.channel,
            accepted_at: rfc3339_vn(c.accepted_at),
            withdrawn_at: c.withdrawn_at.map(rfc3339_vn),
        }
    }
}

/// The caller's consents, withdrawn ones included (the history is kept).
#[utoipa::path(get, path = "/api/v1/me/consents", security(("bearer" = [])), responses((status = 200, body = Vec<ConsentOut>), (status = 401)))]
pub async fn my_consents(c: Caller) -> Result<Json<Vec<ConsentOut>>, ApiError> {
    let sess = c.session()?;
    let list = c.s.app.my_consents(sess).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// A consent given.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentRequest {
    /// A purpose that needs consent.
    #[schema(schema_with = consent_purposes)]
    pub purpose: String,
    /// The version of the notice read (`GET /api/v1/privacy/notice`): the one in force.
    #[schema(schema_with = notice_versions)]
    pub notice_version: i32,
}

/// The purposes that take consent (the others rest on the law).
fn consent_purposes() -> utoipa::openapi::Object {
    enum_of(
        pd::Purpose::ALL
            .iter()
            .filter(|p| p.legal_basis().is_none())
            .map(|p| p.as_str())
            .collect(),
    )
}

/// The notice version in force, the only one consent is taken to.
fn notice_versions() -> utoipa::openapi::Object {
    let v = pd::current_notice().version;
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Integer)
        .minimum(Some(v))
        .maximum(Some(v))
        .build()
}

/// The kinds of request.
fn request_kinds() -> utoipa::openapi::Object {
    enum_of(pd::RequestKind::ALL.iter().map(|k| k.as_str()).collect())
}

/// Gives consent to a purpose, to the notice version read (given again, the consent in force
/// is answered).
#[utoipa::path(post, path = "/api/v1/me/consents", security(("bearer" = [])), request_body = ConsentRequest,
    responses((status = 201, body = ConsentOut), (status = 401), (status = 422, description = "a purpose that takes no consent, or another notice version")))]
pub async fn give_consent(
    c: Caller,
    body: Result<Json<ConsentRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<ConsentOut>), ApiError> {
    let sess = c.session()?;
    let r = json_body(body)?;
    let out =
        c.s.app
            .give_consent(&c.ctx(), sess, &r.purpose, r.notice_version, "api")
            .await?;
    Ok((StatusCode::CREATED, Json(out.into())))
}

/// Withdraws the consent to a purpose; what depends on it stops at once.
#[utoipa::path(delete, path = "/api/v1/me/consents/{purpose}", params(("purpose" = String, Path, description = "the purpose's code")), security(("bearer" = [])),
    responses((status = 204), (status = 401), (status = 404, description = "no consent in force for it")))]
pub async fn withdraw_consent(
    c: Caller,
    Path(purpose): Path<String>,
) -> Result<StatusCode, ApiError> {
    let sess = c.session()?;
    c.s.app.withdraw_consent(&c.ctx(), sess, &purpose).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A request about one's data.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestOut {
    pub id: String,
    /// `correction`, `deletion` or `restriction`.
    pub kind: String,
    pub detail: String,
    /// `open`, `done` or `refused`.
    pub status: String,
    pub created_at: String,
    /// 72 hours after it was made.
    pub due_at: String,
    pub answered_at: Option<String>,
    pub answer: Option<String>,
}

impl From<PrivacyRequest> for RequestOut {
    fn from(r: PrivacyRequest) -> Self {
        Self {
            id: r.id.to_string(),
            kind: r.kind,
            detail: r.detail,
            status: r.status,
            created_at: rfc3339_vn(r.created_at),
            due_at: rfc3339_vn(r.due_at),
            answered_at: r.answered_at.map(rfc3339_vn),
            answer: r.answer,
        }
    }
}

/// The caller's requests.
#[utoipa::path(get, path = "/api/v1/me/requests", security(("bearer" = [])), responses((status = 200, body = Vec<RequestOut>), (status = 401)))]
pub async fn my_requests(c: Caller) -> Result<Json<Vec<RequestOut>>, ApiError> {
    let sess = c.session()?;
    let list = c.s.app.my_requests(sess).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// A request to make.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    #[schema(schema_with = request_kinds)]
    pub kind: String,
    /// What to correct, what to delete or restrict, and why (up to 4,000 characters).
    #[schema(pattern = r"\S")]
    pub detail: String,
}

/// Asks to correct, delete or restrict one's data; answered within 72 hours.
#[utoipa::path(post, path = "/api/v1/me/requests", security(("bearer" = [])), request_body = NewRequest,
    responses((status = 201, body = RequestOut), (status = 401), (status = 422)))]
pub async fn new_request(
    c: Caller,
    body: Result<Json<NewRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<RequestOut>), ApiError> {
    let sess = c.session()?;
    let r = json_body(body)?;
    let out =
        c.s.app
            .request_about_my_data(&c.ctx(), sess, &r.kind, &r.detail)
            .await?;
    Ok((StatusCode::CREATED, Json(out.into())))
}

/// The open requests, soonest due first (province administrators).
#[utoipa::path(get, path = "/api/v1/privacy/requests", security(("bearer" = [])), responses((status = 200, body = Vec<RequestOut>), (status = 401), (status = 403)))]
pub async fn open_requests(c: Caller) -> Result<Json<Vec<RequestOut>>, ApiError> {
    let sess = c.session()?;
    let list = c.s.app.open_privacy_requests(sess).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// An answer to a request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestAnswer {
    /// `done` (carried out) or `refused`.
    #[schema(pattern = "^(done|refused)$")]
    pub outcome: String,
    /// What was done, or why not.
    pub answer: String,
}

/// Answers a request (province administrators): a deletion or restriction carried out takes
/// effect in the same transaction.
#[utoipa::path(post, path = "/api/v1/privacy/requests/{id}", params(("id" = Uuid, Path, description = "request id")), security(("bearer" = [])), request_body = RequestAnswer,
    responses((status = 200, body = RequestOut), (status = 401), (status = 403), (status = 404), (status = 409, description = "already answered"), (status = 422)))]
pub async fn answer_request(
    c: Caller,
    Path(id): Path<Uuid>,
    body: Result<Json<RequestAnswer>, JsonRejection>,
) -> Result<Json<RequestOut>, ApiError> {
    let sess = c.session()?;
    let r = json_body(body)?;
    let done = match r.outcome.as_str() {
        "done" => true,
        "refused" => false,
        _ => return Err(AppError::field("outcome", "outcome: done hoặc refused.").into()),
    };
    let out =
        c.s.app
            .answer_privacy_request(&c.ctx(), sess, id, done, &r.answer)
            .await?;
    Ok(Json(out.into()))
}

/// An incident to report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentRequest {
    /// The agency's code (absent: the whole installation; province administrators only).
    pub agency: Option<String>,
    /// Whether personal data was, or may have been, exposed (starts the 72-hour clock).
    pub personal_data: bool,
    /// What happened and its impact.
    #[schema(pattern = r"\S")]
    pub summary: String,
    /// Since when (RFC 3339; not after `discovered_at`).
    #[schema(format = DateTime)]
    pub started_at: String,
    /// When it was found (RFC 3339; not in the future).
    #[schema(format = DateTime)]
    pub discovered_at: String,
    /// What it affects: services, people, data.
    #[serde(default)]
    pub impact: String,
    /// Announce it on the public site until it is resolved.
    #[serde(default)]
    pub public_notice: bool,
}

/// One entry of an incident's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentUpdateOut {
    pub at: String,
    /// Who wrote it (none: motcua itself).
    pub by: Option<String>,
    pub note: String,
    /// This entry resolved it.
    pub resolves: bool,
}

impl From<motcua_domain::record::IncidentUpdate> for IncidentUpdateOut {
    fn from(u: motcua_domain::record::IncidentUpdate) -> Self {
        Self {
            at: rfc3339_vn(u.at),
            by: u.by.map(|b| b.to_string()),
            note: u.note,
            resolves: u.resolves,
        }
    }
}

/// A person affected, masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct AffectedOut {
    pub user_id: String,
    pub name: String,
    pub id_number: String,
}

/// An incident with its clock.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentOut {
    pub id: String,
    pub agency: Option<String>,
    pub personal_data: bool,
    pub summary: String,
    pub started_at: String,
    pub discovered_at: String,
    /// 72 hours after discovery (personal data).
    pub notify_by: String,
    /// Whole hours left (negative: late).
    pub hours_left: i64,
    pub notified_at: Option<String>,
    pub affected: Vec<AffectedOut>,
    /// The notice to the authority, drafted.
    pub notice: String,
    pub impact: String,
    /// `reported` (by an agency) or what motcua's own checks found: `health`, `errors`,
    /// `audit`, `disk`.
    pub origin: String,
    pub public_notice: bool,
    pub resolved_at: Option<String>,
    /// Its timeline, oldest first.
    pub updates: Vec<IncidentUpdateOut>,
}

fn instant(field: &'static str, s: &str) -> Result<jiff::Timestamp, ApiError> {
    s.parse().map_err(|e| {
        AppError::field(
            field,
            format!("{field}: RFC 3339, ví dụ 2026-12-03T08:00:00+07:00 ({e})."),
        )
        .into()
    })
}

/// Reports an incident (agency or province administrators).
#[utoipa::path(post, path = "/api/v1/incidents", security(("bearer" = [])), request_body = IncidentRequest,
    responses((status = 201, body = IncidentOut), (status = 401), (status = 403), (status = 422)))]
pub async fn report_incident(
    c: Caller,
    body: Result<Json<IncidentRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<IncidentOut>), ApiError> {
    let sess = c.session()?;
    c.s.app.may_report_incidents(sess)?;
    let r = json_body(body)?;
    let n = NewIncident {
        agency: r.agency,
        personal_data: r.personal_data,
        summary: r.summary,
        started_at: instant("started_at", &r.started_at)?,
        discovered_at: instant("discovered_at", &r.discovered_at)?,
        impact: r.impact,
        public_notice: r.public_notice,
    };
    let i = c.s.app.report_incident(&c.ctx(), sess, n).await?;
    Ok((StatusCode::CREATED, Json(incident_out(&c, i.id).await?)))
}

async fn incident_out(c: &Caller, id: Uuid) -> Result<IncidentOut, ApiError> {
    let v = c.s.app.incident(c.session()?, id).await?;
    let i = v.incident;
    Ok(IncidentOut {
        id: i.id.to_string(),
        agency: v.agency,
        personal_data: i.personal_data,
        summary: i.summary,
        started_at: rfc3339_vn(i.started_at),
        discovered_at: rfc3339_vn(i.discovered_at),
        notify_by: rfc3339_vn(i.notify_by),
        hours_left: v.hours_left,
        notified_at: i.notified_at.map(rfc3339_vn),
        affected: v
            .affected
            .into_iter()
            .map(|a| AffectedOut {
                user_id: a.user_id.to_string(),
                name: a.name,
                id_number: a.id_number,
            })
            .collect(),
        notice: v.notice,
        impact: i.impact,
        origin: i.origin.as_str().into(),
        public_notice: i.public_notice,
        resolved_at: i.resolved_at.map(rfc3339_vn),
        updates: v.updates.into_iter().map(Into::into).collect(),
    })
}

/// An incident with its clock, the people affected and the drafted notice.
#[utoipa::path(get, path = "/api/v1/incidents/{id}", params(("id" = Uuid, Path, description = "incident id")), security(("bearer" = [])),
    responses((status = 200, body = IncidentOut), (status = 401), (status = 403), (status = 404)))]
pub async fn get_incident(c: Caller, Path(id): Path<Uuid>) -> Result<Json<IncidentOut>, ApiError> {
    Ok(Json(incident_out(&c, id).await?))
}

/// Records that the authority was notified.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/notified", params(("id" = Uuid, Path, description = "incident id")), security(("bearer" = [])),
    responses((status = 204), (status = 401), (status = 403), (status = 404), (status = 409, description = "already recorded")))]
pub async fn incident_notified(c: Caller, Path(id): Path<Uuid>) -> Result<StatusCode, ApiError> {
    let sess = c.session()?;
    c.s.app.incident_notified(&c.ctx(), sess, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What the audit log is filtered by.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    /// Records by this account.
    pub actor: Option<Uuid>,
    /// Records about this person (their account and dossiers).
    pub person: Option<Uuid>,
    /// Records about this dossier.
    pub dossier: Option<Uuid>,
    /// From this instant (RFC 3339).
    #[param(format = DateTime)]
    pub from: Option<String>,
    /// Before this instant (RFC 3339).
    #[param(format = DateTime)]
    pub to: Option<String>,
    /// At most this many, newest first (1–1000, default 200).
    pub limit: Option<u64>,
}

/// One audit record.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditOut {
    /// Its place in the log.
    pub seq: i64,
    pub at: String,
    pub actor: Option<String>,
    pub role: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub agency: Option<String>,
    pub request_id: Option<String>,
    pub client: Option<String>,
    pub detail: serde_json::Value,
}

/// The audit log, filtered (inspectors, province administrators; agency administrators for
/// their agencies).
#[utoipa::path(get, path = "/api/v1/audit", params(AuditParams), security(("bearer" = [])),
    responses((status = 200, body = Vec<AuditOut>), (status = 401), (status = 403), (status = 422)))]
pub async fn audit_log(
    c: Caller,
    q: Result<Query<AuditParams>, QueryRejection>,
) -> Result<Json<Vec<AuditOut>>, ApiError> {
    let sess = c.session()?;
    c.s.app.may_read_audit(sess)?;
    let Query(q) = q.map_err(|e| AppError::field("query", e.body_text()))?;
    let when =
        |f: &'static str, v: &Option<String>| v.as_deref().map(|s| instant(f, s)).transpose();
    let query = AuditQuery {
        actor: q.actor,
        person: q.person,
        dossier: q.dossier,
        from: when("from", &q.from)?,
        to: when("to", &q.to)?,
        limit: q.limit.unwrap_or(200),
    };
    let rows = c.s.app.audit_records(sess, &query).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(seq, e)| AuditOut {
                seq,
                at: rfc3339_vn(e.at),
                actor: e.actor_id.map(|u| u.to_string()),
                role: e.role,
                action: e.action,
                object_type: e.object_type,
                object_id: e.object_id,
                agency: e.agency_id.map(|u| u.to_string()),
                request_id: e.request_id,
                client: e.client,
                detail: serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::Null),
            })
            .collect(),
    ))
}

/// The inclusion proof of a record (RFC 9162 §2.1.3), against the latest signed checkpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProofOut {
    pub seq: i64,
    pub leaf_index: u64,
    pub tree_size: u64,
    pub leaf_hash: String,
    /// The audit path, hex, leaf to root.
    pub path: Vec<String>,
    pub root: String,
    /// The signed note (C2SP tlog-checkpoint).
    pub checkpoint: String,
}

impl From<InclusionProof> for ProofOut {
    fn from(p: InclusionProof) -> Self {
        Self {
            seq: p.seq,
            leaf_index: p.leaf_index,
            tree_size: p.tree_size,
            leaf_hash: p.leaf_hash,
            path: p.path,
            root: p.root,
            checkpoint: p.checkpoint,
        }
    }
}

/// The proof that one record is in the log (inspectors and province administrators).
#[utoipa::path(get, path = "/api/v1/audit/{seq}/proof", params(("seq" = i64, Path, description = "the record's place")), security(("bearer" = [])),
    responses((status = 200, body = ProofOut), (status = 401), (status = 403), (status = 404), (status = 409, description = "the log does not verify: no proof is given")))]
pub async fn audit_proof(c: Caller, Path(seq): Path<i64>) -> Result<Json<ProofOut>, ApiError> {
    let sess = c.session()?;
    if !c.s.app.may_prove(sess) {
        return Err(AppError::Forbidden.into());
    }
    match c.s.app.inclusion_proof(seq).await {
        Ok(p) => Ok(Json(p.into())),
        Err(AuditError::App(e)) => Err(e.into()),
        Err(e) => Err(AppError::Conflict(e.to_string()).into()),
    }
}

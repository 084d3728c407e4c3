//! The dossier API (issue 4): drafts, files, submission, the caller's dossiers, the public look-up.
use axum::extract::rejection::JsonRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use motcua_app::dossiers::{Audience, DossierView, FileRowView, StagedUpload};
use motcua_app::{AppError, Session};
use motcua_domain::dossier::{Intake, national_label};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::{json_body, session};
use crate::caller::{Auth, ReqInfo};
use crate::error::ApiError;
use crate::files::{Budget, Receiver, Take, file_response, receive};
use crate::state::AppState;

/// A new draft, for a service named by its id or by its procedure's and agency's codes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum NewDossier {
    ByService(NewDossierByService),
    ByCodes(NewDossierByCodes),
}

/// A new draft for the service with this id.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDossierByService {
    /// The service id (or «procedure code/agency code»).
    #[schema(
        pattern = r"^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9]\.[0-9]{6}/[0-9A-Za-z.]{1,40})$"
    )]
    pub service: String,
    /// The form's answers so far.
    #[schema(value_type = Object)]
    #[serde(default = "empty_form")]
    pub form: serde_json::Value,
}

/// A new draft for the service an agency offers for a procedure.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDossierByCodes {
    /// The procedure's national code, e.g. 1.001193.
    #[schema(pattern = r"^[0-9]\.[0-9]{6}$")]
    pub procedure: String,
    /// The agency's code, e.g. 000.01.01.H53.
    #[schema(pattern = r"^[0-9A-Za-z.]{1,40}$")]
    pub agency: String,
    /// The form's answers so far.
    #[schema(value_type = Object)]
    #[serde(default = "empty_form")]
    pub form: serde_json::Value,
}

fn empty_form() -> serde_json::Value {
    serde_json::json!({})
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: String,
    /// `draft` (see `DossierOut.status`).
    pub status: String,
}

/// The service a new draft is for, and its answers.
async fn resolve_service(
    s: &AppState,
    req: NewDossier,
) -> Result<(Uuid, serde_json::Value), ApiError> {
    match req {
        NewDossier::ByService(r) => {
            if let Ok(u) = Uuid::parse_str(&r.service) {
                return Ok((u, r.form));
            }
            match r.service.split_once('/') {
                Some((p, a)) => Ok((find_service(s, p, a).await?, r.form)),
                None => Err(AppError::field(
                    "service",
                    "service phải là mã dịch vụ (UUID) hoặc «mã thủ tục/mã cơ quan».",
                )
                .into()),
            }
        }
        NewDossier::ByCodes(r) => Ok((find_service(s, &r.procedure, &r.agency).await?, r.form)),
    }
}

async fn find_service(s: &AppState, procedure: &str, agency: &str) -> Result<Uuid, ApiError> {
    let v = s.app.procedure_page(procedure.trim(), false).await?;
    v.services
        .iter()
        .find(|x| x.agency.code == agency.trim())
        .map(|x| x.service.id)
        .ok_or(AppError::NotFound.into())
}

/// Creates a draft dossier for a service (level 3 or 4).
#[utoipa::path(post, path = "/api/v1/dossiers", request_body = NewDossier, security(("bearer" = [])), responses((status = 201, body = Created), (status = 401), (status = 422)))]
pub async fn create(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(info): Extension<ReqInfo>,
    body: Result<Json<NewDossier>, JsonRejection>,
) -> Result<Response, ApiError> {
    let sess = session(&auth)?;
    let Json(req) = body.map_err(|e| match e {
        JsonRejection::JsonDataError(_) => AppError::field(
            "body",
            "Gửi service (mã dịch vụ), hoặc procedure và agency (mã thủ tục, mã cơ quan), cùng form.",
        ),
        e => AppError::field("body", e.body_text()),
    })?;
    let (service, form) = resolve_service(&s, req).await?;
    let d = s.app.create_draft(&info.ctx(), sess, service, form).await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id: d.id.to_string(),
            status: d.stage.status().as_str().into(),
        }),
    )
        .into_response())
}

pub(crate) async fn dossier_id(s: &AppState, sess: &Session, key: &str) -> Result<Uuid, ApiError> {
    match Uuid::parse_str(key) {
        Ok(u) => Ok(u),
        Err(_) => Ok(s.app.dossier_by_code(sess, key).await?.row.id),
    }
}

/// Replaces the answers of a draft.
#[utoipa::path(put, path = "/api/v1/dossiers/{dossier}/form", params(("dossier" = String, Path, description = "dossier id")), request_body = Object, security(("bearer" = [])), responses((status = 200, body = Created), (status = 404), (status = 409)))]
pub async fn put_form(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Path(key): Path<String>,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<Created>, ApiError> {
    let sess = session(&auth)?;
    let form = json_body(body)?;
    if !form.is_object() {
        return Err(AppError::field("body", "Biểu mẫu phải là một đối tượng JSON.").into());
    }
    let id = dossier_id(&s, sess, &key).await?;
    let d = s.app.save_form(sess, id, form).await?;
    Ok(Json(Created {
        id: d.id.to_string(),
        status: d.stage.status().as_str().into(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FileOut {
    pub id: String,
    pub component: String,
    pub name: String,
    pub size: i64,
    pub sha256: String,
    /// Decided from the content: pdf, jpg, png, heic, webp, p7s.
    pub kind: String,
    pub media_type: String,
}

fn file_out(f: &motcua_app::dossiers::FileRowView) -> FileOut {
    FileOut {
        id: f.id.to_string(),
        component: f.component_id.clone(),
        name: f.name.clone(),
        size: f.size,
        sha256: f.sha256.clone(),
        kind: f.kind.as_str().into(),
        media_type: f.kind.media_type().into(),
    }
}

/// The parts of an upload, in any order: `component`, optionally `name`, and `file`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct AttachForm {
    /// The component's id (see the procedure's `components`), or `_ket-qua` for a result.
    #[schema(pattern = "^[a-z0-9_-]{1,64}$")]
    component: String,
    /// The original file name, when the part's header cannot carry it (at most 4 KiB).
    #[schema(max_length = 1000)]
    name: Option<String>,
    /// The file: PDF, JPEG, PNG, or a CMS signature (.p7s).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Adds a file to a component of a draft: multipart with `component` and `file`.
#[utoipa::path(post, path = "/api/v1/dossiers/{dossier}/attachments", params(("dossier" = String, Path, description = "dossier code or id")), security(("bearer" = [])),
    request_body(content = AttachForm, content_type = "multipart/form-data"),
    responses((status = 201, body = FileOut), (status = 409, description = "the dossier no longer takes files, or its procedure has no such component"), (status = 413), (status = 422)))]
pub async fn attach(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(info): Extension<ReqInfo>,
    Path(key): Path<String>,
    headers: HeaderMap,
    mut mp: Multipart,
) -> Result<Response, ApiError> {
    let sess = session(&auth)?;
    let id = dossier_id(&s, sess, &key).await?;
    let attachment = Attachment {
        s: &s,
        sess,
        info: &info,
        id,
        component: None,
        name: None,
        staged: None,
    };
    let to = (sess, id);
    let f = receive(&s, to, Budget::AtStart, (&headers, &mut mp), attachment).await?;
    Ok((StatusCode::CREATED, Json(file_out(&f))).into_response())
}

/// One file for a component. The parts may come in any order; the file streams to the staging
/// folder meanwhile (dropped, it leaves nothing behind) and is attached once the body ends.
struct Attachment<'a> {
    s: &'a AppState,
    sess: &'a Session,
    info: &'a ReqInfo,
    id: Uuid,
    component: Option<String>,
    /// The original file name as text (any characters), when a part header cannot carry it.
    name: Option<String>,
    staged: Option<(StagedUpload, String)>,
}

impl Receiver for Attachment<'_> {
    type Done = FileRowView;

    fn take(&self, name: Option<&str>, file_name: Option<&str>) -> Take {
        match name {
            Some("component" | "name") => Take::Text,
            Some("file") if self.staged.is_some() => {
                Take::Refuse(AppError::field("file", "Gửi mỗi lần một tệp."))
            }
            Some("file") => Take::File(file_name.unwrap_or("tep").to_string()),
            _ => Take::Refuse(AppError::field(
                "body",
                "Chỉ nhận các phần component, name và file.",
            )),
        }
    }

    fn text(&mut self, name: &str, value: String) {
        match name {
            "component" => self.component = Some(value),
            _ => self.name = Some(value),
        }
    }

    async fn file(
        &mut self,
        name: String,
        staged: StagedUpload,
    ) -> Result<Option<FileRowView>, AppError> {
        self.staged = Some((staged, name));
        Ok(None)
    }

    async fn finish(self) -> Result<FileRowView, AppError> {
        let Some((file, part_name)) = self.staged else {
            return Err(AppError::field("file", "Thiếu tệp."));
        };
        let Some(component) = self.component else {
            return Err(AppError::field("component", "Thiếu trường component."));
        };
        let name = self.name.unwrap_or(part_name);
        let ctx = self.info.ctx();
        self.s
            .app
            .attach(&ctx, self.sess, self.id, &component, &name, file)
            .await
    }
}

/// Removes a file from a draft.
#[utoipa::path(delete, path = "/api/v1/dossiers/{dossier}/attachments/{file}", params(("dossier" = String, Path, description = "dossier code or id"), ("file" = Uuid, Path, description = "file id")), security(("bearer" = [])), responses((status = 204), (status = 404)))]
pub async fn detach(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(info): Extension<ReqInfo>,
    Path((key, file)): Path<(String, Uuid)>,
) -> Result<Response, ApiError> {
    let sess = session(&auth)?;
    let id = dossier_id(&s, sess, &key).await?;
    s.app.remove_file(&info.ctx(), sess, id, file).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    /// The declaration that the information is accurate (R13.2): must be `true`.
    #[schema(schema_with = only_true)]
    pub declaration_accepted: bool,
}

/// A boolean that must be `true` (a declaration).
fn only_true() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Boolean)
        .enum_values(Some([true]))
        .build()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Submitted {
    pub code: String,
}

/// Submits a draft. Send `Idempotency-Key`: a retry with the same key answers the same code.
#[utoipa::path(post, path = "/api/v1/dossiers/{dossier}/submit", params(("dossier" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = SubmitRequest, security(("bearer" = [])),
    responses((status = 200, body = Submitted), (status = 409, description = "the dossier cannot be submitted as it is (answers or files incomplete, `errors` says what), or the key was used for another request"), (status = 422, description = "the declaration is not accepted")))]
pub async fn submit(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(info): Extension<ReqInfo>,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Result<Json<SubmitRequest>, JsonRejection>,
) -> Result<Json<Submitted>, ApiError> {
    let sess = session(&auth)?;
    let req = json_body(body)?;
    let id = dossier_id(&s, sess, &key).await?;
    let ikey = headers.get("idempotency-key").and_then(|v| v.to_str().ok());
    let code = s
        .app
        .submit(&info.ctx(), sess, id, ikey, req.declaration_accepted)
        .await
        .map_err(|e| {
            // The request is well formed: what stops it is the state of the draft (its saved
            // answers and files) or of the key, a conflict, with each problem listed.
            let e = ApiError::from(e);
            if req.declaration_accepted {
                e.refusal_as(StatusCode::CONFLICT)
            } else {
                e
            }
        })?;
    Ok(Json(Submitted { code }))
}

/// One line of the dossier's history as the caller may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    pub at: String,
    /// The act (e.g. `accept`), or `status` where the applicant sees the departments' work only
    /// as a change of status.
    pub kind: String,
    pub label: String,
    /// The stage entered (absent in the applicant's `status` lines).
    pub stage: Option<String>,
    /// The status entered, by name (see `DossierOut.status`).
    pub status: String,
    pub comment: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DossierOut {
    pub id: String,
    pub code: Option<String>,
    pub procedure: String,
    pub procedure_code: String,
    pub procedure_version: i32,
    pub agency: String,
    pub agency_code: String,
    /// The national status by name: draft, submitted (1), accepted (2), refused (3),
    /// in_process (4), supplement_requested (5), withdrawn (7), declined (8), resolved (9),
    /// returned (10). Derived from `stage`.
    pub status: String,
    /// The stage's name in Vietnamese (the applicant reads the departments' steps as
    /// "Đang xử lý").
    pub status_label: String,
    /// The national status code, 1–10 (none for drafts).
    pub national_status: Option<u8>,
    pub national_status_label: Option<String>,
    /// in_person, online, postal
    pub intake: String,
    pub submitted_at: Option<String>,
    /// The valid receipt the appointment is counted from (RFC 3339, +07:00): the submission, or
    /// the resubmission after the desk's supplement request.
    pub received_at: Option<String>,
    /// The time to result applied, in the catalogue's own format (e.g.
    /// `{"unit": "working_days", "value": 5}`): the service's time for the dossier's channel
    /// (R8.1c). `motcua calendar due --from <received_at> --working-days 5` gives the
    /// appointment; a supplement the department asked for adds the time the person took.
    #[schema(value_type = Option<Object>)]
    pub time_to_result: Option<serde_json::Value>,
    pub appointment_at: Option<String>,
    /// The new date the agency gave with its apology (form 04), when it gave one; the national
    /// count still measures against `appointment_at`.
    pub new_appointment_at: Option<String>,
    #[schema(value_type = Object)]
    pub form: serde_json::Value,
    pub declaration: Option<String>,
    pub declared_at: Option<String>,
    /// The files the caller may see (the applicant: their papers, and the result document the
    /// leader approved).
    pub files: Vec<FileOut>,
    pub missing_components: Vec<String>,
    pub events: Vec<EventOut>,
    /// Notices about this dossier: `kind`, `created_at`, `subject`, and `delivery` with the state
    /// per channel (`inbox`, `email`, `sms`: pending, sent, dead).
    #[schema(value_type = Vec<Object>)]
    pub notices: Vec<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub supplement_requested: Option<serde_json::Value>,
    /// The workflow stage, e.g. `examining` (absent for the applicant while the departments
    /// work on it).
    pub stage: Option<String>,
    /// When the current step is due (RFC 3339, +07:00; staff only).
    pub step_due_at: Option<String>,
    /// The specialist assigned (user id; staff only).
    pub assignee: Option<String>,
    /// As the national monitoring counts it: early, on_time, late, in_time (none before
    /// acceptance).
    pub timeliness: Option<String>,
    /// Each step with its published process step, due point and how it ended (the control
    /// sheet, form 05; staff only).
    pub steps: Vec<StepOut>,
    /// Opinions asked of other agencies and their answers (R8.1b; staff only).
    pub consultations: Vec<ConsultationOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StepOut {
    pub stage: String,
    pub label: String,
    /// The step of the service's published internal process (R10.3).
    pub step: Option<String>,
    pub started_at: String,
    pub due_at: Option<String>,
    pub finished_at: Option<String>,
    /// early, on_time, late, in_time
    pub timeliness: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsultationOut {
    pub id: String,
    pub agency_id: String,
    pub question: String,
    pub requested_at: String,
    pub due_at: String,
    pub answered_at: Option<String>,
    pub answer: Option<String>,
}

pub fn dossier_out(v: &DossierView, now: jiff::Timestamp) -> DossierOut {
    use motcua_app::processing as p;
    let ts = |t: jiff::Timestamp| t.to_string();
    let vn = motcua_domain::calendar::rfc3339_vn;
    let staff = v.audience == Audience::Staff;
    let status = v.row.stage.status();
    DossierOut {
        id: v.row.id.to_string(),
        code: v.row.code.clone(),
        procedure: v.version.body.name.clone(),
        procedure_code: v.version.body.code.clone(),
        procedure_version: v.version.version,
        agency: v.agency.name.clone(),
        agency_code: v.agency.code.clone(),
        status: status.as_str().into(),
        status_label: v.status_label().into(),
        national_status: status.code(),
        national_status_label: status.code().map(|n| national_label(n).to_string()),
        intake: v.row.intake.as_str().into(),
        submitted_at: v.row.submitted_at.map(ts),
        received_at: v.row.received_at.map(vn),
        time_to_result: v
            .row
            .time_to_result
            .as_ref()
            .and_then(|t| serde_json::to_value(t).ok()),
        appointment_at: v.row.appointment_at.map(vn),
        new_appointment_at: v.row.new_appointment_at.map(vn),
        form: v.row.form.clone(),
        declaration: v.row.declaration.clone(),
        declared_at: v.row.declared_at.map(ts),
        files: v.files.iter().map(file_out).collect(),
        missing_components: v.missing().iter().map(|c| c.id.clone()).collect(),
        events: v
            .timeline
            .iter()
            .map(|e| EventOut {
                at: e.at.to_string(),
                kind: e.kind.clone(),
                label: e.label.clone(),
                stage: e.stage.map(|s| s.as_str().into()),
                status: e.status.as_str().into(),
                comment: e.comment.clone(),
            })
            .collect(),
        notices: v
            .notices
            .iter()
            .map(|(n, ds)| {
                let mut delivery = serde_json::Map::new();
                for d in ds {
                    delivery.insert(d.channel.as_str().into(), serde_json::json!({"state": d.state.as_str(), "attempts": d.attempts, "sent_at": d.sent_at.map(|t| t.to_string())}));
                }
                serde_json::json!({"id": n.id, "kind": n.kind.as_str(), "subject": n.subject, "created_at": n.created_at.to_string(), "delivery": delivery})
            })
            .collect(),
        supplement_requested: v.row.supplement.clone(),
        stage: v.visible_stage().map(|s| s.as_str().into()),
        step_due_at: v.row.step_due_at.filter(|_| staff).map(vn),
        assignee: v.row.assignee_id.filter(|_| staff).map(|u| u.to_string()),
        timeliness: v.timeliness.map(|t| t.as_str().into()),
        steps: match staff {
            true => p::steps(&v.events, now).into_iter().map(step_out).collect(),
            false => vec![],
        },
        consultations: v
            .consultations
            .iter()
            .map(|c| ConsultationOut {
                id: c.id.to_string(),
                agency_id: c.agency_id.to_string(),
                question: c.question.clone(),
                requested_at: vn(c.requested_at),
                due_at: vn(c.due_at),
                answered_at: c.answered_at.map(vn),
                answer: c.answer.clone(),
            })
            .collect(),
    }
}

fn step_out(st: motcua_app::processing::StepView) -> StepOut {
    let vn = motcua_domain::calendar::rfc3339_vn;
    StepOut {
        stage: st.stage.as_str().into(),
        label: st.stage.label_vi().into(),
        step: st.step,
        started_at: vn(st.started_at),
        due_at: st.due_at.map(vn),
        finished_at: st.finished_at.map(vn),
        timeliness: st.timeliness.map(|t| t.as_str().into()),
    }
}

/// The caller's dossiers, newest first.
#[utoipa::path(get, path = "/api/v1/dossiers", security(("bearer" = [])), responses((status = 200, body = Vec<DossierOut>)))]
pub async fn list(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
) -> Result<Json<Vec<DossierOut>>, ApiError> {
    let sess = session(&auth)?;
    let mut out = Vec::new();
    for (row, _) in s.app.my_dossiers(sess).await? {
        let v = s.app.dossier(sess, row.id).await?;
        out.push(dossier_out(&v, s.app.now()));
    }
    Ok(Json(out))
}

/// One dossier, by code or id: the owner's, or for staff of an agency handling it.
#[utoipa::path(get, path = "/api/v1/dossiers/{dossier}", params(("dossier" = String, Path, description = "dossier code or id")), security(("bearer" = [])), responses((status = 200, body = DossierOut), (status = 404)))]
pub async fn get(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Path(key): Path<String>,
) -> Result<Json<DossierOut>, ApiError> {
    let sess = session(&auth)?;
    let v = match Uuid::parse_str(&key) {
        Ok(id) => s.app.dossier(sess, id).await,
        Err(_) => s.app.dossier_by_code(sess, &key).await,
    }?;
    Ok(Json(dossier_out(&v, s.app.now())))
}

/// Downloads a file of a dossier (attachment, never rendered).
#[utoipa::path(get, path = "/api/v1/dossiers/{dossier}/attachments/{file}", params(("dossier" = String, Path, description = "dossier code or id"), ("file" = Uuid, Path, description = "file id")), security(("bearer" = [])), responses((status = 200, description = "the file, as an attachment", content_type = "application/octet-stream"), (status = 404)))]
pub async fn download(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Path((key, file)): Path<(String, Uuid)>,
) -> Result<Response, ApiError> {
    let sess = session(&auth)?;
    let id = dossier_id(&s, sess, &key).await?;
    let d = s.app.file_for(sess, file).await?;
    if d.file.dossier_id != id {
        return Err(AppError::NotFound.into());
    }
    Ok(file_response(d))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawRequest {
    #[serde(default)]
    pub reason: String,
}

/// Withdraws the caller's dossier before it is decided.
#[utoipa::path(post, path = "/api/v1/dossiers/{dossier}/withdraw", params(("dossier" = String, Path)), request_body = WithdrawRequest, security(("bearer" = [])), responses((status = 204), (status = 404), (status = 409)))]
pub async fn withdraw(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(info): Extension<ReqInfo>,
    Path(key): Path<String>,
    body: Option<Json<WithdrawRequest>>,
) -> Result<Response, ApiError> {
    let sess = session(&auth)?;
    let id = dossier_id(&s, sess, &key).await?;
    let reason = body.map(|b| b.0.reason).unwrap_or_default();
    s.app.withdraw(&info.ctx(), sess, id, &reason).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
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
#[utoipa::path(post, path = "/api/v1/dossiers/{dossier}/supplement-request", params(("dossier" = String, Path)), request_body = SupplementRequest, security(("bearer" = [])), responses((status = 204), (status = 404), (status = 409)))]
pub async fn supplement_request(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(info): Extension<ReqInfo>,
    Path(key): Path<String>,
    body: Result<Json<SupplementRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let sess = session(&auth)?;
    let req = json_body(body)?;
    let id = dossier_id(&s, sess, &key).await?;
    s.app
        .request_supplement(&info.ctx(), sess, id, &req.components, &req.note)
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
#[utoipa::path(post, path = "/api/v1/dossiers/{dossier}/refuse", params(("dossier" = String, Path)), request_body = RefuseRequest, security(("bearer" = [])), responses((status = 204), (status = 404), (status = 409), (status = 422)))]
pub async fn refuse(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(info): Extension<ReqInfo>,
    Path(key): Path<String>,
    body: Result<Json<RefuseRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let sess = session(&auth)?;
    let req = json_body(body)?;
    let id = dossier_id(&s, sess, &key).await?;
    s.app
        .refuse_at_intake(&info.ctx(), sess, id, &req.reasons)
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
#[utoipa::path(post, path = "/api/v1/dossiers/{dossier}/accept", params(("dossier" = String, Path)), request_body = AcceptRequest, security(("bearer" = [])), responses((status = 200, body = Accepted), (status = 404), (status = 409)))]
pub async fn accept(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(info): Extension<ReqInfo>,
    Path(key): Path<String>,
    body: Option<Json<AcceptRequest>>,
) -> Result<Response, ApiError> {
    let sess = session(&auth)?;
    let id = dossier_id(&s, sess, &key).await?;
    let comment = body.map(|b| b.0.comment).unwrap_or_default();
    let at = s.app.accept(&info.ctx(), sess, id, &comment).await?;
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
    pub phone: String,
}

/// Reception registers a dossier received at the counter or by post.
#[utoipa::path(post, path = "/api/v1/dossiers/register", request_body = RegisterRequest, security(("bearer" = [])), responses((status = 201, body = Submitted), (status = 403), (status = 422)))]
pub async fn register(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    Extension(info): Extension<ReqInfo>,
    body: Result<Json<RegisterRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let sess = session(&auth)?;
    let req = json_body(body)?;
    let service = Uuid::parse_str(&req.service)
        .map_err(|_| AppError::field("service", "service phải là mã dịch vụ (UUID)."))?;
    let intake = Intake::parse(&req.intake)
        .ok_or_else(|| AppError::field("intake", "intake: in_person hoặc postal."))?;
    let d = s
        .app
        .register_received(
            &info.ctx(),
            sess,
            service,
            intake,
            req.form,
            (&req.applicant_name, &req.phone),
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

/// The public look-up (no personal data). Send `X-Phone-Last-Digits` for the history.
#[utoipa::path(get, path = "/api/v1/lookup/{code}", params(("code" = String, Path), ("X-Phone-Last-Digits" = Option<String>, Header)), responses((status = 200, body = Object), (status = 404), (status = 429)))]
pub async fn lookup(
    State(s): State<AppState>,
    Extension(info): Extension<ReqInfo>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Json<motcua_app::dossiers::LookupView>, ApiError> {
    let digits = headers
        .get("x-phone-last-digits")
        .and_then(|v| v.to_str().ok());
    Ok(Json(s.app.lookup(&info.ctx(), &code, digits).await?))
}

//! Processing: the actions a caller may take on a dossier, straight from the lifecycle table;
//! performing one; the caller's worklist; consultation answers.
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use motcua_app::AppError;
use motcua_app::processing::{
    ActionInput, ConsultationInput, FieldSpec, OptionSpec, Scope, WorkFilter, parse_act,
};
use motcua_domain::account::Role;
use motcua_domain::calendar::rfc3339_vn;
use motcua_domain::lifecycle::{FieldType, Stage};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::kit::{Caller, dossier_id, json_body, tags};
use crate::error::ApiError;
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get("/api/v1/dossiers/{dossier}/actions", Signed, actions)
        .post("/api/v1/dossiers/{dossier}/actions", Signed, perform)
        .get("/api/v1/worklist", Signed, worklist)
        .get("/api/v1/consultations", Signed, consultations)
        .post("/api/v1/consultations/{id}/answer", Signed, answer)
}

/// A value a choice may take.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionOptionOut {
    /// What to send.
    pub value: String,
    pub label: String,
}

/// Where a new file for a `file` field is uploaded.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadOut {
    /// `POST` multipart (`component`, then `file`) to this path; the answer's `id` is the value.
    pub path: String,
    pub component: String,
}

/// A field of a list item.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemFieldOut {
    pub name: String,
    pub label: String,
    /// text, date, choice
    #[serde(rename = "type")]
    pub kind: String,
    /// Whether a list of values is taken (the papers named for a consultation).
    pub multiple: bool,
    pub required: bool,
    /// For `choice`: the values allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<ActionOptionOut>>,
}

/// A field an action takes.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionFieldOut {
    /// The key to send in the action's body.
    pub name: String,
    pub label: String,
    /// `text` (a string; with `multiple`, a list of strings), `date` (`YYYY-MM-DD`), `datetime`
    /// (RFC 3339), `boolean`, `choice` (one of `options`' values), `choices` (a list of them),
    /// `file` (the id of one of `options`, or of a file uploaded as `upload` says), `list` (a
    /// list of objects with `items`' fields).
    #[serde(rename = "type")]
    pub kind: String,
    pub required: bool,
    pub multiple: bool,
    /// For `choice`, `choices` and `file`: every value allowed now (an empty list: none is).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<ActionOptionOut>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upload: Option<UploadOut>,
    /// For `list`: the fields of each item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<ItemFieldOut>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActionOut {
    /// The action's name, to send back as `action`.
    pub name: String,
    pub label: String,
    /// Every field it takes (`comment` too), with its type, whether it is required and the
    /// values allowed.
    pub fields: Vec<ActionFieldOut>,
    /// Fields of which at least one must be given.
    pub one_of: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActionsOut {
    /// The stage (absent for the applicant while the departments work on it).
    pub stage: Option<String>,
    pub stage_label: String,
    pub national_status: Option<u8>,
    pub actions: Vec<ActionOut>,
}

fn options(o: &[OptionSpec]) -> Vec<ActionOptionOut> {
    o.iter()
        .map(|x| ActionOptionOut {
            value: x.value.clone(),
            label: x.label.clone(),
        })
        .collect()
}

fn has_options(k: FieldType) -> bool {
    matches!(k, FieldType::Choice | FieldType::Choices | FieldType::File)
}

fn field_out(f: &FieldSpec) -> ActionFieldOut {
    ActionFieldOut {
        name: f.name.into(),
        label: f.label.into(),
        kind: f.kind.as_str().into(),
        required: f.required,
        multiple: f.multiple,
        options: has_options(f.kind).then(|| options(&f.options)),
        upload: f.upload.as_ref().map(|(path, component)| UploadOut {
            path: path.clone(),
            component: (*component).into(),
        }),
        items: (f.kind == FieldType::List).then(|| {
            f.items
                .iter()
                .map(|i| ItemFieldOut {
                    name: i.name.into(),
                    label: i.label.into(),
                    kind: i.kind.as_str().into(),
                    multiple: i.multiple,
                    required: i.required,
                    options: has_options(i.kind).then(|| options(&i.options)),
                })
                .collect()
        }),
    }
}

/// The actions the caller may take now on the dossier (by id or code), each with every field it
/// takes: its type, whether it is required, and the values allowed (eligible specialists, the
/// dossier's components, its result documents, agencies to consult).
#[utoipa::path(get, path = "/api/v1/dossiers/{dossier}/actions", tag = tags::PROCESSING, params(("dossier" = String, Path)), security(("bearer" = [])), responses((status = 200, body = ActionsOut), (status = 404)))]
pub async fn actions(c: Caller, Path(key): Path<String>) -> Result<Json<ActionsOut>, ApiError> {
    let sess = c.session()?;
    let id = dossier_id(&c.s, sess, &key).await?;
    let a = c.s.app.action_specs(sess, id).await?;
    Ok(Json(ActionsOut {
        stage: a.stage.map(|st| st.as_str().into()),
        stage_label: a.label.into(),
        national_status: a.national,
        actions: a
            .actions
            .into_iter()
            .map(|a| ActionOut {
                name: a.act.as_str().into(),
                label: a.act.label_vi().into(),
                fields: a.fields.iter().map(field_out).collect(),
                one_of: a.one_of.iter().map(|x| x.to_string()).collect(),
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsultationRequest {
    /// The consulted agency's code.
    pub agency: String,
    pub question: String,
    /// `YYYY-MM-DD`, not after the appointment.
    pub due: String,
    /// The dossier's files the agency may read, only while the consultation is open (R10.5).
    #[serde(default)]
    pub files: Vec<Uuid>,
    /// What sharing the dossier rests on: one of the procedure's legal documents (as
    /// `GET …/actions` lists them), or `consent` (the applicant's consent to sharing, in force).
    /// Without either, the consultation is refused (422).
    pub basis: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// One of the names `GET …/actions` lists.
    #[schema(schema_with = action_names)]
    pub action: String,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub reasons: Vec<String>,
    /// Component ids the person must supplement.
    #[serde(default)]
    pub components: Vec<String>,
    pub assignee: Option<Uuid>,
    #[serde(default)]
    pub consultations: Vec<ConsultationRequest>,
    /// `YYYY-MM-DD` (apology with a new date, form 04).
    pub new_date: Option<String>,
    pub tracking_number: Option<String>,
    #[serde(default)]
    pub originals_compared: bool,
    /// A file id uploaded under the component `_ket-qua`.
    pub result_document: Option<Uuid>,
    /// The dossier's `version` as last read: the step is refused (409) if the dossier changed
    /// since (a leader approving what they saw).
    pub version: Option<i32>,
}

/// The name of every action of the lifecycle (which ones a dossier allows now, `GET …/actions`
/// says).
fn action_names() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(motcua_domain::lifecycle::Act::ALL.map(|a| a.as_str())))
        .build()
}

impl ActionRequest {
    /// What the app takes, with the act parsed.
    fn input(self, act: motcua_domain::lifecycle::Act) -> ActionInput {
        let r = self;
        ActionInput {
            act,
            comment: r.comment,
            reasons: r.reasons,
            components: r.components,
            assignee: r.assignee,
            consultations: r
                .consultations
                .into_iter()
                .map(|c| ConsultationInput {
                    agency: c.agency,
                    question: c.question,
                    due: c.due,
                    files: c.files,
                    basis: c.basis,
                })
                .collect(),
            new_date: r.new_date,
            tracking_number: r.tracking_number,
            expected_version: r.version,
            originals_compared: r.originals_compared,
            result_document: r.result_document,
            reported: false,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActionDone {
    pub stage: String,
    pub stage_label: String,
    pub national_status: Option<u8>,
    pub appointment_at: Option<String>,
    pub step_due_at: Option<String>,
}

/// Performs one action. Not allowed now: 409 with the reason, nothing changed.
#[utoipa::path(post, path = "/api/v1/dossiers/{dossier}/actions", tag = tags::PROCESSING, params(("dossier" = String, Path)), request_body = ActionRequest, security(("bearer" = [])),
    responses((status = 200, body = ActionDone), (status = 404), (status = 409, description = "not allowed now, or the dossier changed since the `version` sent; `message` says why"), (status = 422)))]
pub async fn perform(
    c: Caller,
    Path(key): Path<String>,
    body: Result<Json<ActionRequest>, JsonRejection>,
) -> Result<Json<ActionDone>, ApiError> {
    let sess = c.session()?;
    let req = json_body(body)?;
    let id = dossier_id(&c.s, sess, &key).await?;
    let act = parse_act(&req.action)?;
    let out = c.s.app.perform(&c.ctx(), sess, id, &req.input(act)).await?;
    Ok(Json(ActionDone {
        stage: out.stage.as_str().into(),
        stage_label: out.stage.label_vi().into(),
        national_status: out.stage.national(),
        appointment_at: out.appointment_at.map(rfc3339_vn),
        step_due_at: out.step_due_at.map(rfc3339_vn),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorklistQuery {
    /// reception, leader or specialist (default: the caller's first).
    #[param(pattern = "^(reception|specialist|leader)$")]
    pub role: Option<String>,
    /// The agency id (default: the first where the caller holds the role).
    pub agency: Option<Uuid>,
    /// `mine` (default): the dossiers waiting for the caller or their desk; `specialists` (a
    /// leader's): those the agency's specialists hold, each with its `assignee`.
    #[param(pattern = "^(mine|specialists)$")]
    pub scope: Option<String>,
    /// Only the dossiers of this service (a procedure at the agency).
    pub service: Option<Uuid>,
    /// Only the dossiers at this stage (a `stage` name of the lifecycle).
    #[param(
        pattern = "^(draft|submitted|supplemented|supplement_requested|refused|accepted|awaiting_assignment|examining|consulting|proposed_resolve|proposed_supplement|proposed_decline|supplement_approved|decline_approved|resolved|declined|returned|withdrawn)$"
    )]
    pub stage: Option<String>,
    /// The `next` of the previous page.
    pub after: Option<String>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkItemOut {
    pub id: String,
    pub code: Option<String>,
    pub procedure: String,
    pub applicant_name: String,
    pub stage: String,
    pub stage_label: String,
    pub step_due_at: Option<String>,
    pub appointment_at: Option<String>,
    /// overdue (red), due_today, normal
    pub urgency: String,
    /// Who holds it (`scope=specialists`).
    pub assignee: Option<String>,
    /// The appointment passes within a working day: apologise with a new date (form 04).
    pub apology_due: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorklistOut {
    pub role: String,
    pub agency_id: String,
    pub agency: String,
    pub total: u64,
    pub overdue: u64,
    pub items: Vec<WorkItemOut>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

/// The caller's worklist: the dossiers waiting for them or their desk, soonest due first,
/// keyset-paginated.
#[utoipa::path(get, path = "/api/v1/worklist", tag = tags::PROCESSING, params(WorklistQuery), security(("bearer" = [])), responses((status = 200, body = WorklistOut), (status = 403), (status = 422, description = "An unknown role, scope or stage, or a bad `after`")))]
pub async fn worklist(
    c: Caller,
    Query(q): Query<WorklistQuery>,
) -> Result<Json<WorklistOut>, ApiError> {
    let sess = c.session()?;
    let role = match q.role.as_deref() {
        Some(r) => {
            Some(Role::parse(r).ok_or_else(|| AppError::field("role", "Vai trò không hợp lệ."))?)
        }
        None => None,
    };
    let scope = match q.scope.as_deref() {
        Some(x) => Scope::parse(x)
            .ok_or_else(|| AppError::field("scope", "scope: mine hoặc specialists."))?,
        None => Scope::Mine,
    };
    let stage = match q.stage.as_deref() {
        Some(x) => Some(
            Stage::parse(x)
                .ok_or_else(|| AppError::field("stage", "stage: tên một bước của quy trình."))?,
        ),
        None => None,
    };
    let page =
        c.s.app
            .worklist(
                sess,
                role,
                q.agency,
                scope,
                WorkFilter {
                    service: q.service,
                    stage,
                },
                q.after.as_deref(),
                q.limit.unwrap_or(50),
            )
            .await?;
    Ok(Json(WorklistOut {
        role: page.role.as_str().into(),
        agency_id: page.agency_id.to_string(),
        agency: page.agency,
        total: page.total,
        overdue: page.overdue,
        items: page
            .items
            .into_iter()
            .map(|i| WorkItemOut {
                id: i.row.id.to_string(),
                code: i.row.code,
                procedure: i.procedure,
                applicant_name: i.row.applicant_name,
                stage: i.stage.as_str().into(),
                stage_label: i.stage.label_vi().into(),
                step_due_at: i.row.step_due_at.map(rfc3339_vn),
                appointment_at: i.row.appointment_at.map(rfc3339_vn),
                urgency: i.urgency.as_str().into(),
                assignee: i.assignee,
                apology_due: i.apology_due,
            })
            .collect(),
        next: page.next,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PendingConsultation {
    pub id: String,
    pub dossier: String,
    pub procedure: String,
    pub question: String,
    pub due_at: String,
}

/// Opinions other agencies asked of the caller's agencies, not yet answered.
#[utoipa::path(get, path = "/api/v1/consultations", tag = tags::PROCESSING, security(("bearer" = [])), responses((status = 200, body = Vec<PendingConsultation>)))]
pub async fn consultations(c: Caller) -> Result<Json<Vec<PendingConsultation>>, ApiError> {
    let sess = c.session()?;
    let list = c.s.app.consultations_for_me(sess).await?;
    Ok(Json(
        list.into_iter()
            .map(|(c, code, procedure)| PendingConsultation {
                id: c.id.to_string(),
                dossier: code,
                procedure,
                question: c.question,
                due_at: rfc3339_vn(c.due_at),
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    /// The agency's answer, in plain words.
    #[schema(pattern = r"\S", max_length = 10000)]
    pub answer: String,
}

/// The consulted agency's answer; the last one returns the dossier to its specialist.
#[utoipa::path(post, path = "/api/v1/consultations/{id}/answer", tag = tags::PROCESSING, params(("id" = Uuid, Path, description = "consultation id")), request_body = AnswerRequest, security(("bearer" = [])), responses((status = 204), (status = 404), (status = 409), (status = 422)))]
pub async fn answer(
    c: Caller,
    Path(id): Path<Uuid>,
    body: Result<Json<AnswerRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let sess = c.session()?;
    let req = json_body(body)?;
    c.s.app
        .answer_consultation(&c.ctx(), sess, id, &req.answer)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[cfg(test)]
mod tests {
    use utoipa::OpenApi;

    /// The worklist's `stage` filter is documented as exactly the lifecycle's stages.
    #[test]
    fn the_stage_filter_lists_the_lifecycles_stages() {
        let doc = serde_json::to_value(super::super::doc::ApiDoc::openapi()).unwrap();
        let params = doc["paths"]["/api/v1/worklist"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .clone();
        let stage = params.iter().find(|p| p["name"] == "stage").unwrap();
        let names: Vec<&str> = motcua_domain::lifecycle::Stage::ALL
            .iter()
            .map(|s| s.as_str())
            .collect();
        assert_eq!(
            stage["schema"]["pattern"].as_str(),
            Some(format!("^({})$", names.join("|")).as_str()),
            "{stage}"
        );
    }
}

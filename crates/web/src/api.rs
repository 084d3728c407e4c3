//! The JSON API under `/api/v1` (bearer tokens) and its OpenAPI 3.1 document.
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use motcua_app::{AppError, Session};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::api_contract::Problems;
use crate::caller::{Auth, ReqInfo};
use crate::error::ApiError;
use crate::state::AppState;

/// The JSON body of a request; a body that is not JSON of the documented shape is refused (422)
/// with what the parser said.
pub(crate) fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(b)| b)
        .map_err(|e| AppError::field("body", e.body_text()).into())
}

/// The signed-in caller (401 otherwise).
pub(crate) fn session(auth: &Auth) -> Result<&Session, ApiError> {
    Ok(auth.0.as_ref().ok_or(AppError::Unauthenticated)?)
}

/// Credentials for a token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// Số định danh, mã số thuế, thư điện tử, or a staff log-in name.
    pub login: String,
    pub password: String,
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

/// A body of the agency tree.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyOut {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_code: Option<String>,
    pub valid_from: String,
    pub valid_to: Option<String>,
    pub units: Vec<UnitOut>,
    pub predecessors: Vec<String>,
    pub successors: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitOut {
    pub code: String,
    pub name: String,
    pub kind: String,
}

/// Issues a bearer token. Wrong credentials and unknown accounts get the same answer; repeated
/// failures are throttled (429 with Retry-After).
#[utoipa::path(post, path = "/api/v1/auth/token", request_body = TokenRequest,
    responses((status = 200, body = TokenResponse), (status = 401, description = "wrong log-in name or password, or an address not yet confirmed (`errors` says which)"), (status = 429, description = "too many attempts")))]
pub async fn issue_token(
    State(s): State<AppState>,
    Extension(info): Extension<ReqInfo>,
    body: Result<Json<TokenRequest>, JsonRejection>,
) -> Result<Json<TokenResponse>, ApiError> {
    let req = json_body(body)?;
    let (token, expires) = s
        .app
        .issue_api_token(&info.ctx(), &req.login, &req.password)
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
pub async fn me(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
) -> Result<Json<Me>, ApiError> {
    let sess = auth.0.ok_or(AppError::Unauthenticated)?;
    let (agencies, units) = s.app.agencies_and_units().await?;
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
    let u = sess.user;
    Ok(Json(Me {
        id: u.id.to_string(),
        kind: u.kind.as_str().into(),
        login: u.login,
        full_name: u.full_name,
        email: u.email,
        email_verified: u.email_verified,
        roles,
    }))
}

/// The agency tree with units and merger history (public, for portals, R6.1/R9.2).
#[utoipa::path(get, path = "/api/v1/agencies", responses((status = 200, body = Vec<AgencyOut>)))]
pub async fn agencies(State(s): State<AppState>) -> Result<Json<Vec<AgencyOut>>, ApiError> {
    let tree = s.app.agency_tree(None).await?;
    let code = |id: uuid::Uuid| {
        tree.iter()
            .find(|n| n.agency.id == id)
            .map(|n| n.agency.code.clone())
    };
    Ok(Json(
        tree.iter()
            .map(|n| AgencyOut {
                code: n.agency.code.clone(),
                name: n.agency.name.clone(),
                kind: n.agency.kind.as_str().into(),
                parent_code: n.agency.parent_id.and_then(code),
                valid_from: n.agency.valid_from.to_string(),
                valid_to: n.agency.valid_to.map(|d| d.to_string()),
                units: n
                    .units
                    .iter()
                    .map(|u| UnitOut {
                        code: u.code.clone(),
                        name: u.name.clone(),
                        kind: u.kind.as_str().into(),
                    })
                    .collect(),
                predecessors: n.predecessors.iter().map(|(a, _)| a.code.clone()).collect(),
                successors: n.successors.iter().map(|(a, _)| a.code.clone()).collect(),
            })
            .collect(),
    ))
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "motcua API", description = "Dịch vụ công trực tuyến: the JSON API for portals, integrations and tests."),
    paths(issue_token, revoke_token, me, agencies, procedures, procedure, sectors, agency_services,
        crate::api_dossiers::create, crate::api_dossiers::list, crate::api_dossiers::register, crate::api_dossiers::get, crate::api_dossiers::put_form,
        crate::api_dossiers::attach, crate::api_dossiers::download, crate::api_dossiers::detach, crate::api_dossiers::submit, crate::api_dossiers::withdraw,
        crate::api_dossiers::supplement_request, crate::api_dossiers::accept, crate::api_dossiers::refuse, crate::api_dossiers::lookup,
        crate::api_processing::actions, crate::api_processing::perform, crate::api_processing::worklist, crate::api_processing::consultations, crate::api_processing::answer),
    components(schemas(crate::api_contract::Problem, crate::api_contract::FieldProblem, TokenRequest, TokenResponse, Me, GrantOut, AgencyOut, UnitOut, ProcedureItem, AgencyRef, ComponentOut, ServiceOut, ProcedureDetail, SectorOut, FieldOut, UsageOut,
        crate::api_dossiers::NewDossier, crate::api_dossiers::NewDossierByService, crate::api_dossiers::NewDossierByCodes, crate::api_dossiers::AttachForm, crate::api_dossiers::Created, crate::api_dossiers::FileOut, crate::api_dossiers::SubmitRequest, crate::api_dossiers::Submitted, crate::api_dossiers::AcceptRequest, crate::api_dossiers::Accepted, crate::api_dossiers::RefuseRequest,
        crate::api_dossiers::EventOut, crate::api_dossiers::DossierOut, crate::api_dossiers::WithdrawRequest, crate::api_dossiers::SupplementRequest, crate::api_dossiers::RegisterRequest,
        crate::api_dossiers::StepOut, crate::api_dossiers::ConsultationOut,
        crate::api_processing::ActionOut, crate::api_processing::ActionsOut, crate::api_processing::ActionFieldOut, crate::api_processing::ActionOptionOut, crate::api_processing::ItemFieldOut, crate::api_processing::UploadOut, crate::api_processing::ActionRequest, crate::api_processing::ConsultationRequest, crate::api_processing::ActionDone,
        crate::api_processing::WorkItemOut, crate::api_processing::WorklistOut, crate::api_processing::PendingConsultation, crate::api_processing::AnswerRequest)),
    modifiers(&BearerAuth, &Problems)
)]
pub struct ApiDoc;

/// The OpenAPI 3.1 document.
pub async fn openapi_json() -> Response {
    let mut r = Json(ApiDoc::openapi()).into_response();
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("public, max-age=300"),
    );
    r
}

/// A procedure in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProcedureItem {
    pub code: String,
    pub name: String,
    pub sector: String,
    pub field: String,
    pub agencies: Vec<AgencyRef>,
    pub levels: Vec<u8>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyRef {
    pub code: String,
    pub name: String,
}

/// A dossier component to attach.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComponentOut {
    pub id: String,
    pub name: String,
    pub required: bool,
    /// When the component is needed only if a form answer holds.
    #[schema(value_type = Option<Object>)]
    pub condition: Option<serde_json::Value>,
}

/// An online service offering a procedure.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceOut {
    pub id: String,
    pub agency: AgencyRef,
    /// 2016 level, 1–4.
    pub level: u8,
    /// `full` (toàn trình), `partial` (một phần) or `info`.
    pub classification: String,
    /// The form as JSON Schema draft 2020-12.
    #[schema(value_type = Object)]
    pub form_schema: serde_json::Value,
    pub components: Vec<ComponentOut>,
    /// Time to result for an online dossier (the agency's shorter online time when it set one,
    /// R8.1c): what the appointment of an online dossier is counted with.
    #[schema(value_type = Object)]
    pub time_to_result: serde_json::Value,
    /// The agency's internal process: steps with role, unit and time budget.
    #[schema(value_type = Vec<Object>)]
    pub process: serde_json::Value,
    /// The service's dossier figures (R5.1b).
    pub usage: UsageOut,
}

/// Dossier figures, counted from the records by the national rule (Decision 766, indicator
/// 2.1).
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageOut {
    /// Dossiers submitted.
    pub received: u64,
    /// Dossiers whose national count ended (resolved, returned, declined or withdrawn after
    /// acceptance, or one supplement request outstanding).
    pub finished: u64,
    /// Of those, finished early or on time.
    pub on_time: u64,
    /// `on_time` ÷ `finished` in whole percent; absent while none has finished.
    pub on_time_percent: Option<u64>,
    /// Dossiers the desk asked to supplement again after a resubmission (R3.4).
    pub repeat_requests: u64,
}

pub fn usage_out(u: &motcua_app::catalogue::Usage) -> UsageOut {
    UsageOut {
        received: u.received,
        finished: u.finished,
        on_time: u.on_time,
        on_time_percent: u.on_time_percent(),
        repeat_requests: u.repeat_requests,
    }
}

/// The whole current version of a procedure.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProcedureDetail {
    pub code: String,
    pub name: String,
    pub sector: String,
    pub field: String,
    pub version: i32,
    pub effective_from: Option<String>,
    /// Every component of the procedure: steps, methods, components, per-channel times and
    /// fees, subjects, agencies, result, forms, requirements, legal basis, responsibilities, guide.
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
    pub services: Vec<ServiceOut>,
    /// The procedure's dossier figures, all its services together (R5.1b).
    pub usage: UsageOut,
}

/// A sector with its fields.
#[derive(Debug, Serialize, ToSchema)]
pub struct SectorOut {
    pub code: String,
    pub name: String,
    pub fields: Vec<FieldOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldOut {
    pub code: String,
    pub name: String,
    pub procedures: i64,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProcedureQuery {
    /// Search text, with or without diacritics.
    pub q: Option<String>,
    /// Sector code.
    pub sector: Option<String>,
    /// Field code.
    pub field: Option<String>,
    /// Agency code.
    pub agency: Option<String>,
    /// Level 1–4.
    #[param(minimum = 1, maximum = 4)]
    pub level: Option<u8>,
    /// Subject words.
    pub subject: Option<String>,
    /// At most this many (default 50, at most 500).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
}

fn item(r: motcua_app::catalogue::ProcedureSummary) -> ProcedureItem {
    ProcedureItem {
        code: r.code,
        name: r.name,
        sector: r.sector,
        field: r.field,
        agencies: r
            .agencies
            .into_iter()
            .map(|(code, name)| AgencyRef { code, name })
            .collect(),
        levels: r.levels,
    }
}

/// Searches the catalogue (R9.2): best match first.
#[utoipa::path(get, path = "/api/v1/procedures", params(ProcedureQuery), responses((status = 200, body = Vec<ProcedureItem>)))]
pub async fn procedures(
    State(s): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<ProcedureQuery>,
) -> Result<Json<Vec<ProcedureItem>>, ApiError> {
    if q.level.is_some_and(|l| !(1..=4).contains(&l)) {
        return Err(AppError::field("level", "level: 1 đến 4.").into());
    }
    if q.limit.is_some_and(|l| !(1..=500).contains(&l)) {
        return Err(AppError::field("limit", "limit: 1 đến 500.").into());
    }
    let query = motcua_app::catalogue::Query {
        text: q.q.unwrap_or_default().chars().take(200).collect(),
        sector: q.sector,
        field: q.field,
        agency: q.agency,
        level: q.level,
        subject: q.subject,
    };
    let list = s
        .app
        .search_catalogue(&query, q.limit.unwrap_or(50))
        .await?;
    Ok(Json(list.into_iter().map(item).collect()))
}

/// The current version of a procedure with its online services.
#[utoipa::path(get, path = "/api/v1/procedures/{code}", params(("code" = String, Path, description = "national code, e.g. 1.001193")), responses((status = 200, body = ProcedureDetail), (status = 404)))]
pub async fn procedure(
    State(s): State<AppState>,
    axum::extract::Path(code): axum::extract::Path<String>,
) -> Result<Json<ProcedureDetail>, ApiError> {
    let v = s.app.procedure_page(&code, false).await?;
    let body = &v.version.body;
    let services = v
        .services
        .iter()
        .map(|sv| ServiceOut {
            id: sv.service.id.to_string(),
            agency: AgencyRef {
                code: sv.agency.code.clone(),
                name: sv.agency.name.clone(),
            },
            level: sv.service.level,
            classification: sv.service.classification.as_str().into(),
            form_schema: sv.service.form_schema.clone(),
            components: body
                .components
                .iter()
                .map(|c| ComponentOut {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    required: c.required,
                    condition: c
                        .condition
                        .as_ref()
                        .and_then(|x| serde_json::to_value(x).ok()),
                })
                .collect(),
            time_to_result: serde_json::to_value(&sv.time_to_result).unwrap_or_default(),
            process: serde_json::to_value(&sv.service.process).unwrap_or_default(),
            usage: usage_out(&sv.usage),
        })
        .collect();
    Ok(Json(ProcedureDetail {
        code: body.code.clone(),
        name: body.name.clone(),
        sector: v.sector.name.clone(),
        field: v.field.name.clone(),
        version: v.version.version,
        effective_from: v.version.effective_from.map(|d| d.to_string()),
        body: serde_json::to_value(body).unwrap_or_default(),
        services,
        usage: usage_out(&v.usage),
    }))
}

/// Sectors with their fields and procedure counts.
#[utoipa::path(get, path = "/api/v1/sectors", responses((status = 200, body = Vec<SectorOut>)))]
pub async fn sectors(State(s): State<AppState>) -> Result<Json<Vec<SectorOut>>, ApiError> {
    let list = s.app.sectors().await?;
    Ok(Json(
        list.into_iter()
            .map(|x| SectorOut {
                code: x.code,
                name: x.name,
                fields: x
                    .fields
                    .into_iter()
                    .map(|(code, name, n)| FieldOut {
                        code,
                        name,
                        procedures: n,
                    })
                    .collect(),
            })
            .collect(),
    ))
}

/// The services an agency offers (its own section, R6.1).
#[utoipa::path(get, path = "/api/v1/agencies/{code}/services", params(("code" = String, Path, description = "agency code")), responses((status = 200, body = Vec<ProcedureItem>), (status = 404)))]
pub async fn agency_services(
    State(s): State<AppState>,
    axum::extract::Path(code): axum::extract::Path<String>,
) -> Result<Json<Vec<ProcedureItem>>, ApiError> {
    let (_, list) = s.app.agency_services(&code).await?;
    Ok(Json(list.into_iter().map(item).collect()))
}

//! The catalogue: searching procedures, a procedure with its online services, sectors and
//! fields, and the services an agency offers (R9.2).
use axum::Json;
use axum::extract::State;
use motcua_app::AppError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get("/api/v1/procedures", Public, procedures)
        .get("/api/v1/procedures/{code}", Public, procedure)
        .get("/api/v1/sectors", Public, sectors)
        .get("/api/v1/agencies/{code}/services", Public, agency_services)
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
    /// At level 4, sent digitally signed (a signed PDF, or a file with its `.p7s`); unsigned,
    /// the paper goes by post (R7.2a).
    pub signed: bool,
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
    /// What an online dossier owes, integer đồng (0 when nothing).
    pub online_fee: i64,
    /// When the fee falls due: `submission`, `acceptance` or `collection`.
    pub fee_due: String,
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
    /// The average office time of the finished ones, in working days to a tenth, without the
    /// time they waited with the person for a supplement (Decision 766, indicator 2.2); absent
    /// while none has finished.
    pub average_days: Option<f64>,
}

pub fn usage_out(u: &motcua_app::catalogue::Usage) -> UsageOut {
    UsageOut {
        received: u.received,
        finished: u.finished,
        on_time: u.on_time,
        on_time_percent: u.on_time_percent(),
        repeat_requests: u.repeat_requests,
        average_days: u.average_days(),
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
            online_fee: sv.online_fee,
            fee_due: sv.service.fee_due.as_str().into(),
            form_schema: sv.service.form_schema.clone(),
            components: body
                .components
                .iter()
                .map(|c| ComponentOut {
                    signed: c.signed,
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

//! Yearly and ad hoc reports in the API (R14.1, R14.2): list, start a draft from the figures,
//! edit it on the version read, add and remove roadmap lines, approve and send; each report as
//! JSON, PDF, XLSX or CSV.
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use motcua_app::AppError;
use motcua_app::oversight::yearly::{Edit, NewReport, ReportView};
use motcua_domain::calendar::rfc3339_vn;
use motcua_domain::catalogue::Classification;
use motcua_domain::clock::vn_date;
use motcua_domain::report::{Report, ReportKind, SECTIONS};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::kit::{Caller, enum_of, json_body, whole};
use crate::error::ApiError;
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get("/api/v1/reports/yearly", Signed, list)
        .post("/api/v1/reports/yearly", Signed, start)
        .get("/api/v1/reports/yearly/{id}", Signed, get)
        .post("/api/v1/reports/yearly/{id}/text", Signed, text)
        .post("/api/v1/reports/yearly/{id}/refresh", Signed, refresh)
        .post("/api/v1/reports/yearly/{id}/roadmap", Signed, add_line)
        .delete(
            "/api/v1/reports/yearly/{id}/roadmap/{line}",
            Signed,
            remove_line,
        )
        .post("/api/v1/reports/yearly/{id}/submit", Signed, submit)
}

fn kinds() -> utoipa::openapi::Object {
    enum_of(ReportKind::ALL.iter().map(|k| k.as_str()).collect())
}

fn targets() -> utoipa::openapi::Object {
    enum_of(vec![
        Classification::Full.as_str(),
        Classification::Partial.as_str(),
    ])
}

fn params<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(q)| q)
        .map_err(|e| AppError::field("query", e.body_text()).into())
}

fn date(field: &'static str, s: &str) -> Result<jiff::civil::Date, AppError> {
    s.trim().parse().map_err(|e: jiff::Error| {
        AppError::field(field, format!("Ngày theo dạng YYYY-MM-DD ({e})."))
    })
}

/// A report in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportItem {
    pub id: String,
    /// `agency_yearly`, `province_yearly` or `ad_hoc`.
    pub kind: String,
    /// The writing agency's code.
    pub agency: String,
    pub year: i16,
    pub title: String,
    /// `draft` or `submitted`.
    pub state: String,
    pub submitted_at: Option<String>,
}

fn item(r: &Report, agency: &str) -> ReportItem {
    ReportItem {
        id: r.id.to_string(),
        kind: r.kind.as_str().into(),
        agency: agency.into(),
        year: r.year,
        title: r.title.clone(),
        state: r.state.as_str().into(),
        submitted_at: r.submitted_at.map(rfc3339_vn),
    }
}

/// One roadmap line: a service going online next year.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoadmapOut {
    pub service: String,
    /// The procedure's national code and name.
    pub code: String,
    pub name: String,
    /// `info`, `partial` or `full`: the level now, and the level planned.
    pub now: String,
    pub target: String,
    /// By when (YYYY-MM-DD).
    pub by: String,
}

/// One figure of the report, as it lists them.
#[derive(Debug, Serialize, ToSchema)]
pub struct FigureOut {
    pub label: String,
    pub value: Option<f64>,
}

/// An agency's line in the consolidated report.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyLineOut {
    pub code: String,
    pub name: String,
    /// How its yearly report stands against its due day.
    pub standing: String,
    pub received: u64,
    pub finished: u64,
    pub on_time: u64,
    /// Services in its submitted roadmap.
    pub roadmap: u64,
}

/// A service a roadmap line may name.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChoiceOut {
    pub service: String,
    /// The procedure's national code and name.
    pub name: String,
    /// Its level now: `info` or `partial`.
    pub now: String,
}

/// A report whole.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportOut {
    #[serde(flatten)]
    pub item: ReportItem,
    /// The days it covers.
    pub from: String,
    pub to: String,
    /// The day it must be sent by (yearly reports).
    pub due_on: Option<String>,
    /// Give it back with every change: a change on an older version is refused (409).
    pub version: i32,
    /// Its text by section: `results`, `problems`, `incidents`, `proposals`.
    pub sections: std::collections::BTreeMap<String, String>,
    pub roadmap: Vec<RoadmapOut>,
    pub figures: Vec<FigureOut>,
    pub agencies: Vec<AgencyLineOut>,
    /// The services a roadmap line may name (a draft's writers only): the agency's services
    /// not yet fully online.
    pub roadmap_choices: Vec<ChoiceOut>,
    pub may_edit: bool,
    pub may_submit: bool,
}

fn out(v: &ReportView) -> ReportOut {
    let r = &v.report;
    ReportOut {
        item: item(r, &v.agency.code),
        from: r.from.to_string(),
        to: r.to.to_string(),
        due_on: v.due_on.map(|d| d.to_string()),
        version: r.version,
        sections: SECTIONS
            .iter()
            .map(|(k, _)| (k.to_string(), r.body.section(k).to_string()))
            .collect(),
        roadmap: r
            .body
            .roadmap
            .iter()
            .map(|x| RoadmapOut {
                service: x.service_id.to_string(),
                code: x.code.clone(),
                name: x.name.clone(),
                now: x.now.as_str().into(),
                target: x.target.as_str().into(),
                by: x.by.to_string(),
            })
            .collect(),
        figures: r
            .body
            .figures
            .lines()
            .into_iter()
            .map(|(label, value)| FigureOut {
                label: label.into(),
                value,
            })
            .collect(),
        agencies: r
            .body
            .figures
            .agencies
            .iter()
            .map(|a| AgencyLineOut {
                code: a.code.clone(),
                name: a.name.clone(),
                standing: a.standing.clone(),
                received: a.received,
                finished: a.finished,
                on_time: a.on_time,
                roadmap: a.roadmap,
            })
            .collect(),
        roadmap_choices: v
            .services
            .iter()
            .map(|(id, name, now)| ChoiceOut {
                service: id.to_string(),
                name: name.clone(),
                now: now.as_str().into(),
            })
            .collect(),
        may_edit: v.may_write,
        may_submit: v.may_submit,
    }
}

/// The year asked for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearParams {
    /// By default this year.
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i16>,
}

/// The reports of a year the caller may read: their own agency's (leaders, administrators),
/// every one (inspectors, province administrators).
#[utoipa::path(get, path = "/api/v1/reports/yearly", params(YearParams), security(("bearer" = [])),
    responses((status = 200, body = Vec<ReportItem>), (status = 401), (status = 403, description = "not a reader of reports"), (status = 422)))]
pub async fn list(
    c: Caller,
    q: Result<Query<YearParams>, QueryRejection>,
) -> Result<Json<Vec<ReportItem>>, ApiError> {
    let sess = c.session()?;
    let q = params(q)?;
    let year = q.year.unwrap_or_else(|| vn_date(c.s.app.now()).year());
    let l = c.s.app.report_list(sess, year).await?;
    let codes = c.s.app.agencies_and_units().await?.0;
    let code = |id: Uuid| {
        codes
            .iter()
            .find(|a| a.id == id)
            .map_or(String::new(), |a| a.code.clone())
    };
    Ok(Json(
        l.reports
            .iter()
            .map(|(r, _)| item(r, &code(r.agency_id)))
            .collect(),
    ))
}

/// A new report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRequest {
    #[schema(schema_with = kinds)]
    pub kind: String,
    /// The writing agency's code; by default the caller's own (the provincial department for
    /// `province_yearly`).
    #[serde(default)]
    pub agency: Option<String>,
    #[schema(minimum = 2000, maximum = 2100)]
    #[serde(deserialize_with = "whole")]
    pub year: i16,
    /// An ad hoc report's first and last day (YYYY-MM-DD); yearly reports cover the year up to
    /// their due day.
    #[serde(default)]
    #[schema(format = Date)]
    pub from: Option<String>,
    #[serde(default)]
    #[schema(format = Date)]
    pub to: Option<String>,
    #[serde(default)]
    #[schema(max_length = 300)]
    pub title: Option<String>,
}

/// Starts a report: its draft, with text written from the figures of its period.
#[utoipa::path(post, path = "/api/v1/reports/yearly", request_body = StartRequest, security(("bearer" = [])),
    responses((status = 201, body = ReportOut), (status = 401), (status = 403, description = "not a writer of the agency's reports"), (status = 404, description = "no such agency"),
        (status = 409, description = "the agency's yearly report of that year exists"), (status = 422, description = "a kind that does not fit the agency, a year or period out of range")))]
pub async fn start(
    c: Caller,
    body: Result<Json<StartRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<ReportOut>), ApiError> {
    let sess = c.session()?;
    let r = json_body(body)?;
    let kind = ReportKind::parse(&r.kind)
        .ok_or_else(|| AppError::field("kind", "Loại báo cáo không có."))?;
    let period = match (r.from.as_deref(), r.to.as_deref()) {
        (Some(f), Some(t)) => Some((date("from", f)?, date("to", t)?)),
        _ => None,
    };
    let n = NewReport {
        kind,
        agency: r.agency,
        year: r.year,
        period,
        title: r.title,
    };
    let report = c.s.app.start_report(&c.ctx(), sess, &n).await?;
    let v = c.s.app.report(sess, report.id).await?;
    Ok((StatusCode::CREATED, Json(out(&v))))
}

/// The file format.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatParams {
    /// `json` (default), `pdf`, `xlsx` or `csv`.
    #[param(pattern = "^(json|pdf|xlsx|csv)$")]
    pub format: Option<String>,
}

/// A report, as JSON or as a file.
#[utoipa::path(get, path = "/api/v1/reports/yearly/{id}", params(("id" = Uuid, Path), FormatParams), security(("bearer" = [])),
    responses((status = 200, body = ReportOut, description = "The report; with `format`, the file"), (status = 401), (status = 404, description = "none the caller may read"), (status = 422)))]
pub async fn get(
    c: Caller,
    Path(id): Path<Uuid>,
    q: Result<Query<FormatParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let sess = c.session()?;
    let q = params(q)?;
    let v = c.s.app.report(sess, id).await?;
    Ok(match q.format.as_deref().unwrap_or("json") {
        "json" => Json(out(&v)).into_response(),
        f => crate::report_files::respond(&v, f)?,
    })
}

/// The version the change is made on.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionRequest {
    #[serde(deserialize_with = "whole")]
    pub version: i32,
}

/// The sections' text.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Sections {
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub results: String,
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub problems: String,
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub incidents: String,
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub proposals: String,
}

/// A draft's title and text.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextRequest {
    #[serde(deserialize_with = "whole")]
    pub version: i32,
    #[schema(min_length = 1, max_length = 300, pattern = r"\S")]
    pub title: String,
    pub sections: Sections,
}

async fn change(c: &Caller, id: Uuid, version: i32, e: Edit) -> Result<Json<ReportOut>, ApiError> {
    let sess = c.session()?;
    c.s.app.edit_report(&c.ctx(), sess, id, version, e).await?;
    Ok(Json(out(&c.s.app.report(sess, id).await?)))
}

const CHANGE: &str = "a submitted report, or one changed since that version";

/// Replaces a draft's title and text.
#[utoipa::path(post, path = "/api/v1/reports/yearly/{id}/text", params(("id" = Uuid, Path)), request_body = TextRequest, security(("bearer" = [])),
    responses((status = 200, body = ReportOut), (status = 401), (status = 403, description = "a reader, not a writer"), (status = 404), (status = 409, description = CHANGE), (status = 422)))]
pub async fn text(
    c: Caller,
    Path(id): Path<Uuid>,
    body: Result<Json<TextRequest>, JsonRejection>,
) -> Result<Json<ReportOut>, ApiError> {
    let r = json_body(body)?;
    let s = r.sections;
    let sections = [
        ("results", s.results),
        ("problems", s.problems),
        ("incidents", s.incidents),
        ("proposals", s.proposals),
    ]
    .into_iter()
    .map(|(k, t)| (k.to_string(), t))
    .collect();
    let e = Edit::Text {
        title: r.title,
        sections,
    };
    change(&c, id, r.version, e).await
}

/// Draws a draft's figures again from the dossiers (its text stays as edited).
#[utoipa::path(post, path = "/api/v1/reports/yearly/{id}/refresh", params(("id" = Uuid, Path)), request_body = VersionRequest, security(("bearer" = [])),
    responses((status = 200, body = ReportOut), (status = 401), (status = 403), (status = 404), (status = 409, description = CHANGE), (status = 422)))]
pub async fn refresh(
    c: Caller,
    Path(id): Path<Uuid>,
    body: Result<Json<VersionRequest>, JsonRejection>,
) -> Result<Json<ReportOut>, ApiError> {
    let r = json_body(body)?;
    change(&c, id, r.version, Edit::Refresh).await
}

/// A roadmap line to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineRequest {
    #[serde(deserialize_with = "whole")]
    pub version: i32,
    /// One of the agency's services not yet fully online.
    pub service: Uuid,
    #[schema(schema_with = targets)]
    pub target: String,
    /// By when, within the year after the report's (YYYY-MM-DD).
    #[schema(format = Date)]
    pub by: String,
}

/// Adds a line to an agency's roadmap.
#[utoipa::path(post, path = "/api/v1/reports/yearly/{id}/roadmap", params(("id" = Uuid, Path)), request_body = LineRequest, security(("bearer" = [])),
    responses((status = 200, body = ReportOut), (status = 401), (status = 403), (status = 404), (status = 409, description = CHANGE), (status = 422, description = "not one of the agency's services, a level not above today's, a day outside next year, or a service already listed")))]
pub async fn add_line(
    c: Caller,
    Path(id): Path<Uuid>,
    body: Result<Json<LineRequest>, JsonRejection>,
) -> Result<Json<ReportOut>, ApiError> {
    let r = json_body(body)?;
    let target = Classification::parse(&r.target)
        .ok_or_else(|| AppError::field("target", "Mức dự kiến: full hoặc partial."))?;
    let e = Edit::AddRoadmap {
        service: r.service,
        target,
        by: date("by", &r.by)?,
    };
    change(&c, id, r.version, e).await
}

/// Removes a roadmap line, by its place (from 0).
#[utoipa::path(delete, path = "/api/v1/reports/yearly/{id}/roadmap/{line}", params(("id" = Uuid, Path), ("line" = u32, Path), ("version" = i32, Query)), security(("bearer" = [])),
    responses((status = 200, body = ReportOut), (status = 401), (status = 403), (status = 404, description = "no such report or line"), (status = 409, description = CHANGE), (status = 422)))]
pub async fn remove_line(
    c: Caller,
    Path((id, line)): Path<(Uuid, u32)>,
    q: Result<Query<VersionRequest>, QueryRejection>,
) -> Result<Json<ReportOut>, ApiError> {
    let q = params(q)?;
    change(&c, id, q.version, Edit::RemoveRoadmap(line as usize)).await
}

/// Approves and sends the report: an agency's by its leader, the province's by its
/// administrators. It no longer changes after.
#[utoipa::path(post, path = "/api/v1/reports/yearly/{id}/submit", params(("id" = Uuid, Path)), request_body = VersionRequest, security(("bearer" = [])),
    responses((status = 200, body = ReportOut), (status = 401), (status = 403, description = "not the agency's leader"), (status = 404), (status = 409, description = "already sent, or changed since that version"), (status = 422, description = "its results are empty")))]
pub async fn submit(
    c: Caller,
    Path(id): Path<Uuid>,
    body: Result<Json<VersionRequest>, JsonRejection>,
) -> Result<Json<ReportOut>, ApiError> {
    let sess = c.session()?;
    let r = json_body(body)?;
    c.s.app.submit_report(&c.ctx(), sess, id, r.version).await?;
    Ok(Json(out(&c.s.app.report(sess, id).await?)))
}

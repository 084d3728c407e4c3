//! Oversight in the API (R9.4, R9.6): an agency's or the province's statistics and Decision 766
//! scorecard over a period, the dossiers behind a figure, and the owner's satisfaction rating of
//! a finished dossier.
use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use motcua_app::AppError;
use motcua_app::oversight::{Heading, RatingInput, ReportQuery, behind_filter};
use motcua_domain::calendar::rfc3339_vn;
use motcua_domain::clock::vn_date;
use motcua_domain::dossier::{Intake, Status};
use motcua_domain::oversight::scorecard::Scorecard;
use motcua_domain::oversight::{Figure, Statistics};
use motcua_domain::rating::CRITERIA;
use motcua_domain::record::Rating;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::kit::{Caller, enum_of, json_body};
use crate::error::ApiError;
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get("/api/v1/reports/statistics", Signed, statistics)
        .get("/api/v1/reports/scorecard", Signed, scorecard)
        .get("/api/v1/reports/dossiers", Signed, behind)
        .get("/api/v1/dossiers/search", Signed, search)
        .get("/api/v1/ratings/criteria", Public, criteria)
        .post("/api/v1/dossiers/{code}/rating", Signed, rate)
}

/// Which agency and days a report covers.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// The agency's code; none: the whole province (inspectors, province administrators). An
    /// agency's leaders and administrators get their agency.
    pub agency: Option<String>,
    /// The first day (YYYY-MM-DD, Vietnam's time); by default the first of January.
    #[param(format = Date)]
    pub from: Option<String>,
    /// The last day, included (YYYY-MM-DD); by default today. Before `from`: an empty report.
    #[param(format = Date)]
    pub to: Option<String>,
}

fn query(c: &Caller, q: &ReportParams) -> Result<ReportQuery, ApiError> {
    Ok(ReportQuery::parse(
        q.agency.as_deref(),
        q.from.as_deref(),
        q.to.as_deref(),
        vn_date(c.s.app.now()),
    )?)
}

fn params<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(q)| q)
        .map_err(|e| AppError::field("query", e.body_text()).into())
}

/// A count of dossiers under a name.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountOut {
    /// The channel (`in_person`, `online`, `postal`) or status code.
    pub key: String,
    pub label: String,
    pub dossiers: u64,
}

/// One month's figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonthOut {
    /// `YYYY-MM`.
    pub month: String,
    pub received: u64,
    pub finished: u64,
    pub on_time: u64,
    pub late: u64,
    pub overdue: u64,
}

/// The statistics of the dossiers received (submitted) in the period, as they stand now, counted
/// by the national rule (Decision 766 indicator 2.1).
#[derive(Debug, Serialize, ToSchema)]
pub struct StatisticsOut {
    /// The agency's code; none: the province.
    pub agency: Option<String>,
    pub from: String,
    pub to: String,
    pub received: u64,
    /// Their national count ended.
    pub finished: u64,
    pub early: u64,
    pub on_time: u64,
    pub late: u64,
    /// Accepted, the count still running.
    pub in_progress: u64,
    /// Of those, past their appointment (or late by count) now.
    pub overdue: u64,
    /// Online dossiers the desk acted on after eight office hours.
    pub late_acceptances: u64,
    /// Accepted dossiers handed to the department after half a working day.
    pub late_handovers: u64,
    /// Dossiers asked to supplement more than once.
    pub second_supplements: u64,
    /// Finished early or on time, in whole percent of those finished.
    pub on_time_percent: Option<u64>,
    /// The average office time of those finished, in working days.
    pub average_days: Option<f64>,
    pub by_channel: Vec<CountOut>,
    pub by_status: Vec<CountOut>,
    pub months: Vec<MonthOut>,
}

fn heading(h: &Heading) -> (Option<String>, String, String) {
    (
        h.agency.as_ref().map(|a| a.code.clone()),
        h.from.to_string(),
        h.to.to_string(),
    )
}

fn statistics_out(h: &Heading, s: Statistics) -> StatisticsOut {
    let (agency, from, to) = heading(h);
    StatisticsOut {
        agency,
        from,
        to,
        received: s.received,
        finished: s.finished,
        early: s.early,
        on_time: s.on_time,
        late: s.late,
        in_progress: s.in_progress,
        overdue: s.overdue,
        late_acceptances: s.late_acceptances,
        late_handovers: s.late_handovers,
        second_supplements: s.second_supplements,
        on_time_percent: s.on_time_percent,
        average_days: s.average_days,
        by_channel: s
            .by_channel
            .iter()
            .map(|(i, n)| CountOut {
                key: i.as_str().into(),
                label: i.label_vi().into(),
                dossiers: *n,
            })
            .collect(),
        by_status: s
            .by_status
            .iter()
            .map(|(st, n)| CountOut {
                key: st.as_str().into(),
                label: st.label_vi().into(),
                dossiers: *n,
            })
            .collect(),
        months: s
            .months
            .into_iter()
            .map(|m| MonthOut {
                month: m.month,
                received: m.received,
                finished: m.finished,
                on_time: m.on_time,
                late: m.late,
                overdue: m.overdue,
            })
            .collect(),
    }
}

/// The statistics of an agency or the province over a period (inspectors and province
/// administrators: any; an agency's leaders and administrators: theirs).
#[utoipa::path(get, path = "/api/v1/reports/statistics", params(ReportParams), security(("bearer" = [])),
    responses((status = 200, body = StatisticsOut), (status = 401), (status = 403, description = "not the caller's agency"), (status = 404, description = "no agency with that code"), (status = 422, description = "no agency chosen by someone who answers for several")))]
pub async fn statistics(
    c: Caller,
    q: Result<Query<ReportParams>, QueryRejection>,
) -> Result<Json<StatisticsOut>, ApiError> {
    let sess = c.session()?;
    let q = query(&c, &params(q)?)?;
    let (h, s) = c.s.app.statistics(sess, &q).await?;
    Ok(Json(statistics_out(&h, s)))
}

/// One indicator of the scorecard.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorOut {
    /// The Decision's number (`1.1` … `5.4`).
    pub code: String,
    pub name: String,
    /// The share in percent (for 2.2, working days); none when not measured or nothing to count.
    pub value: Option<f64>,
    /// The share's numerator and denominator.
    pub numerator: Option<u64>,
    pub denominator: Option<u64>,
    /// Points earned; none when not measured.
    pub score: Option<f64>,
    pub max: f64,
    /// Below this share (percent) points fall pro rata.
    pub target: f64,
    /// False when motcua does not hold the facts (the national databases and portal).
    pub measured: bool,
}

/// A group of indicators.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupOut {
    /// The national portal's key (`CKMB`, `TDGQ`, `CLGQ`, `TTTT`, `MDSH`, `MDHL`).
    pub key: String,
    pub name: String,
    pub max: f64,
    pub score: f64,
    /// The points of the indicators measured.
    pub measured_max: f64,
    pub indicators: Vec<IndicatorOut>,
}

/// The Decision 766 scorecard.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScorecardOut {
    pub agency: Option<String>,
    pub from: String,
    pub to: String,
    pub total: f64,
    /// 100.
    pub max: f64,
    /// The points of the indicators measured: the total is out of these.
    pub measured_max: f64,
    pub groups: Vec<GroupOut>,
}

fn scorecard_out(h: &Heading, s: Scorecard) -> ScorecardOut {
    let (agency, from, to) = heading(h);
    ScorecardOut {
        agency,
        from,
        to,
        total: s.total,
        max: s.max,
        measured_max: s.measured_max,
        groups: s
            .groups
            .into_iter()
            .map(|g| GroupOut {
                key: g.key.into(),
                name: g.name.into(),
                max: g.max,
                score: g.score,
                measured_max: g.measured_max,
                indicators: g
                    .indicators
                    .into_iter()
                    .map(|i| IndicatorOut {
                        code: i.code.into(),
                        name: i.name.into(),
                        value: i.value,
                        numerator: i.ratio.map(|r| r.num),
                        denominator: i.ratio.map(|r| r.den),
                        score: i.score,
                        max: i.max,
                        target: i.target,
                        measured: i.measured,
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// The Decision 766 scorecard of an agency or the province over a period.
#[utoipa::path(get, path = "/api/v1/reports/scorecard", params(ReportParams), security(("bearer" = [])),
    responses((status = 200, body = ScorecardOut), (status = 401), (status = 403, description = "not the caller's agency"), (status = 404, description = "no agency with that code"), (status = 422, description = "no agency chosen by someone who answers for several")))]
pub async fn scorecard(
    c: Caller,
    q: Result<Query<ReportParams>, QueryRejection>,
) -> Result<Json<ScorecardOut>, ApiError> {
    let sess = c.session()?;
    let q = query(&c, &params(q)?)?;
    let (h, s) = c.s.app.scorecard(sess, &q).await?;
    Ok(Json(scorecard_out(&h, s)))
}

/// Which dossiers behind a figure.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BehindParams {
    pub agency: Option<String>,
    #[param(format = Date)]
    pub from: Option<String>,
    #[param(format = Date)]
    pub to: Option<String>,
    /// The figure; by default `received`.
    #[param(schema_with = figures)]
    pub figure: Option<String>,
    /// Only this month (`YYYY-MM`).
    #[param(pattern = r"^\d{4}-\d{2}$")]
    pub month: Option<String>,
    /// Only this channel.
    #[param(schema_with = channels)]
    pub channel: Option<String>,
    /// Only this status.
    #[param(schema_with = statuses)]
    pub status: Option<String>,
}

fn figures() -> utoipa::openapi::Object {
    enum_of(Figure::ALL.iter().map(|f| f.as_str()).collect())
}

fn channels() -> utoipa::openapi::Object {
    enum_of(
        [Intake::InPerson, Intake::Online, Intake::Postal]
            .iter()
            .map(|i| i.as_str())
            .collect(),
    )
}

fn statuses() -> utoipa::openapi::Object {
    enum_of(Status::ALL.iter().map(|s| s.as_str()).collect())
}

/// One dossier behind a figure.
#[derive(Debug, Serialize, ToSchema)]
pub struct BehindItem {
    pub id: String,
    pub code: Option<String>,
    pub applicant: String,
    /// The national status.
    pub status: String,
    pub channel: String,
    pub submitted_at: String,
    pub appointment_at: Option<String>,
}

/// The dossiers behind a figure (at most 500, newest first) and how many there are.
#[derive(Debug, Serialize, ToSchema)]
pub struct BehindOut {
    pub figure: String,
    pub total: u64,
    pub dossiers: Vec<BehindItem>,
}

/// The dossiers behind a figure of the statistics.
#[utoipa::path(get, path = "/api/v1/reports/dossiers", params(BehindParams), security(("bearer" = [])),
    responses((status = 200, body = BehindOut), (status = 401), (status = 403, description = "not the caller's agency"), (status = 404, description = "no agency with that code"), (status = 422, description = "an unknown figure, channel or status, or no agency chosen by someone who answers for several")))]
pub async fn behind(
    c: Caller,
    q: Result<Query<BehindParams>, QueryRejection>,
) -> Result<Json<BehindOut>, ApiError> {
    let sess = c.session()?;
    let p = params(q)?;
    let w = behind_filter(
        p.figure.as_deref().unwrap_or("received"),
        p.month.as_deref(),
        p.channel.as_deref(),
        p.status.as_deref(),
    )?;
    let rq = query(
        &c,
        &ReportParams {
            agency: p.agency,
            from: p.from,
            to: p.to,
        },
    )?;
    let (_, total, list) = c.s.app.dossiers_behind(sess, &rq, &w).await?;
    Ok(Json(BehindOut {
        figure: w.figure.as_str().into(),
        total,
        dossiers: list.into_iter().map(item).collect(),
    }))
}

fn item(d: motcua_app::oversight::Listed) -> BehindItem {
    BehindItem {
        id: d.id.to_string(),
        code: d.code,
        applicant: d.applicant_name,
        status: d.stage.status().as_str().into(),
        channel: d.intake.as_str().into(),
        submitted_at: rfc3339_vn(d.submitted_at),
        appointment_at: d.appointment_at.map(rfc3339_vn),
    }
}

/// What staff search for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// A dossier code (or its beginning), part of the applicant's name (with or without
    /// diacritics), a 12-digit identity number or a phone number.
    #[param(min_length = 2, max_length = 100)]
    pub q: String,
}

/// Staff search their agencies' dossiers (inspectors and province administrators: every
/// agency's), newest first, at most 50.
#[utoipa::path(get, path = "/api/v1/dossiers/search", params(SearchParams), security(("bearer" = [])),
    responses((status = 200, body = Vec<BehindItem>), (status = 401), (status = 403, description = "not staff"), (status = 422, description = "fewer than 2 or more than 100 characters")))]
pub async fn search(
    c: Caller,
    q: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Json<Vec<BehindItem>>, ApiError> {
    let sess = c.session()?;
    let p = params(q)?;
    let found = c.s.app.search_dossiers(&c.ctx(), sess, &p.q).await?;
    Ok(Json(found.into_iter().map(item).collect()))
}

/// A criterion of the satisfaction form.
#[derive(Debug, Serialize, ToSchema)]
pub struct CriterionOut {
    pub key: String,
    pub label: String,
    /// What the answers 1, 2 and 3 read, best first.
    pub levels: Vec<String>,
}

/// The criteria of the satisfaction form, in order.
#[utoipa::path(get, path = "/api/v1/ratings/criteria", responses((status = 200, body = Vec<CriterionOut>)))]
pub async fn criteria() -> Json<Vec<CriterionOut>> {
    Json(
        CRITERIA
            .iter()
            .map(|c| CriterionOut {
                key: c.key.into(),
                label: c.label.into(),
                levels: c.levels.iter().map(|l| l.to_string()).collect(),
            })
            .collect(),
    )
}

/// A rating: every criterion answered 1 (best) to 3.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingRequest {
    /// Each criterion's key (`GET /api/v1/ratings/criteria`) with its answer.
    #[schema(schema_with = answers_schema)]
    pub answers: BTreeMap<String, f64>,
    /// At most 2,000 characters.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub comment: String,
}

fn answers_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::{ObjectBuilder, schema::Type};
    let level = || {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(1))
            .maximum(Some(3))
            .build()
    };
    let mut b = ObjectBuilder::new().schema_type(Type::Object);
    for c in CRITERIA {
        b = b.property(c.key, level()).required(c.key);
    }
    b.additional_properties(Some(
        utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
    ))
    .build()
}

/// A rating as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingOut {
    pub code: String,
    pub at: String,
    /// The overall answer was the worst.
    pub dissatisfied: bool,
    pub answers: BTreeMap<String, u8>,
}

fn rating_out(code: &str, r: Rating) -> RatingOut {
    RatingOut {
        code: code.into(),
        at: rfc3339_vn(r.at),
        dissatisfied: r.dissatisfied,
        answers: r.answers.into_iter().collect(),
    }
}

/// Rates a finished dossier: its owner, once, when it has ended (returned, refused, declined or
/// withdrawn).
#[utoipa::path(post, path = "/api/v1/dossiers/{code}/rating", params(("code" = String, Path, description = "the dossier's code")), security(("bearer" = [])), request_body = RatingRequest,
    responses((status = 201, body = RatingOut), (status = 401), (status = 404, description = "no such dossier of the caller's"), (status = 409, description = "not ended yet, or already rated"), (status = 422, description = "a criterion missing or an answer out of range")))]
pub async fn rate(
    c: Caller,
    Path(code): Path<String>,
    body: Result<Json<RatingRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<RatingOut>), ApiError> {
    let sess = c.session()?;
    let r = json_body(body)?;
    // JSON Schema's integers include 2.0; anything else is no level (the domain says which).
    let level = |v: f64| {
        if v.fract() == 0.0 && (0.0..=255.0).contains(&v) {
            v as u8
        } else {
            0
        }
    };
    let input = RatingInput {
        answers: r.answers.into_iter().map(|(k, v)| (k, level(v))).collect(),
        comment: r.comment,
    };
    let out = c.s.app.rate_dossier(&c.ctx(), sess, &code, &input).await?;
    Ok((StatusCode::CREATED, Json(rating_out(&code, out))))
}

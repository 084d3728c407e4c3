//! Yearly and ad hoc reports (R14): one row each, its content as JSON, changed only under its
//! version (two editors never overwrite each other unseen).
use motcua_domain::report::{Report, ReportKind, ReportState};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::entities::report;
use crate::time::{date_from_db, date_to_db, from_db, to_db};
use crate::{Result, StoreError};

fn bad(e: impl std::fmt::Display) -> StoreError {
    StoreError::Db(sea_orm::DbErr::Json(e.to_string()))
}

/// Stores a new report; a second yearly report for the same slot is a `Conflict`.
pub async fn insert(c: &impl ConnectionTrait, r: &Report) -> Result<()> {
    report::Entity::insert(report::ActiveModel {
        id: Set(r.id),
        slot: Set(r.slot()),
        kind: Set(r.kind.as_str().into()),
        agency_id: Set(r.agency_id),
        year: Set(i32::from(r.year)),
        period_from: Set(date_to_db(r.from)),
        period_to: Set(date_to_db(r.to)),
        title: Set(r.title.clone()),
        state: Set(r.state.as_str().into()),
        body: Set(serde_json::to_string(&r.body).map_err(bad)?),
        created_by: Set(r.created_by),
        created_at: Set(to_db(r.created_at)),
        updated_by: Set(r.updated_by),
        updated_at: Set(to_db(r.updated_at)),
        submitted_by: Set(r.submitted_by),
        submitted_at: Set(r.submitted_at.map(to_db)),
        version: Set(r.version),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

/// Writes a changed report if nobody changed it since `r.version - 1` was read (`Conflict`
/// otherwise); only a draft changes.
pub async fn update(c: &impl ConnectionTrait, r: &Report) -> Result<()> {
    let res = report::Entity::update_many()
        .col_expr(report::Column::Title, Expr::value(r.title.clone()))
        .col_expr(report::Column::State, Expr::value(r.state.as_str()))
        .col_expr(
            report::Column::Body,
            Expr::value(serde_json::to_string(&r.body).map_err(bad)?),
        )
        .col_expr(report::Column::UpdatedBy, Expr::value(r.updated_by))
        .col_expr(report::Column::UpdatedAt, Expr::value(to_db(r.updated_at)))
        .col_expr(report::Column::SubmittedBy, Expr::value(r.submitted_by))
        .col_expr(
            report::Column::SubmittedAt,
            Expr::value(r.submitted_at.map(to_db)),
        )
        .col_expr(report::Column::Version, Expr::value(r.version))
        .filter(report::Column::Id.eq(r.id))
        .filter(report::Column::Version.eq(r.version - 1))
        .filter(report::Column::State.eq(ReportState::Draft.as_str()))
        .exec(c)
        .await?;
    if res.rows_affected == 0 {
        return Err(StoreError::Conflict("report changed".into()));
    }
    Ok(())
}

fn from(m: report::Model) -> Result<Report> {
    Ok(Report {
        id: m.id,
        kind: ReportKind::parse(&m.kind).ok_or_else(|| bad("report kind"))?,
        agency_id: m.agency_id,
        year: i16::try_from(m.year).map_err(bad)?,
        from: date_from_db(m.period_from),
        to: date_from_db(m.period_to),
        title: m.title,
        state: ReportState::parse(&m.state).ok_or_else(|| bad("report state"))?,
        body: serde_json::from_str(&m.body).map_err(bad)?,
        created_by: m.created_by,
        created_at: from_db(m.created_at),
        updated_by: m.updated_by,
        updated_at: from_db(m.updated_at),
        submitted_by: m.submitted_by,
        submitted_at: m.submitted_at.map(from_db),
        version: m.version,
    })
}

pub async fn get(c: &impl ConnectionTrait, id: Uuid) -> Result<Report> {
    report::Entity::find_by_id(id)
        .one(c)
        .await?
        .map(from)
        .ok_or(StoreError::NotFound)?
}

/// Reports of a year (every kind), by agencies when given, newest first.
pub async fn list(
    c: &impl ConnectionTrait,
    year: Option<i16>,
    agencies: Option<&[Uuid]>,
) -> Result<Vec<Report>> {
    let mut q = report::Entity::find();
    if let Some(y) = year {
        q = q.filter(report::Column::Year.eq(i32::from(y)));
    }
    if let Some(a) = agencies {
        q = q.filter(report::Column::AgencyId.is_in(a.iter().copied()));
    }
    q.order_by_desc(report::Column::CreatedAt)
        .all(c)
        .await?
        .into_iter()
        .map(from)
        .collect()
}

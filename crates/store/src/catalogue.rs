//! The catalogue: sectors and fields, procedures and their versions, agencies' online services,
//! and the search index (R5.1a, R5.2, R10.3, R10.4).
use motcua_domain::catalogue::{Classification, ProcedureBody};
use motcua_domain::fees::FeeDue;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

pub use motcua_domain::catalogue::{Field, Procedure, Sector, Service, Version, VersionStatus};

use crate::entities::{catalogue_index, field, procedure, procedure_version, sector, service};
use crate::time::{date_from_db, date_to_db, from_db, to_db};
use crate::{Result, StoreError};

fn bad_json(e: serde_json::Error) -> StoreError {
    StoreError::Db(sea_orm::DbErr::Json(e.to_string()))
}

pub async fn insert_sector(c: &impl ConnectionTrait, s: &Sector) -> Result<()> {
    sector::Entity::insert(sector::ActiveModel {
        id: Set(s.id),
        code: Set(s.code.clone()),
        name: Set(s.name.clone()),
        position: Set(s.position),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

pub async fn update_sector(c: &impl ConnectionTrait, s: &Sector) -> Result<()> {
    sector::Entity::update_many()
        .set(sector::ActiveModel {
            name: Set(s.name.clone()),
            position: Set(s.position),
            ..Default::default()
        })
        .filter(sector::Column::Id.eq(s.id))
        .exec(c)
        .await?;
    Ok(())
}

pub async fn list_sectors(c: &impl ConnectionTrait) -> Result<Vec<Sector>> {
    Ok(sector::Entity::find()
        .order_by_asc(sector::Column::Position)
        .order_by_asc(sector::Column::Code)
        .all(c)
        .await?
        .into_iter()
        .map(|m| Sector {
            id: m.id,
            code: m.code,
            name: m.name,
            position: m.position,
        })
        .collect())
}

pub async fn insert_field(c: &impl ConnectionTrait, f: &Field) -> Result<()> {
    field::Entity::insert(field::ActiveModel {
        id: Set(f.id),
        sector_id: Set(f.sector_id),
        code: Set(f.code.clone()),
        name: Set(f.name.clone()),
        position: Set(f.position),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

pub async fn update_field(c: &impl ConnectionTrait, f: &Field) -> Result<()> {
    field::Entity::update_many()
        .set(field::ActiveModel {
            name: Set(f.name.clone()),
            sector_id: Set(f.sector_id),
            position: Set(f.position),
            ..Default::default()
        })
        .filter(field::Column::Id.eq(f.id))
        .exec(c)
        .await?;
    Ok(())
}

pub async fn list_fields(c: &impl ConnectionTrait) -> Result<Vec<Field>> {
    Ok(field::Entity::find()
        .order_by_asc(field::Column::Position)
        .order_by_asc(field::Column::Code)
        .all(c)
        .await?
        .into_iter()
        .map(|m| Field {
            id: m.id,
            sector_id: m.sector_id,
            code: m.code,
            name: m.name,
            position: m.position,
        })
        .collect())
}

fn procedure_from(m: procedure::Model) -> Procedure {
    Procedure {
        id: m.id,
        code: m.code,
        owner_agency_id: m.owner_agency_id,
        views: m.views,
    }
}

pub async fn insert_procedure(
    c: &impl ConnectionTrait,
    p: &Procedure,
    now: jiff::Timestamp,
) -> Result<()> {
    procedure::Entity::insert(procedure::ActiveModel {
        id: Set(p.id),
        code: Set(p.code.clone()),
        owner_agency_id: Set(p.owner_agency_id),
        views: Set(0),
        created_at: Set(to_db(now)),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

pub async fn find_procedure(c: &impl ConnectionTrait, code: &str) -> Result<Option<Procedure>> {
    Ok(procedure::Entity::find()
        .filter(procedure::Column::Code.eq(code))
        .one(c)
        .await?
        .map(procedure_from))
}

pub async fn get_procedure(c: &impl ConnectionTrait, id: Uuid) -> Result<Procedure> {
    procedure::Entity::find_by_id(id)
        .one(c)
        .await?
        .map(procedure_from)
        .ok_or(StoreError::NotFound)
}

pub async fn list_procedures(c: &impl ConnectionTrait) -> Result<Vec<Procedure>> {
    Ok(procedure::Entity::find()
        .order_by_asc(procedure::Column::Code)
        .all(c)
        .await?
        .into_iter()
        .map(procedure_from)
        .collect())
}

/// Adds views of the public page counted elsewhere (R5.1b).
pub async fn add_views(c: &impl ConnectionTrait, id: Uuid, n: i64) -> Result<()> {
    procedure::Entity::update_many()
        .col_expr(
            procedure::Column::Views,
            Expr::col(procedure::Column::Views).add(n),
        )
        .filter(procedure::Column::Id.eq(id))
        .exec(c)
        .await?;
    Ok(())
}

fn version_from(m: procedure_version::Model) -> Result<Version> {
    Ok(Version {
        id: m.id,
        procedure_id: m.procedure_id,
        version: m.version,
        status: if m.status == "published" {
            VersionStatus::Published
        } else {
            VersionStatus::Draft
        },
        effective_from: m.effective_from.map(date_from_db),
        field_id: m.field_id,
        body: serde_json::from_str(&m.body).map_err(bad_json)?,
        created_at: from_db(m.created_at),
        published_at: m.published_at.map(from_db),
    })
}

/// Inserts a version row (draft or published).
pub async fn insert_version(c: &impl ConnectionTrait, v: &Version, by: Option<Uuid>) -> Result<()> {
    procedure_version::Entity::insert(procedure_version::ActiveModel {
        id: Set(v.id),
        procedure_id: Set(v.procedure_id),
        version: Set(v.version),
        status: Set(match v.status {
            VersionStatus::Draft => "draft".into(),
            VersionStatus::Published => "published".into(),
        }),
        effective_from: Set(v.effective_from.map(date_to_db)),
        field_id: Set(v.field_id),
        name: Set(v.body.name.clone()),
        body: Set(serde_json::to_string(&v.body).map_err(bad_json)?),
        created_at: Set(to_db(v.created_at)),
        created_by: Set(by),
        published_at: Set(v.published_at.map(to_db)),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

/// Replaces the content of a draft (a published version never changes).
pub async fn update_draft(
    c: &impl ConnectionTrait,
    id: Uuid,
    body: &ProcedureBody,
    field_id: Uuid,
) -> Result<()> {
    let res = procedure_version::Entity::update_many()
        .set(procedure_version::ActiveModel {
            body: Set(serde_json::to_string(body).map_err(bad_json)?),
            name: Set(body.name.clone()),
            field_id: Set(field_id),
            ..Default::default()
        })
        .filter(procedure_version::Column::Id.eq(id))
        .filter(procedure_version::Column::Status.eq("draft"))
        .exec(c)
        .await?;
    if res.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Publishes a draft, effective from a date.
pub async fn publish_version(
    c: &impl ConnectionTrait,
    id: Uuid,
    effective_from: jiff::civil::Date,
    now: jiff::Timestamp,
) -> Result<()> {
    let res = procedure_version::Entity::update_many()
        .col_expr(procedure_version::Column::Status, Expr::value("published"))
        .col_expr(
            procedure_version::Column::EffectiveFrom,
            Expr::value(date_to_db(effective_from)),
        )
        .col_expr(
            procedure_version::Column::PublishedAt,
            Expr::value(to_db(now)),
        )
        .filter(procedure_version::Column::Id.eq(id))
        .filter(procedure_version::Column::Status.eq("draft"))
        .exec(c)
        .await?;
    if res.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn get_version(c: &impl ConnectionTrait, id: Uuid) -> Result<Version> {
    version_from(
        procedure_version::Entity::find_by_id(id)
            .one(c)
            .await?
            .ok_or(StoreError::NotFound)?,
    )
}

/// Every version of a procedure, newest first.
pub async fn versions(c: &impl ConnectionTrait, procedure_id: Uuid) -> Result<Vec<Version>> {
    procedure_version::Entity::find()
        .filter(procedure_version::Column::ProcedureId.eq(procedure_id))
        .order_by_desc(procedure_version::Column::Version)
        .all(c)
        .await?
        .into_iter()
        .map(version_from)
        .collect()
}

/// The version in force on a day: the newest published version effective by then.
pub async fn current_version(
    c: &impl ConnectionTrait,
    procedure_id: Uuid,
    day: jiff::civil::Date,
) -> Result<Option<Version>> {
    procedure_version::Entity::find()
        .filter(procedure_version::Column::ProcedureId.eq(procedure_id))
        .filter(procedure_version::Column::Status.eq("published"))
        .filter(procedure_version::Column::EffectiveFrom.lte(date_to_db(day)))
        .order_by_desc(procedure_version::Column::Version)
        .limit(1)
        .one(c)
        .await?
        .map(version_from)
        .transpose()
}

/// The versions published in `[from, to)` (Decision 766 indicator 1.1).
pub async fn published_between(
    c: &impl ConnectionTrait,
    from: jiff::Timestamp,
    to: jiff::Timestamp,
) -> Result<Vec<Version>> {
    procedure_version::Entity::find()
        .filter(procedure_version::Column::PublishedAt.gte(to_db(from)))
        .filter(procedure_version::Column::PublishedAt.lt(to_db(to)))
        .all(c)
        .await?
        .into_iter()
        .map(version_from)
        .collect()
}

/// The versions in force on a day for many procedures at once (one query).
pub async fn current_versions(
    c: &impl ConnectionTrait,
    ids: &[Uuid],
    day: jiff::civil::Date,
) -> Result<Vec<Version>> {
    let rows = procedure_version::Entity::find()
        .filter(procedure_version::Column::ProcedureId.is_in(ids.iter().copied()))
        .filter(procedure_version::Column::Status.eq("published"))
        .filter(procedure_version::Column::EffectiveFrom.lte(date_to_db(day)))
        .order_by_asc(procedure_version::Column::ProcedureId)
        .order_by_desc(procedure_version::Column::Version)
        .all(c)
        .await?;
    newest_of(rows)
}

/// The newest published version of every procedure (one query, older versions left unread):
/// what the index holds.
pub async fn newest_published(c: &impl ConnectionTrait) -> Result<Vec<Version>> {
    let newest = sea_orm::sea_query::Expr::cust(
        "procedure_versions.version = (SELECT MAX(v.version) FROM procedure_versions v \
         WHERE v.procedure_id = procedure_versions.procedure_id AND v.status = 'published')",
    );
    let rows = procedure_version::Entity::find()
        .filter(procedure_version::Column::Status.eq("published"))
        .filter(newest)
        .order_by_asc(procedure_version::Column::ProcedureId)
        .order_by_desc(procedure_version::Column::Version)
        .all(c)
        .await?;
    newest_of(rows)
}

/// The first of each procedure's rows, ordered by procedure and newest version first.
fn newest_of(rows: Vec<procedure_version::Model>) -> Result<Vec<Version>> {
    let mut out: Vec<Version> = Vec::new();
    for m in rows {
        if out.last().is_some_and(|v| v.procedure_id == m.procedure_id) {
            continue;
        }
        out.push(version_from(m)?);
    }
    Ok(out)
}

fn service_from(m: service::Model) -> Result<Service> {
    Ok(Service {
        id: m.id,
        procedure_id: m.procedure_id,
        agency_id: m.agency_id,
        level: m.level as u8,
        classification: Classification::parse(&m.classification).unwrap_or(Classification::Info),
        online_time: m
            .online_time
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(bad_json)?,
        form_schema: serde_json::from_str(&m.form_schema).map_err(bad_json)?,
        process: serde_json::from_str(&m.process).map_err(bad_json)?,
        active: m.active,
        fee_due: FeeDue::parse(&m.fee_due).unwrap_or_default(),
    })
}

fn service_model(s: &Service, now: jiff::Timestamp) -> Result<service::ActiveModel> {
    Ok(service::ActiveModel {
        id: Set(s.id),
        procedure_id: Set(s.procedure_id),
        agency_id: Set(s.agency_id),
        level: Set(i32::from(s.level)),
        classification: Set(s.classification.as_str().into()),
        online_time: Set(s
            .online_time
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(bad_json)?),
        form_schema: Set(serde_json::to_string(&s.form_schema).map_err(bad_json)?),
        process: Set(serde_json::to_string(&s.process).map_err(bad_json)?),
        active: Set(s.active),
        updated_at: Set(to_db(now)),
        fee_due: Set(s.fee_due.as_str().into()),
    })
}

pub async fn insert_service(
    c: &impl ConnectionTrait,
    s: &Service,
    now: jiff::Timestamp,
) -> Result<()> {
    service::Entity::insert(service_model(s, now)?)
        .exec_without_returning(c)
        .await?;
    Ok(())
}

pub async fn update_service(
    c: &impl ConnectionTrait,
    s: &Service,
    now: jiff::Timestamp,
) -> Result<()> {
    let mut am = service_model(s, now)?;
    am.id = sea_orm::ActiveValue::NotSet;
    am.procedure_id = sea_orm::ActiveValue::NotSet;
    am.agency_id = sea_orm::ActiveValue::NotSet;
    let res = service::Entity::update_many()
        .set(am)
        .filter(service::Column::Id.eq(s.id))
        .exec(c)
        .await?;
    if res.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn get_service(c: &impl ConnectionTrait, id: Uuid) -> Result<Service> {
    service_from(
        service::Entity::find_by_id(id)
            .one(c)
            .await?
            .ok_or(StoreError::NotFound)?,
    )
}

/// Services of some procedures (or all), by procedure.
pub async fn services_of(
    c: &impl ConnectionTrait,
    procedure_ids: Option<&[Uuid]>,
) -> Result<Vec<Service>> {
    let mut q = service::Entity::find();
    if let Some(ids) = procedure_ids {
        q = q.filter(service::Column::ProcedureId.is_in(ids.iter().copied()));
    }
    q.order_by_asc(service::Column::ProcedureId)
        .order_by_asc(service::Column::Level)
        .all(c)
        .await?
        .into_iter()
        .map(service_from)
        .collect()
}

/// The services an agency offers.
pub async fn services_of_agency(c: &impl ConnectionTrait, agency_id: Uuid) -> Result<Vec<Service>> {
    service::Entity::find()
        .filter(service::Column::AgencyId.eq(agency_id))
        .all(c)
        .await?
        .into_iter()
        .map(service_from)
        .collect()
}

/// One row of the search index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexRow {
    pub procedure_id: Uuid,
    pub code: String,
    pub name: String,
    pub field_id: Uuid,
    pub sector_id: Uuid,
    pub agencies: Vec<String>,
    pub levels: Vec<u8>,
    pub subjects: String,
}

/// Writes a procedure's row of the index.
pub async fn upsert_index(c: &impl ConnectionTrait, r: &IndexRow) -> Result<()> {
    let agencies = format!(",{},", r.agencies.join(","));
    let levels = format!(
        ",{},",
        r.levels
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(",")
    );
    let existing = catalogue_index::Entity::find()
        .filter(catalogue_index::Column::ProcedureId.eq(r.procedure_id))
        .one(c)
        .await?;
    match existing {
        Some(m) => {
            catalogue_index::Entity::update_many()
                .set(catalogue_index::ActiveModel {
                    code: Set(r.code.clone()),
                    name: Set(r.name.clone()),
                    field_id: Set(r.field_id),
                    sector_id: Set(r.sector_id),
                    agencies: Set(agencies),
                    levels: Set(levels),
                    subjects: Set(r.subjects.clone()),
                    ..Default::default()
                })
                .filter(catalogue_index::Column::Seq.eq(m.seq))
                .exec(c)
                .await?;
        }
        None => {
            catalogue_index::Entity::insert(catalogue_index::ActiveModel {
                procedure_id: Set(r.procedure_id),
                code: Set(r.code.clone()),
                name: Set(r.name.clone()),
                field_id: Set(r.field_id),
                sector_id: Set(r.sector_id),
                agencies: Set(agencies),
                levels: Set(levels),
                subjects: Set(r.subjects.clone()),
                ..Default::default()
            })
            .exec(c)
            .await?;
        }
    }
    Ok(())
}

/// Every row of the index (one query, in no order: the search sorts them by code itself).
pub async fn index_rows(c: &impl ConnectionTrait) -> Result<Vec<IndexRow>> {
    let split = |s: &str| {
        s.split(',')
            .filter(|x| !x.is_empty())
            .map(String::from)
            .collect::<Vec<_>>()
    };
    Ok(catalogue_index::Entity::find()
        .all(c)
        .await?
        .into_iter()
        .map(|m| IndexRow {
            procedure_id: m.procedure_id,
            code: m.code,
            name: m.name,
            field_id: m.field_id,
            sector_id: m.sector_id,
            levels: split(&m.levels)
                .iter()
                .filter_map(|l| l.parse().ok())
                .collect(),
            agencies: split(&m.agencies),
            subjects: m.subjects,
        })
        .collect())
}

//! Dossiers, their files, events, codes and idempotency keys (issue 4).
use std::collections::HashSet;

use motcua_domain::dossier::{FileKind, Intake, State};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::entities::{dossier, dossier_counter, dossier_event, dossier_file, idempotency};
use crate::time::{date_to_db, from_db, to_db};
use crate::{Result, StoreError};

/// A dossier as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct DossierRow {
    pub id: Uuid,
    pub code: Option<String>,
    pub service_id: Uuid,
    pub procedure_version_id: Uuid,
    pub agency_id: Uuid,
    pub owner_id: Option<Uuid>,
    pub registered_by: Option<Uuid>,
    pub intake: Intake,
    pub state: State,
    pub form: serde_json::Value,
    pub applicant_name: String,
    /// The last four digits of the applicant's phone (the look-up's second factor).
    pub phone_tail: Option<String>,
    pub declaration: Option<String>,
    pub declared_at: Option<jiff::Timestamp>,
    pub submitted_at: Option<jiff::Timestamp>,
    pub appointment_at: Option<jiff::Timestamp>,
    /// What the agency asked to supplement: `{"components": [...], "note": "..."}`.
    pub supplement: Option<serde_json::Value>,
    pub created_at: jiff::Timestamp,
    pub updated_at: jiff::Timestamp,
    pub expires_at: Option<jiff::Timestamp>,
    pub version: i32,
}

fn bad(e: impl std::fmt::Display) -> StoreError {
    StoreError::Db(sea_orm::DbErr::Json(e.to_string()))
}

fn row_from(m: dossier::Model) -> Result<DossierRow> {
    Ok(DossierRow {
        id: m.id,
        code: m.code,
        service_id: m.service_id,
        procedure_version_id: m.procedure_version_id,
        agency_id: m.agency_id,
        owner_id: m.owner_id,
        registered_by: m.registered_by,
        intake: Intake::parse(&m.intake).ok_or_else(|| bad("intake"))?,
        state: State::parse(&m.state).ok_or_else(|| bad("state"))?,
        form: serde_json::from_str(&m.form).map_err(bad)?,
        applicant_name: m.applicant_name,
        phone_tail: m.phone_tail,
        declaration: m.declaration,
        declared_at: m.declared_at.map(from_db),
        submitted_at: m.submitted_at.map(from_db),
        appointment_at: m.appointment_at.map(from_db),
        supplement: m
            .supplement
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(bad)?,
        created_at: from_db(m.created_at),
        updated_at: from_db(m.updated_at),
        expires_at: m.expires_at.map(from_db),
        version: m.version,
    })
}

fn model_of(d: &DossierRow) -> dossier::ActiveModel {
    dossier::ActiveModel {
        id: Set(d.id),
        code: Set(d.code.clone()),
        service_id: Set(d.service_id),
        procedure_version_id: Set(d.procedure_version_id),
        agency_id: Set(d.agency_id),
        owner_id: Set(d.owner_id),
        registered_by: Set(d.registered_by),
        intake: Set(d.intake.as_str().into()),
        state: Set(d.state.as_str().into()),
        form: Set(d.form.to_string()),
        applicant_name: Set(d.applicant_name.clone()),
        phone_tail: Set(d.phone_tail.clone()),
        declaration: Set(d.declaration.clone()),
        declared_at: Set(d.declared_at.map(to_db)),
        submitted_at: Set(d.submitted_at.map(to_db)),
        appointment_at: Set(d.appointment_at.map(to_db)),
        supplement: Set(d.supplement.as_ref().map(|v| v.to_string())),
        created_at: Set(to_db(d.created_at)),
        updated_at: Set(to_db(d.updated_at)),
        expires_at: Set(d.expires_at.map(to_db)),
        version: Set(d.version),
    }
}

pub async fn insert_dossier(c: &impl ConnectionTrait, d: &DossierRow) -> Result<()> {
    dossier::Entity::insert(model_of(d))
        .exec_without_returning(c)
        .await?;
    Ok(())
}

/// Writes a changed dossier if nobody changed it since it was read (optimistic concurrency):
/// `d.version` is the version read; the stored version becomes `d.version + 1`.
pub async fn update_dossier(c: &impl ConnectionTrait, d: &DossierRow) -> Result<()> {
    let mut am = model_of(d);
    am.id = sea_orm::ActiveValue::NotSet;
    am.created_at = sea_orm::ActiveValue::NotSet;
    am.version = Set(d.version + 1);
    let res = dossier::Entity::update_many()
        .set(am)
        .filter(dossier::Column::Id.eq(d.id))
        .filter(dossier::Column::Version.eq(d.version))
        .exec(c)
        .await?;
    if res.rows_affected == 0 {
        return Err(StoreError::Conflict("dossier changed meanwhile".into()));
    }
    Ok(())
}

pub async fn get_dossier(c: &impl ConnectionTrait, id: Uuid) -> Result<DossierRow> {
    row_from(
        dossier::Entity::find_by_id(id)
            .one(c)
            .await?
            .ok_or(StoreError::NotFound)?,
    )
}

pub async fn find_by_code(c: &impl ConnectionTrait, code: &str) -> Result<Option<DossierRow>> {
    dossier::Entity::find()
        .filter(dossier::Column::Code.eq(code))
        .one(c)
        .await?
        .map(row_from)
        .transpose()
}

/// A person's dossiers, newest first.
pub async fn by_owner(
    c: &impl ConnectionTrait,
    owner: Uuid,
    limit: u64,
) -> Result<Vec<DossierRow>> {
    dossier::Entity::find()
        .filter(dossier::Column::OwnerId.eq(owner))
        .order_by_desc(dossier::Column::CreatedAt)
        .limit(limit)
        .all(c)
        .await?
        .into_iter()
        .map(row_from)
        .collect()
}

/// Dossiers submitted and processed for a procedure's versions (usage figures, R5.1b):
/// (submitted, processed, processed on time). "On time" is counted by issue 6's deadlines; until
/// then a dossier is never counted as on time.
pub async fn usage(c: &impl ConnectionTrait, version_ids: &[Uuid]) -> Result<(i64, i64)> {
    let rows: Vec<(String, i64)> = dossier::Entity::find()
        .select_only()
        .column(dossier::Column::State)
        .column_as(dossier::Column::Id.count(), "n")
        .filter(dossier::Column::ProcedureVersionId.is_in(version_ids.iter().copied()))
        .filter(dossier::Column::State.ne(State::Draft.as_str()))
        .group_by(dossier::Column::State)
        .into_tuple()
        .all(c)
        .await?;
    let submitted = rows.iter().map(|r| r.1).sum();
    let processed = rows
        .iter()
        .filter(|r| matches!(State::parse(&r.0), Some(State::Resolved | State::Returned)))
        .map(|r| r.1)
        .sum();
    Ok((submitted, processed))
}

/// Drafts whose time is up.
pub async fn expired_drafts(c: &impl ConnectionTrait, now: jiff::Timestamp) -> Result<Vec<Uuid>> {
    Ok(dossier::Entity::find()
        .select_only()
        .column(dossier::Column::Id)
        .filter(dossier::Column::State.eq(State::Draft.as_str()))
        .filter(dossier::Column::ExpiresAt.lt(to_db(now)))
        .into_tuple()
        .all(c)
        .await?)
}

/// Deletes a draft with its files and events (the blobs stay until the orphan sweep).
pub async fn delete_draft(c: &impl ConnectionTrait, id: Uuid) -> Result<()> {
    dossier_file::Entity::delete_many()
        .filter(dossier_file::Column::DossierId.eq(id))
        .exec(c)
        .await?;
    dossier_event::Entity::delete_many()
        .filter(dossier_event::Column::DossierId.eq(id))
        .exec(c)
        .await?;
    dossier::Entity::delete_many()
        .filter(dossier::Column::Id.eq(id))
        .filter(dossier::Column::State.eq(State::Draft.as_str()))
        .exec(c)
        .await?;
    Ok(())
}

/// The next number of the day's sequence for an agency, in the caller's write transaction:
/// gap-free (a rolled-back transaction gives its number back) and unique under concurrency
/// (the counter row is locked until commit).
pub async fn next_seq(
    c: &impl ConnectionTrait,
    agency_id: Uuid,
    day: jiff::civil::Date,
) -> Result<i64> {
    dossier_counter::Entity::insert(dossier_counter::ActiveModel {
        agency_id: Set(agency_id),
        day: Set(date_to_db(day)),
        last: Set(0),
    })
    .on_conflict(
        OnConflict::columns([
            dossier_counter::Column::AgencyId,
            dossier_counter::Column::Day,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(c)
    .await?;
    dossier_counter::Entity::update_many()
        .col_expr(
            dossier_counter::Column::Last,
            Expr::col(dossier_counter::Column::Last).add(1),
        )
        .filter(dossier_counter::Column::AgencyId.eq(agency_id))
        .filter(dossier_counter::Column::Day.eq(date_to_db(day)))
        .exec(c)
        .await?;
    let row = dossier_counter::Entity::find()
        .filter(dossier_counter::Column::AgencyId.eq(agency_id))
        .filter(dossier_counter::Column::Day.eq(date_to_db(day)))
        .one(c)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(row.last)
}

/// A file of a dossier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRow {
    pub id: Uuid,
    pub dossier_id: Uuid,
    pub component_id: String,
    pub sha256: String,
    pub size: i64,
    pub kind: FileKind,
    pub name: String,
    pub created_at: jiff::Timestamp,
}

fn file_from(m: dossier_file::Model) -> Result<FileRow> {
    Ok(FileRow {
        id: m.id,
        dossier_id: m.dossier_id,
        component_id: m.component_id,
        sha256: m.sha256,
        size: m.size,
        kind: FileKind::parse(&m.kind).ok_or_else(|| bad("kind"))?,
        name: m.name,
        created_at: from_db(m.created_at),
    })
}

pub async fn insert_file(c: &impl ConnectionTrait, f: &FileRow) -> Result<()> {
    dossier_file::Entity::insert(dossier_file::ActiveModel {
        id: Set(f.id),
        dossier_id: Set(f.dossier_id),
        component_id: Set(f.component_id.clone()),
        sha256: Set(f.sha256.clone()),
        size: Set(f.size),
        kind: Set(f.kind.as_str().into()),
        name: Set(f.name.clone()),
        created_at: Set(to_db(f.created_at)),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

pub async fn files(c: &impl ConnectionTrait, dossier_id: Uuid) -> Result<Vec<FileRow>> {
    dossier_file::Entity::find()
        .filter(dossier_file::Column::DossierId.eq(dossier_id))
        .order_by_asc(dossier_file::Column::CreatedAt)
        .all(c)
        .await?
        .into_iter()
        .map(file_from)
        .collect()
}

pub async fn get_file(c: &impl ConnectionTrait, id: Uuid) -> Result<FileRow> {
    file_from(
        dossier_file::Entity::find_by_id(id)
            .one(c)
            .await?
            .ok_or(StoreError::NotFound)?,
    )
}

pub async fn delete_file(c: &impl ConnectionTrait, id: Uuid) -> Result<()> {
    dossier_file::Entity::delete_by_id(id).exec(c).await?;
    Ok(())
}

/// Bytes stored for one dossier.
pub async fn dossier_bytes(c: &impl ConnectionTrait, dossier_id: Uuid) -> Result<i64> {
    Ok(files(c, dossier_id).await?.iter().map(|f| f.size).sum())
}

/// Bytes stored across a person's dossiers that are not finished (drafts and those in progress).
pub async fn owner_bytes(c: &impl ConnectionTrait, owner: Uuid) -> Result<i64> {
    let ids: Vec<Uuid> = dossier::Entity::find()
        .select_only()
        .column(dossier::Column::Id)
        .filter(dossier::Column::OwnerId.eq(owner))
        .into_tuple()
        .all(c)
        .await?;
    if ids.is_empty() {
        return Ok(0);
    }
    let sizes: Vec<i64> = dossier_file::Entity::find()
        .select_only()
        .column(dossier_file::Column::Size)
        .filter(dossier_file::Column::DossierId.is_in(ids))
        .into_tuple()
        .all(c)
        .await?;
    Ok(sizes.into_iter().sum())
}

/// Every blob hash some row points to (for the orphan sweep and consistency checks).
pub async fn referenced_blobs(c: &impl ConnectionTrait) -> Result<HashSet<String>> {
    let v: Vec<String> = dossier_file::Entity::find()
        .select_only()
        .column(dossier_file::Column::Sha256)
        .distinct()
        .into_tuple()
        .all(c)
        .await?;
    Ok(v.into_iter().collect())
}

/// A remembered submission: the request's fingerprint and the dossier it created.
pub async fn find_idempotency(
    c: &impl ConnectionTrait,
    owner: Uuid,
    key: &str,
) -> Result<Option<(String, Uuid)>> {
    Ok(idempotency::Entity::find()
        .filter(idempotency::Column::OwnerId.eq(owner))
        .filter(idempotency::Column::Key.eq(key))
        .one(c)
        .await?
        .map(|m| (m.request_hash, m.dossier_id)))
}

pub async fn insert_idempotency(
    c: &impl ConnectionTrait,
    owner: Uuid,
    key: &str,
    hash: &str,
    dossier_id: Uuid,
    now: jiff::Timestamp,
) -> Result<()> {
    idempotency::Entity::insert(idempotency::ActiveModel {
        owner_id: Set(owner),
        key: Set(key.into()),
        request_hash: Set(hash.into()),
        dossier_id: Set(dossier_id),
        created_at: Set(to_db(now)),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

/// One event in a dossier's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub dossier_id: Uuid,
    pub at: jiff::Timestamp,
    pub actor_id: Option<Uuid>,
    pub kind: String,
    pub from_state: Option<State>,
    pub to_state: State,
    pub comment: Option<String>,
}

pub async fn insert_event(c: &impl ConnectionTrait, e: &EventRow) -> Result<()> {
    dossier_event::Entity::insert(dossier_event::ActiveModel {
        dossier_id: Set(e.dossier_id),
        at: Set(to_db(e.at)),
        actor_id: Set(e.actor_id),
        kind: Set(e.kind.clone()),
        from_state: Set(e.from_state.map(|s| s.as_str().to_string())),
        to_state: Set(e.to_state.as_str().into()),
        comment: Set(e.comment.clone()),
        ..Default::default()
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

pub async fn events(c: &impl ConnectionTrait, dossier_id: Uuid) -> Result<Vec<EventRow>> {
    dossier_event::Entity::find()
        .filter(dossier_event::Column::DossierId.eq(dossier_id))
        .order_by_asc(dossier_event::Column::Id)
        .all(c)
        .await?
        .into_iter()
        .map(|m| {
            Ok(EventRow {
                dossier_id: m.dossier_id,
                at: from_db(m.at),
                actor_id: m.actor_id,
                kind: m.kind,
                from_state: m.from_state.as_deref().and_then(State::parse),
                to_state: State::parse(&m.to_state).ok_or_else(|| bad("state"))?,
                comment: m.comment,
            })
        })
        .collect()
}

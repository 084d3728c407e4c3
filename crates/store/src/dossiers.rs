//! Dossiers, their files, events, codes and idempotency keys: the dossier rows here, the rest in
//! the submodules (re-exported, so every item is `motcua_store::dossiers::X`).

use motcua_domain::deadline::Timeliness;
use motcua_domain::dossier::Intake;
use motcua_domain::lifecycle::Stage;
use motcua_domain::signature::Papers;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

pub use motcua_domain::record::{Consultation, Dossier, DossierFile, Marks};

use crate::entities::{dossier, dossier_counter, dossier_event, dossier_file, idempotency};
use crate::seal;
use crate::time::{date_to_db, from_db, to_db};
use crate::{Result, StoreError};

mod events;
mod files;
mod search;
mod worklist;

pub use events::{
    Event, answer_consultation, consultations, events, events_of, get_consultation,
    insert_consultation, insert_event, pending_consultations,
};
pub use files::{
    blobs_after, delete_file, dossier_bytes, files, files_of, files_with, get_file, insert_file,
    owner_bytes, paper_checks, referenced_blobs, set_paper_checks,
};
pub use search::{Wanted, search};
pub use worklist::{
    Queue, WorkRow, due_between, overdue_count, stage_counts, work_count_problems, worklist,
    worklist_total,
};

fn bad(e: impl std::fmt::Display) -> StoreError {
    StoreError::Db(sea_orm::DbErr::Json(e.to_string()))
}

/// A dossier's stored stage (every stored dossier has one).
fn stage_of(stored: Option<&str>) -> Result<Stage> {
    stored.and_then(Stage::parse).ok_or_else(|| bad("stage"))
}

fn row_from(m: dossier::Model) -> Result<Dossier> {
    Ok(Dossier {
        id: m.id,
        code: m.code,
        service_id: m.service_id,
        procedure_version_id: m.procedure_version_id,
        agency_id: m.agency_id,
        owner_id: m.owner_id,
        registered_by: m.registered_by,
        intake: Intake::parse(&m.intake).ok_or_else(|| bad("intake"))?,
        stage: stage_of(m.stage.as_deref())?,
        form: serde_json::from_str(&seal::open(&m.form)?).map_err(bad)?,
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
        assignee_id: m.assignee_id,
        step_due_at: m.step_due_at.map(from_db),
        unit_id: m.unit_id,
        received_at: m.received_at.map(from_db),
        time_to_result: m
            .time_to_result
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(bad)?,
        process: m
            .process
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(bad)?
            .unwrap_or_default(),
        finished_at: m.finished_at.map(from_db),
        outcome: m
            .outcome
            .as_deref()
            .map(|s| Timeliness::parse(s).ok_or_else(|| bad("outcome")))
            .transpose()?,
        repeat_requests: m.repeat_requests,
        new_appointment_at: m.new_appointment_at.map(from_db),
        papers: m
            .papers
            .as_deref()
            .map(|s| Papers::parse(s).ok_or_else(|| bad("papers")))
            .transpose()?,
        papers_received_at: m.papers_received_at.map(from_db),
        marks: Marks {
            intake_late: m.intake_late,
            handover_late: m.handover_late,
            late_by_count: m.late_by_count,
            office_secs: m.office_secs,
        },
        id_index: m.id_index,
        phone_index: m.phone_index,
        result: seal::open_opt(m.result_delivery)?
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(bad)?,
        contact: seal::open_opt(m.contact)?
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(bad)?,
    })
}

fn json_text(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v).expect("plain data serialises")
}

fn model_of(d: &Dossier) -> dossier::ActiveModel {
    dossier::ActiveModel {
        id: Set(d.id),
        code: Set(d.code.clone()),
        service_id: Set(d.service_id),
        procedure_version_id: Set(d.procedure_version_id),
        agency_id: Set(d.agency_id),
        owner_id: Set(d.owner_id),
        registered_by: Set(d.registered_by),
        intake: Set(d.intake.as_str().into()),
        form: Set(seal::seal(&d.form.to_string())),
        applicant_name: Set(d.applicant_name.clone()),
        phone_tail: Set(d.phone_tail.clone()),
        declaration: Set(d.declaration.clone()),
        declared_at: Set(d.declared_at.map(to_db)),
        submitted_at: Set(d.submitted_at.map(to_db)),
        appointment_at: Set(d.appointment_at.map(to_db)),
        supplement: Set(d
            .supplement
            .as_ref()
            .map(|v| serde_json::to_string(v).expect("plain JSON"))),
        created_at: Set(to_db(d.created_at)),
        updated_at: Set(to_db(d.updated_at)),
        expires_at: Set(d.expires_at.map(to_db)),
        version: Set(d.version),
        stage: Set(Some(d.stage.as_str().into())),
        queue: Set(d.stage.queue().map(|r| r.as_str().into())),
        assignee_id: Set(d.assignee_id),
        step_due_at: Set(d.step_due_at.map(to_db)),
        unit_id: Set(d.unit_id),
        received_at: Set(d.received_at.map(to_db)),
        time_to_result: Set(d.time_to_result.as_ref().map(json_text)),
        process: Set((!d.process.is_empty()).then(|| json_text(&d.process))),
        finished_at: Set(d.finished_at.map(to_db)),
        outcome: Set(d.outcome.map(|o| o.as_str().into())),
        repeat_requests: Set(d.repeat_requests),
        new_appointment_at: Set(d.new_appointment_at.map(to_db)),
        papers: Set(d.papers.map(|p| p.as_str().into())),
        papers_received_at: Set(d.papers_received_at.map(to_db)),
        intake_late: Set(d.marks.intake_late),
        handover_late: Set(d.marks.handover_late),
        late_by_count: Set(d.marks.late_by_count),
        office_secs: Set(d.marks.office_secs),
        applicant_folded: Set(Some(motcua_domain::text::fold_vi(&d.applicant_name))),
        id_index: Set(d.id_index.clone()),
        phone_index: Set(d.phone_index.clone()),
        received_month: Set(d.submitted_at.map(motcua_domain::oversight::month_of)),
        result_delivery: Set(d.result.as_ref().map(|r| seal::seal(&json_text(r)))),
        contact: Set(d.contact.as_ref().map(|c| seal::seal(&json_text(c)))),
    }
}

pub async fn insert_dossier(c: &impl ConnectionTrait, d: &Dossier) -> Result<()> {
    dossier::Entity::insert(model_of(d))
        .exec_without_returning(c)
        .await?;
    worklist::recount_work(c, None, worklist::work_key(d)).await
}

/// Inserts many dossiers in one statement (data loads and benchmarks).
pub async fn insert_dossiers(c: &impl ConnectionTrait, rows: &[Dossier]) -> Result<()> {
    // SQLite binds at most 32,766 values a statement: 500 rows of dossiers' columns fit.
    for batch in rows.chunks(500) {
        dossier::Entity::insert_many(batch.iter().map(model_of))
            .exec_without_returning(c)
            .await?;
    }
    let mut counts = std::collections::HashMap::new();
    for k in rows.iter().filter_map(worklist::work_key) {
        *counts.entry(k).or_insert(0) += 1;
    }
    for (k, n) in counts {
        worklist::count_work(c, &k, n).await?;
    }
    Ok(())
}

/// Writes a changed dossier if nobody changed it since it was read (optimistic concurrency):
/// `d.version` is the version read; the stored version becomes `d.version + 1`.
pub async fn update_dossier(c: &impl ConnectionTrait, d: &Dossier) -> Result<()> {
    let before = worklist::stored_work_key(c, d.id).await?;
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
    // The worklists' counts move with the dossier, in the same transaction (R10.6).
    worklist::recount_work(c, before, worklist::work_key(d)).await
}

/// Reads a dossier and locks its row until the transaction ends (PostgreSQL: `FOR UPDATE`;
/// SQLite's one writer holds the whole database already): for steps that decide from other rows
/// of the dossier (the last consultation answer), so that two cannot decide at once.
pub async fn lock_dossier(c: &impl ConnectionTrait, id: Uuid) -> Result<Dossier> {
    row_from(
        dossier::Entity::find_by_id(id)
            .lock_exclusive()
            .one(c)
            .await?
            .ok_or(StoreError::NotFound)?,
    )
}

pub async fn get_dossier(c: &impl ConnectionTrait, id: Uuid) -> Result<Dossier> {
    row_from(
        dossier::Entity::find_by_id(id)
            .one(c)
            .await?
            .ok_or(StoreError::NotFound)?,
    )
}

/// The codes of some dossiers, by id (one query).
/// The ids of a person's dossiers (nothing of them is read or unsealed).
pub async fn ids_of_owner(c: &impl ConnectionTrait, owner: Uuid) -> Result<Vec<Uuid>> {
    Ok(dossier::Entity::find()
        .select_only()
        .column(dossier::Column::Id)
        .filter(dossier::Column::OwnerId.eq(owner))
        .into_tuple()
        .all(c)
        .await?)
}

pub async fn codes_of(
    c: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, String>> {
    Ok(dossier::Entity::find()
        .filter(dossier::Column::Id.is_in(ids.iter().copied()))
        .all(c)
        .await?
        .into_iter()
        .map(|m| (m.id, m.code.unwrap_or_default()))
        .collect())
}

pub async fn find_by_code(c: &impl ConnectionTrait, code: &str) -> Result<Option<Dossier>> {
    dossier::Entity::find()
        .filter(dossier::Column::Code.eq(code))
        .one(c)
        .await?
        .map(row_from)
        .transpose()
}

/// The id of the dossier with this code (nothing else of it is read).
pub async fn id_by_code(c: &impl ConnectionTrait, code: &str) -> Result<Option<Uuid>> {
    Ok(dossier::Entity::find()
        .select_only()
        .column(dossier::Column::Id)
        .filter(dossier::Column::Code.eq(code))
        .into_tuple()
        .one(c)
        .await?)
}

/// What the public look-up by code shows of a dossier (R6.1), read alone: no form to unseal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicStatus {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub procedure_version_id: Uuid,
    pub stage: Stage,
    pub phone_tail: Option<String>,
    pub submitted_at: Option<jiff::Timestamp>,
    pub appointment_at: Option<jiff::Timestamp>,
    pub new_appointment_at: Option<jiff::Timestamp>,
}

type StatusRow = (
    Uuid,
    Uuid,
    Uuid,
    Option<String>,
    Option<String>,
    Option<chrono::DateTime<chrono::Utc>>,
    Option<chrono::DateTime<chrono::Utc>>,
    Option<chrono::DateTime<chrono::Utc>>,
);

/// The public status of the dossier with this code, in one narrow query.
pub async fn public_status(c: &impl ConnectionTrait, code: &str) -> Result<Option<PublicStatus>> {
    use dossier::Column as C;
    let row: Option<StatusRow> = dossier::Entity::find()
        .select_only()
        .columns([
            C::Id,
            C::AgencyId,
            C::ProcedureVersionId,
            C::Stage,
            C::PhoneTail,
        ])
        .columns([C::SubmittedAt, C::AppointmentAt, C::NewAppointmentAt])
        .filter(C::Code.eq(code))
        .into_tuple()
        .one(c)
        .await?;
    row.map(
        |(id, agency_id, procedure_version_id, stage, phone_tail, sub, app, new)| {
            Ok(PublicStatus {
                id,
                agency_id,
                procedure_version_id,
                stage: stage_of(stage.as_deref())?,
                phone_tail,
                submitted_at: sub.map(from_db),
                appointment_at: app.map(from_db),
                new_appointment_at: new.map(from_db),
            })
        },
    )
    .transpose()
}

/// A person's dossiers, newest first.
pub async fn by_owner(c: &impl ConnectionTrait, owner: Uuid, limit: u64) -> Result<Vec<Dossier>> {
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

/// The dossier figures of one service (R5.1b): received (submitted), finished (the national
/// count ended), finished early or on time, and how many the desk asked to supplement again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    pub received: u64,
    pub finished: u64,
    pub on_time: u64,
    pub repeat_requests: u64,
    /// The office time the finished ones took, in seconds (`oversight::office_secs`).
    pub office_secs: i64,
}

/// The figures of each service of a procedure's versions, in one grouped query.
pub async fn figures(
    c: &impl ConnectionTrait,
    version_ids: &[Uuid],
) -> Result<Vec<(Uuid, Figures)>> {
    let repeat: sea_orm::sea_query::SimpleExpr = Expr::case(
        Expr::col(dossier::Column::RepeatRequests).gt(0),
        Expr::val(1),
    )
    .finally(Expr::val(0))
    .into();
    type Row = (Uuid, Option<String>, i64, Option<i64>, Option<i64>);
    let rows: Vec<Row> = dossier::Entity::find()
        .select_only()
        .column(dossier::Column::ServiceId)
        .column(dossier::Column::Outcome)
        .column_as(dossier::Column::Id.count(), "n")
        .column_as(Expr::expr(repeat).sum(), "repeat")
        .column_as(
            Expr::cust("CAST(SUM(COALESCE(office_secs, 0)) AS BIGINT)"),
            "secs",
        )
        .filter(dossier::Column::ProcedureVersionId.is_in(version_ids.iter().copied()))
        .filter(dossier::Column::Stage.ne(Stage::Draft.as_str()))
        .group_by(dossier::Column::ServiceId)
        .group_by(dossier::Column::Outcome)
        .into_tuple()
        .all(c)
        .await?;
    let mut out: Vec<(Uuid, Figures)> = vec![];
    for (service, outcome, n, repeat, secs) in rows {
        let n = u64::try_from(n).unwrap_or(0);
        let i = match out.iter().position(|(s, _)| *s == service) {
            Some(i) => i,
            None => {
                out.push((service, Figures::default()));
                out.len() - 1
            }
        };
        let f = &mut out[i].1;
        f.received += n;
        f.repeat_requests += u64::try_from(repeat.unwrap_or(0)).unwrap_or(0);
        match outcome.as_deref().and_then(Timeliness::parse) {
            Some(Timeliness::Early | Timeliness::OnTime) => {
                f.finished += n;
                f.on_time += n;
            }
            Some(_) => f.finished += n,
            None => {}
        }
        if outcome.is_some() {
            f.office_secs += secs.unwrap_or(0);
        }
    }
    Ok(out)
}

/// Drafts whose time is up.
pub async fn expired_drafts(c: &impl ConnectionTrait, now: jiff::Timestamp) -> Result<Vec<Uuid>> {
    Ok(dossier::Entity::find()
        .select_only()
        .column(dossier::Column::Id)
        .filter(dossier::Column::Stage.eq(Stage::Draft.as_str()))
        .filter(dossier::Column::ExpiresAt.lt(to_db(now)))
        .into_tuple()
        .all(c)
        .await?)
}

/// How many drafts a person keeps.
pub async fn count_drafts(c: &impl ConnectionTrait, owner: Uuid) -> Result<u64> {
    Ok(dossier::Entity::find()
        .filter(dossier::Column::OwnerId.eq(owner))
        .filter(dossier::Column::Stage.eq(Stage::Draft.as_str()))
        .count(c)
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
        .filter(dossier::Column::Stage.eq(Stage::Draft.as_str()))
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

/// An agency's dossiers received in `[from, to)`, in order of receipt (the tracking register).
pub async fn received_between(
    c: &impl ConnectionTrait,
    agency_id: Uuid,
    from: jiff::Timestamp,
    to: jiff::Timestamp,
    limit: u64,
) -> Result<Vec<Dossier>> {
    dossier::Entity::find()
        .filter(dossier::Column::AgencyId.eq(agency_id))
        .filter(dossier::Column::SubmittedAt.gte(to_db(from)))
        .filter(dossier::Column::SubmittedAt.lt(to_db(to)))
        .order_by_asc(dossier::Column::SubmittedAt)
        .limit(limit)
        .all(c)
        .await?
        .into_iter()
        .map(row_from)
        .collect()
}

/// The invariants every committed state must keep (R3.5; the crash harness, `motcua check`):
/// each problem found, as a line naming the dossier. Empty when the data is consistent.
/// - every submitted dossier has a code, a submission time and at least one event;
/// - its latest event entered the stage it is in (every change of stage has its event);
/// - every dossier past acceptance has an appointment;
/// - every accepted dossier has its acceptance notice (the outbox was written with the change).
pub async fn consistency_problems(c: &impl ConnectionTrait) -> Result<Vec<String>> {
    let checks = [
        (
            "submitted without a code or submission time",
            "SELECT d.id FROM dossiers d WHERE d.stage <> 'draft' \
             AND (d.code IS NULL OR d.submitted_at IS NULL)",
        ),
        (
            "its latest event does not enter its stage",
            "SELECT d.id FROM dossiers d WHERE d.stage <> 'draft' AND COALESCE((SELECT e.to_stage \
             FROM dossier_events e WHERE e.dossier_id = d.id ORDER BY e.id DESC LIMIT 1), '') \
             <> d.stage",
        ),
        (
            "past acceptance without an appointment",
            "SELECT d.id FROM dossiers d WHERE d.stage IN ('accepted', 'awaiting_assignment', \
             'examining', 'consulting', 'proposed_resolve', 'proposed_supplement', \
             'proposed_decline', 'supplement_approved', 'decline_approved', 'resolved', \
             'declined', 'returned') AND d.appointment_at IS NULL",
        ),
        (
            "accepted without its acceptance notice",
            "SELECT d.id FROM dossiers d WHERE EXISTS (SELECT 1 FROM dossier_events e WHERE \
             e.dossier_id = d.id AND e.kind = 'accept') AND d.owner_id IS NOT NULL AND NOT EXISTS \
             (SELECT 1 FROM notices n WHERE n.dossier_id = d.id AND n.kind = 'acceptance')",
        ),
    ];
    let backend = c.get_database_backend();
    let mut out = vec![];
    for (what, sql) in checks {
        for row in c
            .query_all_raw(sea_orm::Statement::from_string(backend, sql))
            .await?
        {
            let id: Uuid = row.try_get_by_index(0)?;
            out.push(format!("dossier {id}: {what}"));
        }
    }
    out.extend(work_count_problems(c).await?);
    Ok(out)
}

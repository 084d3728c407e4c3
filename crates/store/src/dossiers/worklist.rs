//! The worklists: a role's queue at an agency, paged in due order, and its counts.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use motcua_domain::lifecycle::Stage;

use super::{Dossier, row_from, stage_of};
use crate::Result;
use crate::entities::{dossier, work_count};
use crate::time::{from_db, to_db};

/// A dossier's place in the worklists' counts: its agency, queue, unit and assignee (the nil id
/// for none), and its stage.
pub(crate) type WorkKey = (Uuid, String, Uuid, Uuid, String);

/// The key columns as stored: the queue, unit, assignee and stage may be empty.
type StoredKey = (
    Uuid,
    Option<String>,
    Option<Uuid>,
    Option<Uuid>,
    Option<String>,
);

/// The stored key's count place: none when the dossier is in no queue.
fn key_of((a, q, u, s, st): StoredKey) -> Option<WorkKey> {
    Some((
        a,
        q?,
        u.unwrap_or_default(),
        s.unwrap_or_default(),
        st.unwrap_or_default(),
    ))
}

/// Where a dossier counts: none when it is in no queue.
pub(crate) fn work_key(d: &Dossier) -> Option<WorkKey> {
    d.stage.queue().map(|r| {
        let (unit, assignee) = (
            d.unit_id.unwrap_or_default(),
            d.assignee_id.unwrap_or_default(),
        );
        let stage = d.stage.as_str().to_string();
        (d.agency_id, r.as_str().to_string(), unit, assignee, stage)
    })
}

/// Where a dossier counts as stored (before a change).
pub(crate) async fn stored_work_key(c: &impl ConnectionTrait, id: Uuid) -> Result<Option<WorkKey>> {
    let row: Option<StoredKey> = dossier::Entity::find_by_id(id)
        .select_only()
        .column(dossier::Column::AgencyId)
        .column(dossier::Column::Queue)
        .column(dossier::Column::UnitId)
        .column(dossier::Column::AssigneeId)
        .column(dossier::Column::Stage)
        .into_tuple()
        .one(c)
        .await?;
    Ok(row.and_then(key_of))
}

/// Adds `delta` to a count, in the caller's transaction.
pub(crate) async fn count_work(c: &impl ConnectionTrait, k: &WorkKey, delta: i64) -> Result<()> {
    use work_count::Column as W;
    let row = work_count::ActiveModel {
        agency_id: Set(k.0),
        queue: Set(k.1.clone()),
        unit_id: Set(k.2),
        assignee_id: Set(k.3),
        stage: Set(k.4.clone()),
        n: Set(delta),
    };
    work_count::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([W::AgencyId, W::Queue, W::UnitId, W::AssigneeId, W::Stage])
                .value(W::N, Expr::col((work_count::Entity, W::N)).add(delta))
                .to_owned(),
        )
        .exec_without_returning(c)
        .await?;
    Ok(())
}

/// Moves a dossier's count from where it was to where it is now (after a change).
pub(crate) async fn recount_work(
    c: &impl ConnectionTrait,
    before: Option<WorkKey>,
    now: Option<WorkKey>,
) -> Result<()> {
    if before == now {
        return Ok(());
    }
    if let Some(k) = before {
        count_work(c, &k, -1).await?;
    }
    if let Some(k) = now {
        count_work(c, &k, 1).await?;
    }
    Ok(())
}

/// The counts that differ from the dossiers they count (for `motcua check`): each as
/// (agency, queue, unit, assignee, stage), the count kept and the dossiers there.
pub async fn work_count_problems(c: &impl ConnectionTrait) -> Result<Vec<String>> {
    let kept: Vec<(Uuid, String, Uuid, Uuid, String, i64)> = work_count::Entity::find()
        .select_only()
        .column(work_count::Column::AgencyId)
        .column(work_count::Column::Queue)
        .column(work_count::Column::UnitId)
        .column(work_count::Column::AssigneeId)
        .column(work_count::Column::Stage)
        .column(work_count::Column::N)
        .into_tuple()
        .all(c)
        .await?;
    let actual: Vec<(StoredKey, i64)> = dossier::Entity::find()
        .select_only()
        .column(dossier::Column::AgencyId)
        .column(dossier::Column::Queue)
        .column(dossier::Column::UnitId)
        .column(dossier::Column::AssigneeId)
        .column(dossier::Column::Stage)
        .column_as(Expr::col(dossier::Column::Id).count(), "n")
        .filter(dossier::Column::Queue.is_not_null())
        .group_by(dossier::Column::AgencyId)
        .group_by(dossier::Column::Queue)
        .group_by(dossier::Column::UnitId)
        .group_by(dossier::Column::AssigneeId)
        .group_by(dossier::Column::Stage)
        .into_tuple::<(
            Uuid,
            Option<String>,
            Option<Uuid>,
            Option<Uuid>,
            Option<String>,
            i64,
        )>()
        .all(c)
        .await?
        .into_iter()
        .map(|(a, q, u, s, st, n)| ((a, q, u, s, st), n))
        .collect();
    let mut want: HashMap<WorkKey, i64> = actual
        .into_iter()
        .filter_map(|(k, n)| Some((key_of(k)?, n)))
        .collect();
    let mut out = vec![];
    for (a, q, u, s, st, n) in kept {
        let there = want.remove(&(a, q.clone(), u, s, st.clone())).unwrap_or(0);
        if there != n {
            out.push(format!(
                "worklist count of {q} at {a} (unit {u}, assignee {s}, stage {st}): {n} kept, {there} there"
            ));
        }
    }
    for ((a, q, u, s, st), n) in want {
        out.push(format!(
            "worklist count of {q} at {a} (unit {u}, assignee {s}, stage {st}): none kept, {n} there"
        ));
    }
    Ok(out)
}

/// Which worklist: a role's queue at an agency, optionally only one assignee's part of it, and
/// optionally only the dossiers of some units (and those no unit holds).
#[derive(Debug, Clone)]
pub struct Queue {
    pub agency_id: Uuid,
    pub role: motcua_domain::account::Role,
    pub assignee_id: Option<Uuid>,
    pub units: Option<Vec<Uuid>>,
    /// Only the dossiers of one service (a procedure at this agency), of one stage.
    pub service_id: Option<Uuid>,
    pub stage: Option<Stage>,
}

fn queue_filter(q: &Queue) -> sea_orm::Condition {
    let mut c = sea_orm::Condition::all()
        .add(dossier::Column::AgencyId.eq(q.agency_id))
        .add(dossier::Column::Queue.eq(q.role.as_str()));
    if let Some(a) = q.assignee_id {
        c = c.add(dossier::Column::AssigneeId.eq(a));
    }
    if let Some(units) = &q.units {
        c = c.add(
            sea_orm::Condition::any()
                .add(dossier::Column::UnitId.is_null())
                .add(dossier::Column::UnitId.is_in(units.iter().copied())),
        );
    }
    if let Some(sv) = q.service_id {
        c = c.add(dossier::Column::ServiceId.eq(sv));
    }
    if let Some(st) = q.stage {
        c = c.add(dossier::Column::Stage.eq(st.as_str()));
    }
    c
}

/// One page of a worklist in due order, after the keyset `(step_due_at, id)` of the previous
/// page's last row: one index range scan however many dossiers are stored.
pub async fn worklist(
    c: &impl ConnectionTrait,
    q: &Queue,
    after: Option<(jiff::Timestamp, Uuid)>,
    limit: u64,
) -> Result<Vec<WorkRow>> {
    use dossier::Column as C;
    let mut cond = queue_filter(q);
    if let Some((t, id)) = after {
        // A row-value comparison: both engines turn it into one range of the index.
        cond = cond.add(
            Expr::tuple([Expr::col(C::StepDueAt), Expr::col(C::Id)])
                .gt(Expr::tuple([Expr::value(to_db(t)), Expr::value(id)])),
        );
    }
    let rows: Vec<WorkTuple> = dossier::Entity::find()
        .select_only()
        .columns([
            C::Id,
            C::Code,
            C::ApplicantName,
            C::ProcedureVersionId,
            C::Stage,
        ])
        .columns([
            C::StepDueAt,
            C::AppointmentAt,
            C::NewAppointmentAt,
            C::AssigneeId,
        ])
        .column(C::Version)
        .filter(cond)
        .order_by_asc(C::StepDueAt)
        .order_by_asc(C::Id)
        .limit(limit)
        .into_tuple()
        .all(c)
        .await?;
    rows.into_iter().map(work_row).collect()
}

/// What a worklist shows of a dossier, read alone: no form to unseal (R4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkRow {
    pub id: Uuid,
    pub code: Option<String>,
    pub applicant_name: String,
    pub procedure_version_id: Uuid,
    pub stage: Stage,
    pub step_due_at: Option<jiff::Timestamp>,
    pub appointment_at: Option<jiff::Timestamp>,
    pub new_appointment_at: Option<jiff::Timestamp>,
    pub assignee_id: Option<Uuid>,
    /// The dossier's version: a decision taken from the list names the version it saw.
    pub version: i32,
}

type WorkTuple = (
    Uuid,
    Option<String>,
    String,
    Uuid,
    Option<String>,
    Option<Stamp>,
    Option<Stamp>,
    Option<Stamp>,
    Option<Uuid>,
    i32,
);

type Stamp = chrono::DateTime<chrono::Utc>;

fn work_row(t: WorkTuple) -> Result<WorkRow> {
    let (
        id,
        code,
        applicant_name,
        procedure_version_id,
        stage,
        due,
        app,
        new,
        assignee_id,
        version,
    ) = t;
    Ok(WorkRow {
        id,
        code,
        applicant_name,
        procedure_version_id,
        stage: stage_of(stage.as_deref())?,
        step_due_at: due.map(from_db),
        appointment_at: app.map(from_db),
        new_appointment_at: new.map(from_db),
        assignee_id,
        version,
    })
}

/// The kept counts' rows of a queue (whatever its filters).
fn kept_filter(q: &Queue) -> Condition {
    use work_count::Column as W;
    let mut kept = Condition::all()
        .add(W::AgencyId.eq(q.agency_id))
        .add(W::Queue.eq(q.role.as_str()));
    if let Some(a) = q.assignee_id {
        kept = kept.add(W::AssigneeId.eq(a));
    }
    if let Some(units) = &q.units {
        kept = kept.add(
            Condition::any()
                .add(W::UnitId.eq(Uuid::nil()))
                .add(W::UnitId.is_in(units.iter().copied())),
        );
    }
    kept
}

/// How many dossiers a worklist holds (at its stage, if one is chosen): from the counts kept
/// with each change, not counted; counted when a service narrows it (the counts are not kept
/// per service).
pub async fn worklist_total(c: &impl ConnectionTrait, q: &Queue) -> Result<u64> {
    Ok(stage_counts(c, q)
        .await?
        .into_iter()
        .filter(|(st, _)| q.stage.is_none_or(|x| x == *st))
        .map(|(_, n)| n)
        .sum())
}

/// How many dossiers of a worklist (whatever its stage filter) are at each stage, in the
/// lifecycle's order, none at zero: from the counts kept with each change; one grouped count of
/// the queue's rows when a service narrows it.
pub async fn stage_counts(c: &impl ConnectionTrait, q: &Queue) -> Result<Vec<(Stage, u64)>> {
    let rows: Vec<(Option<String>, i64)> = if q.service_id.is_some() {
        let q = Queue {
            stage: None,
            ..q.clone()
        };
        dossier::Entity::find()
            .select_only()
            .column(dossier::Column::Stage)
            .column_as(Expr::col(dossier::Column::Id).count(), "n")
            .filter(queue_filter(&q))
            .group_by(dossier::Column::Stage)
            .into_tuple()
            .all(c)
            .await?
    } else {
        use work_count::Column as W;
        let sum = Expr::col(W::N)
            .sum()
            .cast_as(sea_orm::sea_query::Alias::new("BIGINT"));
        work_count::Entity::find()
            .select_only()
            .column(W::Stage)
            .column_as(sum, "n")
            .filter(kept_filter(q))
            .group_by(W::Stage)
            .into_tuple::<(String, Option<i64>)>()
            .all(c)
            .await?
            .into_iter()
            .map(|(st, n)| (Some(st), n.unwrap_or(0)))
            .collect()
    };
    let mut out = vec![];
    for (st, n) in rows {
        let n = u64::try_from(n).unwrap_or(0);
        if n > 0 {
            out.push((stage_of(st.as_deref())?, n));
        }
    }
    out.sort_by_key(|(st, _)| Stage::ALL.iter().position(|x| x == st));
    Ok(out)
}

/// How many dossiers of a worklist are past their step's due point: counted from the start of
/// the queue's due order (an index range as long as what is overdue).
pub async fn overdue_count(
    c: &impl ConnectionTrait,
    q: &Queue,
    now: jiff::Timestamp,
) -> Result<u64> {
    let overdue: Option<i64> = dossier::Entity::find()
        .select_only()
        .column_as(Expr::col(dossier::Column::Id).count(), "overdue")
        .filter(queue_filter(q))
        .filter(dossier::Column::StepDueAt.lt(to_db(now)))
        .into_tuple()
        .one(c)
        .await?;
    Ok(u64::try_from(overdue.unwrap_or(0)).unwrap_or(0))
}

/// Dossiers in someone's worklist whose step falls due between `from` and `to`: the candidates
/// for a warning that a due point is near (the caller decides by office time).
pub async fn due_between(
    c: &impl ConnectionTrait,
    from: jiff::Timestamp,
    to: jiff::Timestamp,
    limit: u64,
) -> Result<Vec<Dossier>> {
    dossier::Entity::find()
        .filter(dossier::Column::Queue.is_not_null())
        .filter(dossier::Column::StepDueAt.gt(to_db(from)))
        .filter(dossier::Column::StepDueAt.lte(to_db(to)))
        .order_by_asc(dossier::Column::StepDueAt)
        .limit(limit)
        .all(c)
        .await?
        .into_iter()
        .map(row_from)
        .collect()
}

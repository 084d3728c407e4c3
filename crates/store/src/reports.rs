//! Oversight reads (R5.1b, R9.6): the dossiers received in a period grouped by the facts that
//! decide every figure (`oversight::Cell`), the dossiers behind one figure, and the counts the
//! Decision 766 scorecard needs. One grouped query per need; the marks they read are kept on
//! each dossier by its steps.
use motcua_domain::deadline::{self, Timeliness};
use motcua_domain::dossier::{Intake, Status};
use motcua_domain::lifecycle::Stage;
use motcua_domain::oversight::{self, Cell, Figure, Tally};
use sea_orm::{ColumnTrait, QueryOrder};
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::dialect::Binds;
use crate::entities::dossier;
use crate::time::{from_db, to_db};
use crate::{Result, StoreError};

/// Which dossiers a report counts: those of an agency (or all) received (submitted) in
/// `[from, to)`, as they stand at `now`.
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    pub agency: Option<Uuid>,
    pub from: jiff::Timestamp,
    pub to: jiff::Timestamp,
    pub now: jiff::Timestamp,
}

fn finals() -> String {
    Stage::ALL
        .iter()
        .filter(|s| s.is_final())
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The dossiers in scope, as a condition on `d`.
fn in_scope(s: &Scope, b: &mut Binds) -> String {
    // Bound in the order they appear (SQLite's placeholders are positional). The months too,
    // implied by the instants: the report index is ordered by month first.
    let first = b.push(oversight::month_of(s.from));
    let last = b.push(oversight::month_of(
        s.to - jiff::SignedDuration::from_micros(1),
    ));
    let from = b.push(to_db(s.from));
    let to = b.push(to_db(s.to));
    let agency = match s.agency {
        Some(a) => format!(" AND d.agency_id = {}", b.push(a)),
        None => String::new(),
    };
    format!(
        "d.stage <> 'draft' AND d.received_month >= {first} AND d.received_month <= {last} \
         AND d.submitted_at >= {from} AND d.submitted_at < {to}{agency}"
    )
}

/// The facts that decide every figure, as columns of `d` (the `oversight::overdue` rule in
/// SQL): month, intake, stage, accepted, outcome, overdue, intake_late, handover_late, rep.
fn fact_columns(s: &Scope, b: &mut Binds) -> String {
    let now = b.push(to_db(s.now));
    format!(
        "d.received_month AS m, d.intake, d.stage, d.received_at IS NOT NULL AS accepted, d.outcome, \
         COALESCE({}, FALSE) AS overdue, \
         d.intake_late, d.handover_late, d.repeat_requests > 0 AS rep",
        overdue(&now),
    )
}

/// The `oversight::overdue` rule in SQL, at the instant bound as `now`.
fn overdue(now: &str) -> String {
    format!(
        "d.received_at IS NOT NULL AND d.outcome IS NULL AND d.stage NOT IN ({}) \
         AND (d.late_by_count OR d.appointment_at < {now})",
        finals()
    )
}

/// The facts of each dossier in scope, as a subquery `t`.
fn facts(s: &Scope, b: &mut Binds) -> String {
    let cols = fact_columns(s, b);
    let scope = in_scope(s, b);
    format!(
        "(SELECT d.id, d.code, d.applicant_name, d.submitted_at, d.appointment_at, d.service_id, \
         {cols} FROM dossiers d WHERE {scope}) t"
    )
}

/// `Figure::holds` over the facts' columns.
fn holds(f: Figure) -> String {
    match f {
        Figure::Received => "1 = 1".into(),
        Figure::Finished => "t.outcome IS NOT NULL".into(),
        Figure::OnTime => "t.outcome IN ('early', 'on_time')".into(),
        Figure::Late => "t.outcome = 'late'".into(),
        Figure::InProgress => format!(
            "t.accepted AND t.outcome IS NULL AND t.stage NOT IN ({})",
            finals()
        ),
        Figure::Overdue => "t.overdue".into(),
        Figure::LateAcceptance => "t.intake_late".into(),
        Figure::LateHandover => "t.handover_late".into(),
        Figure::SecondSupplement => "t.rep".into(),
    }
}

fn bad(what: &str) -> StoreError {
    StoreError::Db(sea_orm::DbErr::Type(format!("report row: {what}")))
}

/// The dossiers in scope grouped by their facts.
pub async fn cells(c: &impl ConnectionTrait, s: &Scope) -> Result<Vec<(Cell, Tally)>> {
    Ok(grouped(c, s, false)
        .await?
        .into_iter()
        .map(|(_, cell, t)| (cell, t))
        .collect())
}

/// The dossiers in scope grouped by agency and their facts, in one pass (the consolidated
/// report's line per agency).
pub async fn cells_by_agency(
    c: &impl ConnectionTrait,
    s: &Scope,
) -> Result<Vec<(Uuid, Cell, Tally)>> {
    Ok(grouped(c, s, true)
        .await?
        .into_iter()
        .map(|(a, cell, t)| (a.unwrap_or_default(), cell, t))
        .collect())
}

async fn grouped(
    c: &impl ConnectionTrait,
    s: &Scope,
    by_agency: bool,
) -> Result<Vec<(Option<Uuid>, Cell, Tally)>> {
    let mut b = Binds::new(c);
    let now = b.push(to_db(s.now));
    let scope = in_scope(s, &mut b);
    let (agency, by) = match by_agency {
        true => (", d.agency_id", ", 12"),
        false => ("", ""),
    };
    // Grouped by the report index's leading columns, in its order, so that the engine reads
    // the period in one ordered pass without sorting it; each mark is counted in its group.
    let marked = |cond: &str| format!("SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)");
    let sql = format!(
        "SELECT d.received_month, d.intake, d.stage, d.outcome, COUNT(*), \
         CAST(SUM(COALESCE(d.office_secs, 0)) AS BIGINT), {accepted}, {overdue}, {intake_late}, \
         {handover_late}, {repeat}{agency} \
         FROM dossiers d WHERE {scope} GROUP BY 1, 2, 3, 4{by}",
        accepted = marked("d.received_at IS NOT NULL"),
        overdue = marked(&overdue(&now)),
        intake_late = marked("d.intake_late"),
        handover_late = marked("d.handover_late"),
        repeat = marked("d.repeat_requests > 0"),
    );
    let count = |r: &sea_orm::QueryResult, i: usize| -> Result<u64> {
        let n: Option<i64> = r.try_get_by_index(i)?;
        Ok(u64::try_from(n.unwrap_or(0)).unwrap_or(0))
    };
    let rows = b.all(c, sql).await?;
    rows.into_iter()
        .map(|r| {
            let intake: String = r.try_get_by_index(1)?;
            let stage: String = r.try_get_by_index(2)?;
            let outcome: Option<String> = r.try_get_by_index(3)?;
            let cell = Cell {
                month: r.try_get_by_index(0)?,
                intake: Intake::parse(&intake).ok_or_else(|| bad("intake"))?,
                stage: Stage::parse(&stage).ok_or_else(|| bad("stage"))?,
                outcome: outcome
                    .map(|o| Timeliness::parse(&o).ok_or_else(|| bad("outcome")))
                    .transpose()?,
            };
            let secs: Option<i64> = r.try_get_by_index(5)?;
            let tally = Tally {
                dossiers: count(&r, 4)?,
                office_secs: secs.unwrap_or(0),
                accepted: count(&r, 6)?,
                overdue: count(&r, 7)?,
                intake_late: count(&r, 8)?,
                handover_late: count(&r, 9)?,
                repeat: count(&r, 10)?,
            };
            let agency: Option<Uuid> = match by_agency {
                true => Some(r.try_get_by_index(11)?),
                false => None,
            };
            Ok((agency, cell, tally))
        })
        .collect()
}

/// Which dossiers behind a figure: the figure, and optionally one month, channel or status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Behind {
    pub figure: Figure,
    pub month: Option<String>,
    pub intake: Option<Intake>,
    pub status: Option<Status>,
}

/// One dossier in the list behind a figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub id: Uuid,
    pub code: Option<String>,
    pub applicant_name: String,
    pub stage: Stage,
    pub intake: Intake,
    pub submitted_at: jiff::Timestamp,
    pub appointment_at: Option<jiff::Timestamp>,
}

/// The dossiers behind a figure, newest first, at most `limit`; and how many there are.
pub async fn behind(
    c: &impl ConnectionTrait,
    s: &Scope,
    w: &Behind,
    limit: u64,
) -> Result<(u64, Vec<Listed>)> {
    let mut b = Binds::new(c);
    let mut conds = vec![holds(w.figure)];
    let from = facts(s, &mut b);
    if let Some(m) = &w.month {
        conds.push(format!("t.m = {}", b.push(m.clone())));
    }
    if let Some(i) = w.intake {
        conds.push(format!("t.intake = {}", b.push(i.as_str())));
    }
    if let Some(st) = w.status {
        let stages: Vec<String> = Stage::ALL
            .iter()
            .filter(|x| x.status() == st)
            .map(|x| format!("'{}'", x.as_str()))
            .collect();
        conds.push(format!("t.stage IN ({})", stages.join(", ")));
    }
    let cond = conds.join(" AND ");
    let total_sql = format!("SELECT COUNT(*) FROM {from} WHERE {cond}");
    let total: i64 = b.clone().one(c, total_sql).await?.try_get_by_index(0)?;
    let sql = format!(
        "SELECT t.id, t.code, t.applicant_name, t.stage, t.intake, t.submitted_at, \
         t.appointment_at FROM {from} WHERE {cond} ORDER BY t.submitted_at DESC, t.id LIMIT {}",
        limit.min(1000)
    );
    let list = b
        .all(c, sql)
        .await?
        .into_iter()
        .map(|r| {
            let stage: String = r.try_get_by_index(3)?;
            let intake: String = r.try_get_by_index(4)?;
            let submitted: chrono::DateTime<chrono::Utc> = r.try_get_by_index(5)?;
            let appointment: Option<chrono::DateTime<chrono::Utc>> = r.try_get_by_index(6)?;
            Ok(Listed {
                id: r.try_get_by_index(0)?,
                code: r.try_get_by_index(1)?,
                applicant_name: r.try_get_by_index(2)?,
                stage: Stage::parse(&stage).ok_or_else(|| bad("stage"))?,
                intake: Intake::parse(&intake).ok_or_else(|| bad("intake"))?,
                submitted_at: from_db(submitted),
                appointment_at: appointment.map(from_db),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((u64::try_from(total).unwrap_or(0), list))
}

/// How many dossiers the scope holds, read as plainly as the database can: the floor under any
/// report over them (the benchmark's ceiling).
pub async fn received(c: &impl ConnectionTrait, s: &Scope) -> Result<u64> {
    let mut b = Binds::new(c);
    let from = b.push(to_db(s.from));
    let to = b.push(to_db(s.to));
    let agency = match s.agency {
        Some(a) => format!(" AND agency_id = {}", b.push(a)),
        None => String::new(),
    };
    let sql = format!(
        "SELECT COUNT(*) FROM dossiers WHERE stage <> 'draft' AND submitted_at >= {from} \
         AND submitted_at < {to}{agency}"
    );
    let n: i64 = b.one(c, sql).await?.try_get_by_index(0)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// How many dossiers in scope belong to these services, and how many of those came online:
/// one pass over the report index, nothing to group.
pub async fn of_services(
    c: &impl ConnectionTrait,
    s: &Scope,
    services: &[Uuid],
) -> Result<(u64, u64)> {
    if services.is_empty() {
        return Ok((0, 0));
    }
    let mut b = Binds::new(c);
    let online = b.push(Intake::Online.as_str());
    let scope = in_scope(s, &mut b);
    let ids: Vec<String> = services.iter().map(|id| b.push(*id)).collect();
    let sql = format!(
        "SELECT COUNT(*), SUM(CASE WHEN d.intake = {online} THEN 1 ELSE 0 END) FROM dossiers d \
         WHERE {scope} AND d.service_id IN ({})",
        ids.join(", ")
    );
    let r = b.one(c, sql).await?;
    let n = |i: usize| -> Result<u64> {
        let v: Option<i64> = r.try_get_by_index(i)?;
        Ok(u64::try_from(v.unwrap_or(0)).unwrap_or(0))
    };
    Ok((n(0)?, n(1)?))
}

/// What the scorecard counts beyond the statistics, over the dossiers in scope.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// With a payment made (fees owed and paid), and those paid online.
    pub paid: u64,
    pub paid_online: u64,
    /// With a signed electronic result, and with their papers as files and such a result.
    pub e_results: u64,
    pub digitised: u64,
    /// Rated, and rated dissatisfied.
    pub rated: u64,
    pub dissatisfied: u64,
}

/// One row of counts joined to the dossiers in scope.
async fn count_row(
    c: &impl ConnectionTrait,
    s: &Scope,
    (select, n): (&str, usize),
    from: &str,
) -> Result<Vec<u64>> {
    let mut b = Binds::new(c);
    let scope = in_scope(s, &mut b);
    // `CROSS JOIN` keeps SQLite's loop on the small table first (its planner would otherwise
    // walk an agency's dossiers and probe it); PostgreSQL plans it as any inner join.
    let sql = format!(
        "SELECT {select} FROM {from} CROSS JOIN dossiers d WHERE d.id = x.dossier_id AND {scope}"
    );
    let r = b.one(c, sql).await?;
    (0..n)
        .map(|i| {
            let v: Option<i64> = r.try_get_by_index(i)?;
            Ok(u64::try_from(v.unwrap_or(0)).unwrap_or(0))
        })
        .collect()
}

/// The scorecard's counts, each driven by the smaller table (payments, results, ratings).
pub async fn counts(c: &impl ConnectionTrait, s: &Scope) -> Result<Counts> {
    let paid = count_row(
        c,
        s,
        (
            "COUNT(DISTINCT x.dossier_id), \
             COUNT(DISTINCT CASE WHEN x.method = 'vnpay' THEN x.dossier_id END)",
            2,
        ),
        "(SELECT dossier_id, method FROM payments WHERE state = 'succeeded') x",
    )
    .await?;
    let results = count_row(
        c,
        s,
        (
            "COUNT(DISTINCT x.dossier_id), COUNT(DISTINCT CASE WHEN EXISTS (SELECT 1 FROM \
             dossier_files f WHERE f.dossier_id = x.dossier_id AND f.id <> x.file_id) \
             THEN x.dossier_id END)",
            2,
        ),
        "issued_results x",
    )
    .await?;
    let rated = count_row(
        c,
        s,
        (
            "COUNT(*), CAST(SUM(CASE WHEN x.dissatisfied THEN 1 ELSE 0 END) AS BIGINT)",
            2,
        ),
        "ratings x",
    )
    .await?;
    Ok(Counts {
        paid: paid[0],
        paid_online: paid[1],
        e_results: results[0],
        digitised: results[1],
        rated: rated[0],
        dissatisfied: rated[1],
    })
}

/// The services with at least one online payment confirmed in `[from, to)`.
pub async fn paid_online_services(c: &impl ConnectionTrait, s: &Scope) -> Result<Vec<Uuid>> {
    let mut b = Binds::new(c);
    let from = b.push(to_db(s.from));
    let to = b.push(to_db(s.to));
    let agency = match s.agency {
        Some(a) => format!(" AND p.agency_id = {}", b.push(a)),
        None => String::new(),
    };
    let sql = format!(
        "SELECT DISTINCT d.service_id FROM payments p CROSS JOIN dossiers d \
         WHERE d.id = p.dossier_id AND p.method = 'vnpay' AND p.state = 'succeeded' \
         AND p.confirmed_at >= {from} AND p.confirmed_at < {to}{agency}"
    );
    let rows = b.all(c, sql).await?;
    rows.into_iter()
        .map(|r| Ok(r.try_get_by_index(0)?))
        .collect()
}

/// Gives the dossiers already held their oversight marks from their events, and their search
/// keys: the applicant's name folded and, for an account's dossier, the blind indexes of its
/// identity number and phone (a migration: the office time needs the calendar and is the
/// application's, `office_time_missing`; a counter dossier's phone was kept only as its last
/// digits and stays unindexed).
pub(crate) async fn fill_marks(
    c: &impl ConnectionTrait,
) -> std::result::Result<(), sea_orm::DbErr> {
    type Row = (
        Uuid,
        String,
        Option<Uuid>,
        Option<chrono::DateTime<chrono::Utc>>,
    );
    let rows: Vec<Row> = dossier::Entity::find()
        .select_only()
        .column(dossier::Column::Id)
        .column(dossier::Column::ApplicantName)
        .column(dossier::Column::OwnerId)
        .column(dossier::Column::SubmittedAt)
        .order_by_asc(dossier::Column::Id)
        .into_tuple()
        .all(c)
        .await?;
    let custom = |e: StoreError| sea_orm::DbErr::Custom(e.to_string());
    for (id, name, owner, submitted) in rows {
        let events = crate::dossiers::events(c, id).await.map_err(custom)?;
        let timed: Vec<_> = events
            .iter()
            .map(|e| (e.to_stage, e.at, e.due_at))
            .collect();
        let stages: Vec<_> = events.iter().map(|e| (e.to_stage, e.at)).collect();
        let (intake_late, handover_late) = oversight::desk_marks(&timed);
        let (id_index, phone_index) = match owner {
            Some(u) => {
                let u = crate::users::get_user(c, u).await.map_err(custom)?;
                (
                    u.id_number.as_deref().map(crate::seal::blind),
                    u.phone.as_deref().map(crate::seal::blind),
                )
            }
            None => (None, None),
        };
        dossier::Entity::update_many()
            .col_expr(dossier::Column::IntakeLate, intake_late.into())
            .col_expr(dossier::Column::HandoverLate, handover_late.into())
            .col_expr(
                dossier::Column::LateByCount,
                deadline::late_by_count(&stages).into(),
            )
            .col_expr(
                dossier::Column::ApplicantFolded,
                Some(motcua_domain::text::fold_vi(&name)).into(),
            )
            .col_expr(dossier::Column::IdIndex, id_index.into())
            .col_expr(dossier::Column::PhoneIndex, phone_index.into())
            .col_expr(
                dossier::Column::ReceivedMonth,
                submitted.map(|t| oversight::month_of(from_db(t))).into(),
            )
            .filter(dossier::Column::Id.eq(id))
            .exec(c)
            .await?;
    }
    Ok(())
}

/// Dossiers whose count ended without their office time (held before it was kept).
pub async fn office_time_missing(c: &impl ConnectionTrait, limit: u64) -> Result<Vec<Uuid>> {
    Ok(dossier::Entity::find()
        .select_only()
        .column(dossier::Column::Id)
        .filter(dossier::Column::Outcome.is_not_null())
        .filter(dossier::Column::OfficeSecs.is_null())
        .limit(limit)
        .into_tuple()
        .all(c)
        .await?)
}

/// Records a dossier's office time.
pub async fn set_office_time(c: &impl ConnectionTrait, id: Uuid, secs: i64) -> Result<()> {
    dossier::Entity::update_many()
        .col_expr(dossier::Column::OfficeSecs, Some(secs).into())
        .filter(dossier::Column::Id.eq(id))
        .exec(c)
        .await?;
    Ok(())
}

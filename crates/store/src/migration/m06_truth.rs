//! One stored fact for where a dossier stands (its stage; the status people see is derived from
//! it), what its service's process and time to result were when it was submitted, the unit whose
//! staff have it, when its national count ended and how, and what the applicant may see of each
//! event and file (R8.1c, R10.3, R10.5, R3.4).
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use motcua_domain::deadline;
use motcua_domain::lifecycle::Stage;
use sea_orm::ConnectionTrait;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use uuid::Uuid;

use crate::time::{from_db, to_db};

#[derive(DeriveIden, Clone, Copy)]
enum Dossiers {
    Table,
    Id,
    AppointmentAt,
    AgencyId,
    Stage,
    UnitId,
    ReceivedAt,
    TimeToResult,
    Process,
    FinishedAt,
    Outcome,
    RepeatRequests,
    NewAppointmentAt,
    ProcedureVersionId,
    ServiceId,
}

#[derive(DeriveIden, Clone, Copy)]
enum DossierEvents {
    Table,
    Id,
    DossierId,
    Kind,
    ToStage,
    At,
    Data,
    FromStage,
    Public,
    ToUnitId,
    Step,
}

#[derive(DeriveIden, Clone, Copy)]
enum DossierFiles {
    Table,
    Id,
    Public,
}

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000006_truth"
    }
}

/// The acts whose events the applicant sees only as a change of status (`Act::is_public`).
const INTERNAL_KINDS: &str = "'forward', 'assign', 'reassign', 'take_back', 'propose_resolve', \
    'propose_supplement', 'propose_decline', 'consult', 'consultation_answered', \
    'consultation_answer', 'approve', 'return_for_revision'";

async fn add(
    m: &SchemaManager<'_>,
    table: impl IntoIden + Clone,
    cols: Vec<ColumnDef>,
) -> Result<(), DbErr> {
    for mut col in cols {
        m.alter_table(
            Table::alter()
                .table(table.clone())
                .add_column(&mut col)
                .to_owned(),
        )
        .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add(
            m,
            Dossiers::Table,
            vec![
                uuid_null(Dossiers::UnitId),
                timestamp_with_time_zone_null(Dossiers::ReceivedAt),
                text_null(Dossiers::TimeToResult),
                text_null(Dossiers::Process),
                timestamp_with_time_zone_null(Dossiers::FinishedAt),
                string_null(Dossiers::Outcome),
                integer(Dossiers::RepeatRequests).default(0).to_owned(),
                timestamp_with_time_zone_null(Dossiers::NewAppointmentAt),
            ],
        )
        .await?;
        let db = m.get_connection();
        db.execute_unprepared("UPDATE dossiers SET stage = 'draft' WHERE state = 'draft'")
            .await?;
        db.execute_unprepared("DROP INDEX dossiers_agency_state")
            .await?;
        db.execute_unprepared("ALTER TABLE dossiers DROP COLUMN state")
            .await?;
        m.create_index(
            Index::create()
                .name("dossiers_agency_stage")
                .table(Dossiers::Table)
                .col(Dossiers::AgencyId)
                .col(Dossiers::Stage)
                .to_owned(),
        )
        .await?;
        // The figures of a service's page (R5.1b) read one index range per procedure version.
        m.create_index(
            Index::create()
                .name("dossiers_figures")
                .table(Dossiers::Table)
                .col(Dossiers::ProcedureVersionId)
                .col(Dossiers::ServiceId)
                .col(Dossiers::Outcome)
                .to_owned(),
        )
        .await?;
        add(
            m,
            DossierEvents::Table,
            vec![
                string_null(DossierEvents::FromStage),
                boolean(DossierEvents::Public).default(true).to_owned(),
                uuid_null(DossierEvents::ToUnitId),
                text_null(DossierEvents::Step),
            ],
        )
        .await?;
        for sql in [
            // Events are named by their acts.
            "UPDATE dossier_events SET kind = 'submit' WHERE kind = 'submitted'",
            "UPDATE dossier_events SET kind = 'resubmit' WHERE kind = 'supplemented'",
            "UPDATE dossier_events SET to_stage = to_state WHERE to_stage IS NULL \
             AND to_state <> 'in_process'",
            "UPDATE dossier_events SET to_stage = 'awaiting_assignment' WHERE to_stage IS NULL",
            "UPDATE dossier_events SET from_stage = from_state WHERE from_state IS NOT NULL \
             AND from_state <> 'in_process'",
            "ALTER TABLE dossier_events DROP COLUMN from_state",
            "ALTER TABLE dossier_events DROP COLUMN to_state",
        ] {
            db.execute_unprepared(sql).await?;
        }
        db.execute_unprepared(&format!(
            "UPDATE dossier_events SET public = false WHERE kind IN ({INTERNAL_KINDS})"
        ))
        .await?;
        add(
            m,
            DossierFiles::Table,
            vec![boolean(DossierFiles::Public).default(true).to_owned()],
        )
        .await?;
        // Result documents are the department's drafts until the leader approves one.
        db.execute_unprepared(
            "UPDATE dossier_files SET public = false WHERE component_id = '_ket-qua'",
        )
        .await?;
        let history = histories(db).await?;
        publish_approved_results(db, &history).await?;
        count_finished(db, &history).await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "the truth migration is not reversible".into(),
        ))
    }
}

/// One event as the data fixes below read it: (stage entered, when, kind, data).
type Event = (Stage, jiff::Timestamp, String, Option<String>);

/// Every submitted dossier's events, in order.
async fn histories(db: &SchemaManagerConnection<'_>) -> Result<HashMap<Uuid, Vec<Event>>, DbErr> {
    let q = Query::select()
        .columns([
            DossierEvents::DossierId,
            DossierEvents::ToStage,
            DossierEvents::At,
            DossierEvents::Kind,
            DossierEvents::Data,
        ])
        .from(DossierEvents::Table)
        .order_by(DossierEvents::Id, Order::Asc)
        .to_owned();
    let mut out: HashMap<Uuid, Vec<Event>> = HashMap::new();
    for r in db.query_all(&q).await? {
        let stage: Option<String> = r.try_get_by_index(1)?;
        let Some(stage) = stage.as_deref().and_then(Stage::parse) else {
            continue;
        };
        let at: DateTime<Utc> = r.try_get_by_index(2)?;
        out.entry(r.try_get_by_index(0)?).or_default().push((
            stage,
            from_db(at),
            r.try_get_by_index(3)?,
            r.try_get_by_index(4)?,
        ));
    }
    Ok(out)
}

/// The result document the leader approved, of dossiers resolved or returned before result
/// documents had a visibility, is the applicant's.
async fn publish_approved_results(
    db: &SchemaManagerConnection<'_>,
    history: &HashMap<Uuid, Vec<Event>>,
) -> Result<(), DbErr> {
    for events in history.values() {
        let done = events
            .last()
            .is_some_and(|e| matches!(e.0, Stage::Resolved | Stage::Returned));
        let approved = events
            .iter()
            .rev()
            .find(|e| e.2 == "propose_resolve")
            .and_then(|e| serde_json::from_str::<serde_json::Value>(e.3.as_deref()?).ok())
            .and_then(|d| Uuid::parse_str(d.get("result_document")?.as_str()?).ok());
        if let (true, Some(file)) = (done, approved) {
            let q = Query::update()
                .table(DossierFiles::Table)
                .value(DossierFiles::Public, true)
                .and_where(Expr::col(DossierFiles::Id).eq(file))
                .to_owned();
            db.execute(&q).await?;
        }
    }
    Ok(())
}

/// When and how the national count of each dossier already finished ended.
async fn count_finished(
    db: &SchemaManagerConnection<'_>,
    history: &HashMap<Uuid, Vec<Event>>,
) -> Result<(), DbErr> {
    let q = Query::select()
        .columns([Dossiers::Id, Dossiers::AppointmentAt])
        .from(Dossiers::Table)
        .and_where(Expr::col(Dossiers::AppointmentAt).is_not_null())
        .to_owned();
    for r in db.query_all(&q).await? {
        let id: Uuid = r.try_get_by_index(0)?;
        let appointment: DateTime<Utc> = r.try_get_by_index(1)?;
        let stages: Vec<(Stage, jiff::Timestamp)> = history
            .get(&id)
            .map(|h| h.iter().map(|e| (e.0, e.1)).collect())
            .unwrap_or_default();
        if let Some((mark, end)) = deadline::outcome(&stages, Some(from_db(appointment))) {
            let q = Query::update()
                .table(Dossiers::Table)
                .value(Dossiers::Outcome, mark.as_str())
                .value(Dossiers::FinishedAt, to_db(end))
                .and_where(Expr::col(Dossiers::Id).eq(id))
                .to_owned();
            db.execute(&q).await?;
        }
    }
    Ok(())
}

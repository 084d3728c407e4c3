//! One stored fact for where a dossier stands (its stage; the status people see is derived from
//! it), what its service's process and time to result were when it was submitted, the unit whose
//! staff have it, when its national count ended and how, and what the applicant may see of each
//! event and file (R8.1c, R10.3, R10.5, R3.4).
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveIden, Clone, Copy)]
enum Dossiers {
    Table,
    AgencyId,
    Stage,
    UnitId,
    ReceivedAt,
    TimeToResult,
    Process,
    FinishedAt,
    Outcome,
    RepeatRequests,
    ProcedureVersionId,
    ServiceId,
}

#[derive(DeriveIden, Clone, Copy)]
enum DossierEvents {
    Table,
    FromStage,
    Public,
    ToUnitId,
    Step,
}

#[derive(DeriveIden, Clone, Copy)]
enum DossierFiles {
    Table,
    Public,
}

pub struct Truth;

impl MigrationName for Truth {
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
impl MigrationTrait for Truth {
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
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "the truth migration is not reversible".into(),
        ))
    }
}

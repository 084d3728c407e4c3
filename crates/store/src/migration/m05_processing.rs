//! The workflow stage, the worklist it sits in (the role that acts next), the assigned
//! specialist and the current step's due point on each dossier; the stage entered, unit, step due
//! point and data on each event; consultations with other agencies; editable settings (the
//! working calendar's yearly decisions).
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::fk;

#[derive(DeriveIden)]
enum Dossiers {
    Table,
    Id,
    AgencyId,
    Stage,
    Queue,
    AssigneeId,
    StepDueAt,
}
#[derive(DeriveIden)]
enum DossierEvents {
    Table,
    ToStage,
    UnitId,
    DueAt,
    Data,
}
#[derive(DeriveIden)]
enum Consultations {
    Table,
    Id,
    DossierId,
    AgencyId,
    Question,
    RequestedBy,
    RequestedAt,
    DueAt,
    AnsweredAt,
    AnsweredBy,
    Answer,
}
#[derive(DeriveIden)]
enum Settings {
    Table,
    Key,
    Value,
    UpdatedAt,
    UpdatedBy,
}

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000005_processing"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            string_null(Dossiers::Stage),
            string_null(Dossiers::Queue),
            uuid_null(Dossiers::AssigneeId),
            timestamp_with_time_zone_null(Dossiers::StepDueAt),
        ] {
            let mut col = col;
            m.alter_table(
                Table::alter()
                    .table(Dossiers::Table)
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        // Dossiers stored before stages: the desk's and final states name their stage.
        let db = m.get_connection();
        db.execute_unprepared(
            "UPDATE dossiers SET stage = state WHERE state IN ('submitted', 'supplemented', \
             'supplement_requested', 'refused', 'accepted', 'resolved', 'returned', 'withdrawn')",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE dossiers SET stage = 'awaiting_assignment' WHERE state = 'in_process'",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE dossiers SET queue = 'reception' \
             WHERE stage IN ('submitted', 'supplemented', 'accepted', 'resolved')",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE dossiers SET queue = 'leader' WHERE stage = 'awaiting_assignment'",
        )
        .await?;
        m.create_index(
            Index::create()
                .name("dossiers_queue")
                .table(Dossiers::Table)
                .col(Dossiers::AgencyId)
                .col(Dossiers::Queue)
                .col(Dossiers::StepDueAt)
                .col(Dossiers::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("dossiers_assignee")
                .table(Dossiers::Table)
                .col(Dossiers::AssigneeId)
                .col(Dossiers::AgencyId)
                .col(Dossiers::Queue)
                .col(Dossiers::StepDueAt)
                .col(Dossiers::Id)
                .to_owned(),
        )
        .await?;
        for col in [
            string_null(DossierEvents::ToStage),
            uuid_null(DossierEvents::UnitId),
            timestamp_with_time_zone_null(DossierEvents::DueAt),
            text_null(DossierEvents::Data),
        ] {
            let mut col = col;
            m.alter_table(
                Table::alter()
                    .table(DossierEvents::Table)
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        m.create_table(
            Table::create()
                .table(Consultations::Table)
                .col(pk_uuid(Consultations::Id))
                .col(uuid(Consultations::DossierId))
                .col(uuid(Consultations::AgencyId))
                .col(text(Consultations::Question))
                .col(uuid(Consultations::RequestedBy))
                .col(timestamp_with_time_zone(Consultations::RequestedAt))
                .col(timestamp_with_time_zone(Consultations::DueAt))
                .col(timestamp_with_time_zone_null(Consultations::AnsweredAt))
                .col(uuid_null(Consultations::AnsweredBy))
                .col(text_null(Consultations::Answer))
                .foreign_key(&mut fk(
                    (Consultations::Table, Consultations::DossierId),
                    (Dossiers::Table, Dossiers::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("consultations_agency")
                .table(Consultations::Table)
                .col(Consultations::AgencyId)
                .col(Consultations::AnsweredAt)
                .col(Consultations::DueAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("consultations_dossier")
                .table(Consultations::Table)
                .col(Consultations::DossierId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Settings::Table)
                .col(string(Settings::Key).primary_key())
                .col(text(Settings::Value))
                .col(timestamp_with_time_zone(Settings::UpdatedAt))
                .col(uuid_null(Settings::UpdatedBy))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "the processing migration is not reversible".into(),
        ))
    }
}

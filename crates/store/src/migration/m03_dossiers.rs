//! Dossiers, their files, the daily counters their codes are drawn from, idempotency keys for
//! submissions, and the events of each dossier.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::fk;

// Tables of earlier migrations, for the keys that point at them.
#[derive(DeriveIden)]
enum Agencies {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum ProcedureVersions {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Services {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Dossiers {
    Table,
    Id,
    Code,
    ServiceId,
    ProcedureVersionId,
    AgencyId,
    OwnerId,
    RegisteredBy,
    Intake,
    State,
    Form,
    ApplicantName,
    PhoneTail,
    Declaration,
    DeclaredAt,
    SubmittedAt,
    AppointmentAt,
    Supplement,
    CreatedAt,
    UpdatedAt,
    ExpiresAt,
    Version,
}
#[derive(DeriveIden)]
enum DossierFiles {
    Table,
    Id,
    DossierId,
    ComponentId,
    Sha256,
    Size,
    Kind,
    Name,
    CreatedAt,
}
#[derive(DeriveIden)]
enum DossierCounters {
    Table,
    AgencyId,
    Day,
    Last,
}
#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    OwnerId,
    Key,
    RequestHash,
    DossierId,
    CreatedAt,
}
#[derive(DeriveIden)]
enum DossierEvents {
    Table,
    Id,
    DossierId,
    At,
    ActorId,
    Kind,
    FromState,
    ToState,
    Comment,
}

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000003_dossiers"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Dossiers::Table)
                .col(pk_uuid(Dossiers::Id))
                .col(string_null(Dossiers::Code).unique_key())
                .col(uuid(Dossiers::ServiceId))
                .col(uuid(Dossiers::ProcedureVersionId))
                .col(uuid(Dossiers::AgencyId))
                .col(uuid_null(Dossiers::OwnerId))
                .col(uuid_null(Dossiers::RegisteredBy))
                .col(string(Dossiers::Intake))
                .col(string(Dossiers::State))
                .col(text(Dossiers::Form))
                .col(string(Dossiers::ApplicantName))
                .col(string_null(Dossiers::PhoneTail))
                .col(text_null(Dossiers::Declaration))
                .col(timestamp_with_time_zone_null(Dossiers::DeclaredAt))
                .col(timestamp_with_time_zone_null(Dossiers::SubmittedAt))
                .col(timestamp_with_time_zone_null(Dossiers::AppointmentAt))
                .col(text_null(Dossiers::Supplement))
                .col(timestamp_with_time_zone(Dossiers::CreatedAt))
                .col(timestamp_with_time_zone(Dossiers::UpdatedAt))
                .col(timestamp_with_time_zone_null(Dossiers::ExpiresAt))
                .col(integer(Dossiers::Version))
                .foreign_key(&mut fk(
                    (Dossiers::Table, Dossiers::ServiceId),
                    (Services::Table, Services::Id),
                ))
                .foreign_key(&mut fk(
                    (Dossiers::Table, Dossiers::ProcedureVersionId),
                    (ProcedureVersions::Table, ProcedureVersions::Id),
                ))
                .foreign_key(&mut fk(
                    (Dossiers::Table, Dossiers::AgencyId),
                    (Agencies::Table, Agencies::Id),
                ))
                .foreign_key(&mut fk(
                    (Dossiers::Table, Dossiers::OwnerId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("dossiers_owner")
                .table(Dossiers::Table)
                .col(Dossiers::OwnerId)
                .col(Dossiers::CreatedAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("dossiers_agency_state")
                .table(Dossiers::Table)
                .col(Dossiers::AgencyId)
                .col(Dossiers::State)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("dossiers_version")
                .table(Dossiers::Table)
                .col(Dossiers::ProcedureVersionId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DossierFiles::Table)
                .col(pk_uuid(DossierFiles::Id))
                .col(uuid(DossierFiles::DossierId))
                .col(string(DossierFiles::ComponentId))
                .col(string(DossierFiles::Sha256))
                .col(big_integer(DossierFiles::Size))
                .col(string(DossierFiles::Kind))
                .col(string(DossierFiles::Name))
                .col(timestamp_with_time_zone(DossierFiles::CreatedAt))
                .foreign_key(&mut fk(
                    (DossierFiles::Table, DossierFiles::DossierId),
                    (Dossiers::Table, Dossiers::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("dossier_files_dossier")
                .table(DossierFiles::Table)
                .col(DossierFiles::DossierId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("dossier_files_sha")
                .table(DossierFiles::Table)
                .col(DossierFiles::Sha256)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DossierCounters::Table)
                .col(uuid(DossierCounters::AgencyId))
                .col(date(DossierCounters::Day))
                .col(big_integer(DossierCounters::Last))
                .primary_key(
                    Index::create()
                        .col(DossierCounters::AgencyId)
                        .col(DossierCounters::Day),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(IdempotencyKeys::Table)
                .col(uuid(IdempotencyKeys::OwnerId))
                .col(string(IdempotencyKeys::Key))
                .col(string(IdempotencyKeys::RequestHash))
                .col(uuid(IdempotencyKeys::DossierId))
                .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(IdempotencyKeys::OwnerId)
                        .col(IdempotencyKeys::Key),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DossierEvents::Table)
                .col(big_pk_auto(DossierEvents::Id))
                .col(uuid(DossierEvents::DossierId))
                .col(timestamp_with_time_zone(DossierEvents::At))
                .col(uuid_null(DossierEvents::ActorId))
                .col(string(DossierEvents::Kind))
                .col(string_null(DossierEvents::FromState))
                .col(string(DossierEvents::ToState))
                .col(text_null(DossierEvents::Comment))
                .foreign_key(&mut fk(
                    (DossierEvents::Table, DossierEvents::DossierId),
                    (Dossiers::Table, Dossiers::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("dossier_events_dossier")
                .table(DossierEvents::Table)
                .col(DossierEvents::DossierId)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "the dossiers migration is not reversible".into(),
        ))
    }
}

//! The catalogue: sectors, fields, procedures and their versions, the online services agencies
//! offer, and the search index over them.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::fk;

/// Created by the foundation migration; referenced here.
#[derive(DeriveIden)]
enum Agencies {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Sectors {
    Table,
    Id,
    Code,
    Name,
    Position,
}
#[derive(DeriveIden)]
enum Fields {
    Table,
    Id,
    SectorId,
    Code,
    Name,
    Position,
}
#[derive(DeriveIden)]
enum Procedures {
    Table,
    Id,
    Code,
    OwnerAgencyId,
    Views,
    CreatedAt,
}
#[derive(DeriveIden)]
enum ProcedureVersions {
    Table,
    Id,
    ProcedureId,
    Version,
    Status,
    EffectiveFrom,
    FieldId,
    Name,
    Body,
    CreatedAt,
    CreatedBy,
    PublishedAt,
}
#[derive(DeriveIden)]
enum Services {
    Table,
    Id,
    ProcedureId,
    AgencyId,
    Level,
    Classification,
    OnlineTime,
    FormSchema,
    Process,
    Active,
    UpdatedAt,
}
#[derive(DeriveIden)]
enum CatalogueIndex {
    Table,
    Seq,
    ProcedureId,
    Code,
    Name,
    FieldId,
    SectorId,
    Agencies,
    Levels,
    Subjects,
}

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000002_catalogue"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Sectors::Table)
                .col(pk_uuid(Sectors::Id))
                .col(string_uniq(Sectors::Code))
                .col(string(Sectors::Name))
                .col(integer(Sectors::Position))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Fields::Table)
                .col(pk_uuid(Fields::Id))
                .col(uuid(Fields::SectorId))
                .col(string_uniq(Fields::Code))
                .col(string(Fields::Name))
                .col(integer(Fields::Position))
                .foreign_key(&mut fk(
                    (Fields::Table, Fields::SectorId),
                    (Sectors::Table, Sectors::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Procedures::Table)
                .col(pk_uuid(Procedures::Id))
                .col(string_uniq(Procedures::Code))
                .col(uuid_null(Procedures::OwnerAgencyId))
                .col(big_integer(Procedures::Views))
                .col(timestamp_with_time_zone(Procedures::CreatedAt))
                .foreign_key(&mut fk(
                    (Procedures::Table, Procedures::OwnerAgencyId),
                    (Agencies::Table, Agencies::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ProcedureVersions::Table)
                .col(pk_uuid(ProcedureVersions::Id))
                .col(uuid(ProcedureVersions::ProcedureId))
                .col(integer(ProcedureVersions::Version))
                .col(string(ProcedureVersions::Status))
                .col(date_null(ProcedureVersions::EffectiveFrom))
                .col(uuid(ProcedureVersions::FieldId))
                .col(string(ProcedureVersions::Name))
                .col(text(ProcedureVersions::Body))
                .col(timestamp_with_time_zone(ProcedureVersions::CreatedAt))
                .col(uuid_null(ProcedureVersions::CreatedBy))
                .col(timestamp_with_time_zone_null(
                    ProcedureVersions::PublishedAt,
                ))
                .foreign_key(&mut fk(
                    (ProcedureVersions::Table, ProcedureVersions::ProcedureId),
                    (Procedures::Table, Procedures::Id),
                ))
                .foreign_key(&mut fk(
                    (ProcedureVersions::Table, ProcedureVersions::FieldId),
                    (Fields::Table, Fields::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("procedure_versions_number")
                .table(ProcedureVersions::Table)
                .col(ProcedureVersions::ProcedureId)
                .col(ProcedureVersions::Version)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Services::Table)
                .col(pk_uuid(Services::Id))
                .col(uuid(Services::ProcedureId))
                .col(uuid(Services::AgencyId))
                .col(integer(Services::Level))
                .col(string(Services::Classification))
                .col(text_null(Services::OnlineTime))
                .col(text(Services::FormSchema))
                .col(text(Services::Process))
                .col(boolean(Services::Active))
                .col(timestamp_with_time_zone(Services::UpdatedAt))
                .foreign_key(&mut fk(
                    (Services::Table, Services::ProcedureId),
                    (Procedures::Table, Procedures::Id),
                ))
                .foreign_key(&mut fk(
                    (Services::Table, Services::AgencyId),
                    (Agencies::Table, Agencies::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("services_procedure_agency")
                .table(Services::Table)
                .col(Services::ProcedureId)
                .col(Services::AgencyId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("services_agency")
                .table(Services::Table)
                .col(Services::AgencyId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CatalogueIndex::Table)
                .col(big_pk_auto(CatalogueIndex::Seq))
                .col(uuid_uniq(CatalogueIndex::ProcedureId))
                .col(string(CatalogueIndex::Code))
                .col(string(CatalogueIndex::Name))
                .col(uuid(CatalogueIndex::FieldId))
                .col(uuid(CatalogueIndex::SectorId))
                .col(string(CatalogueIndex::Agencies))
                .col(string(CatalogueIndex::Levels))
                .col(text(CatalogueIndex::Subjects))
                .foreign_key(&mut fk(
                    (CatalogueIndex::Table, CatalogueIndex::ProcedureId),
                    (Procedures::Table, Procedures::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("catalogue_index_field")
                .table(CatalogueIndex::Table)
                .col(CatalogueIndex::FieldId)
                .to_owned(),
        )
        .await?;
        crate::dialect::create_search(m).await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "the catalogue migration is not reversible".into(),
        ))
    }
}

//! Digital signatures (R3.5, R4.6, R7.2a, R8.2b): what verifying each file's signatures found,
//! the paper copies a level-4 dossier sends by post instead, and the register of the signed
//! electronic results agencies issued (what the authenticity check looks up).
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveIden, Clone, Copy)]
enum DossierFiles {
    Table,
    Signatures,
}

#[derive(DeriveIden, Clone, Copy)]
enum Dossiers {
    Table,
    Papers,
    PapersReceivedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum IssuedResults {
    Table,
    Number,
    DossierId,
    AgencyId,
    FileId,
    DraftId,
    Sha256,
    Certificate,
    SignedAt,
}

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000009_signatures"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(DossierFiles::Table)
                .add_column(text_null(DossierFiles::Signatures))
                .to_owned(),
        )
        .await?;
        // SQLite adds one column per ALTER TABLE.
        m.alter_table(
            Table::alter()
                .table(Dossiers::Table)
                .add_column(string_null(Dossiers::Papers))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Dossiers::Table)
                .add_column(timestamp_with_time_zone_null(Dossiers::PapersReceivedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(IssuedResults::Table)
                .col(string(IssuedResults::Number).primary_key())
                .col(uuid(IssuedResults::DossierId))
                .col(uuid(IssuedResults::AgencyId))
                .col(uuid(IssuedResults::FileId))
                .col(uuid(IssuedResults::DraftId))
                .col(string(IssuedResults::Sha256))
                .col(string(IssuedResults::Certificate))
                .col(timestamp_with_time_zone(IssuedResults::SignedAt))
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("issued_results_dossier", IssuedResults::DossierId),
            ("issued_results_sha256", IssuedResults::Sha256),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(IssuedResults::Table)
                    .col(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

//! Reception's marks on a dossier's papers (R11.1): which paper an officer checked, and when.
//! A paper replaced by a resubmission is a new file, unchecked until someone looks at it.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveIden, Clone, Copy)]
enum PaperCheck {
    Table,
    FileId,
    DossierId,
    CheckedBy,
    CheckedAt,
}

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261211_000019_paper_checks"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use PaperCheck as P;
        m.create_table(
            Table::create()
                .table(P::Table)
                .col(uuid(P::FileId).primary_key())
                .col(uuid(P::DossierId))
                .col(uuid(P::CheckedBy))
                .col(timestamp_with_time_zone(P::CheckedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("paper_check_dossier")
                .table(P::Table)
                .col(P::DossierId)
                .to_owned(),
        )
        .await
    }
}

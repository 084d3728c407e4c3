//! Uploads scanned for malware (R4.4): each file a scanner found a signature in, recorded
//! without the file (who, when, what, its hash); and the stored files a later scan found,
//! quarantined: kept for the inquiry, never served.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveIden, Clone, Copy)]
enum MalwareFound {
    Table,
    Id,
    FoundAt,
    Source,
    UserId,
    DossierId,
    Sha256,
    Size,
    Signature,
    Scanner,
}

#[derive(DeriveIden, Clone, Copy)]
enum Quarantined {
    Table,
    Sha256,
    Signature,
    Scanner,
    FoundAt,
}

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261210_000018_scanning"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use MalwareFound as F;
        m.create_table(
            Table::create()
                .table(F::Table)
                .col(uuid(F::Id).primary_key())
                .col(timestamp_with_time_zone(F::FoundAt))
                .col(string(F::Source))
                .col(uuid_null(F::UserId))
                .col(uuid_null(F::DossierId))
                .col(string(F::Sha256))
                .col(big_integer(F::Size))
                .col(string(F::Signature))
                .col(string(F::Scanner))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("malware_found_at")
                .table(F::Table)
                .col(F::FoundAt)
                .to_owned(),
        )
        .await?;
        use Quarantined as Q;
        m.create_table(
            Table::create()
                .table(Q::Table)
                .col(string(Q::Sha256).primary_key())
                .col(string(Q::Signature))
                .col(string(Q::Scanner))
                .col(timestamp_with_time_zone(Q::FoundAt))
                .to_owned(),
        )
        .await
    }
}

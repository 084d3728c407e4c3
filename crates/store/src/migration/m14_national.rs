//! The national portal's outbox (R6.1, R9.2): the messages each dossier owes the portal, numbered
//! per dossier and delivered in that order, retried until the portal acknowledges them.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveIden, Clone, Copy)]
enum NationalMessages {
    Table,
    Id,
    DossierId,
    Code,
    Seq,
    Body,
    State,
    Attempts,
    NextAttemptAt,
    LeaseUntil,
    LeaseOwner,
    LastError,
    CreatedAt,
    SentAt,
}

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000014_national"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use NationalMessages as N;
        m.create_table(
            Table::create()
                .table(N::Table)
                .col(pk_uuid(N::Id))
                .col(uuid(N::DossierId))
                .col(string(N::Code))
                .col(big_integer(N::Seq))
                .col(text(N::Body))
                .col(string(N::State))
                .col(integer(N::Attempts))
                .col(timestamp_with_time_zone(N::NextAttemptAt))
                .col(timestamp_with_time_zone_null(N::LeaseUntil))
                .col(string_null(N::LeaseOwner))
                .col(text_null(N::LastError))
                .col(timestamp_with_time_zone(N::CreatedAt))
                .col(timestamp_with_time_zone_null(N::SentAt))
                .to_owned(),
        )
        .await?;
        // One number per message of a dossier; the sender reads a dossier's earlier ones.
        m.create_index(
            Index::create()
                .name("national_messages_dossier_seq")
                .table(N::Table)
                .col(N::DossierId)
                .col(N::Seq)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("national_messages_due")
                .table(N::Table)
                .col(N::State)
                .col(N::NextAttemptAt)
                .to_owned(),
        )
        .await
    }
}

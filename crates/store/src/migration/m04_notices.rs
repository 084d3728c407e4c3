//! Notices to users, their deliveries on each channel, editable notice templates, and each
//! user's choice of channels.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::fk;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    NotifyEmail,
    NotifySms,
}
#[derive(DeriveIden)]
enum Notices {
    Table,
    Id,
    Kind,
    UserId,
    DossierId,
    Recipient,
    Subject,
    Body,
    Sms,
    CreatedAt,
    ReadAt,
}
#[derive(DeriveIden)]
enum Deliveries {
    Table,
    Id,
    NoticeId,
    Channel,
    Recipient,
    State,
    Attempts,
    NextAttemptAt,
    LeaseUntil,
    LeaseOwner,
    LastError,
    SentAt,
    CreatedAt,
}
#[derive(DeriveIden)]
enum NoticeTemplates {
    Table,
    Kind,
    Subject,
    Body,
    Sms,
    UpdatedAt,
    UpdatedBy,
}

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000004_notices"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Notices::Table)
                .col(pk_uuid(Notices::Id))
                .col(string(Notices::Kind))
                .col(uuid_null(Notices::UserId))
                .col(uuid_null(Notices::DossierId))
                .col(string_null(Notices::Recipient))
                .col(string(Notices::Subject))
                .col(text(Notices::Body))
                .col(text(Notices::Sms))
                .col(timestamp_with_time_zone(Notices::CreatedAt))
                .col(timestamp_with_time_zone_null(Notices::ReadAt))
                .foreign_key(&mut fk(
                    (Notices::Table, Notices::UserId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("notices_user")
                .table(Notices::Table)
                .col(Notices::UserId)
                .col(Notices::CreatedAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("notices_dossier")
                .table(Notices::Table)
                .col(Notices::DossierId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Deliveries::Table)
                .col(pk_uuid(Deliveries::Id))
                .col(uuid(Deliveries::NoticeId))
                .col(string(Deliveries::Channel))
                .col(string(Deliveries::Recipient))
                .col(string(Deliveries::State))
                .col(integer(Deliveries::Attempts))
                .col(timestamp_with_time_zone(Deliveries::NextAttemptAt))
                .col(timestamp_with_time_zone_null(Deliveries::LeaseUntil))
                .col(string_null(Deliveries::LeaseOwner))
                .col(text_null(Deliveries::LastError))
                .col(timestamp_with_time_zone_null(Deliveries::SentAt))
                .col(timestamp_with_time_zone(Deliveries::CreatedAt))
                .foreign_key(&mut fk(
                    (Deliveries::Table, Deliveries::NoticeId),
                    (Notices::Table, Notices::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("deliveries_due")
                .table(Deliveries::Table)
                .col(Deliveries::State)
                .col(Deliveries::NextAttemptAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("deliveries_notice")
                .table(Deliveries::Table)
                .col(Deliveries::NoticeId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(NoticeTemplates::Table)
                .col(string(NoticeTemplates::Kind).primary_key())
                .col(text(NoticeTemplates::Subject))
                .col(text(NoticeTemplates::Body))
                .col(text(NoticeTemplates::Sms))
                .col(timestamp_with_time_zone(NoticeTemplates::UpdatedAt))
                .col(uuid_null(NoticeTemplates::UpdatedBy))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(boolean(Users::NotifyEmail).default(true))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(boolean(Users::NotifySms).default(false))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "the notices migration is not reversible".into(),
        ))
    }
}

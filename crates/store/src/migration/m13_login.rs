//! Stronger log-in (R4.6, R6.2): the staff's second factor (a TOTP secret, sealed like personal
//! data, with the last step used so that no code works twice) and its single-use recovery
//! codes; and the identities a person logs in with at a national identity provider (OpenID
//! Connect), each linked to one account.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::fk;

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum SecondFactors {
    Table,
    /// The account's id (one factor per account; named `id` for the resealing sweep).
    Id,
    Secret,
    ConfirmedAt,
    LastStep,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum RecoveryCodes {
    Table,
    CodeHash,
    UserId,
    UsedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ExternalIdentities {
    Table,
    Issuer,
    Subject,
    UserId,
    LinkedAt,
    LastLoginAt,
}

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000013_login"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SecondFactors::Table)
                .col(pk_uuid(SecondFactors::Id))
                .col(text(SecondFactors::Secret))
                .col(timestamp_with_time_zone_null(SecondFactors::ConfirmedAt))
                .col(big_integer_null(SecondFactors::LastStep))
                .col(timestamp_with_time_zone(SecondFactors::CreatedAt))
                .foreign_key(&mut fk(
                    (SecondFactors::Table, SecondFactors::Id),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RecoveryCodes::Table)
                .col(string(RecoveryCodes::CodeHash).primary_key())
                .col(uuid(RecoveryCodes::UserId))
                .col(timestamp_with_time_zone_null(RecoveryCodes::UsedAt))
                .foreign_key(&mut fk(
                    (RecoveryCodes::Table, RecoveryCodes::UserId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("recovery_codes_user")
                .table(RecoveryCodes::Table)
                .col(RecoveryCodes::UserId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ExternalIdentities::Table)
                .col(string(ExternalIdentities::Issuer))
                .col(string(ExternalIdentities::Subject))
                .col(uuid(ExternalIdentities::UserId))
                .col(timestamp_with_time_zone(ExternalIdentities::LinkedAt))
                .col(timestamp_with_time_zone(ExternalIdentities::LastLoginAt))
                .primary_key(
                    Index::create()
                        .col(ExternalIdentities::Issuer)
                        .col(ExternalIdentities::Subject),
                )
                .foreign_key(&mut fk(
                    (ExternalIdentities::Table, ExternalIdentities::UserId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("external_identities_user")
                .table(ExternalIdentities::Table)
                .col(ExternalIdentities::UserId)
                .to_owned(),
        )
        .await
    }
}

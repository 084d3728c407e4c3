//! Agencies and their units, accounts, role grants, duty rosters, sessions and tokens, log-in
//! throttling, the audit log and the mail outbox.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::fk;

#[derive(DeriveIden)]
enum Agencies {
    Table,
    Id,
    Code,
    Name,
    ShortName,
    Kind,
    ParentId,
    ValidFrom,
    ValidTo,
    CreatedAt,
    UpdatedAt,
}
#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
    AgencyId,
    Code,
    Name,
    Kind,
    ValidFrom,
    ValidTo,
    CreatedAt,
}
#[derive(DeriveIden)]
enum AgencySuccessions {
    Table,
    Id,
    PredecessorId,
    SuccessorId,
    Kind,
    EffectiveOn,
    Note,
}
#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Kind,
    Login,
    Email,
    EmailVerifiedAt,
    Phone,
    FullName,
    IdNumber,
    HomeAgencyId,
    PasswordHash,
    DisabledAt,
    CreatedAt,
    UpdatedAt,
}
#[derive(DeriveIden)]
enum RoleGrants {
    Table,
    Id,
    UserId,
    Role,
    AgencyId,
    UnitId,
    GrantedBy,
    GrantedAt,
    RevokedAt,
    RevokedBy,
}
#[derive(DeriveIden)]
enum DutyRoster {
    Table,
    Id,
    UnitId,
    UserId,
    StartsOn,
    EndsOn,
    CreatedBy,
    CreatedAt,
}
#[derive(DeriveIden)]
enum Sessions {
    Table,
    IdHash,
    UserId,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    IdleSecs,
    ClientIp,
    UserAgent,
}
#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}
#[derive(DeriveIden)]
enum UserTokens {
    Table,
    TokenHash,
    UserId,
    Purpose,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}
#[derive(DeriveIden)]
enum AuthThrottle {
    Table,
    Key,
    WindowStart,
    Failures,
}
#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorId,
    Action,
    ObjectType,
    ObjectId,
    AgencyId,
    RequestId,
    Detail,
}
#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Kind,
    UserId,
    Channel,
    Recipient,
    Subject,
    Body,
    DedupeKey,
    CreatedAt,
    SentAt,
    Attempts,
}

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000001_foundation"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Agencies::Table)
                .col(pk_uuid(Agencies::Id))
                .col(string_uniq(Agencies::Code))
                .col(string(Agencies::Name))
                .col(string_null(Agencies::ShortName))
                .col(string(Agencies::Kind))
                .col(uuid_null(Agencies::ParentId))
                .col(date(Agencies::ValidFrom))
                .col(date_null(Agencies::ValidTo))
                .col(timestamp_with_time_zone(Agencies::CreatedAt))
                .col(timestamp_with_time_zone(Agencies::UpdatedAt))
                .foreign_key(&mut fk(
                    (Agencies::Table, Agencies::ParentId),
                    (Agencies::Table, Agencies::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("agencies_parent")
                .table(Agencies::Table)
                .col(Agencies::ParentId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Units::Table)
                .col(pk_uuid(Units::Id))
                .col(uuid(Units::AgencyId))
                .col(string(Units::Code))
                .col(string(Units::Name))
                .col(string(Units::Kind))
                .col(date(Units::ValidFrom))
                .col(date_null(Units::ValidTo))
                .col(timestamp_with_time_zone(Units::CreatedAt))
                .foreign_key(&mut fk(
                    (Units::Table, Units::AgencyId),
                    (Agencies::Table, Agencies::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("units_agency_code")
                .table(Units::Table)
                .col(Units::AgencyId)
                .col(Units::Code)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AgencySuccessions::Table)
                .col(pk_uuid(AgencySuccessions::Id))
                .col(uuid(AgencySuccessions::PredecessorId))
                .col(uuid(AgencySuccessions::SuccessorId))
                .col(string(AgencySuccessions::Kind))
                .col(date(AgencySuccessions::EffectiveOn))
                .col(string_null(AgencySuccessions::Note))
                .foreign_key(&mut fk(
                    (AgencySuccessions::Table, AgencySuccessions::PredecessorId),
                    (Agencies::Table, Agencies::Id),
                ))
                .foreign_key(&mut fk(
                    (AgencySuccessions::Table, AgencySuccessions::SuccessorId),
                    (Agencies::Table, Agencies::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("successions_pair")
                .table(AgencySuccessions::Table)
                .col(AgencySuccessions::PredecessorId)
                .col(AgencySuccessions::SuccessorId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(pk_uuid(Users::Id))
                .col(string(Users::Kind))
                .col(string_uniq(Users::Login))
                .col(string_null(Users::Email).unique_key())
                .col(timestamp_with_time_zone_null(Users::EmailVerifiedAt))
                .col(string_null(Users::Phone))
                .col(string(Users::FullName))
                .col(string_null(Users::IdNumber))
                .col(uuid_null(Users::HomeAgencyId))
                .col(string(Users::PasswordHash))
                .col(timestamp_with_time_zone_null(Users::DisabledAt))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .col(timestamp_with_time_zone(Users::UpdatedAt))
                .foreign_key(&mut fk(
                    (Users::Table, Users::HomeAgencyId),
                    (Agencies::Table, Agencies::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("users_kind_id_number")
                .table(Users::Table)
                .col(Users::Kind)
                .col(Users::IdNumber)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("users_home_agency")
                .table(Users::Table)
                .col(Users::HomeAgencyId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RoleGrants::Table)
                .col(pk_uuid(RoleGrants::Id))
                .col(uuid(RoleGrants::UserId))
                .col(string(RoleGrants::Role))
                .col(uuid(RoleGrants::AgencyId))
                .col(uuid_null(RoleGrants::UnitId))
                .col(uuid_null(RoleGrants::GrantedBy))
                .col(timestamp_with_time_zone(RoleGrants::GrantedAt))
                .col(timestamp_with_time_zone_null(RoleGrants::RevokedAt))
                .col(uuid_null(RoleGrants::RevokedBy))
                .foreign_key(&mut fk(
                    (RoleGrants::Table, RoleGrants::UserId),
                    (Users::Table, Users::Id),
                ))
                .foreign_key(&mut fk(
                    (RoleGrants::Table, RoleGrants::AgencyId),
                    (Agencies::Table, Agencies::Id),
                ))
                .foreign_key(&mut fk(
                    (RoleGrants::Table, RoleGrants::UnitId),
                    (Units::Table, Units::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("grants_user")
                .table(RoleGrants::Table)
                .col(RoleGrants::UserId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("grants_agency")
                .table(RoleGrants::Table)
                .col(RoleGrants::AgencyId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DutyRoster::Table)
                .col(pk_uuid(DutyRoster::Id))
                .col(uuid(DutyRoster::UnitId))
                .col(uuid(DutyRoster::UserId))
                .col(date(DutyRoster::StartsOn))
                .col(date_null(DutyRoster::EndsOn))
                .col(uuid_null(DutyRoster::CreatedBy))
                .col(timestamp_with_time_zone(DutyRoster::CreatedAt))
                .foreign_key(&mut fk(
                    (DutyRoster::Table, DutyRoster::UnitId),
                    (Units::Table, Units::Id),
                ))
                .foreign_key(&mut fk(
                    (DutyRoster::Table, DutyRoster::UserId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("duty_unit")
                .table(DutyRoster::Table)
                .col(DutyRoster::UnitId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(string(Sessions::IdHash).primary_key())
                .col(uuid(Sessions::UserId))
                .col(timestamp_with_time_zone(Sessions::CreatedAt))
                .col(timestamp_with_time_zone(Sessions::LastSeenAt))
                .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                .col(big_integer(Sessions::IdleSecs))
                .col(string_null(Sessions::ClientIp))
                .col(string_null(Sessions::UserAgent))
                .foreign_key(&mut fk(
                    (Sessions::Table, Sessions::UserId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("sessions_user")
                .table(Sessions::Table)
                .col(Sessions::UserId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ApiTokens::Table)
                .col(pk_uuid(ApiTokens::Id))
                .col(uuid(ApiTokens::UserId))
                .col(string_uniq(ApiTokens::TokenHash))
                .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                .col(timestamp_with_time_zone(ApiTokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                .foreign_key(&mut fk(
                    (ApiTokens::Table, ApiTokens::UserId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(UserTokens::Table)
                .col(string(UserTokens::TokenHash).primary_key())
                .col(uuid(UserTokens::UserId))
                .col(string(UserTokens::Purpose))
                .col(timestamp_with_time_zone(UserTokens::CreatedAt))
                .col(timestamp_with_time_zone(UserTokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(UserTokens::UsedAt))
                .foreign_key(&mut fk(
                    (UserTokens::Table, UserTokens::UserId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AuthThrottle::Table)
                .col(string(AuthThrottle::Key).primary_key())
                .col(timestamp_with_time_zone(AuthThrottle::WindowStart))
                .col(integer(AuthThrottle::Failures))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .col(big_pk_auto(AuditLog::Id))
                .col(timestamp_with_time_zone(AuditLog::At))
                .col(uuid_null(AuditLog::ActorId))
                .col(string(AuditLog::Action))
                .col(string(AuditLog::ObjectType))
                .col(string_null(AuditLog::ObjectId))
                .col(uuid_null(AuditLog::AgencyId))
                .col(string_null(AuditLog::RequestId))
                .col(text(AuditLog::Detail))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Outbox::Table)
                .col(pk_uuid(Outbox::Id))
                .col(string(Outbox::Kind))
                .col(uuid_null(Outbox::UserId))
                .col(string(Outbox::Channel))
                .col(string(Outbox::Recipient))
                .col(string(Outbox::Subject))
                .col(text(Outbox::Body))
                .col(string_uniq(Outbox::DedupeKey))
                .col(timestamp_with_time_zone(Outbox::CreatedAt))
                .col(timestamp_with_time_zone_null(Outbox::SentAt))
                .col(integer(Outbox::Attempts))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "the foundation migration is not reversible".into(),
        ))
    }
}

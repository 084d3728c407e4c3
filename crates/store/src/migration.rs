//! One migration set for both engines, embedded in the binary.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

mod hardening;
mod truth;

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(Foundation),
            Box::new(Catalogue),
            Box::new(Dossiers),
            Box::new(Notices),
            Box::new(Processing),
            Box::new(truth::Truth),
            Box::new(hardening::Hardening),
        ]
    }
}

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

fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .to_owned()
}

struct Foundation;

impl MigrationName for Foundation {
    fn name(&self) -> &str {
        "m20261129_000001_foundation"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Foundation {
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

struct Catalogue;

impl MigrationName for Catalogue {
    fn name(&self) -> &str {
        "m20261129_000002_catalogue"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Catalogue {
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

#[derive(DeriveIden)]
enum DossiersT {
    #[sea_orm(iden = "dossiers")]
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

struct Dossiers;

impl MigrationName for Dossiers {
    fn name(&self) -> &str {
        "m20261129_000003_dossiers"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Dossiers {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(DossiersT::Table)
                .col(pk_uuid(DossiersT::Id))
                .col(string_null(DossiersT::Code).unique_key())
                .col(uuid(DossiersT::ServiceId))
                .col(uuid(DossiersT::ProcedureVersionId))
                .col(uuid(DossiersT::AgencyId))
                .col(uuid_null(DossiersT::OwnerId))
                .col(uuid_null(DossiersT::RegisteredBy))
                .col(string(DossiersT::Intake))
                .col(string(DossiersT::State))
                .col(text(DossiersT::Form))
                .col(string(DossiersT::ApplicantName))
                .col(string_null(DossiersT::PhoneTail))
                .col(text_null(DossiersT::Declaration))
                .col(timestamp_with_time_zone_null(DossiersT::DeclaredAt))
                .col(timestamp_with_time_zone_null(DossiersT::SubmittedAt))
                .col(timestamp_with_time_zone_null(DossiersT::AppointmentAt))
                .col(text_null(DossiersT::Supplement))
                .col(timestamp_with_time_zone(DossiersT::CreatedAt))
                .col(timestamp_with_time_zone(DossiersT::UpdatedAt))
                .col(timestamp_with_time_zone_null(DossiersT::ExpiresAt))
                .col(integer(DossiersT::Version))
                .foreign_key(&mut fk(
                    (DossiersT::Table, DossiersT::ServiceId),
                    (Services::Table, Services::Id),
                ))
                .foreign_key(&mut fk(
                    (DossiersT::Table, DossiersT::ProcedureVersionId),
                    (ProcedureVersions::Table, ProcedureVersions::Id),
                ))
                .foreign_key(&mut fk(
                    (DossiersT::Table, DossiersT::AgencyId),
                    (Agencies::Table, Agencies::Id),
                ))
                .foreign_key(&mut fk(
                    (DossiersT::Table, DossiersT::OwnerId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("dossiers_owner")
                .table(DossiersT::Table)
                .col(DossiersT::OwnerId)
                .col(DossiersT::CreatedAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("dossiers_agency_state")
                .table(DossiersT::Table)
                .col(DossiersT::AgencyId)
                .col(DossiersT::State)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("dossiers_version")
                .table(DossiersT::Table)
                .col(DossiersT::ProcedureVersionId)
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
                    (DossiersT::Table, DossiersT::Id),
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
                    (DossiersT::Table, DossiersT::Id),
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

#[derive(DeriveIden)]
enum NoticesT {
    #[sea_orm(iden = "notices")]
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
#[derive(DeriveIden)]
enum UsersN {
    #[sea_orm(iden = "users")]
    Table,
    NotifyEmail,
    NotifySms,
}

struct Notices;

impl MigrationName for Notices {
    fn name(&self) -> &str {
        "m20261129_000004_notices"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Notices {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(NoticesT::Table)
                .col(pk_uuid(NoticesT::Id))
                .col(string(NoticesT::Kind))
                .col(uuid_null(NoticesT::UserId))
                .col(uuid_null(NoticesT::DossierId))
                .col(string_null(NoticesT::Recipient))
                .col(string(NoticesT::Subject))
                .col(text(NoticesT::Body))
                .col(text(NoticesT::Sms))
                .col(timestamp_with_time_zone(NoticesT::CreatedAt))
                .col(timestamp_with_time_zone_null(NoticesT::ReadAt))
                .foreign_key(&mut fk(
                    (NoticesT::Table, NoticesT::UserId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("notices_user")
                .table(NoticesT::Table)
                .col(NoticesT::UserId)
                .col(NoticesT::CreatedAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("notices_dossier")
                .table(NoticesT::Table)
                .col(NoticesT::DossierId)
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
                    (NoticesT::Table, NoticesT::Id),
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
                .table(UsersN::Table)
                .add_column(boolean(UsersN::NotifyEmail).default(true))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(UsersN::Table)
                .add_column(boolean(UsersN::NotifySms).default(false))
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

#[derive(DeriveIden)]
enum DossiersP {
    #[sea_orm(iden = "dossiers")]
    Table,
    Id,
    AgencyId,
    Stage,
    Queue,
    AssigneeId,
    StepDueAt,
}
#[derive(DeriveIden)]
enum EventsP {
    #[sea_orm(iden = "dossier_events")]
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

/// Issue 6: the workflow stage, the worklist it sits in (the role that acts next), the assigned
/// specialist and the current step's due point on each dossier; the stage entered, unit, step due
/// point and data on each event; consultations with other agencies; editable settings (the
/// working calendar's yearly decisions).
struct Processing;

impl MigrationName for Processing {
    fn name(&self) -> &str {
        "m20261129_000005_processing"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Processing {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            string_null(DossiersP::Stage),
            string_null(DossiersP::Queue),
            uuid_null(DossiersP::AssigneeId),
            timestamp_with_time_zone_null(DossiersP::StepDueAt),
        ] {
            let mut col = col;
            m.alter_table(
                Table::alter()
                    .table(DossiersP::Table)
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
                .table(DossiersP::Table)
                .col(DossiersP::AgencyId)
                .col(DossiersP::Queue)
                .col(DossiersP::StepDueAt)
                .col(DossiersP::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("dossiers_assignee")
                .table(DossiersP::Table)
                .col(DossiersP::AssigneeId)
                .col(DossiersP::AgencyId)
                .col(DossiersP::Queue)
                .col(DossiersP::StepDueAt)
                .col(DossiersP::Id)
                .to_owned(),
        )
        .await?;
        for col in [
            string_null(EventsP::ToStage),
            uuid_null(EventsP::UnitId),
            timestamp_with_time_zone_null(EventsP::DueAt),
            text_null(EventsP::Data),
        ] {
            let mut col = col;
            m.alter_table(
                Table::alter()
                    .table(EventsP::Table)
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
                    (DossiersP::Table, DossiersP::Id),
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

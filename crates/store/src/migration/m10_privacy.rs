//! Tamper-evident audit and personal-data protection (R3.5, R4.3, R10.5): the audit log's place,
//! role, client and hashes, made append-only by triggers; the blind index of identity numbers;
//! consents, disclosures to other agencies, the person's requests, and incidents.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveIden, Clone, Copy)]
enum AuditLog {
    Table,
    Seq,
    Role,
    Client,
    LeafHash,
    PrevHash,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Kind,
    IdIndex,
    RestrictedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Consultations {
    Table,
    Files,
}

#[derive(DeriveIden, Clone, Copy)]
enum Consents {
    Table,
    Id,
    UserId,
    Purpose,
    NoticeVersion,
    NoticeSha256,
    Channel,
    AcceptedAt,
    WithdrawnAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Disclosures {
    Table,
    Id,
    DossierId,
    AgencyId,
    Purpose,
    Basis,
    ConsentId,
    ConsultationId,
    ByUser,
    At,
}

#[derive(DeriveIden, Clone, Copy)]
enum PrivacyRequests {
    Table,
    Id,
    UserId,
    Kind,
    Detail,
    Status,
    CreatedAt,
    DueAt,
    AnsweredAt,
    AnsweredBy,
    Answer,
}

#[derive(DeriveIden, Clone, Copy)]
enum Incidents {
    Table,
    Id,
    AgencyId,
    PersonalData,
    Summary,
    StartedAt,
    DiscoveredAt,
    NotifyBy,
    NotifiedAt,
    ReportedBy,
    CreatedAt,
}

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000010_privacy"
    }
}

async fn add(
    m: &SchemaManager<'_>,
    table: impl IntoIden + Copy,
    col: ColumnDef,
) -> Result<(), DbErr> {
    // SQLite adds one column per ALTER TABLE.
    m.alter_table(Table::alter().table(table).add_column(col).to_owned())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add(m, AuditLog::Table, big_integer_null(AuditLog::Seq)).await?;
        add(m, AuditLog::Table, string_null(AuditLog::Role)).await?;
        add(m, AuditLog::Table, string_null(AuditLog::Client)).await?;
        add(m, AuditLog::Table, string_null(AuditLog::LeafHash)).await?;
        add(m, AuditLog::Table, string_null(AuditLog::PrevHash)).await?;
        crate::audit::number_existing(m.get_connection()).await?;
        m.create_index(
            Index::create()
                .name("audit_log_seq")
                .table(AuditLog::Table)
                .col(AuditLog::Seq)
                .unique()
                .to_owned(),
        )
        .await?;
        crate::dialect::create_audit_guards(m).await?;

        add(m, Users::Table, string_null(Users::IdIndex)).await?;
        add(
            m,
            Users::Table,
            timestamp_with_time_zone_null(Users::RestrictedAt),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("users_kind_id_number")
                .table(Users::Table)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("users_kind_id_index")
                .table(Users::Table)
                .col(Users::Kind)
                .col(Users::IdIndex)
                .unique()
                .to_owned(),
        )
        .await?;
        add(m, Consultations::Table, text_null(Consultations::Files)).await?;
        self.create_tables(m).await
    }
}

impl Migration {
    async fn create_tables(&self, m: &SchemaManager<'_>) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Consents::Table)
                .col(pk_uuid(Consents::Id))
                .col(uuid(Consents::UserId))
                .col(string(Consents::Purpose))
                .col(integer(Consents::NoticeVersion))
                .col(string(Consents::NoticeSha256))
                .col(string(Consents::Channel))
                .col(timestamp_with_time_zone(Consents::AcceptedAt))
                .col(timestamp_with_time_zone_null(Consents::WithdrawnAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("consents_user")
                .table(Consents::Table)
                .col(Consents::UserId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Disclosures::Table)
                .col(pk_uuid(Disclosures::Id))
                .col(uuid(Disclosures::DossierId))
                .col(uuid(Disclosures::AgencyId))
                .col(string(Disclosures::Purpose))
                .col(string(Disclosures::Basis))
                .col(uuid_null(Disclosures::ConsentId))
                .col(uuid_null(Disclosures::ConsultationId))
                .col(uuid_null(Disclosures::ByUser))
                .col(timestamp_with_time_zone(Disclosures::At))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("disclosures_dossier")
                .table(Disclosures::Table)
                .col(Disclosures::DossierId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PrivacyRequests::Table)
                .col(pk_uuid(PrivacyRequests::Id))
                .col(uuid(PrivacyRequests::UserId))
                .col(string(PrivacyRequests::Kind))
                .col(text(PrivacyRequests::Detail))
                .col(string(PrivacyRequests::Status))
                .col(timestamp_with_time_zone(PrivacyRequests::CreatedAt))
                .col(timestamp_with_time_zone(PrivacyRequests::DueAt))
                .col(timestamp_with_time_zone_null(PrivacyRequests::AnsweredAt))
                .col(uuid_null(PrivacyRequests::AnsweredBy))
                .col(text_null(PrivacyRequests::Answer))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Incidents::Table)
                .col(pk_uuid(Incidents::Id))
                .col(uuid_null(Incidents::AgencyId))
                .col(boolean(Incidents::PersonalData))
                .col(text(Incidents::Summary))
                .col(timestamp_with_time_zone(Incidents::StartedAt))
                .col(timestamp_with_time_zone(Incidents::DiscoveredAt))
                .col(timestamp_with_time_zone(Incidents::NotifyBy))
                .col(timestamp_with_time_zone_null(Incidents::NotifiedAt))
                .col(uuid(Incidents::ReportedBy))
                .col(timestamp_with_time_zone(Incidents::CreatedAt))
                .to_owned(),
        )
        .await?;
        crate::dialect::create_incident_guard(m).await
    }
}

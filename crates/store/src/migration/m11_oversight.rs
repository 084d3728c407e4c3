//! Oversight (R5.1b, R9.4, R9.6): the marks each dossier carries for the statistics and the
//! scorecard, filled in for the dossiers already held; the index the period reports read; what
//! staff search dossiers by (the applicant's name folded, blind indexes of the identity number
//! and phone); and the satisfaction ratings of finished dossiers.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveIden, Clone, Copy)]
enum Dossiers {
    Table,
    AgencyId,
    SubmittedAt,
    IntakeLate,
    HandoverLate,
    LateByCount,
    OfficeSecs,
    ApplicantFolded,
    IdIndex,
    PhoneIndex,
    ReceivedMonth,
    Stage,
    Intake,
    Outcome,
    ReceivedAt,
    AppointmentAt,
    RepeatRequests,
}

#[derive(DeriveIden, Clone, Copy)]
enum Ratings {
    Table,
    Id,
    DossierId,
    AgencyId,
    ServiceId,
    UserId,
    At,
    Answers,
    Dissatisfied,
    Comment,
}

#[derive(DeriveIden, Clone, Copy)]
enum Feedback {
    Table,
    Id,
    Kind,
    About,
    AgencyId,
    ServiceId,
    DossierId,
    AuthorId,
    FromAgencyId,
    Subject,
    Body,
    CreatedAt,
    DueAt,
    State,
    ClosedAt,
    ClosedBy,
    Answer,
    Satisfied,
}

#[derive(DeriveIden, Clone, Copy)]
enum Incidents {
    Table,
    Impact,
    Origin,
    PublicNotice,
    ResolvedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum IncidentUpdates {
    Table,
    Id,
    IncidentId,
    At,
    By,
    Note,
    Resolves,
}

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000011_oversight"
    }
}

async fn add(m: &SchemaManager<'_>, col: ColumnDef) -> Result<(), DbErr> {
    // SQLite adds one column per ALTER TABLE.
    m.alter_table(
        Table::alter()
            .table(Dossiers::Table)
            .add_column(col)
            .to_owned(),
    )
    .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add(m, boolean(Dossiers::IntakeLate).default(false).to_owned()).await?;
        add(m, boolean(Dossiers::HandoverLate).default(false).to_owned()).await?;
        add(m, boolean(Dossiers::LateByCount).default(false).to_owned()).await?;
        add(m, big_integer_null(Dossiers::OfficeSecs)).await?;
        add(m, string_null(Dossiers::ApplicantFolded)).await?;
        add(m, string_null(Dossiers::IdIndex)).await?;
        add(m, string_null(Dossiers::PhoneIndex)).await?;
        add(m, string_null(Dossiers::ReceivedMonth)).await?;
        crate::reports::fill_marks(m.get_connection()).await?;
        // Every fact a report groups by, so that a year of dossiers is read from this index
        // alone, not from the rows with their sealed declarations.
        m.create_index(
            Index::create()
                .name("dossiers_report")
                .table(Dossiers::Table)
                .col(Dossiers::SubmittedAt)
                .col(Dossiers::AgencyId)
                .col(Dossiers::ReceivedMonth)
                .col(Dossiers::Intake)
                .col(Dossiers::Stage)
                .col(Dossiers::Outcome)
                .col(Dossiers::ReceivedAt)
                .col(Dossiers::AppointmentAt)
                .col(Dossiers::LateByCount)
                .col(Dossiers::IntakeLate)
                .col(Dossiers::HandoverLate)
                .col(Dossiers::RepeatRequests)
                .col(Dossiers::OfficeSecs)
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("dossiers_id_index", Dossiers::IdIndex),
            ("dossiers_phone_index", Dossiers::PhoneIndex),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(Dossiers::Table)
                    .col(col)
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(
            Index::create()
                .name("dossiers_agency_submitted")
                .table(Dossiers::Table)
                .col(Dossiers::AgencyId)
                .col(Dossiers::SubmittedAt)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Ratings::Table)
                .col(pk_uuid(Ratings::Id))
                .col(uuid_uniq(Ratings::DossierId))
                .col(uuid(Ratings::AgencyId))
                .col(uuid(Ratings::ServiceId))
                .col(uuid(Ratings::UserId))
                .col(timestamp_with_time_zone(Ratings::At))
                .col(text(Ratings::Answers))
                .col(boolean(Ratings::Dissatisfied))
                .col(text_null(Ratings::Comment))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ratings_agency_at")
                .table(Ratings::Table)
                .col(Ratings::AgencyId)
                .col(Ratings::At)
                .to_owned(),
        )
        .await?;
        create_feedback(m).await?;
        create_incident_tracking(m).await
    }
}

async fn create_incident_tracking(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    for col in [
        text(Incidents::Impact).default("").to_owned(),
        string(Incidents::Origin).default("reported").to_owned(),
        boolean(Incidents::PublicNotice).default(false).to_owned(),
        timestamp_with_time_zone_null(Incidents::ResolvedAt),
    ] {
        m.alter_table(
            Table::alter()
                .table(Incidents::Table)
                .add_column(col)
                .to_owned(),
        )
        .await?;
    }
    m.create_table(
        Table::create()
            .table(IncidentUpdates::Table)
            .col(pk_uuid(IncidentUpdates::Id))
            .col(uuid(IncidentUpdates::IncidentId))
            .col(timestamp_with_time_zone(IncidentUpdates::At))
            .col(uuid_null(IncidentUpdates::By))
            .col(text(IncidentUpdates::Note))
            .col(boolean(IncidentUpdates::Resolves))
            .to_owned(),
    )
    .await?;
    m.create_index(
        Index::create()
            .name("incident_updates_incident")
            .table(IncidentUpdates::Table)
            .col(IncidentUpdates::IncidentId)
            .to_owned(),
    )
    .await
}

async fn create_feedback(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        Table::create()
            .table(Feedback::Table)
            .col(pk_uuid(Feedback::Id))
            .col(string(Feedback::Kind))
            .col(string(Feedback::About))
            .col(uuid(Feedback::AgencyId))
            .col(uuid_null(Feedback::ServiceId))
            .col(uuid_null(Feedback::DossierId))
            .col(uuid(Feedback::AuthorId))
            .col(uuid_null(Feedback::FromAgencyId))
            .col(string(Feedback::Subject))
            .col(text(Feedback::Body))
            .col(timestamp_with_time_zone(Feedback::CreatedAt))
            .col(timestamp_with_time_zone(Feedback::DueAt))
            .col(string(Feedback::State))
            .col(timestamp_with_time_zone_null(Feedback::ClosedAt))
            .col(uuid_null(Feedback::ClosedBy))
            .col(text_null(Feedback::Answer))
            .col(boolean_null(Feedback::Satisfied))
            .to_owned(),
    )
    .await?;
    for (name, col) in [
        ("feedback_agency_created", Feedback::AgencyId),
        ("feedback_author", Feedback::AuthorId),
    ] {
        let mut i = Index::create();
        i.name(name).table(Feedback::Table).col(col);
        if name == "feedback_agency_created" {
            i.col(Feedback::CreatedAt);
        }
        m.create_index(i.to_owned()).await?;
    }
    Ok(())
}

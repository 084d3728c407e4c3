//! Yearly and ad hoc reports (R14) and the reminders sent once each (staff work, desk days with
//! nobody on duty, reports falling due: R10.6, R14), with the index their sweep reads.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveIden, Clone, Copy)]
enum Reports {
    Table,
    Id,
    Slot,
    Kind,
    AgencyId,
    Year,
    PeriodFrom,
    PeriodTo,
    Title,
    State,
    Body,
    CreatedBy,
    CreatedAt,
    UpdatedBy,
    UpdatedAt,
    SubmittedBy,
    SubmittedAt,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum Dossiers {
    Table,
    StepDueAt,
    ReceivedMonth,
    Intake,
    Stage,
    Outcome,
    SubmittedAt,
    AgencyId,
    ReceivedAt,
    AppointmentAt,
    LateByCount,
    IntakeLate,
    HandoverLate,
    RepeatRequests,
    OfficeSecs,
    ServiceId,
}

#[derive(DeriveIden, Clone, Copy)]
enum Reminders {
    Table,
    Topic,
    SentAt,
}

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000012_reports"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Reports::Table)
                .col(pk_uuid(Reports::Id))
                // One yearly report per agency, kind and year; an ad hoc report's slot is its id.
                .col(string_uniq(Reports::Slot))
                .col(string(Reports::Kind))
                .col(uuid(Reports::AgencyId))
                .col(integer(Reports::Year))
                .col(date(Reports::PeriodFrom))
                .col(date(Reports::PeriodTo))
                .col(string(Reports::Title))
                .col(string(Reports::State))
                .col(text(Reports::Body))
                .col(uuid(Reports::CreatedBy))
                .col(timestamp_with_time_zone(Reports::CreatedAt))
                .col(uuid(Reports::UpdatedBy))
                .col(timestamp_with_time_zone(Reports::UpdatedAt))
                .col(uuid_null(Reports::SubmittedBy))
                .col(timestamp_with_time_zone_null(Reports::SubmittedAt))
                .col(integer(Reports::Version))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("reports_year_kind")
                .table(Reports::Table)
                .col(Reports::Year)
                .col(Reports::Kind)
                .to_owned(),
        )
        .await?;
        // The reminders' sweep reads the steps falling due soon, across agencies.
        m.create_index(
            Index::create()
                .name("dossiers_step_due")
                .table(Dossiers::Table)
                .col(Dossiers::StepDueAt)
                .to_owned(),
        )
        .await?;
        // The statistics group a period's dossiers by month, channel, stage and outcome and
        // count their marks; the scorecard counts those of some services: with the index in
        // that order, holding every column they read, a year is one ordered pass over the
        // index, with nothing to sort (R9.6).
        m.create_index(
            Index::create()
                .name("dossiers_months")
                .table(Dossiers::Table)
                .col(Dossiers::ReceivedMonth)
                .col(Dossiers::Intake)
                .col(Dossiers::Stage)
                .col(Dossiers::Outcome)
                .col(Dossiers::SubmittedAt)
                .col(Dossiers::AgencyId)
                .col(Dossiers::ReceivedAt)
                .col(Dossiers::AppointmentAt)
                .col(Dossiers::LateByCount)
                .col(Dossiers::IntakeLate)
                .col(Dossiers::HandoverLate)
                .col(Dossiers::RepeatRequests)
                .col(Dossiers::OfficeSecs)
                .col(Dossiers::ServiceId)
                .to_owned(),
        )
        .await?;
        // An agency's period: the same facts read from its own range, the services too (the
        // register's order by receipt is this index's as before).
        m.drop_index(
            Index::drop()
                .name("dossiers_agency_submitted")
                .table(Dossiers::Table)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("dossiers_agency_period")
                .table(Dossiers::Table)
                .col(Dossiers::AgencyId)
                .col(Dossiers::SubmittedAt)
                .col(Dossiers::ReceivedMonth)
                .col(Dossiers::Stage)
                .col(Dossiers::Intake)
                .col(Dossiers::ServiceId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Reminders::Table)
                .col(string(Reminders::Topic).primary_key())
                .col(timestamp_with_time_zone(Reminders::SentAt))
                .to_owned(),
        )
        .await
    }
}

//! Fees and payments (R3.2, R7.1b, R7.2b, R8.2c): when each service's fee falls due, the
//! payments towards a dossier's fee, receipts numbered without gaps per agency and year, refunds
//! each linked to its payment, and every signed report the payment gateway sent (what the daily
//! reconciliation compares).
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveIden, Clone, Copy)]
enum Services {
    Table,
    FeeDue,
}

#[derive(DeriveIden, Clone, Copy)]
enum Payments {
    Table,
    Id,
    DossierId,
    AgencyId,
    Amount,
    Method,
    State,
    TxnRef,
    GatewayTxn,
    Reference,
    CreatedAt,
    ConfirmedAt,
    RecordedBy,
}

#[derive(DeriveIden, Clone, Copy)]
enum Receipts {
    Table,
    Id,
    PaymentId,
    DossierId,
    AgencyId,
    Year,
    Seq,
    Amount,
    Method,
    IssuedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ReceiptCounters {
    Table,
    AgencyId,
    Year,
    Last,
}

#[derive(DeriveIden, Clone, Copy)]
enum Refunds {
    Table,
    Id,
    PaymentId,
    DossierId,
    AgencyId,
    Amount,
    Reason,
    State,
    CreatedAt,
    ApprovedBy,
    ApprovedAt,
    PaidBy,
    PaidAt,
    Reference,
}

#[derive(DeriveIden, Clone, Copy)]
enum GatewayReports {
    Table,
    Id,
    TxnRef,
    GatewayTxn,
    Amount,
    ResponseCode,
    TransactionStatus,
    PaymentId,
    Answer,
    ReceivedAt,
}

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000008_payments"
    }
}

async fn index(
    m: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden + Clone,
    cols: &[Payments],
    unique: bool,
) -> Result<(), DbErr> {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(*c);
    }
    if unique {
        i.unique();
    }
    m.create_index(i.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Services::Table)
                .add_column(string(Services::FeeDue).default("acceptance"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Payments::Table)
                .col(uuid(Payments::Id).primary_key())
                .col(uuid(Payments::DossierId))
                .col(uuid(Payments::AgencyId))
                .col(big_integer(Payments::Amount))
                .col(string(Payments::Method))
                .col(string(Payments::State))
                .col(string_null(Payments::TxnRef))
                .col(string_null(Payments::GatewayTxn))
                .col(string_null(Payments::Reference))
                .col(timestamp_with_time_zone(Payments::CreatedAt))
                .col(timestamp_with_time_zone_null(Payments::ConfirmedAt))
                .col(uuid_null(Payments::RecordedBy))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "payments_dossier",
            Payments::Table,
            &[Payments::DossierId],
            false,
        )
        .await?;
        index(
            m,
            "payments_txn_ref",
            Payments::Table,
            &[Payments::TxnRef],
            true,
        )
        .await?;
        // One gateway transaction confirms one payment (security matrix row 51).
        index(
            m,
            "payments_gateway_txn",
            Payments::Table,
            &[Payments::Method, Payments::GatewayTxn],
            true,
        )
        .await?;
        index(
            m,
            "payments_agency_day",
            Payments::Table,
            &[Payments::AgencyId, Payments::ConfirmedAt],
            false,
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Receipts::Table)
                .col(uuid(Receipts::Id).primary_key())
                .col(uuid(Receipts::PaymentId).unique_key())
                .col(uuid(Receipts::DossierId))
                .col(uuid(Receipts::AgencyId))
                .col(integer(Receipts::Year))
                .col(big_integer(Receipts::Seq))
                .col(big_integer(Receipts::Amount))
                .col(string(Receipts::Method))
                .col(timestamp_with_time_zone(Receipts::IssuedAt))
                .index(
                    Index::create()
                        .name("receipts_number")
                        .unique()
                        .col(Receipts::AgencyId)
                        .col(Receipts::Year)
                        .col(Receipts::Seq),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ReceiptCounters::Table)
                .col(uuid(ReceiptCounters::AgencyId))
                .col(integer(ReceiptCounters::Year))
                .col(big_integer(ReceiptCounters::Last))
                .primary_key(
                    Index::create()
                        .col(ReceiptCounters::AgencyId)
                        .col(ReceiptCounters::Year),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Refunds::Table)
                .col(uuid(Refunds::Id).primary_key())
                .col(uuid(Refunds::PaymentId).unique_key())
                .col(uuid(Refunds::DossierId))
                .col(uuid(Refunds::AgencyId))
                .col(big_integer(Refunds::Amount))
                .col(text(Refunds::Reason))
                .col(string(Refunds::State))
                .col(timestamp_with_time_zone(Refunds::CreatedAt))
                .col(uuid_null(Refunds::ApprovedBy))
                .col(timestamp_with_time_zone_null(Refunds::ApprovedAt))
                .col(uuid_null(Refunds::PaidBy))
                .col(timestamp_with_time_zone_null(Refunds::PaidAt))
                .col(string_null(Refunds::Reference))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("refunds_agency_state")
                .table(Refunds::Table)
                .col(Refunds::AgencyId)
                .col(Refunds::State)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(GatewayReports::Table)
                .col(uuid(GatewayReports::Id).primary_key())
                .col(string(GatewayReports::TxnRef))
                .col(string(GatewayReports::GatewayTxn))
                .col(big_integer(GatewayReports::Amount))
                .col(string(GatewayReports::ResponseCode))
                .col(string(GatewayReports::TransactionStatus))
                .col(uuid_null(GatewayReports::PaymentId))
                .col(string(GatewayReports::Answer))
                .col(timestamp_with_time_zone(GatewayReports::ReceivedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("gateway_reports_received")
                .table(GatewayReports::Table)
                .col(GatewayReports::ReceivedAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "the payments migration is not reversible".into(),
        ))
    }
}

//! Audit records waiting for their place in the log (R4.3): on PostgreSQL a change writes its
//! record here, in its own transaction and without the log's lock, and the record is chained
//! right after the commit. (SQLite chains at once and leaves this table empty.)
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveIden, Clone, Copy)]
enum AuditPending {
    Table,
    Id,
    Entry,
}

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261210_000018_audit_pending"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AuditPending::Table)
                .col(big_pk_auto(AuditPending::Id))
                .col(text(AuditPending::Entry))
                .to_owned(),
        )
        .await
    }
}

//! The time of the last attempt on each throttle key, for the growing delay between log-in
//! attempts from one address for one account (R4.4, R4.6).
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveIden, Clone, Copy)]
enum AuthThrottle {
    Table,
    LastAt,
}

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000007_hardening"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(AuthThrottle::Table)
                .add_column(timestamp_with_time_zone_null(AuthThrottle::LastAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "the hardening migration is not reversible".into(),
        ))
    }
}

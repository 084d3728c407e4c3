//! How the person receives the result (R8.2): the choice kept with each dossier, sealed (its
//! address is personal data, R10.5). Dossiers from before have none: their return steps stay
//! as the lifecycle table allows. And how to reach a person without an account (R11.2): the
//! phone and e-mail given at the counter, sealed.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveIden, Clone, Copy)]
enum Dossiers {
    Table,
    ResultDelivery,
    Contact,
}

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261209_000017_result_delivery_and_contact"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for col in [Dossiers::ResultDelivery, Dossiers::Contact] {
            m.alter_table(
                Table::alter()
                    .table(Dossiers::Table)
                    .add_column(text_null(col))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

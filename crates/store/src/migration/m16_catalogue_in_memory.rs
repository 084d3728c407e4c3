//! The catalogue is searched in each server copy's memory (R5.1a, R4.2): the engines'
//! full-text indexes (SQLite's FTS5 table, PostgreSQL's `tsvector` column) are no longer kept.
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261208_000016_catalogue_in_memory"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let c = m.get_connection();
        match m.get_database_backend() {
            sea_orm::DatabaseBackend::Sqlite => {
                c.execute_unprepared("DROP TABLE IF EXISTS procedure_fts")
                    .await?;
            }
            _ => {
                c.execute_unprepared("DROP INDEX IF EXISTS catalogue_index_tsv")
                    .await?;
                c.execute_unprepared("ALTER TABLE catalogue_index DROP COLUMN IF EXISTS tsv")
                    .await?;
            }
        }
        Ok(())
    }
}

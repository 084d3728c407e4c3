//! The worklists' counts per stage as well (R10.6): a worklist page shows how many dossiers wait
//! at each stage, read from the counts kept with each change rather than counted per view. The
//! counts are derived data: the table is built again from the dossiers.
use sea_orm::{ConnectionTrait, Statement};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveIden, Clone, Copy)]
enum WorkCounts {
    Table,
    AgencyId,
    Queue,
    UnitId,
    AssigneeId,
    Stage,
    N,
}

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261211_000020_work_counts_by_stage"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use WorkCounts as W;
        m.drop_table(Table::drop().table(W::Table).to_owned())
            .await?;
        m.create_table(
            Table::create()
                .table(W::Table)
                .col(uuid(W::AgencyId))
                .col(string(W::Queue))
                .col(uuid(W::UnitId))
                .col(uuid(W::AssigneeId))
                .col(string(W::Stage))
                .col(big_integer(W::N))
                .primary_key(
                    Index::create()
                        .col(W::AgencyId)
                        .col(W::Queue)
                        .col(W::UnitId)
                        .col(W::AssigneeId)
                        .col(W::Stage),
                )
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT agency_id, queue, unit_id, assignee_id, stage, COUNT(*) AS n FROM dossiers \
                 WHERE queue IS NOT NULL GROUP BY agency_id, queue, unit_id, assignee_id, stage",
            ))
            .await?;
        let nil = uuid::Uuid::nil();
        for r in rows {
            let insert = Query::insert()
                .into_table(W::Table)
                .columns([
                    W::AgencyId,
                    W::Queue,
                    W::UnitId,
                    W::AssigneeId,
                    W::Stage,
                    W::N,
                ])
                .values_panic([
                    r.try_get_by_index::<uuid::Uuid>(0)?.into(),
                    r.try_get_by_index::<String>(1)?.into(),
                    r.try_get_by_index::<Option<uuid::Uuid>>(2)?
                        .unwrap_or(nil)
                        .into(),
                    r.try_get_by_index::<Option<uuid::Uuid>>(3)?
                        .unwrap_or(nil)
                        .into(),
                    r.try_get_by_index::<String>(4)?.into(),
                    r.try_get_by_index::<i64>(5)?.into(),
                ])
                .to_owned();
            m.exec_stmt(insert).await?;
        }
        Ok(())
    }
}

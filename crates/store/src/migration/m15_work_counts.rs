//! The worklists' counts (R10.6): how many dossiers each queue holds, per agency, unit and
//! assignee, kept in the same transaction as each change of a dossier's queue, so that a
//! worklist page reads its total instead of counting its rows. A nil id stands for "no unit" and
//! "no assignee" (a key column cannot be null).
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
    N,
}

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000015_work_counts"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use WorkCounts as W;
        m.create_table(
            Table::create()
                .table(W::Table)
                .col(uuid(W::AgencyId))
                .col(string(W::Queue))
                .col(uuid(W::UnitId))
                .col(uuid(W::AssigneeId))
                .col(big_integer(W::N))
                .primary_key(
                    Index::create()
                        .col(W::AgencyId)
                        .col(W::Queue)
                        .col(W::UnitId)
                        .col(W::AssigneeId),
                )
                .to_owned(),
        )
        .await?;
        // The counts of the dossiers already there.
        let db = m.get_connection();
        let backend = db.get_database_backend();
        let rows = db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT agency_id, queue, unit_id, assignee_id, COUNT(*) AS n FROM dossiers \
                 WHERE queue IS NOT NULL GROUP BY agency_id, queue, unit_id, assignee_id",
            ))
            .await?;
        for r in rows {
            let nil = uuid::Uuid::nil();
            let insert = Query::insert()
                .into_table(W::Table)
                .columns([W::AgencyId, W::Queue, W::UnitId, W::AssigneeId, W::N])
                .values_panic([
                    r.try_get_by_index::<uuid::Uuid>(0)?.into(),
                    r.try_get_by_index::<String>(1)?.into(),
                    r.try_get_by_index::<Option<uuid::Uuid>>(2)?
                        .unwrap_or(nil)
                        .into(),
                    r.try_get_by_index::<Option<uuid::Uuid>>(3)?
                        .unwrap_or(nil)
                        .into(),
                    r.try_get_by_index::<i64>(4)?.into(),
                ])
                .to_owned();
            m.exec_stmt(insert).await?;
        }
        Ok(())
    }
}

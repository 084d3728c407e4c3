//! The worklists: a role's queue at an agency, paged in due order, and its counts.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::{Dossier, row_from};
use crate::Result;
use crate::entities::dossier;
use crate::time::to_db;

/// Which worklist: a role's queue at an agency, optionally only one assignee's part of it, and
/// optionally only the dossiers of some units (and those no unit holds).
#[derive(Debug, Clone)]
pub struct Queue {
    pub agency_id: Uuid,
    pub role: motcua_domain::account::Role,
    pub assignee_id: Option<Uuid>,
    pub units: Option<Vec<Uuid>>,
}

fn queue_filter(q: &Queue) -> sea_orm::Condition {
    let mut c = sea_orm::Condition::all()
        .add(dossier::Column::AgencyId.eq(q.agency_id))
        .add(dossier::Column::Queue.eq(q.role.as_str()));
    if let Some(a) = q.assignee_id {
        c = c.add(dossier::Column::AssigneeId.eq(a));
    }
    if let Some(units) = &q.units {
        c = c.add(
            sea_orm::Condition::any()
                .add(dossier::Column::UnitId.is_null())
                .add(dossier::Column::UnitId.is_in(units.iter().copied())),
        );
    }
    c
}

/// One page of a worklist in due order, after the keyset `(step_due_at, id)` of the previous
/// page's last row: one index range scan however many dossiers are stored.
pub async fn worklist(
    c: &impl ConnectionTrait,
    q: &Queue,
    after: Option<(jiff::Timestamp, Uuid)>,
    limit: u64,
) -> Result<Vec<Dossier>> {
    let mut cond = queue_filter(q);
    if let Some((t, id)) = after {
        // A row-value comparison: both engines turn it into one range of the index.
        cond = cond.add(
            Expr::tuple([
                Expr::col(dossier::Column::StepDueAt),
                Expr::col(dossier::Column::Id),
            ])
            .gt(Expr::tuple([Expr::value(to_db(t)), Expr::value(id)])),
        );
    }
    dossier::Entity::find()
        .filter(cond)
        .order_by_asc(dossier::Column::StepDueAt)
        .order_by_asc(dossier::Column::Id)
        .limit(limit)
        .all(c)
        .await?
        .into_iter()
        .map(row_from)
        .collect()
}

/// How many dossiers a worklist holds, and how many of them are past their step's due point:
/// one pass over the worklist's index range.
pub async fn worklist_counts(
    c: &impl ConnectionTrait,
    q: &Queue,
    now: jiff::Timestamp,
) -> Result<(u64, u64)> {
    use sea_orm::sea_query::{Func, SimpleExpr};
    let late: SimpleExpr = Expr::case(
        Expr::col(dossier::Column::StepDueAt).lt(to_db(now)),
        Expr::val(1),
    )
    .into();
    let overdue: SimpleExpr = Func::count(late).into();
    let (total, overdue): (i64, i64) = dossier::Entity::find()
        .select_only()
        .column_as(Expr::col(dossier::Column::Id).count(), "total")
        .column_as(overdue, "overdue")
        .filter(queue_filter(q))
        .into_tuple()
        .one(c)
        .await?
        .unwrap_or((0, 0));
    Ok((
        u64::try_from(total).unwrap_or(0),
        u64::try_from(overdue).unwrap_or(0),
    ))
}

/// Dossiers in someone's worklist whose step falls due between `from` and `to`: the candidates
/// for a warning that a due point is near (the caller decides by office time).
pub async fn due_between(
    c: &impl ConnectionTrait,
    from: jiff::Timestamp,
    to: jiff::Timestamp,
    limit: u64,
) -> Result<Vec<Dossier>> {
    dossier::Entity::find()
        .filter(dossier::Column::Queue.is_not_null())
        .filter(dossier::Column::StepDueAt.gt(to_db(from)))
        .filter(dossier::Column::StepDueAt.lte(to_db(to)))
        .order_by_asc(dossier::Column::StepDueAt)
        .limit(limit)
        .all(c)
        .await?
        .into_iter()
        .map(row_from)
        .collect()
}

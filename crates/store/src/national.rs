//! The national portal's outbox (R6.1, R9.2): a message is written in the transaction of the
//! step that causes it, numbered after the dossier's last one; a sender takes only a dossier's
//! earliest unsent message, under a lease, so that the portal receives each dossier's messages
//! in order even with several senders.
use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::Value;
use uuid::Uuid;

use crate::entities::national_message as nm;
use crate::time::{from_db, to_db};
use crate::{Result, StoreError};

const PENDING: &str = "pending";
const SENT: &str = "sent";

/// A message for the portal.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: Uuid,
    pub dossier_id: Uuid,
    pub code: String,
    pub seq: i64,
    pub body: Value,
    pub attempts: i32,
    pub next_attempt_at: jiff::Timestamp,
    pub last_error: Option<String>,
    pub created_at: jiff::Timestamp,
    pub sent_at: Option<jiff::Timestamp>,
}

fn from(m: nm::Model) -> Result<Message> {
    Ok(Message {
        id: m.id,
        dossier_id: m.dossier_id,
        code: m.code,
        seq: m.seq,
        body: serde_json::from_str(&m.body)
            .map_err(|e| StoreError::Db(sea_orm::DbErr::Json(e.to_string())))?,
        attempts: m.attempts,
        next_attempt_at: from_db(m.next_attempt_at),
        last_error: m.last_error,
        created_at: from_db(m.created_at),
        sent_at: m.sent_at.map(from_db),
    })
}

/// Queues a message after the dossier's last one; its number goes into the body as
/// `SoThuTu`. Answers the number.
pub async fn enqueue(
    c: &impl ConnectionTrait,
    dossier_id: Uuid,
    code: &str,
    mut body: Value,
    now: jiff::Timestamp,
) -> Result<i64> {
    let last: Option<i64> = nm::Entity::find()
        .select_only()
        .column_as(nm::Column::Seq.max(), "m")
        .filter(nm::Column::DossierId.eq(dossier_id))
        .into_tuple::<Option<i64>>()
        .one(c)
        .await?
        .flatten();
    let seq = last.unwrap_or(0) + 1;
    body["SoThuTu"] = seq.into();
    nm::Entity::insert(nm::ActiveModel {
        id: Set(Uuid::now_v7()),
        dossier_id: Set(dossier_id),
        code: Set(code.into()),
        seq: Set(seq),
        body: Set(body.to_string()),
        state: Set(PENDING.into()),
        attempts: Set(0),
        next_attempt_at: Set(to_db(now)),
        lease_until: Set(None),
        lease_owner: Set(None),
        last_error: Set(None),
        created_at: Set(to_db(now)),
        sent_at: Set(None),
    })
    .exec_without_returning(c)
    .await?;
    Ok(seq)
}

/// Leases up to `limit` messages due now, each the earliest unsent one of its dossier.
pub async fn claim_due(
    c: &impl ConnectionTrait,
    owner: &str,
    now: jiff::Timestamp,
    lease: jiff::SignedDuration,
    limit: u64,
) -> Result<Vec<Message>> {
    let free = sea_orm::Condition::any()
        .add(nm::Column::LeaseUntil.is_null())
        .add(nm::Column::LeaseUntil.lt(to_db(now)));
    let due = nm::Entity::find()
        .filter(nm::Column::State.eq(PENDING))
        .filter(nm::Column::NextAttemptAt.lte(to_db(now)))
        .filter(free.clone())
        .order_by_asc(nm::Column::NextAttemptAt)
        .limit(limit * 4)
        .all(c)
        .await?;
    if due.is_empty() {
        return Ok(vec![]);
    }
    // Each dossier's earliest unsent number: a later message waits for it.
    let dossiers: Vec<Uuid> = due.iter().map(|m| m.dossier_id).collect();
    let first: HashMap<Uuid, i64> = nm::Entity::find()
        .select_only()
        .column(nm::Column::DossierId)
        .column_as(nm::Column::Seq.min(), "s")
        .filter(nm::Column::DossierId.is_in(dossiers))
        .filter(nm::Column::State.ne(SENT))
        .group_by(nm::Column::DossierId)
        .into_tuple::<(Uuid, i64)>()
        .all(c)
        .await?
        .into_iter()
        .collect();
    let mut out = vec![];
    for m in due
        .into_iter()
        .filter(|m| first.get(&m.dossier_id) == Some(&m.seq))
    {
        if out.len() as u64 == limit {
            break;
        }
        let res = nm::Entity::update_many()
            .col_expr(nm::Column::LeaseOwner, Expr::value(owner))
            .col_expr(nm::Column::LeaseUntil, Expr::value(to_db(now + lease)))
            .filter(nm::Column::Id.eq(m.id))
            .filter(nm::Column::State.eq(PENDING))
            .filter(free.clone())
            .exec(c)
            .await?;
        if res.rows_affected == 1 {
            out.push(from(m)?);
        }
    }
    Ok(out)
}

/// Records that the portal acknowledged a message (only by the lease holder).
pub async fn mark_sent(
    c: &impl ConnectionTrait,
    id: Uuid,
    owner: &str,
    now: jiff::Timestamp,
) -> Result<bool> {
    let res = nm::Entity::update_many()
        .col_expr(nm::Column::State, Expr::value(SENT))
        .col_expr(nm::Column::SentAt, Expr::value(to_db(now)))
        .col_expr(nm::Column::Attempts, Expr::col(nm::Column::Attempts).add(1))
        .col_expr(nm::Column::LastError, Expr::value(Option::<String>::None))
        .col_expr(
            nm::Column::LeaseUntil,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .filter(nm::Column::Id.eq(id))
        .filter(nm::Column::LeaseOwner.eq(owner))
        .exec(c)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Records a failed attempt; the message is tried again at `next`.
pub async fn mark_failed(
    c: &impl ConnectionTrait,
    id: Uuid,
    owner: &str,
    next: jiff::Timestamp,
    error: &str,
) -> Result<()> {
    nm::Entity::update_many()
        .col_expr(nm::Column::Attempts, Expr::col(nm::Column::Attempts).add(1))
        .col_expr(nm::Column::NextAttemptAt, Expr::value(to_db(next)))
        .col_expr(
            nm::Column::LastError,
            Expr::value(error.chars().take(500).collect::<String>()),
        )
        .col_expr(
            nm::Column::LeaseUntil,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .filter(nm::Column::Id.eq(id))
        .filter(nm::Column::LeaseOwner.eq(owner))
        .exec(c)
        .await?;
    Ok(())
}

/// The messages the portal has not acknowledged, oldest first.
pub async fn unsent(c: &impl ConnectionTrait, limit: u64) -> Result<Vec<Message>> {
    nm::Entity::find()
        .filter(nm::Column::State.eq(PENDING))
        .order_by_asc(nm::Column::CreatedAt)
        .order_by_asc(nm::Column::Seq)
        .limit(limit)
        .all(c)
        .await?
        .into_iter()
        .map(from)
        .collect()
}

/// A dossier's messages, in order.
pub async fn of_dossier(c: &impl ConnectionTrait, dossier_id: Uuid) -> Result<Vec<Message>> {
    nm::Entity::find()
        .filter(nm::Column::DossierId.eq(dossier_id))
        .order_by_asc(nm::Column::Seq)
        .all(c)
        .await?
        .into_iter()
        .map(from)
        .collect()
}

//! Notices and their deliveries: the transactional outbox (R4.2). A notice and one delivery
//! per channel are written in the caller's transaction, with the change that causes them.
use motcua_domain::notice::{DeliveryState, NoticeChannel, NoticeKind};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

pub use motcua_domain::record::{Delivery, Notice};

use crate::entities::{delivery, notice, notice_template};
use crate::seal;
use crate::time::{from_db, to_db};
use crate::{Result, StoreError};

fn bad(e: &str) -> StoreError {
    StoreError::Db(sea_orm::DbErr::Custom(e.into()))
}

fn notice_from(m: notice::Model) -> Result<Notice> {
    Ok(Notice {
        id: m.id,
        kind: NoticeKind::parse(&m.kind).ok_or_else(|| bad("kind"))?,
        user_id: m.user_id,
        dossier_id: m.dossier_id,
        recipient: seal::open_opt(m.recipient)?,
        subject: m.subject,
        body: m.body,
        sms: m.sms,
        created_at: from_db(m.created_at),
        read_at: m.read_at.map(from_db),
    })
}

fn delivery_from(m: delivery::Model) -> Result<Delivery> {
    Ok(Delivery {
        id: m.id,
        notice_id: m.notice_id,
        channel: NoticeChannel::parse(&m.channel).ok_or_else(|| bad("channel"))?,
        recipient: seal::open(&m.recipient)?,
        state: DeliveryState::parse(&m.state).ok_or_else(|| bad("state"))?,
        attempts: m.attempts,
        next_attempt_at: from_db(m.next_attempt_at),
        last_error: m.last_error,
        sent_at: m.sent_at.map(from_db),
    })
}

pub async fn insert_notice(c: &impl ConnectionTrait, n: &Notice) -> Result<()> {
    notice::Entity::insert(notice::ActiveModel {
        id: Set(n.id),
        kind: Set(n.kind.as_str().into()),
        user_id: Set(n.user_id),
        dossier_id: Set(n.dossier_id),
        recipient: Set(seal::seal_opt(n.recipient.as_deref())),
        subject: Set(n.subject.clone()),
        body: Set(n.body.clone()),
        sms: Set(n.sms.clone()),
        created_at: Set(to_db(n.created_at)),
        read_at: Set(n.read_at.map(to_db)),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

/// A notice's deliveries, one per channel.
pub async fn insert_deliveries(
    c: &impl ConnectionTrait,
    ds: &[Delivery],
    now: jiff::Timestamp,
) -> Result<()> {
    if ds.is_empty() {
        return Ok(());
    }
    // One statement for all of a notice's channels: one turn of the writer, not one each.
    let rows = ds.iter().map(|d| delivery::ActiveModel {
        id: Set(d.id),
        notice_id: Set(d.notice_id),
        channel: Set(d.channel.as_str().into()),
        recipient: Set(seal::seal(&d.recipient)),
        state: Set(d.state.as_str().into()),
        attempts: Set(d.attempts),
        next_attempt_at: Set(to_db(d.next_attempt_at)),
        lease_until: Set(None),
        lease_owner: Set(None),
        last_error: Set(None),
        sent_at: Set(d.sent_at.map(to_db)),
        created_at: Set(to_db(now)),
    });
    delivery::Entity::insert_many(rows)
        .exec_without_returning(c)
        .await?;
    Ok(())
}

/// A person's inbox: their notices (not the account ones), newest first.
pub async fn inbox(c: &impl ConnectionTrait, user: Uuid, limit: u64) -> Result<Vec<Notice>> {
    notice::Entity::find()
        .filter(notice::Column::UserId.eq(user))
        .filter(notice::Column::Recipient.is_null())
        .order_by_desc(notice::Column::CreatedAt)
        .limit(limit)
        .all(c)
        .await?
        .into_iter()
        .map(notice_from)
        .collect()
}

pub async fn unread(c: &impl ConnectionTrait, user: Uuid) -> Result<u64> {
    Ok(notice::Entity::find()
        .filter(notice::Column::UserId.eq(user))
        .filter(notice::Column::Recipient.is_null())
        .filter(notice::Column::ReadAt.is_null())
        .count(c)
        .await?)
}

/// Marks a person's notice read (only theirs).
pub async fn mark_read(
    c: &impl ConnectionTrait,
    user: Uuid,
    id: Uuid,
    now: jiff::Timestamp,
) -> Result<()> {
    notice::Entity::update_many()
        .col_expr(notice::Column::ReadAt, Expr::value(to_db(now)))
        .filter(notice::Column::Id.eq(id))
        .filter(notice::Column::UserId.eq(user))
        .filter(notice::Column::ReadAt.is_null())
        .exec(c)
        .await?;
    Ok(())
}

/// How many notices of a kind an account was sent since `since`.
pub async fn count_for_user(
    c: &impl ConnectionTrait,
    user: Uuid,
    kind: &str,
    since: jiff::Timestamp,
) -> Result<u64> {
    Ok(notice::Entity::find()
        .filter(notice::Column::UserId.eq(user))
        .filter(notice::Column::Kind.eq(kind))
        .filter(notice::Column::CreatedAt.gte(to_db(since)))
        .count(c)
        .await?)
}

pub async fn get_notice(c: &impl ConnectionTrait, id: Uuid) -> Result<Notice> {
    notice_from(
        notice::Entity::find_by_id(id)
            .one(c)
            .await?
            .ok_or(StoreError::NotFound)?,
    )
}

/// The notices of a dossier, oldest first.
pub async fn of_dossier(c: &impl ConnectionTrait, dossier: Uuid) -> Result<Vec<Notice>> {
    notice::Entity::find()
        .filter(notice::Column::DossierId.eq(dossier))
        .order_by_asc(notice::Column::CreatedAt)
        .all(c)
        .await?
        .into_iter()
        .map(notice_from)
        .collect()
}

/// The deliveries of some notices.
pub async fn deliveries_of(c: &impl ConnectionTrait, notices: &[Uuid]) -> Result<Vec<Delivery>> {
    delivery::Entity::find()
        .filter(delivery::Column::NoticeId.is_in(notices.iter().copied()))
        .all(c)
        .await?
        .into_iter()
        .map(delivery_from)
        .collect()
}

/// Claims up to `limit` due deliveries of `channel` for `owner` until `now + lease`: a row is
/// claimed only if no live lease holds it, so several server copies never send the same
/// delivery at the same time.
pub async fn claim_due(
    c: &impl ConnectionTrait,
    channel: NoticeChannel,
    owner: &str,
    now: jiff::Timestamp,
    lease: jiff::SignedDuration,
    limit: u64,
) -> Result<Vec<(Delivery, Notice)>> {
    let mut candidates = delivery::Entity::find()
        .filter(delivery::Column::State.eq(DeliveryState::Pending.as_str()))
        .filter(delivery::Column::Channel.eq(channel.as_str()))
        .filter(delivery::Column::NextAttemptAt.lte(to_db(now)))
        .filter(
            sea_orm::Condition::any()
                .add(delivery::Column::LeaseUntil.is_null())
                .add(delivery::Column::LeaseUntil.lt(to_db(now))),
        )
        .order_by_asc(delivery::Column::NextAttemptAt)
        .limit(limit);
    // On PostgreSQL two workers claim at once: each skips the rows the other is claiming, so
    // that the second takes the next batch instead of waiting for the first batch and finding
    // it taken. SQLite runs one writer at a time.
    if c.get_database_backend() == sea_orm::DbBackend::Postgres {
        candidates = candidates.lock_with_behavior(
            sea_orm::sea_query::LockType::Update,
            sea_orm::sea_query::LockBehavior::SkipLocked,
        );
    }
    let candidates = candidates.all(c).await?;
    let mut out = Vec::new();
    for m in candidates {
        let res = delivery::Entity::update_many()
            .col_expr(delivery::Column::LeaseOwner, Expr::value(owner))
            .col_expr(
                delivery::Column::LeaseUntil,
                Expr::value(to_db(now + lease)),
            )
            .filter(delivery::Column::Id.eq(m.id))
            .filter(delivery::Column::State.eq(DeliveryState::Pending.as_str()))
            .filter(
                sea_orm::Condition::any()
                    .add(delivery::Column::LeaseUntil.is_null())
                    .add(delivery::Column::LeaseUntil.lt(to_db(now))),
            )
            .exec(c)
            .await?;
        if res.rows_affected == 1 {
            let n = get_notice(c, m.notice_id).await?;
            out.push((delivery_from(m)?, n));
        }
    }
    Ok(out)
}

/// Records a successful send (only by the lease holder).
pub async fn mark_sent(
    c: &impl ConnectionTrait,
    id: Uuid,
    owner: &str,
    now: jiff::Timestamp,
) -> Result<bool> {
    let res = delivery::Entity::update_many()
        .col_expr(
            delivery::Column::State,
            Expr::value(DeliveryState::Sent.as_str()),
        )
        .col_expr(delivery::Column::SentAt, Expr::value(to_db(now)))
        .col_expr(
            delivery::Column::LeaseUntil,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .col_expr(
            delivery::Column::Attempts,
            Expr::col(delivery::Column::Attempts).add(1),
        )
        .filter(delivery::Column::Id.eq(id))
        .filter(delivery::Column::LeaseOwner.eq(owner))
        .exec(c)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Records a failed attempt: retry at `next`, or a dead letter.
pub async fn mark_failed(
    c: &impl ConnectionTrait,
    id: Uuid,
    owner: &str,
    attempts: i32,
    next: jiff::Timestamp,
    dead: bool,
    error: &str,
) -> Result<()> {
    delivery::Entity::update_many()
        .col_expr(
            delivery::Column::State,
            Expr::value(if dead {
                DeliveryState::Dead.as_str()
            } else {
                DeliveryState::Pending.as_str()
            }),
        )
        .col_expr(delivery::Column::Attempts, Expr::value(attempts))
        .col_expr(delivery::Column::NextAttemptAt, Expr::value(to_db(next)))
        .col_expr(
            delivery::Column::LeaseUntil,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .col_expr(
            delivery::Column::LastError,
            Expr::value(error.chars().take(500).collect::<String>()),
        )
        .filter(delivery::Column::Id.eq(id))
        .filter(delivery::Column::LeaseOwner.eq(owner))
        .exec(c)
        .await?;
    Ok(())
}

/// Sends a dead letter again (an administrator's decision).
pub async fn retry(c: &impl ConnectionTrait, id: Uuid, now: jiff::Timestamp) -> Result<()> {
    let res = delivery::Entity::update_many()
        .col_expr(
            delivery::Column::State,
            Expr::value(DeliveryState::Pending.as_str()),
        )
        .col_expr(delivery::Column::Attempts, Expr::value(0))
        .col_expr(delivery::Column::NextAttemptAt, Expr::value(to_db(now)))
        .filter(delivery::Column::Id.eq(id))
        .filter(delivery::Column::State.eq(DeliveryState::Dead.as_str()))
        .exec(c)
        .await?;
    if res.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// The queue as administrators see it: deliveries not yet sent, dead letters first.
pub async fn queue(c: &impl ConnectionTrait, limit: u64) -> Result<Vec<(Delivery, Notice)>> {
    let rows = delivery::Entity::find()
        .filter(delivery::Column::State.ne(DeliveryState::Sent.as_str()))
        .order_by_asc(delivery::Column::State)
        .order_by_asc(delivery::Column::NextAttemptAt)
        .limit(limit)
        .all(c)
        .await?;
    let mut out = Vec::new();
    for m in rows {
        let n = get_notice(c, m.notice_id).await?;
        out.push((delivery_from(m)?, n));
    }
    Ok(out)
}

/// A template saved by an administrator: (subject, body, sms).
pub async fn template(
    c: &impl ConnectionTrait,
    kind: NoticeKind,
) -> Result<Option<(String, String, String)>> {
    Ok(
        notice_template::Entity::find_by_id(kind.as_str().to_string())
            .one(c)
            .await?
            .map(|m| (m.subject, m.body, m.sms)),
    )
}

pub async fn save_template(
    c: &impl ConnectionTrait,
    kind: NoticeKind,
    subject: &str,
    body: &str,
    sms: &str,
    by: Option<Uuid>,
    now: jiff::Timestamp,
) -> Result<()> {
    notice_template::Entity::delete_by_id(kind.as_str().to_string())
        .exec(c)
        .await?;
    notice_template::Entity::insert(notice_template::ActiveModel {
        kind: Set(kind.as_str().into()),
        subject: Set(subject.into()),
        body: Set(body.into()),
        sms: Set(sms.into()),
        updated_at: Set(to_db(now)),
        updated_by: Set(by),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

/// The newest e-mails (development mailbox, tests): (to, subject, body, kind, created).
pub async fn recent_email(
    c: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<(String, String, String, NoticeKind, jiff::Timestamp)>> {
    let ds = delivery::Entity::find()
        .filter(delivery::Column::Channel.eq(NoticeChannel::Email.as_str()))
        .order_by_desc(delivery::Column::CreatedAt)
        .order_by_desc(delivery::Column::Id)
        .limit(limit)
        .all(c)
        .await?;
    let mut out = Vec::new();
    for d in ds {
        let n = get_notice(c, d.notice_id).await?;
        out.push((
            seal::open(&d.recipient)?,
            n.subject,
            n.body,
            n.kind,
            n.created_at,
        ));
    }
    Ok(out)
}

/// Claims a reminder by its key (what it is about and for when): `true` the first time, when
/// the caller sends it; `false` ever after, so that no reminder is sent twice, whichever server
/// copy runs the sweep.
pub async fn claim_reminder(
    c: &impl ConnectionTrait,
    key: &str,
    now: jiff::Timestamp,
) -> Result<bool> {
    let mut b = crate::dialect::Binds::new(c);
    let sql = format!(
        "INSERT INTO reminders (topic, sent_at) VALUES ({}, {}) ON CONFLICT (topic) DO NOTHING",
        b.push(key),
        b.push(to_db(now))
    );
    Ok(b.exec(c, sql).await? == 1)
}

/// Whether a reminder was sent (a read, so that a sweep writes only what it sends).
pub async fn reminder_sent(c: &impl ConnectionTrait, topic: &str) -> Result<bool> {
    let mut b = crate::dialect::Binds::new(c);
    let sql = format!("SELECT 1 FROM reminders WHERE topic = {}", b.push(topic));
    Ok(!b.all(c, sql).await?.is_empty())
}
